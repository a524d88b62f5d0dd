"""The app with `CHAT_LEX_AUTH=cognito` against moto's Cognito (server mode): sign-up, confirm, login, then chat.

moto accepts any confirmation code and serves the pool's JWKS locally (see DESIGN.md); the provider fetches it
from the endpoint we give, which is what the app wires from the settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from runtime.web.settings import Settings
from tests.fakes.moto_cognito import make_pool, moto_endpoint
from tests.integration.test_web_harness import Client, RunningServer

PASSWORD = "Correct-Horse-9"


@pytest.fixture
def cognito() -> Iterator[tuple[str, str, str]]:
    with moto_endpoint() as endpoint:
        pool, app = make_pool(endpoint, auto_verify_email=True)
        yield endpoint, pool, app


async def test_cognito_backed_app_signs_up_logs_in_and_chats(tmp_path: Path, cognito: tuple[str, str, str]) -> None:
    endpoint, pool, app = cognito
    settings = Settings(
        bot="none",
        store=f"sqlite:{tmp_path / 'chat.db'}",
        auth="cognito",
        cognito_user_pool_id=pool,
        cognito_client_id=app,
        cognito_region="us-east-1",
        cognito_endpoint=endpoint,
        static_dir=tmp_path,
    )
    server = RunningServer(settings).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            signed = await http.post("/auth/signup", json={"username": "alice", "password": PASSWORD, "email": "alice@example.com"})
            assert signed.status_code == 201, signed.text
            confirmed = await http.post("/auth/confirm", json={"username": "alice", "code": "123456"})
            assert confirmed.status_code == 200, confirmed.text
            login = await http.post("/auth/login", json={"username": "alice", "password": PASSWORD})
            assert login.status_code == 200, login.text
            assert (await http.get("/.well-known/jwks.json")).status_code == 404  # Cognito publishes its own keys
        alice = await Client.open(server.ws_url(login.json()["accessToken"]))
        private = alice.frames[0]["conversations"][0]["conversationId"]
        await alice.send({"action": "sendmessage", "conversationId": private, "message": "hello", "clientMessageId": "c1"})
        assert (await alice.until_type("USER_MESSAGE"))["message"]["content"] == "hello"
        await alice.close()
        async with connect(server.ws_url("not-a-jwt")) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    finally:
        server.stop()
