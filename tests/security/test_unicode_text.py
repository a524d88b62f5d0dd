"""Lone UTF-16 surrogates (``"\\ud800"``) in any text field: BAD_FRAME on the socket, InvalidParameter over REST.

Before the check they reached the store, the password hash or a log line and came
back as INTERNAL with a traceback, or as HTTP 500. Every string property of every
client-frame schema is tried, so a new field is covered without editing this file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from runtime.chat.protocol import ACTIONS, SCHEMA_DIR
from runtime.chat.unicode_text import find_unencodable, may_hold_surrogates
from tests.integration.test_web_harness import PASSWORD
from tests.security.conftest import signed_up

LONE = "ok\ud800"
UUID7 = "01890a5d-ac96-774b-bcce-b302099a8057"


def _string_fields(action: str) -> list[str]:
    schema = json.loads((SCHEMA_DIR / f"in.{action}.json").read_text(encoding="utf-8"))
    fields = []
    for name, sub in schema["properties"].items():
        kinds = [sub.get("type")] + [branch.get("type") for branch in sub.get("anyOf", [])]
        if "string" in kinds or "const" in sub:
            fields.append(name)
    return fields


def _valid_frame(action: str, conversation_id: str) -> dict[str, Any]:
    frames: dict[str, dict[str, Any]] = {
        "ping": {"requestId": "r1"},
        "hello": {"requestId": "r1"},
        "sendmessage": {"conversationId": conversation_id, "message": "hi", "clientMessageId": "c1", "timeZone": "Europe/Paris"},
        "history": {"conversationId": conversation_id, "before": UUID7, "limit": 5},
        "resume": {"conversationId": conversation_id, "afterMessageId": UUID7},
        "join": {"conversationId": conversation_id},
        "leave": {"conversationId": conversation_id},
        "greet": {"conversationId": conversation_id},
    }
    return {"action": action, "requestId": "r1", **frames[action]}


CASES = [(action, field) for action in ACTIONS for field in _string_fields(action)]


def test_every_string_field_of_every_frame_is_covered() -> None:
    assert {a for a, _ in CASES} == set(ACTIONS)
    assert ("sendmessage", "message") in CASES and ("resume", "afterMessageId") in CASES


@pytest.mark.parametrize(("action", "field"), CASES)
def test_lone_surrogate_in_a_frame_field_is_bad_frame(client: TestClient[Litestar], action: str, field: str) -> None:
    tokens = signed_up(client, "alice")
    with client.websocket_connect(f"/ws?token={tokens['accessToken']}") as ws:
        welcome = ws.receive_json()
        private = welcome["conversations"][0]["conversationId"]
        frame = _valid_frame(action, private)
        frame[field] = LONE
        ws.send_text(json.dumps(frame))  # ensure_ascii: the surrogate travels as the escape \ud800
        error = ws.receive_json()
        assert error["type"] == "ERROR" and error["code"] == "BAD_FRAME", error
        assert "surrogate" in error["message"] and field in error["message"]
        ws.send_json({"action": "ping", "requestId": "after"})  # the socket stays usable
        assert ws.receive_json()["type"] == "PONG"


def test_surrogates_in_keys_and_raw_bytes_frames(client: TestClient[Litestar]) -> None:
    tokens = signed_up(client, "bob")
    with client.websocket_connect(f"/ws?token={tokens['accessToken']}") as ws:
        private = ws.receive_json()["conversations"][0]["conversationId"]
        ws.send_text('{"action": "ping", "\\udfff": 1}')
        assert ws.receive_json()["code"] == "BAD_FRAME"
        # Raw surrogate bytes (CESU-style) in a binary frame: json.loads lets them through.
        raw = b'{"action":"sendmessage","conversationId":"' + private.encode() + b'","message":"x\xed\xa0\x80","clientMessageId":"b1"}'
        ws.send_bytes(raw)
        error = ws.receive_json()
        assert error["code"] == "BAD_FRAME" and "message" in error["message"]
        ws.send_json({"action": "history", "conversationId": private})
        assert ws.receive_json()["messages"] == []  # nothing was stored


REST_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("/auth/signup", {"username": "carol", "password": PASSWORD[:-1] + "\ud800", "email": "c@example.com"}),
    ("/auth/signup", {"username": "car\udc00ol", "password": PASSWORD, "email": "c@example.com"}),
    ("/auth/signup", {"username": "carol", "password": PASSWORD, "email": "c\ud800@example.com"}),
    ("/auth/login", {"username": "carol", "password": "\ud800" + PASSWORD}),
    ("/auth/confirm", {"username": "carol\ud800", "code": "123456"}),
    ("/auth/refresh", {"refreshToken": "t\ud800"}),
    ("/auth/signup", {"username": "carol", "password": PASSWORD, "\ud800": "x"}),
]


@pytest.mark.parametrize(("path", "body"), REST_BODIES)
def test_lone_surrogate_in_a_rest_body_is_invalid_parameter(client: TestClient[Litestar], path: str, body: dict[str, Any]) -> None:
    response = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "InvalidParameter" and "surrogate" in response.json()["message"]


def test_lone_surrogate_in_authenticated_rest_bodies(client: TestClient[Litestar]) -> None:
    auth = {"authorization": f"Bearer {signed_up(client, 'dave')['accessToken']}", "content-type": "application/json"}
    for path, body in [("/api/rooms", {"title": "room\ud800"}), ("/api/rooms", {"title": "room", "botMode": "\ud800"})]:
        response = client.post(path, content=json.dumps(body), headers=auth)
        assert response.status_code == 400 and response.json()["error"] == "InvalidParameter", response.text
    logout = client.post("/auth/logout", content=json.dumps({"refreshToken": "\ud800"}), headers=auth)
    assert logout.status_code == 400 and "surrogate" in logout.json()["message"]
    assert client.get("/api/conversations", headers=auth).json()["conversations"][0]["kind"] == "private"  # no room made


def test_surrogate_bytes_in_the_url_are_not_a_500(client: TestClient[Litestar]) -> None:
    auth = {"authorization": f"Bearer {signed_up(client, 'erin')['accessToken']}"}
    for path in ("/api/conversations/%ED%A0%80/messages", "/api/conversations/x/messages?before=%ED%A0%80", "/static/%ED%A0%80.js"):
        response = client.get(path, headers=auth)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    with client.websocket_connect(f"/ws?token={signed_up(client, 'fay')['accessToken']}&tz=%ED%A0%80") as ws:
        assert ws.receive_json()["type"] == "WELCOME"
        assert ws.receive_json()["code"] == "BAD_TIME_ZONE"


def test_the_walk_finds_nested_values_and_the_shortcut_is_safe() -> None:
    assert find_unencodable({"a": [1, {"b": "x\udfff"}]}) == "a/1/b"
    assert find_unencodable({"a": ["fine", "é", "😀"]}) is None
    assert may_hold_surrogates('{"a": "\\ud800"}') and may_hold_surrogates(b'{"a": "\xed\xa0\x80"}')
    assert not may_hold_surrogates('{"a": "plain é 😀"}')


def test_real_emoji_and_accents_still_pass(client: TestClient[Litestar]) -> None:
    tokens = signed_up(client, "gus")
    with client.websocket_connect(f"/ws?token={tokens['accessToken']}") as ws:
        private = ws.receive_json()["conversations"][0]["conversationId"]
        ws.send_text(
            json.dumps({"action": "sendmessage", "conversationId": private, "message": "héllo \U0001f600", "clientMessageId": "e1"})
        )
        assert ws.receive_json()["type"] == "ACK"


def test_users_add_with_undecodable_password_bytes_is_a_clear_error(tmp_path: Path) -> None:
    """Bytes piped to ``users add --password-stdin`` decode to surrogates; it once crashed inside scrypt."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CHAT_LEX_STORE": f"sqlite:{tmp_path / 'users.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "tools.cli", "users", "add", "zed", "--email", "z@example.com", "--password-stdin"],
        input=PASSWORD.encode() + b"\xff\n",
        capture_output=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1 and "Traceback" not in err and "not valid UTF-8" in err, err


def test_check_password_size_refuses_surrogates_for_every_provider() -> None:
    from runtime.auth.base import AuthError
    from runtime.auth.input_limits import check_password_size

    with pytest.raises(AuthError) as caught:
        check_password_size(PASSWORD + "\udcff")
    assert caught.value.code == "InvalidParameter"
    assert check_password_size(PASSWORD + "é😀") == PASSWORD + "é😀"
