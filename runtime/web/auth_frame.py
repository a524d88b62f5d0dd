"""The first frame of a socket opened without a token: ``{"action": "auth", "token": "<access token>"}``."""

from __future__ import annotations

import json

from runtime.chat.protocol import validator

MAX_AUTH_FRAME_BYTES = 9 * 1024  # a token of at most 8192 characters, and the JSON around it


class AuthFrameError(ValueError):
    """The first frame was not a valid auth frame; the message says why (it never repeats the frame)."""


def parse_auth_frame(raw: str | bytes) -> str:
    """The token an auth frame carries, or ``AuthFrameError``."""
    if len(raw) > MAX_AUTH_FRAME_BYTES:
        raise AuthFrameError(f"the auth frame is over {MAX_AUTH_FRAME_BYTES} bytes")
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        raise AuthFrameError('the first frame is not JSON; send {"action": "auth", "token": "<access token>"}') from None
    if not isinstance(frame, dict) or frame.get("action") != "auth":
        raise AuthFrameError('the first frame must be {"action": "auth", "token": "<access token>"}')
    if not validator("in.auth").is_valid(frame):
        # The validator's message could quote the token; say what is wanted instead.
        raise AuthFrameError("the auth frame needs exactly a 'token' string of at most 8192 URL-safe characters")
    token: str = frame["token"]
    return token
