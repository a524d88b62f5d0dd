"""The ``chat`` target: every ``When I say`` goes through the chat runtime's WebSocket as a signed-in user.

The target starts ``chat-lex serve`` (a subprocess on a free port, a fresh SQLite file, the local
engine on the bot folder) for the test session, or talks to a running runtime named by
``CHAT_LEX_TEST_CHAT_URL``. Each scenario signs up a fresh user over REST, so its private
conversation, and so its Lex session, starts empty. The checks read the ``BOT_RESPONSE`` frames
and their ``metadata`` (intent, intentState, confidence, dialogAction, slots, responseCard).

What the runtime cannot do is declared in ``UNSUPPORTED_TAGS``: scenarios carrying those tags are
skipped on this target by design (see ``conversation_tests.target_tags``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from conversation_tests.target_errors import TargetCannotDo
from conversation_tests.turn_details import chat_message_detail
from conversation_tests.turns import Button, Interpretation, ObservedTurn
from runtime.lex.endpoints import EndpointError, EndpointOptions, free_port

TARGET_NAME = "chat"
URL_ENV = "CHAT_LEX_TEST_CHAT_URL"
START_TIMEOUT = 60.0
TURN_TIMEOUT = 30.0  # above the runtime's default bot timeout (10 s), so a slow bot shows as BOT_UNAVAILABLE, not as our timeout
TIME_ZONE_ATTRIBUTE = "x-amz-lex:time-zone"

# Tag -> why the chat target cannot run a scenario carrying it.
UNSUPPORTED_TAGS: dict[str, str] = {
    "local-clock": "the chat runtime runs the bot on real time: its clock cannot be set or jumped (idle time, time of day)",
    "session-attributes": (
        "the chat runtime neither sends the scenario's session attributes to Lex (it sets only `customer`) "
        "nor returns Lex's session attributes in BOT_RESPONSE metadata"
    ),
    "locale": "the chat target talks in the bot's default locale (it sends no localeId); a scenario cannot switch it yet",
}


class ChatTargetError(EndpointError):
    """The chat runtime could not be started or reached; the message says what happened and what to check."""


def chat_lex_command() -> list[str]:
    """The installed `chat-lex` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("chat-lex")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tools.cli"]


class RuntimeSubprocess:
    """``chat-lex serve`` on a free loopback port with its own SQLite file and signing key, stopped on ``close``.

    ``extra_flags`` go after the target's own ``serve`` flags (the browser tests set a rate budget this way).
    """

    def __init__(self, bot_dir: Path, extra_flags: Sequence[str] = ()) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="chat-lex-chat-target-")
        folder = Path(self._folder.name)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log_path = folder / "serve.log"
        command = [
            *chat_lex_command(),
            "serve",
            "--port",
            str(self.port),
            "--store",
            f"sqlite:{folder / 'chat.db'}",
            "--auth-key-dir",
            str(folder / "auth-keys"),
            "--bot",
            f"local:{bot_dir.resolve()}",
            "--log-level",
            "warning",
            # Every scenario signs a new user up and in from this one address: the /auth/* rate limit is for the internet.
            "--auth-rate-per-minute",
            "100000",
            *extra_flags,
        ]
        # The runtime's own CHAT_LEX_* settings of this shell must not leak into the test runtime.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_LEX_")}
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ChatTargetError(f"chat-lex serve exited with code {self._process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/ready", timeout=1.0) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.close()
        raise ChatTargetError(f"chat-lex serve was not ready within {START_TIMEOUT:g} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._folder.cleanup()


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")[:300]
        raise ChatTargetError(f"POST {url} answered {exc.code}: {detail}") from None
    except (OSError, urllib.error.URLError) as exc:
        raise ChatTargetError(f"cannot reach the chat runtime at {url}: {exc}") from None


class ChatTarget:
    """A conversation through the chat runtime: one signed-up user and one socket per scenario."""

    name = TARGET_NAME

    def __init__(self, base_url: str, locale_id: str, runtime: RuntimeSubprocess | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.locale_id = locale_id
        self._runtime = runtime
        self._display_name: str | None = None
        self._wanted_locale: str | None = None
        self._socket: ClientConnection | None = None
        self._socket_scope = contextlib.ExitStack()
        self._conversation_id: str | None = None
        self._sequence = 0

    def new_session(self, user_id: str | None, locale_id: str | None = None) -> str:
        # The user is made on the first `say`, so a scenario that never speaks costs no sign-up.
        self._disconnect()
        self._display_name = user_id
        self._wanted_locale = locale_id
        return f"chat:{user_id or 'new user'}"

    def _connect(self) -> ClientConnection:
        if self._socket is not None:
            return self._socket
        username = f"convtest-{secrets.token_hex(6)}"
        password = f"Convtest-{secrets.token_urlsafe(12)}-1a!"
        sign_up: dict[str, Any] = {"username": username, "password": password, "email": f"{username}@example.com"}
        if self._display_name:
            sign_up["displayName"] = self._display_name[:100]
        result = _post_json(f"{self.base_url}/auth/signup", sign_up)
        if result.get("confirmed") is False:
            raise ChatTargetError("the chat runtime's identity provider wants the sign-up confirmed by code; use one that does not")
        tokens = _post_json(f"{self.base_url}/auth/login", {"username": username, "password": password})
        ws_url = "ws" + self.base_url[len("http") :] + "/ws"
        try:
            # Entered as a context (websockets wants that), left in _disconnect.
            chat_socket = self._socket_scope.enter_context(
                connect(ws_url, subprotocols=["chat-lex", tokens["accessToken"]], open_timeout=10)  # type: ignore[list-item]
            )
            chat_socket.send(json.dumps({"action": "hello"}))  # behind API Gateway, WELCOME answers hello
            welcome = json.loads(chat_socket.recv(timeout=10))
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise ChatTargetError(f"cannot open the chat WebSocket at {ws_url}: {exc}") from None
        if welcome.get("type") != "WELCOME":
            self._socket_scope.close()
            raise ChatTargetError(f"the chat runtime did not welcome the socket: {str(welcome)[:300]}")
        private = [c for c in welcome["conversations"] if c.get("kind") == "private"]
        if not private:
            self._socket_scope.close()
            raise ChatTargetError("the chat runtime's WELCOME lists no private conversation with the bot")
        self._socket = chat_socket
        self._conversation_id = str(private[0]["conversationId"])
        return chat_socket

    def _disconnect(self) -> None:
        self._socket_scope.close()
        self._socket = None
        self._conversation_id = None

    def say(self, text: str, session_attributes: dict[str, str] | None, request_attributes: dict[str, str] | None) -> ObservedTurn:
        turn = ObservedTurn(user_text=text)
        turn.sent_session_attributes = None if session_attributes is None else dict(session_attributes)
        turn.sent_request_attributes = dict(request_attributes) if request_attributes else None
        refusal = self._unsupported(session_attributes, request_attributes)
        if refusal is not None:
            turn.error = refusal
            return turn
        chat_socket = self._connect()
        self._sequence += 1
        client_id = f"convtest-{self._sequence}"
        frame: dict[str, Any] = {"action": "sendmessage", "conversationId": self._conversation_id, "message": text}
        frame["clientMessageId"] = client_id
        zone = (request_attributes or {}).get(TIME_ZONE_ATTRIBUTE)
        if zone:
            frame["timeZone"] = zone
        chat_socket.send(json.dumps(frame))
        try:
            read_turn(chat_socket, client_id, turn)
        except (TimeoutError, WebSocketException) as exc:
            self._disconnect()
            turn.error = f"no complete answer over the chat WebSocket within {TURN_TIMEOUT:g} s ({type(exc).__name__})"
        return turn

    def _unsupported(self, session_attributes: dict[str, str] | None, request_attributes: dict[str, str] | None) -> str | None:
        if session_attributes is not None:
            return "the chat target cannot send session attributes (the runtime sets only `customer`); tag the scenario @session-attributes"
        others = sorted(set(request_attributes or {}) - {TIME_ZONE_ATTRIBUTE})
        if others:
            return f"the chat target can send only the {TIME_ZONE_ATTRIBUTE} request attribute, not {', '.join(others)}"
        if self._wanted_locale is not None and self._wanted_locale != self.locale_id:
            return f"the chat target talks in the default locale ({self.locale_id}); it cannot talk in {self._wanted_locale}"
        return None

    def advance(self, seconds: float) -> None:
        raise TargetCannotDo(f"the chat target runs on real time and cannot let {seconds:g} s pass; tag the scenario @local-clock")

    def set_time(self, hour: int, minute: int, zone: ZoneInfo) -> None:
        raise TargetCannotDo(f"the chat target runs on real time; it cannot make it {hour:02d}:{minute:02d}; tag the scenario @local-clock")

    def close(self) -> None:
        self._disconnect()
        if self._runtime is not None:
            self._runtime.close()


def read_turn(chat_socket: ClientConnection, client_id: str, turn: ObservedTurn) -> None:
    """Read frames until the bot's turn for ``client_id`` ends (``BOT_TYPING`` false), filling ``turn``."""
    deadline = time.monotonic() + TURN_TIMEOUT
    message_id: str | None = None
    bot_started = False
    while True:
        frame = json.loads(chat_socket.recv(timeout=max(0.01, deadline - time.monotonic())))
        kind = frame.get("type")
        if kind == "ACK" and frame.get("clientMessageId") == client_id:
            message_id = frame["messageId"]
        elif kind == "ERROR" and frame.get("clientMessageId") in (client_id, None):
            # No clientMessageId: the frame was refused before it was read (e.g. FRAME_TOO_LARGE); it is ours, the only one out.
            turn.error = f"{frame.get('code')}: {frame.get('message')}"
            if frame.get("code") != "BOT_UNAVAILABLE":
                return  # refused before it reached the bot: no bot turn follows
        elif kind == "BOT_TYPING" and message_id is not None:
            if frame.get("typing"):
                bot_started = True
            elif bot_started:
                return
        elif kind == "BOT_RESPONSE" and message_id is not None:
            message = frame["message"]
            if message.get("metadata", {}).get("inReplyTo") == message_id:
                add_bot_message(turn, message)


def add_bot_message(turn: ObservedTurn, message: dict[str, Any]) -> None:
    """One BOT_RESPONSE into the turn: its text, its card's buttons, and the turn's Lex state from its metadata."""
    metadata: dict[str, Any] = message.get("metadata") or {}
    turn.messages.append(str(message.get("content", "")))
    turn.details.append(chat_message_detail(str(message.get("content", "")), metadata))
    card = metadata.get("responseCard") or {}
    turn.buttons.extend(Button(str(b.get("text", "")), str(b.get("value", ""))) for b in card.get("buttons") or [])
    turn.intent = metadata.get("intent")
    turn.intent_state = metadata.get("intentState")
    action = metadata.get("dialogAction") or {}
    turn.dialog_action = action.get("type")
    turn.slot_to_elicit = action.get("slotToElicit")
    turn.slots = {str(k): (None if v is None else str(v)) for k, v in (metadata.get("slots") or {}).items()}
    # The runtime passes on the chosen intent's confidence only, not Lex's whole ranking.
    confidence = metadata.get("confidence")
    turn.interpretations = [Interpretation(turn.intent, None if confidence is None else float(confidence))] if turn.intent else []


def open_chat_target(options: EndpointOptions) -> ChatTarget:
    """The chat target: a runtime at $CHAT_LEX_TEST_CHAT_URL, or a fresh ``chat-lex serve`` on ``options.bot_dir``."""
    url = os.environ.get(URL_ENV)
    if url:
        if not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise ChatTargetError(f"{URL_ENV}={url[:100]!r} is not a runtime URL; give one like http://127.0.0.1:8000")
        return ChatTarget(url, options.locale_id)
    if not (options.bot_dir / "bot.yaml").is_file():
        raise ChatTargetError(f"bot folder {options.bot_dir} has no bot.yaml; give --bot-dir a bot spec folder")
    hook = [] if options.code_hook is None else ["--code-hook", options.code_hook.describe()]
    runtime = RuntimeSubprocess(options.bot_dir, hook)
    return ChatTarget(runtime.base_url, options.locale_id, runtime)
