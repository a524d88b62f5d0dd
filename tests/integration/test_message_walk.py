"""A chat message's walk through the code, from the socket to the store to the subscribers, measured.

The walk is the chain of project files a `sendmessage` frame's message passes through: the call stack (files under
`runtime/`, consecutive frames of one file counted once) when the store takes the message, followed by the call
stack when a subscriber's socket takes the event, from where the two part. docs/architecture.md walks the same
stops. The issue that set the bound ("one redesign step"): at most 10 stops, and none returns to a file the message
had already left (the chat layer calling back into the transport, or the fan-out into itself through the channel).
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from litestar.testing import TestClient

from runtime.store.group_commit import GroupCommitWriter
from runtime.web.app import create_app
from runtime.web.settings import Settings
from runtime.web.socket_writer import SocketWriter
from tests.integration.test_web_harness import ScriptedLex, check_server_frame, fake_backends

ROOT = Path(__file__).resolve().parents[2]
MAX_STOPS = 10


def project_files_on_stack() -> list[str]:
    """The runtime files on the caller's stack, outermost first, each run of frames of one file counted once."""
    files: list[str] = []
    for frame in traceback.extract_stack()[:-2]:
        path = Path(frame.filename)
        if not path.is_relative_to(ROOT / "runtime"):
            continue
        name = path.relative_to(ROOT).as_posix()
        if not files or files[-1] != name:
            files.append(name)
    return files


def walk_of_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    stacks: dict[str, list[str]] = {}
    submit, deliver = GroupCommitWriter.submit, SocketWriter.deliver

    def spy_submit(self: GroupCommitWriter, *args: object, **kwargs: object) -> object:
        stacks.setdefault("store", [*project_files_on_stack(), "runtime/store/group_commit.py"])
        return submit(self, *args, **kwargs)  # type: ignore[arg-type]

    def spy_deliver(self: SocketWriter, envelope: object) -> bool:
        if '"USER_MESSAGE"' in getattr(envelope, "text", ""):
            stacks.setdefault("deliver", [*project_files_on_stack(), "runtime/web/socket_writer.py"])
        return deliver(self, envelope)  # type: ignore[arg-type]

    monkeypatch.setattr(GroupCommitWriter, "submit", spy_submit)
    monkeypatch.setattr(SocketWriter, "deliver", spy_deliver)
    app = create_app(Settings(static_dir=tmp_path), backends=fake_backends(tmp_path, ScriptedLex()), configure_logs=False)
    with TestClient(app=app) as client, client.websocket_connect("/ws?token=t.alice") as ws:
        check_server_frame(ws.receive_json())
        stacks.clear()  # the walk of the message, not of the connection's opening
        frame = {"action": "sendmessage", "conversationId": "private-alice", "message": "hi", "clientMessageId": "w1"}
        ws.send_json(frame)
        kinds = [check_server_frame(ws.receive_json())["type"] for _ in range(2)]
        assert kinds == ["ACK", "USER_MESSAGE"]
    store, delivered = stacks["store"], stacks["deliver"]
    shared = 0
    while shared < min(len(store), len(delivered)) and store[shared] == delivered[shared]:
        shared += 1
    return store + delivered[shared:]


def returns_in(walk: list[str]) -> list[str]:
    """Files the walk comes back to after having left them."""
    return [name for index, name in enumerate(walk) if name in walk[:index]]


def test_a_message_walks_at_most_ten_stops_and_never_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walk = walk_of_one_message(tmp_path, monkeypatch)
    print("\n".join(f"{n}. {name}" for n, name in enumerate(walk, 1)))
    assert walk[0] == "runtime/web/ws_endpoint.py" and walk[-1] == "runtime/web/socket_writer.py", walk
    assert "runtime/store/group_commit.py" in walk and "runtime/chat/service.py" in walk, walk
    assert len(walk) <= MAX_STOPS, walk
    assert returns_in(walk) == [], walk


def test_the_measure_sees_a_return() -> None:
    """The check above can fail: a walk that comes back to the fan-out through the channel has a return."""
    walk = ["runtime/chat/service.py", "runtime/chat/fanout.py", "runtime/chat/channels.py", "runtime/chat/fanout.py"]
    assert returns_in(walk) == ["runtime/chat/fanout.py"]
