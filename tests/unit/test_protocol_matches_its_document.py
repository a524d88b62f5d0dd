"""runtime/chat/protocol.py and docs/protocol.md describe one protocol: every client action and server event is in the
document's tables with its schema, every schema is in the module's use, and the events the module builds validate."""

from __future__ import annotations

import re
from pathlib import Path

from runtime.chat import protocol
from runtime.chat.errors import ChatError
from runtime.store.base import Conversation, StoredMessage

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([A-Za-z_]+)`(?: / `([A-Za-z_]+)`)? \|", re.MULTILINE)


def _table(heading: str) -> set[str]:
    section = DOCUMENT.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return {name for match in ROW.finditer(section) for name in match.groups() if name}


def _built_events() -> dict[str, dict[str, object]]:
    message = StoredMessage("0190a5d0-ac96-774b-bcce-b302099a8057", "c1", "u1", "U", "user", "hi", "m1", 1767323045.678)
    room = Conversation("room-1", "room", "Room", "u1", ("u1",), "mention", 1767323045.0)
    built = [
        protocol.welcome_event("u1", "U", "conn", [room], locales=[{"localeId": "en_US", "name": "English"}], default_locale="en_US"),
        protocol.ack_event("m1", message.message_id, "c1", duplicate=False),
        protocol.message_event("USER_MESSAGE", message),
        protocol.message_event("BOT_RESPONSE", StoredMessage(**{**message.__dict__, "role": "bot", "sender_id": "bot"})),
        protocol.typing_event("c1", typing=True),
        protocol.error_event(ChatError("BAD_FRAME", "no", client_message_id="m1", conversation_id="c1")),
        protocol.presence_event("room-1", "u2", "V", "online"),
        protocol.history_event("c1", [message], None),
        protocol.resumed_event("c1", [message], done=True),
        protocol.joined_event(room),
        protocol.left_event("room-1"),
        protocol.pong_event(),
    ]
    return {str(event["type"]): event for event in built}


def test_every_client_action_is_documented_with_its_schema() -> None:
    documented = _table("Client frames")
    assert set(protocol.ACTIONS) | {"auth"} == documented
    for action in documented:
        assert f"(../runtime/chat/schemas/in.{action}.json)" in DOCUMENT, action
        assert (protocol.SCHEMA_DIR / f"in.{action}.json").is_file(), action


def test_every_server_event_is_built_here_documented_and_valid() -> None:
    events = _built_events()
    assert set(events) == _table("Server frames")
    for kind, event in events.items():
        assert f"(../runtime/chat/schemas/out.{kind}.json)" in DOCUMENT, kind
        problems = [e.message for e in protocol.validator(f"out.{kind}").iter_errors(event)]
        assert not problems, (kind, problems)


def test_no_schema_is_left_without_a_frame() -> None:
    names = {p.stem for p in protocol.SCHEMA_DIR.glob("*.json")}
    expected = {f"in.{a}" for a in (*protocol.ACTIONS, "auth")} | {f"out.{k}" for k in _built_events()} | {"message"}
    assert names == expected
