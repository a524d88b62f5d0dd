"""A client that stops reading: its backlog overflows, it is closed with 1008, and let go within a bounded time.

The slow client is a raw socket with a tiny receive buffer that never reads after the handshake, against the real
server (uvicorn, sans-I/O websockets). Before the fix its 1008 close frame queued behind the unsent data: the TCP
connection stayed open for good, the connections gauge never dropped, and every later event logged a warning.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.web.settings import Settings
from runtime.web.socket_writer import CLOSE_HANDSHAKE_SECONDS
from tests.integration.test_web_harness import Client, RunningServer, fake_backends
from tests.security.raw_ws import TCP_ESTABLISHED, open_raw_ws, tcp_state

BIG = "x" * 8000  # a message near the protocol's 16 KB frame limit fills the buffers in a few hundred events
LATER_EVENTS = 100
BATCH = 10


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = Settings(static_dir=tmp_path / "static", max_message_chars=10_000, rate_per_minute=1_000_000, send_backlog=16)
    running = RunningServer(settings, fake_backends(tmp_path, None, rate=1_000_000)).start()
    yield running
    running.stop()


async def send_and_ack(client: Client, first: int, count: int = BATCH) -> None:
    """Send `count` messages at once, then wait for their ACKs (the writer reads everything it is sent)."""
    for index in range(first, first + count):
        await client.send({"action": "sendmessage", "conversationId": "private-mallory", "message": BIG, "clientMessageId": f"m{index}"})
    for _ in range(count):
        await client.until_type("ACK")


async def test_a_client_that_stops_reading_is_dropped_once_and_let_go(server: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="chat_lex.fanout")
    metrics = server.context.metrics
    slow = open_raw_ws(server.port, "t.mallory", receive_buffer=4096)  # never read from again
    writer = await Client.open(server.ws_url("t.mallory"))  # the same user's other tab: both get every message
    try:
        sent = 0
        while metrics.dropped.value == 0:
            assert sent < 3000, "the slow client never overflowed its backlog"
            await send_and_ack(writer, sent)
            sent += BATCH
        overflowed_at = next(r.created for r in caplog.records if r.name == "chat_lex.fanout")  # when the server saw it

        # The server lets the TCP connection go (abort: RST) once the close handshake has had its chance.
        while tcp_state(slow) == TCP_ESTABLISHED:
            assert time.time() - overflowed_at < CLOSE_HANDSHAKE_SECONDS + 5, "the slow client's connection is still open"
            await asyncio.sleep(0.05)
        dropped_after = time.time() - overflowed_at
        assert dropped_after >= CLOSE_HANDSHAKE_SECONDS - 0.1  # it had its chance to read the 1008 close frame

        # The gauge drops to the one client left, and the server keeps no protocol object for the slow one.
        deadline = time.monotonic() + 5
        while metrics.connections.current() != 1 or len(server.server.server_state.connections) != 1:
            assert time.monotonic() < deadline, "the slow connection is still registered"
            await asyncio.sleep(0.05)

        # Later events reach the writer and neither count nor log the slow consumer again.
        await send_and_ack(writer, sent, LATER_EVENTS)
    finally:
        slow.close()
        await writer.close()
    assert metrics.dropped.value == 1
    lines = [r for r in caplog.records if r.name == "chat_lex.fanout"]
    assert len(lines) == 1 and lines[0].getMessage() == "slow consumer closed"
    print(f"\nslow consumer: overflowed after {sent} events, TCP connection dropped {dropped_after:.2f} s later, 1 log line")
