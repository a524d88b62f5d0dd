"""Lex session ids per (conversation, user), and IANA time-zone names for `x-amz-lex:time-zone`."""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from functools import lru_cache

# Lex V2: sessionId is 2-100 characters of [0-9a-zA-Z._:-].
SESSION_ID_PATTERN = re.compile(r"[0-9a-zA-Z._:-]{2,100}")
_UNSAFE = re.compile(r"[^0-9a-zA-Z._:-]")


def lex_session_id(conversation_id: str, user_id: str) -> str:
    """A readable id when both parts are safe and short; otherwise a stable hash of both."""
    candidate = f"{conversation_id}:{user_id}"
    if SESSION_ID_PATTERN.fullmatch(candidate) and not _UNSAFE.search(candidate):
        return candidate
    digest = hashlib.sha256(f"{conversation_id}\x00{user_id}".encode()).hexdigest()
    return f"s.{digest[:64]}"


@lru_cache(maxsize=1024)
def is_time_zone(name: str) -> bool:
    """True for an IANA zone name that the zoneinfo database knows ("Europe/Paris", "UTC")."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name or "\\" in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
