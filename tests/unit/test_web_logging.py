"""JSON-lines logs: one object per line, ids included, message content only in debug mode."""

from __future__ import annotations

import io
import json
import logging

from runtime.web.json_logging import configure_logging


def emit(debug: bool) -> dict[str, object]:
    stream = io.StringIO()
    configure_logging("debug", debug=debug, stream=stream)
    logging.getLogger("chat_lex.ws").info(
        "message", extra={"connection_id": "c1", "user_id": "u1", "message_id": "m1", "content": "secret text"}
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry: dict[str, object] = json.loads(lines[0])
    return entry


def test_ids_are_logged_and_content_is_not() -> None:
    entry = emit(debug=False)
    assert entry["event"] == "message" and entry["level"] == "info"
    assert (entry["connection_id"], entry["user_id"], entry["message_id"]) == ("c1", "u1", "m1")
    assert "content" not in entry
    assert str(entry["ts"]).endswith("Z")


def test_debug_mode_logs_content() -> None:
    assert emit(debug=True)["content"] == "secret text"
