"""The two chat transports side by side: `chat-lex serve` with its own WebSocket server (Litestar) and with
`--transport apigw` (the Lambda handlers behind the local API Gateway), same machine, same run, same SQLite store.

Each client opens a socket, sends `{"action": "hello"}` (behind API Gateway WELCOME answers it; the WebSocket server
sends WELCOME by itself and ignores the hello), then sends messages to its private conversation one at a time,
waiting for the ACK and its own USER_MESSAGE (and, with the bot, the end of the bot's turn) before the next. Prints
messages per second and p50/p99 of send→ACK and send→USER_MESSAGE, bot off (`--bot none`) and with the seed bot.

Run: .venv/bin/python benchmarks/transport_bench.py [--quick] [--no-append]

Servers are pinned to CPU 0 and this load client to CPU 1, as in benchmarks/runtime_bench.py, whose server and world
helpers this reuses. Results are appended as a `## Transports` section to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.docs_section import append_section
from benchmarks.runtime_bench import HOST, build_world, free_port, pct, pinned_run_note, render, runtime_server
from benchmarks.ws_load_client import LeanWebSocket
from bot_spec import SEED_BOT_DIR

TRANSPORTS = ("websocket", "apigw")
BOTS = ("none", f"local:{SEED_BOT_DIR}")
WARMUP_MESSAGES = 2
TURN_TIMEOUT = 30.0
QUOTA_NOTE = (
    "On AWS the ceiling is not this machine but API Gateway's and Lambda's: by default 10,000 requests per second per "
    "account and Region across all API Gateway APIs, WebSocket messages and @connections callbacks included, with a "
    "token-bucket burst of up to 5,000 (2,500 per second and 1,250 in some Regions) "
    "([API Gateway quotas](https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)), "
    "and 1,000 concurrent Lambda executions per Region, lower on new accounts "
    "([Lambda quotas](https://docs.aws.amazon.com/lambda/latest/dg/limits.html)). Each chat message is one message "
    "invocation plus one PostToConnection per frame and per receiving connection, and an invocation holds its Lambda "
    "until the bot's turn is done, so the bot's latency multiplies the concurrency a given message rate needs."
)


@dataclass
class Client:
    """One socket and the replies it waits for, matched by clientMessageId."""

    ws: LeanWebSocket
    conversation_id: str
    waiting: dict[tuple[str, str], asyncio.Future[float]] = field(default_factory=dict)
    turn_end: asyncio.Future[float] | None = None

    def expect(self, kind: str, client_message_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[(kind, client_message_id)] = future
        return future

    def on_text(self, text: str) -> None:
        now = time.perf_counter()
        frame = json.loads(text)
        kind = frame.get("type")
        if kind == "ACK":
            self._settle(("ACK", frame["clientMessageId"]), now)
        elif kind == "USER_MESSAGE":
            self._settle(("USER_MESSAGE", frame["message"]["clientMessageId"]), now)
        elif kind == "BOT_TYPING" and frame.get("typing") is False and self.turn_end is not None and not self.turn_end.done():
            self.turn_end.set_result(now)
        elif kind == "ERROR":
            problem = RuntimeError(f"the server refused a frame: {text[:200]}")
            for future in [*self.waiting.values(), self.turn_end]:
                if future is not None and not future.done():
                    future.set_exception(problem)

    def _settle(self, key: tuple[str, str], now: float) -> None:
        future = self.waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(now)


async def open_client(port: int, token: str) -> Client:
    ws = await LeanWebSocket.connect(HOST, port, f"/ws?token={token}")
    ws.send_text(json.dumps({"action": "hello"}))  # needed behind API Gateway; a no-op once WELCOME was sent
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame["type"] == "WELCOME":
            break
    private = next(c["conversationId"] for c in frame["conversations"] if c["kind"] == "private")
    client = Client(ws, private)
    ws.on_text = client.on_text
    return client


@dataclass
class Timings:
    ack_ms: list[float] = field(default_factory=list)
    delivered_ms: list[float] = field(default_factory=list)


async def send_one(client: Client, seq: int, with_bot: bool, timings: Timings | None) -> None:
    client_message_id = f"t{seq}-{uuid.uuid4().hex[:8]}"
    ack, delivered = client.expect("ACK", client_message_id), client.expect("USER_MESSAGE", client_message_id)
    client.turn_end = asyncio.get_running_loop().create_future() if with_bot else None
    frame = {
        "action": "sendmessage",
        "conversationId": client.conversation_id,
        "message": f"help {seq}",
        "clientMessageId": client_message_id,
    }
    sent = time.perf_counter()
    client.ws.send_text(json.dumps(frame))
    acked_at, delivered_at = await asyncio.wait_for(asyncio.gather(ack, delivered), TURN_TIMEOUT)
    if client.turn_end is not None:
        await asyncio.wait_for(client.turn_end, TURN_TIMEOUT)
    if timings is not None:
        timings.ack_ms.append((acked_at - sent) * 1000)
        timings.delivered_ms.append((delivered_at - sent) * 1000)


async def measure(port: int, tokens: list[str], messages: int, with_bot: bool) -> tuple[float, Timings]:
    clients = await asyncio.gather(*(open_client(port, token) for token in tokens))
    for n in range(WARMUP_MESSAGES):
        await asyncio.gather(*(send_one(c, -1 - n, with_bot, None) for c in clients))
    timings = Timings()

    async def run_client(client: Client) -> None:
        for seq in range(messages):
            await send_one(client, seq, with_bot, timings)

    start = time.perf_counter()
    await asyncio.gather(*(run_client(c) for c in clients))
    rate = len(clients) * messages / (time.perf_counter() - start)
    await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)
    return rate, timings


@contextlib.contextmanager
def transport_env(transport: str) -> Iterator[None]:
    """runtime_server passes this process's environment on: name the transport there for the server it starts."""
    saved = os.environ.get("CHAT_LEX_TRANSPORT")
    os.environ["CHAT_LEX_TRANSPORT"] = transport
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CHAT_LEX_TRANSPORT", None)
        else:
            os.environ["CHAT_LEX_TRANSPORT"] = saved


def rows_of(transport: str, bot: str, clients: int, messages: int, rate: float, timings: Timings) -> list[tuple[str, str, str]]:
    label = "WebSocket server (Litestar)" if transport == "websocket" else "local API Gateway + Lambda handlers"
    bot_name = "bot off" if bot == "none" else "seed bot"
    unit = "messages/s" if bot == "none" else "turns/s (message, ACK, delivery, bot answer)"
    a, d = timings.ack_ms, timings.delivered_ms
    return [
        (f"{label}, {bot_name}: {unit}", f"{rate:,.0f}", f"{clients} clients x {messages} messages, 1 in flight each"),
        ("  send→ACK p50 / p99", f"{pct(a, 0.5):.1f} / {pct(a, 0.99):.1f} ms", f"{len(a)} messages"),
        ("  send→USER_MESSAGE p50 / p99", f"{pct(d, 0.5):.1f} / {pct(d, 0.99):.1f} ms", "the sender's own delivery"),
    ]


async def run(quick: bool) -> list[tuple[str, str, str]]:
    clients, messages = (10, 20) if quick else (20, 100)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="chat-lex-transport-bench-") as tmp_name:
        tmp = Path(tmp_name)
        world = await build_world(f"sqlite:{tmp / 'chat.db'}", tmp / "keys", clients)
        for bot in BOTS:
            for transport in TRANSPORTS:
                print(f"{transport}, bot {bot.split(':')[0]} ...", flush=True)
                port = free_port()
                with transport_env(transport):
                    server = runtime_server(tmp, port, bot=bot)
                try:
                    rate, timings = await measure(port, world.tokens, messages, bot != "none")
                finally:
                    server.stop()
                rows += rows_of(transport, bot, clients, messages, rate, timings)
    return rows


def append_transport_section(table: str, quick: bool) -> None:
    section = (
        f"\n## Transports: WebSocket server and local API Gateway\n\n{pinned_run_note('transport_bench.py', quick)} "
        "SQLite store for both. The local gateway runs each handler in a worker thread (10 at once, as "
        "`chat-lex serve --transport apigw` sets it) and every frame back goes through boto3's PostToConnection over "
        f"HTTP into the same server, which is where its extra latency comes from.\n\n{table}\n\n{QUOTA_NOTE}\n"
    )
    print(f"appended to {append_section(section)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 clients x 20 messages instead of 20 x 100")
    parser.add_argument("--no-append", action="store_true", help="print only; do not append to docs/benchmarks.md")
    args = parser.parse_args()
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    table = render(asyncio.run(run(args.quick)))
    print()
    print(table)
    if not args.no_append:
        append_transport_section(table, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
