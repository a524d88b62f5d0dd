"""Helpers for the web tests: the app under a real uvicorn server in a thread, a fake Lex client, frame checks.

Lex is AWS (or the local engine, tested on its own), so the bot here is a scripted fake; everything else is real:
uvicorn with the sans-I/O websockets protocol, the Litestar app, the SQLite store, the websockets client.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection, connect

from runtime.auth.base import AuthError, Identity, IdentityProvider, SignUpResult, Tokens
from runtime.chat.bot_participant import BotParticipant, BotTarget
from runtime.chat.channels import MemoryChannel
from runtime.chat.protocol import validator
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.store import open_store
from runtime.web.app import create_app
from runtime.web.backends import Backends
from runtime.web.context import ChatContext
from runtime.web.server import DrainingServer, uvicorn_config
from runtime.web.settings import Settings

T = TypeVar("T")
PASSWORD = "Correct-Horse-9"  # meets the default password policy


def check_server_frame(frame: dict[str, Any]) -> dict[str, Any]:
    """Fail unless the frame matches its documented schema."""
    errors = list(validator(f"out.{frame['type']}").iter_errors(frame))
    assert not errors, f"{frame['type']} frame does not match its schema: {errors[0].message}"
    return frame


class ScriptedLex:
    """RecognizeText stand-in: "help" gets the seed bot's help text, anything else an echo; can fail or stall."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_with: Exception | None = None
        self.stall = 0.0

    def recognize_text(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.stall:
            time.sleep(self.stall)
        if self.fail_with is not None:
            raise self.fail_with
        text = kwargs["text"]
        content = "I can help you with: order status" if text == "help" else f"echo: {text}"
        intent = "Help" if text == "help" else "FallbackIntent"
        return {
            "messages": [{"contentType": "PlainText", "content": content}],
            "sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": intent, "slots": {}, "state": "Fulfilled"}},
            "interpretations": [{"intent": {"name": intent}, "nluConfidence": {"score": 1.0}}],
        }


class TokenTable:
    """Identity stand-in for tests that are not about auth: token "t.<user>" is user <user>; "expired" is expired."""

    name = "fake"

    async def verify(self, token: str) -> Identity:
        if token == "expired":
            raise AuthError("TokenExpired", "the token has expired; refresh it")
        if token.startswith("t.") and len(token) > 2:
            user = token[2:]
            return Identity(user_id=user, username=user, display_name=user.title(), email=f"{user}@example.com")
        if token.startswith("soon.") and len(token) > 5:  # valid now, expires in half a second
            user = token[5:]
            claims = {"exp": time.time() + 0.5}
            return Identity(user_id=user, username=user, display_name=user.title(), email=f"{user}@example.com", claims=claims)
        raise AuthError("InvalidToken", "the token is not valid")

    async def sign_up(self, username: str, password: str, email: str, display_name: str | None = None) -> SignUpResult:
        raise AuthError("InvalidParameter", "not in this fake")

    async def confirm(self, username: str, code: str) -> None:
        raise AuthError("InvalidParameter", "not in this fake")

    async def sign_in(self, username: str, password: str) -> Tokens:
        raise AuthError("NotAuthorized", "not in this fake")

    async def refresh(self, refresh_token: str, username: str | None = None) -> Tokens:
        raise AuthError("NotAuthorized", "not in this fake")

    async def sign_out(self, access_token: str, refresh_token: str | None = None) -> None:
        return None

    def jwks(self) -> dict[str, Any] | None:
        return None


def start_server_thread(server: Any, thread: threading.Thread, what: str) -> None:
    """Start a uvicorn server's thread and wait (10 s at most) until it serves."""
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.01)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class RunningServer:
    """The app served by uvicorn in a background thread, on a free loopback port.

    `transport="apigw"` serves the socket through the local API Gateway and the serverless Lambda handlers
    (runtime/serverless); their instances open their own store on the same database and share the test's identity
    provider and bot (`backends` must then be `fake_backends`'s, whose store is a SQLite file)."""

    def __init__(self, settings: Settings, backends: Backends | None = None, *, transport: str = "websocket") -> None:
        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.transport = transport
        self.settings = replace(settings, port=self.port, transport=transport)
        if transport == "apigw":
            from runtime.serverless.local_chat import chat_gateway

            assert backends is not None, "the apigw transport needs the test's backends"
            shared = backends
            database = shared.descriptions["store_url"]

            def opener(_: Settings) -> tuple[Any, IdentityProvider, BotParticipant | None]:
                return open_store(database), shared.identity, shared.bot

            lifespan, routes = chat_gateway(self.settings, opener=opener)
            self.app = create_app(self.settings, backends=backends, configure_logs=False, socket_routes=routes, lifespans=[lifespan])
        else:
            self.app = create_app(self.settings, backends=backends, configure_logs=False)
        self.context: ChatContext = self.app.state.chat
        self.server = DrainingServer(uvicorn_config(self.app, self.settings), self.context)
        self.server.config.log_level = "warning"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))
        self.loop.close()

    async def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (where the store's futures live) and await its result here."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, token: str | None = None, **query: str) -> str:
        params = dict(query)
        if token is not None:
            params["token"] = token
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        return f"ws://127.0.0.1:{self.port}/ws" + (f"?{qs}" if qs else "")

    def start(self) -> RunningServer:
        start_server_thread(self.server, self.thread, "the test server")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def fake_backends(
    tmp_path: Path, lex: ScriptedLex | None, *, rate: int = 1000, timeout: float = 2.0, identity: IdentityProvider | None = None
) -> Backends:
    store_url = f"sqlite:{tmp_path / 'chat.db'}"
    store = open_store(store_url)
    bot = BotParticipant(lex, BotTarget("BOT", "ALIAS", "en_US"), timeout=timeout, description="scripted") if lex else None
    descriptions = {"bot": "scripted", "store_url": store_url}
    return Backends(store, identity or TokenTable(), bot, MemoryChannel(), LocalTokenBucket(rate), descriptions)


async def sign_up(http: httpx.AsyncClient, username: str) -> dict[str, Any]:
    """POST /auth/signup for ``username`` (password PASSWORD, a made-up email); asserts 201, returns the answer."""
    created = await http.post("/auth/signup", json={"username": username, "password": PASSWORD, "email": f"{username}@example.com"})
    assert created.status_code == 201, created.text
    answer: dict[str, Any] = created.json()
    return answer


async def log_in(http: httpx.AsyncClient, username: str) -> dict[str, Any]:
    """POST /auth/login for ``username`` with PASSWORD; asserts 200, returns the tokens."""
    login = await http.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    tokens: dict[str, Any] = login.json()
    return tokens


class Client:
    """A websockets client that checks every frame against its schema and can wait for a frame type."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, url: str, **kwargs: Any) -> Client:
        client = cls(await connect(url, **kwargs))
        await client.send({"action": "hello"})  # WELCOME answers it behind API Gateway; it comes by itself otherwise
        welcome = await client.next()
        assert welcome["type"] == "WELCOME", welcome
        return client

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame = check_server_frame(json.loads(raw))
        self.frames.append(frame)
        return frame

    async def until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.next(max(0.01, deadline - time.monotonic()))
            if predicate(frame):
                return frame

    async def until_type(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        return await self.until(lambda f: f["type"] == kind, timeout)

    async def close(self) -> None:
        await self.ws.close()
