"""How Lex packs ``sessionState``/``messages`` into headers (PutSession, RecognizeUtterance), and the text content type.

Shared by the engine and ``utterance.py`` without one importing the other.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"


def encode_header(value: Any) -> str:
    """JSON, gzipped, base64: how Lex packs ``sessionState``/``messages`` into PutSession headers."""
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")


def decode_header(value: str) -> Any:
    """The inverse of ``encode_header``; for clients reading PutSession's answer."""
    return json.loads(gzip.decompress(base64.b64decode(value)))
