"""RecognizeUtterance with text input, as Lex shapes it: state in, answer out, as gzip+base64 headers.

The body is the user's text (``Content-Type: text/plain; charset=utf-8``); audio input needs
speech recognition, which the local engine does not have, so audio content types are refused
with a ValidationException naming the one accepted type. The turn itself is RecognizeText's.
"""

from __future__ import annotations

import binascii
import io
import json
import zlib
from typing import Any

from runtime.lex.errors import ValidationException
from runtime.lex.header_codec import TEXT_CONTENT_TYPE, encode_header

MAX_HEADER_CHARS = 48 * 1024  # a gzip+base64 state header; Lex caps attributes at 12 kB, state is small
MAX_INFLATED_BYTES = 256 * 1024  # a header may not inflate past this (gzip bombs)


def is_text_type(content_type: str | None) -> bool:
    """``text/plain`` with no charset or charset utf-8 (any case, any spacing)."""
    if not content_type:
        return False
    kind, *params = [part.strip().lower() for part in content_type.split(";")]
    if kind != "text/plain":
        return False
    charsets = [p.partition("=")[2].strip().strip('"') for p in params if p.startswith("charset")]
    return all(c in ("utf-8", "utf8") for c in charsets)


def check_content_types(request_type: str | None, response_type: str | None) -> None:
    """Text in, text out; anything else is refused with the reason."""
    if not request_type:
        raise ValidationException("Content-Type is required: text/plain; charset=utf-8 for text input")
    if not is_text_type(request_type):
        if request_type.strip().lower().startswith("audio/"):
            raise ValidationException(
                f"Content-Type {request_type[:100]!r}: the local Lex engine has no speech recognition; "
                "send the utterance as text with Content-Type text/plain; charset=utf-8"
            )
        raise ValidationException(f"Content-Type {request_type[:100]!r} is not supported; use text/plain; charset=utf-8")
    if response_type and not is_text_type(response_type):
        raise ValidationException(
            f"Response-Content-Type {response_type[:100]!r}: the local Lex engine answers text only (text/plain; charset=utf-8)"
        )


def decode_request_header(name: str, value: str | None) -> Any:
    """A gzip+base64 JSON request header, or None when absent; ValidationException names it when bad."""
    if value is None or value == "":
        return None
    if len(value) > MAX_HEADER_CHARS:
        raise ValidationException(f"{name} is {len(value)} characters; at most {MAX_HEADER_CHARS} are accepted")
    try:
        inflater = zlib.decompressobj(wbits=31)  # gzip framing
        raw = inflater.decompress(binascii.a2b_base64(value.encode("ascii"), strict_mode=True), MAX_INFLATED_BYTES + 1)
        if len(raw) > MAX_INFLATED_BYTES or inflater.unconsumed_tail:
            raise ValidationException(f"{name} inflates past {MAX_INFLATED_BYTES} bytes")
        if not inflater.eof:
            raise ValueError("truncated gzip stream")
        decoded = json.loads(raw)
    except ValidationException:
        raise
    except RecursionError:
        raise ValidationException(f"{name} is nested too deeply") from None
    except (ValueError, UnicodeError, zlib.error, binascii.Error) as exc:
        raise ValidationException(f"{name} must be gzip-compressed, base64-encoded JSON ({str(exc)[:100]})") from None
    return decoded


def read_text(body: bytes) -> str:
    """The utterance from a text/plain body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationException("the request body is not valid UTF-8 text") from None
    if not text:
        raise ValidationException("the request body is empty: send the user's utterance, 1-1024 characters")
    return text


def recognize_utterance(
    runtime: Any,
    ids: dict[str, str],
    *,
    body: bytes,
    request_type: str | None,
    response_type: str | None,
    session_state: str | None,
    request_attributes: str | None,
) -> dict[str, str]:
    """Run one text turn; return the response headers (the body is empty for a text answer)."""
    check_content_types(request_type, response_type)
    state = decode_request_header("x-amz-lex-session-state", session_state)
    attributes = decode_request_header("x-amz-lex-request-attributes", request_attributes)
    if state is not None and not isinstance(state, dict):
        raise ValidationException("x-amz-lex-session-state must hold a JSON object (a SessionState)")
    if attributes is not None and not (isinstance(attributes, dict) and all(isinstance(v, str) for v in attributes.values())):
        raise ValidationException("x-amz-lex-request-attributes must hold a JSON object of strings")
    text = read_text(body)
    params: dict[str, Any] = {"text": text}
    if state is not None:
        params["sessionState"] = state
    if attributes is not None:
        params["requestAttributes"] = attributes
    result = runtime.recognize_text(**ids, **params)
    headers = {
        "content-type": TEXT_CONTENT_TYPE,
        "x-amz-lex-input-mode": "Text",
        "x-amz-lex-session-id": result["sessionId"],
        "x-amz-lex-session-state": encode_header(result["sessionState"]),
        "x-amz-lex-interpretations": encode_header(result.get("interpretations") or []),
        "x-amz-lex-input-transcript": encode_header(text),
    }
    if result.get("messages"):
        headers["x-amz-lex-messages"] = encode_header(result["messages"])
    if result.get("requestAttributes"):
        headers["x-amz-lex-request-attributes"] = encode_header(result["requestAttributes"])
    return headers


# Response header -> the boto3 output member that carries it (botocore's lexv2-runtime model).
_MEMBERS = {
    "content-type": "contentType",
    "x-amz-lex-input-mode": "inputMode",
    "x-amz-lex-session-id": "sessionId",
    "x-amz-lex-session-state": "sessionState",
    "x-amz-lex-interpretations": "interpretations",
    "x-amz-lex-input-transcript": "inputTranscript",
    "x-amz-lex-messages": "messages",
    "x-amz-lex-request-attributes": "requestAttributes",
}


def recognize_utterance_result(runtime: Any, ids: dict[str, str], **request: Any) -> dict[str, Any]:
    """The same turn as ``recognize_utterance``, shaped as boto3's answer (members, and an empty audioStream)."""
    headers = recognize_utterance(runtime, ids, **request)
    out: dict[str, Any] = {_MEMBERS[name]: value for name, value in headers.items()}
    out["audioStream"] = io.BytesIO(b"")
    return out
