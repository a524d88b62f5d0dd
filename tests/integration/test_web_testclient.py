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


def test_the_socket_offers_the_bots_locales_and_asks_lex_in_the_picked_one(tmp_path: Path) -> None:
    from runtime.chat.bot_participant import BotLocale, BotParticipant, BotTarget

    lex = ScriptedLex()
    backends = fake_backends(tmp_path, lex)
    backends.bot = BotParticipant(lex, BotTarget("BOT", "ALIAS", "en_US"), locales=(BotLocale("es_ES", "Español"),))
    app = create_app(Settings(static_dir=tmp_path), backends=backends, configure_logs=False)
    with TestClient(app=app) as client, client.websocket_connect("/ws?token=t.alice") as ws:
        welcome = check_server_frame(ws.receive_json())
        assert welcome["defaultLocale"] == "en_US"
        assert [loc["localeId"] for loc in welcome["locales"]] == ["es_ES", "en_US"]
        base = {"action": "sendmessage", "conversationId": "private-alice", "message": "hola"}
        for bad, cmid in (("fr_FR", "c1"), ("es_ES\n", "c2"), ("<b>", "c3")):
            ws.send_json({**base, "clientMessageId": cmid, "localeId": bad})
            refused = check_server_frame(ws.receive_json())
            assert refused["code"] == "BAD_FRAME" and refused["clientMessageId"] == cmid, refused
        ws.send_json({**base, "clientMessageId": "c4", "localeId": "es_ES"})
        kinds = []
        while "BOT_RESPONSE" not in kinds:
            kinds.append(check_server_frame(ws.receive_json())["type"])
        ws.send_json({"action": "history", "conversationId": "private-alice"})
        history = check_server_frame(ws.receive_json())
        while history["type"] != "HISTORY":  # the end of the bot's typing may come first
            history = check_server_frame(ws.receive_json())
    assert [c["localeId"] for c in lex.calls] == ["es_ES"]  # the refused frames reached neither Lex nor the store
    assert [m["clientMessageId"] for m in history["messages"] if m["role"] == "user"] == ["c4"]
