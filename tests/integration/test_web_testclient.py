"""The app under Litestar's own TestClient (no uvicorn): the socket protocol does not depend on one ASGI server."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from runtime.web.app import create_app
from runtime.web.settings import Settings
from tests.integration.test_web_harness import ScriptedLex, check_server_frame, fake_backends


def test_socket_and_rest_through_the_litestar_test_client(tmp_path: Path) -> None:
    app = create_app(Settings(static_dir=tmp_path), backends=fake_backends(tmp_path, ScriptedLex()), configure_logs=False)
    with TestClient(app=app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        with client.websocket_connect("/ws?token=t.alice") as ws:
            welcome = check_server_frame(ws.receive_json())
            assert welcome["type"] == "WELCOME" and welcome["userId"] == "alice"
            ws.send_text("{broken")
            assert check_server_frame(ws.receive_json())["code"] == "BAD_JSON"
            ws.send_json({"action": "sendmessage", "conversationId": "private-alice", "message": "help", "clientMessageId": "c1"})
            kinds = []
            while "BOT_RESPONSE" not in kinds:
                kinds.append(check_server_frame(ws.receive_json())["type"])
            assert kinds[:2] == ["ACK", "USER_MESSAGE"] and "BOT_TYPING" in kinds
        with client.websocket_connect("/ws", subprotocols=["chat-lex", "garbage"]) as ws, pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401 and "InvalidToken" in str(closed.value.detail)
