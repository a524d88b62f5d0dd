"""Malformed frames are charged to the sender and sampled in the logs; past a limit the socket is closed with 1008.

Before: 300 bad frames got 300 ERROR frames and 300 log lines, and never touched the rate limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from runtime.chat.session import BAD_FRAMES_PER_MINUTE, CLOSE_POLICY_VIOLATION, REFUSED_LOG_BURST
from runtime.web.settings import Settings
from tests.integration.test_web_harness import Client, RunningServer, fake_backends

HOSTILE = 300
# Every kind of malformed frame: not JSON, not UTF-8, not an object, unknown action, schema errors, oversized.
BAD: list[str | bytes] = [
    "{not json",
    b"\xff\xfe\x00",
    "[1, 2]",
    '{"action": "explode"}',
    '{"action": "history", "conversationId": "private-mallory", "before": "not-an-id"}',
    '{"action": "sendmessage", "conversationId": "private-mallory", "message": "x", "clientMessageId": "c", "extra": 1}',
    "x" * 20_000,
]


def server_for(tmp_path: Path, rate: int) -> RunningServer:
    settings = Settings(static_dir=tmp_path / "static", rate_per_minute=rate)
    return RunningServer(settings, fake_backends(tmp_path, None, rate=rate)).start()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = server_for(tmp_path, 1000)
    yield running
    running.stop()


def refused_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "chat_lex.ws" and r.getMessage() in ("refused", "closed: too many malformed frames")]


async def test_a_flood_of_bad_frames_closes_the_socket_with_1008_and_few_log_lines(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chat_lex.ws")
    mallory = await Client.open(server.ws_url("t.mallory"))
    bystander = await Client.open(server.ws_url("t.mallory"))  # the same user's other socket is not punished
    for i in range(HOSTILE):
        try:
            await mallory.ws.send(BAD[i % len(BAD)])
        except ConnectionClosed:
            break
    errors: list[dict[str, object]] = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            errors.append(json.loads(await asyncio.wait_for(mallory.ws.recv(), 5)))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_POLICY_VIOLATION
    assert closed.value.rcvd.reason.startswith("too many malformed frames")
    assert len(errors) == BAD_FRAMES_PER_MINUTE and all(e["type"] == "ERROR" for e in errors)
    assert {e["code"] for e in errors} == {"BAD_JSON", "BAD_FRAME", "UNKNOWN_ACTION", "FRAME_TOO_LARGE"}

    lines = refused_lines(caplog)
    assert len(lines) == REFUSED_LOG_BURST + 1, [r.getMessage() for r in lines]  # the first refusals, then the close
    metrics = server.context.metrics
    assert metrics.policy_closes.value == 1 and metrics.bad_frames.value == BAD_FRAMES_PER_MINUTE + 1

    await bystander.send({"action": "ping"})
    assert (await bystander.until_type("PONG"))["type"] == "PONG"
    await bystander.close()
    print(f"\nbad frames: {HOSTILE} sent, closed after {BAD_FRAMES_PER_MINUTE + 1}, {len(lines)} log lines")


async def test_an_occasional_bad_frame_among_good_ones_is_answered_and_the_socket_stays_open(server: RunningServer) -> None:
    alice = await Client.open(server.ws_url("t.alice"))
    for i in range(BAD_FRAMES_PER_MINUTE - 1):
        await alice.send("{oops")
        assert (await alice.until_type("ERROR"))["code"] == "BAD_JSON"
        await alice.send({"action": "sendmessage", "conversationId": "private-alice", "message": f"m{i}", "clientMessageId": f"c{i}"})
        await alice.until_type("ACK")
    await alice.send({"action": "ping"})
    await alice.until_type("PONG")
    await alice.close()


async def test_bad_frames_spend_the_senders_rate_budget(tmp_path: Path) -> None:
    running = server_for(tmp_path, 5)
    try:
        bob = await Client.open(running.ws_url("t.bob"))
        codes = []
        for _ in range(8):
            await bob.send("{bad")
            codes.append((await bob.until_type("ERROR"))["code"])
        assert codes == ["BAD_JSON"] * 5 + ["RATE_LIMITED"] * 3
        # The budget is the user's: a good frame is now refused too.
        await bob.send({"action": "history", "conversationId": "private-bob"})
        assert (await bob.until_type("ERROR"))["code"] == "RATE_LIMITED"
        await bob.close()
    finally:
        running.stop()
