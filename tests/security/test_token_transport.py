"""Access tokens stay out of URLs and logs: a subprotocol or an auth frame carries them, and logs lose query strings.

The whole-session test runs ``chat-lex serve`` as a real process at debug level with access logging on, goes
through sign-up, sign-in, the three ways to connect, sending, reconnecting and signing out, then reads every
line the process wrote and finds neither the tokens nor anything shaped like a JWT.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conversation_tests.targets_chat import chat_lex_command
from runtime.lex.endpoints import free_port
from runtime.web.settings import Settings
from tests.integration.test_web_harness import Client, RunningServer, log_in, sign_up

JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class ServeProcess:
    """``chat-lex serve`` at debug level (access lines on), its stdout and stderr in one file."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "serve.log"
        command = [
            *chat_lex_command(),
            "serve",
            "--port",
            str(self.port),
            "--bot",
            "none",
            "--store",
            f"sqlite:{folder / 'chat.db'}",
            "--auth-key-dir",
            str(folder / "keys"),
            "--static-dir",
            str(folder),
            "--log-level",
            "debug",
            "--debug",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_LEX_")}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "chat-lex serve did not start:\n" + self.log()
            time.sleep(0.1)

    def ws(self, query: str = "") -> str:
        return f"ws://127.0.0.1:{self.port}/ws{query}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(15)
        return self.log()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(tmp_path)
    yield process
    if process.process.poll() is None:
        process.stop()


async def talk(client: Client, text: str) -> None:
    private = next(c["conversationId"] for c in client.frames[0]["conversations"] if c["kind"] == "private")
    await client.send({"action": "sendmessage", "conversationId": private, "message": text, "clientMessageId": text})
    await client.until_type("ACK")
    await client.close()


async def test_a_whole_session_leaves_no_token_in_the_log(serve: ServeProcess) -> None:
    secrets: list[str] = []
    async with httpx.AsyncClient(base_url=serve.url, timeout=30) as http:
        await sign_up(http, "carol")
        tokens = await log_in(http, "carol")
        secrets += [tokens["accessToken"], tokens["idToken"], tokens["refreshToken"]]
        access = tokens["accessToken"]

        # 1. the query (kept for old clients): the access line is written, without its query string
        await talk(await Client.open(serve.ws(f"?token={access}&tz=Europe/Paris")), "by-query")
        # 2. the subprotocol: the answer names the protocol only, never the bearer entry
        client = await Client.open(serve.ws(), subprotocols=["chat-lex.v1", f"bearer.{access}"])  # type: ignore[list-item]
        assert client.ws.subprotocol == "chat-lex.v1"
        assert client.ws.response is not None and client.ws.response.headers["Sec-WebSocket-Protocol"] == "chat-lex.v1"
        await talk(client, "by-header")
        # 3. the auth frame
        ws = await connect(serve.ws())
        await ws.send(json.dumps({"action": "auth", "token": access}))
        framed = Client(ws)
        assert (await framed.next())["type"] == "WELCOME"
        await talk(framed, "by-frame")
        # a reconnect with a refreshed token, and REST calls with it
        fresh = (await http.post("/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).json()
        secrets += [fresh["accessToken"], fresh["idToken"], fresh["refreshToken"]]
        headers = {"authorization": f"Bearer {fresh['accessToken']}"}
        assert (await http.get("/api/conversations", headers=headers)).status_code == 200
        again = await Client.open(serve.ws(), subprotocols=["chat-lex.v1", f"bearer.{fresh['accessToken']}"])  # type: ignore[list-item]
        await talk(again, "reconnected")
        # sign out, then the old token is refused at connect (the refusal is logged too)
        out = await http.post("/auth/logout", headers=headers, json={"refreshToken": fresh["refreshToken"]})
        assert out.status_code == 200
        async with connect(serve.ws(f"?token={fresh['accessToken']}")) as refused:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(refused.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    log = serve.stop()
    # The capture is real: the access lines of this session are there, with their queries redacted.
    assert "WebSocket /ws?[redacted]" in log and "/auth/login" in log and "/api/conversations" in log
    for secret in secrets:
        assert secret not in log
        for part in secret.split("."):  # nor any piece of a token (a signature alone identifies it)
            assert len(part) < 16 or part not in log
    assert JWT_SHAPE.search(log) is None
    assert "token=" not in log


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    keys = tmp_path / "keys"
    store = f"sqlite:{tmp_path / 'chat.db'}"
    settings = Settings(bot="none", store=store, auth_key_dir=str(keys), static_dir=tmp_path, auth_frame_seconds=0.5)
    running = RunningServer(settings).start()
    yield running
    running.stop()


async def access_token(server: RunningServer, username: str = "dave") -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await sign_up(http, username)
        token: str = (await log_in(http, username))["accessToken"]
        return token


async def closed_with(url: str, *, first: str | bytes | None = None, **kwargs: Any) -> tuple[int, str]:
    async with connect(url, **kwargs) as ws:
        if first is not None:
            await ws.send(first)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        (None, "missing token: send an auth frame within 0.5 s"),  # nothing within the deadline
        ("{not json", "the first frame is not JSON"),
        (json.dumps({"action": "ping"}), "the first frame must be"),
        (json.dumps({"action": "auth"}), "the auth frame needs"),
        (json.dumps({"action": "auth", "token": 5}), "the auth frame needs"),
        (json.dumps({"action": "auth", "token": "x", "extra": 1}), "the auth frame needs"),
        (json.dumps({"action": "auth", "token": "a b"}), "the auth frame needs"),
        (json.dumps({"action": "auth", "token": "x" * 10_000}), "the auth frame is over"),
        (json.dumps({"action": "auth", "token": "garbage"}), "InvalidToken"),
        (json.dumps(["auth"]), "the first frame must be"),
        (b"\xff\xfe", "the first frame is not JSON"),
    ],
)
async def test_a_missing_late_or_malformed_auth_frame_closes_4401(server: RunningServer, first: str | None, reason: str) -> None:
    code, said = await closed_with(server.ws_url(), first=first)
    assert code == 4401 and said.startswith(reason), said


async def test_the_auth_frame_counts_only_first_and_in_time(server: RunningServer) -> None:
    token = await access_token(server)
    async with connect(server.ws_url()) as ws:
        await asyncio.sleep(0.8)  # past the deadline: a good token no longer helps
        with pytest.raises(ConnectionClosed):
            await ws.send(json.dumps({"action": "auth", "token": token}))
            await asyncio.wait_for(ws.recv(), 5)
    client = Client(await connect(server.ws_url()))
    await client.send(json.dumps({"action": "auth", "token": token}))
    assert (await client.next())["type"] == "WELCOME"
    await client.send({"action": "auth", "token": token})  # once authenticated, it is no frame of the protocol
    error = await client.until_type("ERROR")
    assert error["code"] == "UNKNOWN_ACTION" and token not in json.dumps(error)
    await client.close()


async def test_subprotocol_forms_and_the_answer(server: RunningServer) -> None:
    token = await access_token(server)
    for offered, answer in [
        (["chat-lex.v1", f"bearer.{token}"], "chat-lex.v1"),
        ([f"bearer.{token}", "chat-lex.v1"], "chat-lex.v1"),
        (["chat-lex", token], "chat-lex"),  # the first version's form
        (["chat-lex.v1", "chat-lex", f"bearer.{token}"], "chat-lex.v1"),
    ]:
        client = await Client.open(server.ws_url(), subprotocols=offered)  # type: ignore[arg-type]
        assert client.ws.subprotocol == answer
        await client.close()
    code, said = await closed_with(server.ws_url(), subprotocols=["chat-lex.v1", "bearer."], first="{}")  # type: ignore[list-item]
    assert code == 4401
    code, said = await closed_with(server.ws_url(), subprotocols=["chat-lex.v1", "bearer.garbage"])  # type: ignore[list-item]
    assert (code, said.split(":")[0]) == (4401, "InvalidToken")


def test_redaction_of_access_lines_fields_and_exceptions() -> None:
    import io
    import logging

    from runtime.web.json_logging import configure_logging, redact

    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert redact(f"GET /ws?token={jwt_like}&tz=UTC HTTP/1.1") == "GET /ws?[redacted] HTTP/1.1"
    assert redact(f"bearer {jwt_like} end") == "bearer [jwt] end"
    assert redact("/api/conversations/x/messages?before=0190&limit=5") == "/api/conversations/x/messages?[redacted]"
    assert redact("no query here, a question? yes") == "no query here, a question? yes"
    stream = io.StringIO()
    configure_logging("debug", stream=stream)
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", f"/ws?token={jwt_like}", "1.1", 101)
    logging.getLogger("uvicorn.protocols.websockets").info("handshake for /ws?token=%s", jwt_like)  # a child logger
    logging.getLogger("chat_lex.ws").info("refused", extra={"reason": f"token {jwt_like}"})
    try:
        raise ValueError(f"bad token {jwt_like}")
    except ValueError:
        logging.getLogger("chat_lex.ws").exception("failed")
    text = stream.getvalue()
    assert jwt_like not in text and "eyJ" not in text
    assert text.count("/ws?[redacted]") == 2 and "[jwt]" in text
