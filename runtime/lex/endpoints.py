"""Lex V2 runtime endpoints by name: the in-process engine, the engine over HTTP, or a real AWS alias.

An endpoint is a boto3-shaped ``lexv2-runtime`` client plus the ids to call it with and,
for local endpoints, the engine's ManualClock. Conversation tests and ``chat-lex evaluate``
both open endpoints here, so a new kind of endpoint is one entry in ``ENDPOINT_OPENERS``.
Which code hook a local endpoint runs is the caller's choice (``code_hook``), else the spec's.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot_spec import SEED_BOT_DIR
from bot_spec.code_hook import CodeHookSpec
from runtime.lex.client import LexRuntimeClient
from runtime.lex.clock import ManualClock

# 2027-01-15 08:00:00 UTC: a fixed start so greetings and relative dates are reproducible.
DEFAULT_START = 1_800_000_000.0
DEFAULT_REGION = "us-east-1"
DEFAULT_LOCALE = "en_US"
SERVER_START_TIMEOUT = 10.0


class EndpointError(Exception):
    """An endpoint could not be opened; the message says what to fix."""


@dataclass
class EndpointOptions:
    """Everything any endpoint may need; each kind reads the fields it uses."""

    bot_dir: Path = SEED_BOT_DIR
    bot_id: str | None = None
    bot_alias_id: str | None = None
    locale_id: str = DEFAULT_LOCALE
    region: str = DEFAULT_REGION
    start_time: float = DEFAULT_START
    code_hook: CodeHookSpec | None = None  # overrides the spec's per-locale choice (--code-hook)


@dataclass
class LexEndpoint:
    """A client and the ids to address one bot alias through it."""

    name: str
    client: LexRuntimeClient
    bot_id: str
    bot_alias_id: str
    locale_id: str
    clock: ManualClock | None = None  # None: real time (a real alias)
    # Local endpoints: how the engine decided a session's last turn (its code-hook calls and their logs).
    explain: Callable[[str, str], dict[str, Any]] | None = None  # (locale id, session id) -> explanation
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Release what the endpoint holds (an HTTP server thread, for one)."""
        while self._closers:
            self._closers.pop()()


def _check_bot_dir(bot_dir: Path) -> None:
    if not bot_dir.is_dir():
        raise EndpointError(f"bot folder {bot_dir} does not exist; give --bot-dir (or CHAT_LEX_BOT_DIR) a spec folder with bot.yaml")
    if not (bot_dir / "bot.yaml").is_file():
        raise EndpointError(f"bot folder {bot_dir} has no bot.yaml; give --bot-dir (or CHAT_LEX_BOT_DIR) a bot spec folder")


def open_engine(options: EndpointOptions) -> LexEndpoint:
    """The local engine in process, on a ManualClock."""
    runtime, deployment, clock = _local_runtime(options)
    endpoint = LexEndpoint("engine", runtime, deployment.bot_id, deployment.alias_id, options.locale_id, clock)
    endpoint.explain = _explainer(runtime, deployment)
    endpoint._closers.append(runtime.close)
    return endpoint


def _explainer(runtime: Any, deployment: Any) -> Callable[[str, str], dict[str, Any]]:
    def explain(locale_id: str, session_id: str) -> dict[str, Any]:
        explanation: dict[str, Any] = runtime.last_explanation(deployment.bot_id, deployment.alias_id, locale_id, session_id)
        return explanation

    return explain


def _local_runtime(options: EndpointOptions) -> tuple[Any, Any, ManualClock]:
    """The engine serving ``options.bot_dir`` on a ManualClock, with the chosen code hooks."""
    from runtime.lex.engine import local_runtime_for
    from runtime.lex.hook_loader import CodeHookError

    _check_bot_dir(options.bot_dir)
    clock = ManualClock(options.start_time)
    try:
        runtime, deployment = local_runtime_for(options.bot_dir, clock=clock, code_hook=options.code_hook)
    except CodeHookError as exc:
        raise EndpointError(str(exc)) from None
    return runtime, deployment, clock


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LexHttpServer:
    """A runtime's Lex REST façade served by uvicorn in a daemon thread on a free loopback port; a context manager."""

    def __init__(self, runtime: Any) -> None:
        import uvicorn

        from runtime.lex.h2c import SniffingProtocol
        from runtime.lex.http import create_lex_http_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_lex_http_app(runtime), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", http=SniffingProtocol
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="chat-lex-lex-http", daemon=True)

    def start(self) -> LexHttpServer:
        """Serve, and return once uvicorn listens; EndpointError if it does not within SERVER_START_TIMEOUT."""
        self._thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._server.should_exit = True
                raise EndpointError(f"the local Lex HTTP server did not start on 127.0.0.1:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(SERVER_START_TIMEOUT)

    def __enter__(self) -> LexHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def open_http(options: EndpointOptions) -> LexEndpoint:
    """The local engine behind its Lex REST façade (uvicorn in a thread), called by an unmodified boto3 client."""
    import boto3
    from botocore.config import Config

    runtime, deployment, clock = _local_runtime(options)
    server = LexHttpServer(runtime).start()
    # Fixed dummy keys: the local façade does not check signatures, and the credential chain must not be consulted.
    client: Any = boto3.client(
        "lexv2-runtime",
        endpoint_url=server.url,
        region_name=options.region,
        aws_access_key_id="chat-lex-local",
        aws_secret_access_key="chat-lex-local",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )
    endpoint = LexEndpoint("http", client, deployment.bot_id, deployment.alias_id, options.locale_id, clock)
    endpoint.explain = _explainer(runtime, deployment)
    endpoint._closers.append(runtime.close)
    endpoint._closers.append(server.stop)
    return endpoint


def aws_credentials_missing() -> bool:
    """True when boto3's normal credential chain finds nothing."""
    import boto3

    return boto3.Session().get_credentials() is None


def open_aws(options: EndpointOptions) -> LexEndpoint:
    """A real bot alias through boto3 and the normal credential chain."""
    from runtime.lex.client import aws_lex_client

    missing = [flag for flag, value in (("--bot-id", options.bot_id), ("--bot-alias-id", options.bot_alias_id)) if not value]
    if missing:
        raise EndpointError(f"the aws target needs {' and '.join(missing)} (the deployed bot and alias to talk to)")
    if aws_credentials_missing():
        raise EndpointError(
            "the aws target found no AWS credentials; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(or run `aws configure`), or choose the engine or http target"
        )
    assert options.bot_id is not None and options.bot_alias_id is not None
    client = aws_lex_client(options.region)
    return LexEndpoint("aws", client, options.bot_id, options.bot_alias_id, options.locale_id, None)


# The registry: a new endpoint kind is one entry here.
ENDPOINT_OPENERS: dict[str, Callable[[EndpointOptions], LexEndpoint]] = {
    "engine": open_engine,
    "http": open_http,
    "aws": open_aws,
}


def open_endpoint(name: str, options: EndpointOptions) -> LexEndpoint:
    """Open the endpoint called ``name``; EndpointError names the known ones when it is unknown."""
    opener = ENDPOINT_OPENERS.get(name)
    if opener is None:
        known = ", ".join(sorted(ENDPOINT_OPENERS))
        raise EndpointError(f"unknown target {name!r}; choose one of: {known}")
    return opener(options)
