"""The seed's runtime scenarios end to end with the default stack: local engine on the seed bot, SQLite, local auth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime.web.settings import Settings
from tests.integration.test_web_harness import Client, RunningServer, log_in
from tests.integration.test_web_harness import sign_up as harness_sign_up

SEED_BOT = Path(__file__).resolve().parents[2] / "bot_spec" / "chatbot"


def default_stack(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "bot": f"local:{SEED_BOT}",
        "store": f"sqlite:{tmp_path / 'var' / 'chat.db'}",
        "auth_key_dir": str(tmp_path / "var" / "keys"),
        "static_dir": tmp_path / "static",
    }
    values.update(changes)
    return Settings(**values)


async def login(server: RunningServer, username: str, *, sign_up: bool) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        if sign_up:
            await harness_sign_up(http, username)
        token: str = (await log_in(http, username))["accessToken"]
        return token


async def test_the_seed_bot_answers_help_in_the_private_conversation(tmp_path: Path) -> None:
    server = RunningServer(default_stack(tmp_path)).start()
    try:
        token = await login(server, "alice", sign_up=True)
        alice = await Client.open(server.ws_url(token, tz="Europe/Paris"))
        private = alice.frames[0]["conversations"][0]["conversationId"]
        await alice.send({"action": "sendmessage", "conversationId": private, "message": "help", "clientMessageId": "h1"})
        ack = await alice.until_type("ACK")
        own = await alice.until_type("USER_MESSAGE")
        assert own["message"]["messageId"] == ack["messageId"]
        reply = await alice.until_type("BOT_RESPONSE", timeout=20)
        assert "I can help you" in reply["message"]["content"]
        metadata = reply["message"]["metadata"]
        assert metadata["intent"] == "Help" and metadata["confidence"] == pytest.approx(1.0)
        assert metadata["inReplyTo"] == ack["messageId"]
        await alice.close()
    finally:
        server.stop()


async def test_messages_and_users_survive_an_app_restart_on_the_same_sqlite_file(tmp_path: Path) -> None:
    settings = default_stack(tmp_path, bot="none")
    first = RunningServer(settings).start()
    try:
        token = await login(first, "alice", sign_up=True)
        alice = await Client.open(first.ws_url(token))
        private = alice.frames[0]["conversations"][0]["conversationId"]
        sent = []
        for i in range(3):
            await alice.send(
                {"action": "sendmessage", "conversationId": private, "message": f"before restart {i}", "clientMessageId": f"r{i}"}
            )
            sent.append((await alice.until_type("ACK"))["messageId"])
        await alice.close()
    finally:
        first.stop()
    second = RunningServer(settings).start()
    try:
        token = await login(second, "alice", sign_up=False)  # the account is still there
        alice = await Client.open(second.ws_url(token))
        await alice.send({"action": "history", "conversationId": private})
        page = await alice.until_type("HISTORY")
        assert [m["messageId"] for m in page["messages"]] == sent
        # A retry of a message sent before the restart is still recognised.
        await alice.send({"action": "sendmessage", "conversationId": private, "message": "before restart 0", "clientMessageId": "r0"})
        ack = await alice.until_type("ACK")
        assert ack["duplicate"] is True and ack["messageId"] == sent[0]
        await alice.close()
    finally:
        second.stop()
