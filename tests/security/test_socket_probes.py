"""Probes of the socket and the REST API that pass today and must stay passing.

Forged tokens close the socket with 4401 before any data; a user cannot read, write or
join another user's private conversation, nor read or write a room they are not in.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm
from litestar import Litestar
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from runtime.auth.local import LocalIdentityProvider
from runtime.store import open_store
from tests.integration.test_web_harness import PASSWORD
from tests.security.conftest import signed_up


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _json_b64(doc: dict[str, Any]) -> str:
    return _b64(json.dumps(doc, separators=(",", ":")).encode())


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, sig = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(head), decode(body), sig


def _close_code(client: TestClient[Litestar], token: str) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(f"/ws?token={token}") as ws:
        ws.receive_json()
    return closed.value.code, str(closed.value.detail)


def _expired_token(app: Litestar, key_dir: Path, username: str) -> str:
    """A token signed with the server's own key, minted long ago (so expired)."""
    settings = app.state.chat.settings

    async def mint() -> str:
        store = open_store(settings.store)
        try:
            past = LocalIdentityProvider(store, key_dir, settings.auth_issuer, settings.auth_client_id, clock=lambda: 1_000_000.0)
            return (await past.sign_in(username, PASSWORD)).access_token
        finally:
            await store.close()

    return asyncio.run(mint())


def test_forged_tokens_close_the_socket_with_4401(app: Litestar, client: TestClient[Litestar], key_dir: Path) -> None:
    real = signed_up(client, "alice")["accessToken"]
    head, claims, sig = _parts(real)
    jwk = client.get("/.well-known/jwks.json").json()["keys"][0]
    public_pem = RSAAlgorithm.from_jwk(json.dumps(jwk)).public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    none_head = _json_b64({**head, "alg": "none"})
    hs_head = _json_b64({**head, "alg": "HS256"})
    hs_mac = hmac.new(public_pem, f"{hs_head}.{_json_b64(claims)}".encode(), hashlib.sha256).digest()
    forgeries = {
        "alg none": f"{none_head}.{_json_b64(claims)}.",
        "HS256 keyed with the public key": f"{hs_head}.{_json_b64(claims)}.{_b64(hs_mac)}",
        "tampered payload": f"{real.split('.')[0]}.{_json_b64({**claims, 'sub': 'bob', 'username': 'bob'})}.{sig}",
        "expired": _expired_token(app, key_dir, "alice"),
        "garbage": "x.y.z",
    }
    for label, token in forgeries.items():
        code, reason = _close_code(client, token)
        assert code == 4401, (label, code, reason)
        assert ("TokenExpired" if label == "expired" else "InvalidToken") in reason, (label, reason)
    with client.websocket_connect(f"/ws?token={real}") as ws:  # the real one still works
        assert ws.receive_json()["type"] == "WELCOME"


def _welcome_private(client: TestClient[Litestar], token: str) -> str:
    with client.websocket_connect(f"/ws?token={token}") as ws:
        conversation_id: str = ws.receive_json()["conversations"][0]["conversationId"]
    return conversation_id


def test_no_access_to_another_users_private_conversation(client: TestClient[Litestar]) -> None:
    alice, bob = signed_up(client, "alice")["accessToken"], signed_up(client, "bob")["accessToken"]
    alices = _welcome_private(client, alice)
    with client.websocket_connect(f"/ws?token={alice}") as ws:
        ws.receive_json()
        ws.send_json({"action": "sendmessage", "conversationId": alices, "message": "my secret", "clientMessageId": "s1"})
        assert ws.receive_json()["type"] == "ACK"
    with client.websocket_connect(f"/ws?token={bob}") as ws:
        welcome = ws.receive_json()
        assert alices not in [c["conversationId"] for c in welcome["conversations"]]
        for frame in (
            {"action": "history", "conversationId": alices},
            {"action": "resume", "conversationId": alices, "afterMessageId": None},
            {"action": "sendmessage", "conversationId": alices, "message": "hi", "clientMessageId": "b1"},
            {"action": "join", "conversationId": alices},
        ):
            ws.send_json(frame)
            reply = ws.receive_json()
            assert reply["type"] == "ERROR" and reply["code"] in ("NOT_A_MEMBER", "NOT_FOUND"), (frame, reply)
            assert "my secret" not in json.dumps(reply)
    auth = {"authorization": f"Bearer {bob}"}
    assert client.get(f"/api/conversations/{alices}/messages", headers=auth).status_code in (403, 404)
    assert client.post(f"/api/rooms/{alices}/members", headers=auth).status_code in (403, 404)
    history = client.get(f"/api/conversations/{alices}/messages", headers={"authorization": f"Bearer {alice}"}).json()
    assert [m["content"] for m in history["messages"]] == ["my secret"]  # bob's attempt stored nothing


def test_no_access_to_a_room_before_joining_it(client: TestClient[Litestar]) -> None:
    alice, carol = signed_up(client, "alice")["accessToken"], signed_up(client, "carol")["accessToken"]
    room = client.post("/api/rooms", json={"title": "Team"}, headers={"authorization": f"Bearer {alice}"}).json()["conversationId"]
    auth = {"authorization": f"Bearer {carol}"}
    assert client.get(f"/api/conversations/{room}/messages", headers=auth).status_code in (403, 404)
    with client.websocket_connect(f"/ws?token={carol}") as ws:
        ws.receive_json()
        for frame in (
            {"action": "history", "conversationId": room},
            {"action": "sendmessage", "conversationId": room, "message": "hi", "clientMessageId": "c1"},
            {"action": "leave", "conversationId": room},
        ):
            ws.send_json(frame)
            reply = ws.receive_json()
            assert reply["type"] == "ERROR" and reply["code"] in ("NOT_A_MEMBER", "NOT_FOUND"), (frame, reply)
    assert client.post(f"/api/rooms/{room}/members", headers=auth).status_code == 200  # joining by id is the room's invitation
    assert client.get(f"/api/conversations/{room}/messages", headers=auth).status_code == 200


def test_binary_frames_are_parsed_like_text_and_garbage_bytes_get_bad_json(client: TestClient[Litestar]) -> None:
    token = signed_up(client, "dan")["accessToken"]
    with client.websocket_connect(f"/ws?token={token}") as ws:
        ws.receive_json()
        ws.send_bytes(b"\xff\xfe\x00garbage")
        assert ws.receive_json()["code"] == "BAD_JSON"
        ws.send_bytes(b'{"action": "ping", "requestId": "b"}')
        assert ws.receive_json()["type"] == "PONG"
        ws.send_bytes(b"[" * 20_000)
        assert ws.receive_json()["code"] == "FRAME_TOO_LARGE"
