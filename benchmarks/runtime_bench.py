"""Chat runtime benchmark: fan-out, persistence, latency, connection rate, memory per connection, bot latency,
and a bare `websockets.broadcast()` server under the same fan-out load as the baseline.

Run: .venv/bin/python benchmarks/runtime_bench.py [--quick] [--no-append]
     .venv/bin/python benchmarks/runtime_bench.py --only persisted [--rounds 3] [--server-wrap 'py-spy record -o x.svg --']

The server runs in its own process pinned to CPU 0 (`taskset -c 0`); this process is the load client, pinned to
CPU 1, speaking WebSocket through a lean asyncio client (benchmarks/ws_load_client.py). Loopback only. Every loop
is bounded. Results print as a table and are appended as a `## Runtime` section to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ws_load_client import LeanWebSocket  # noqa: E402

from benchmarks.docs_section import append_section, short_commit  # noqa: E402
from runtime.auth.local import LocalIdentityProvider  # noqa: E402
from runtime.auth.password_hashing import hash_password  # noqa: E402
from runtime.store import open_store  # noqa: E402
from runtime.store.base import UserRecord  # noqa: E402

HOST = "127.0.0.1"
ISSUER = "urn:chat-lex:bench"
CLIENT_ID = "chat-lex-bench"
P99_TARGET_MS = 50.0
CONTENT_MARK = '"content":"b:'
LOAD_AT_START = os.getloadavg()[0]
OPEN_RATES = [1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 3500.0, 4000.0, 4500.0]  # total messages/s offered in the open-loop run
OPEN_SECONDS = 4.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


# -- fixtures: users, tokens, rooms --------------------------------------------------------------


@dataclass
class World:
    tokens: list[str]
    big_room: str
    small_rooms: list[str]  # room k has users 10k..10k+9


async def build_world(store_url: str, key_dir: Path, users: int) -> World:
    """Users, tokens and rooms written straight into the store (signing up 1000 users over REST would time scrypt)."""
    store = open_store(store_url)
    provider = LocalIdentityProvider(store, key_dir, ISSUER, CLIENT_ID)
    password_hash = await asyncio.to_thread(hash_password, "Bench-Password-1")
    now = time.time()
    records = [UserRecord(str(uuid.uuid4()), f"u{i}", f"u{i}@example.com", f"User {i}", password_hash, True, now) for i in range(users)]
    await asyncio.gather(*(store.create_user(r) for r in records))
    tokens = []
    for record in records:
        issued = await provider._issue(record, family=str(uuid.uuid4()), auth_time=int(now))
        tokens.append(issued.access_token)
    big = await store.create_room("big", records[0].user_id, bot_mode="never")
    await asyncio.gather(*(store.add_member(big.conversation_id, r.user_id) for r in records[1:]))
    small = []
    for k in range(users // 10):
        room = await store.create_room(f"small-{k}", records[10 * k].user_id, bot_mode="never")
        await asyncio.gather(*(store.add_member(room.conversation_id, r.user_id) for r in records[10 * k + 1 : 10 * k + 10]))
        small.append(room.conversation_id)
    await store.close()
    return World(tokens, big.conversation_id, small)


# -- the load client -----------------------------------------------------------------------------


@dataclass
class Conn:
    ws: LeanWebSocket
    latencies: list[float] = field(default_factory=list)
    acks: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    @property
    def closed(self) -> int | None:
        return self.ws.closed

    def listen(self) -> None:
        """Take every frame as it is parsed: ACKs are queued, delivered messages timed."""
        self.ws.on_text = self.on_text

    def on_text(self, text: str) -> None:
        if text.startswith('{"type":"ACK"'):
            self.acks.put_nowait(text)
            return
        i = text.find(CONTENT_MARK)
        if i >= 0:
            start = i + len(CONTENT_MARK)
            end = text.find('"', start)
            sent_ns = int(text[start:end].split(":")[1])
            self.latencies.append((time.perf_counter_ns() - sent_ns) / 1e6)


async def open_conns(
    port: int, tokens: list[str], count: int, *, concurrency: int = 100, path: str = "/ws", welcome: bool = True
) -> list[Conn]:
    conns: list[Conn | None] = [None] * count
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            token = tokens[i % len(tokens)]
            ws = await LeanWebSocket.connect(HOST, port, f"{path}?token={token}" if welcome else path)
            if welcome:
                first = await asyncio.wait_for(ws.recv(), 30)
                if not first.startswith('{"type":"WELCOME"'):
                    raise RuntimeError(f"expected WELCOME, got {first[:100]}")
            conns[i] = Conn(ws)

    await asyncio.gather(*(one(i) for i in range(count)))
    ready = [c for c in conns if c is not None]
    for conn in ready:
        conn.listen()
    return ready


async def close_conns(conns: list[Conn]) -> None:
    await asyncio.gather(*(c.ws.close() for c in conns), return_exceptions=True)


def chat_frame(conversation_id: str, seq: int) -> str:
    content = f"b:{seq}:{time.perf_counter_ns()}"
    return json.dumps(
        {
            "action": "sendmessage",
            "conversationId": conversation_id,
            "message": content,
            "clientMessageId": f"m{seq}-{uuid.uuid4().hex[:8]}",
        }
    )


def baseline_frame(seq: int) -> str:
    # Shaped and sized like the runtime's USER_MESSAGE event, so both servers move similar bytes.
    message = {
        "messageId": str(uuid.uuid4()),
        "conversationId": "room",
        "senderId": str(uuid.uuid4()),
        "senderName": "User 0",
        "role": "user",
        "content": f"b:{seq}:{time.perf_counter_ns()}",
        "clientMessageId": "m",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "metadata": {},
    }
    return json.dumps({"type": "USER_MESSAGE", "conversationId": "room", "message": message}, separators=(",", ":"))


@dataclass
class Step:
    rate: float
    sent: int
    received: int
    expected: int
    p50: float
    p99: float
    closed: int

    @property
    def complete(self) -> bool:
        """Every frame arrived and no socket was closed."""
        return self.closed == 0 and self.received >= self.expected

    @property
    def ok(self) -> bool:
        return self.complete and self.p99 < P99_TARGET_MS

    @property
    def deliveries_per_s(self) -> float:
        return self.rate * (self.expected / max(self.sent, 1))


async def fanout_steps(conns: list[Conn], make_frame: Any, rates: list[float], seconds: float) -> list[Step]:
    """Send at each rate from conns[0]; every connection (sender included) should receive each message."""
    steps: list[Step] = []
    sender = conns[0]
    seq = 0
    for rate in rates:
        for c in conns:
            c.latencies.clear()
        count = max(1, int(rate * seconds))
        start = time.perf_counter()
        for n in range(count):
            target = start + n / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sender.ws.send_text(make_frame(seq))
            seq += 1
        await sender.ws.drain()
        expected = count * len(conns)
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline and sum(len(c.latencies) for c in conns) < expected:
            await asyncio.sleep(0.05)
        latencies = [x for c in conns for x in c.latencies]
        closed = sum(1 for c in conns if c.closed is not None)
        step = Step(rate, count, len(latencies), expected, pct(latencies, 0.5), pct(latencies, 0.99), closed)
        steps.append(step)
        print(
            f"    {rate:>6.0f} msg/s -> {step.received}/{expected} frames, p50 {step.p50:.1f} ms, p99 {step.p99:.1f} ms, closed {closed}",
            flush=True,
        )
        while sender.acks.qsize():
            sender.acks.get_nowait()
        if not step.complete or step.p99 > 2000:  # past saturation: stop climbing
            break
        await asyncio.sleep(0.3)
    return steps


def fanout_rows(label: str, steps: list[Step], receivers: int, note: str) -> list[tuple[str, str, str]]:
    passing = [s for s in steps if s.ok]
    complete = [s for s in steps if s.complete and s.p99 < 500]
    best = max(passing, key=lambda s: s.rate) if passing else None
    most = max(complete, key=lambda s: s.rate) if complete else None
    low = steps[0]
    return [
        (
            f"{label} deliveries/s at p99 < 50 ms",
            f"{best.rate * receivers:,.0f}" if best else "none passed",
            f"{best.rate:.0f} msg/s x {receivers} receivers; {note}"
            if best
            else f"even {low.rate:.0f} msg/s had p99 {low.p99:.1f} ms; {note}",
        ),
        (
            f"{label} deliveries/s at p99 < 500 ms, nothing lost",
            f"{most.rate * receivers:,.0f}" if most else "none",
            f"p50 {most.p50:.1f} ms, p99 {most.p99:.1f} ms" if most else "",
        ),
        (f"{label} send-to-receive p50 / p99", f"{low.p50:.1f} / {low.p99:.1f} ms", f"at {low.rate:.0f} msg/s"),
    ]


async def persisted_rate(conns: list[Conn], rooms: list[str], per_sender: int) -> tuple[float, int, list[float]]:
    """Every connection sends `per_sender` messages to its room of 10, one at a time (waiting for each ACK)."""
    for c in conns:
        c.latencies.clear()
    acked = 0

    async def sender(i: int) -> None:
        nonlocal acked
        conn = conns[i]
        room = rooms[i // 10]
        for n in range(per_sender):
            conn.ws.send_text(chat_frame(room, i * 100_000 + n))
            await asyncio.wait_for(conn.acks.get(), 30)
            acked += 1

    start = time.perf_counter()
    await asyncio.gather(*(sender(i) for i in range(len(conns))))
    elapsed = time.perf_counter() - start
    await asyncio.sleep(0.5)
    delivery = [x for c in conns for x in c.latencies]
    return acked / elapsed, acked, delivery


@dataclass
class OpenStep(Step):
    acked: int
    acked_per_s: float


async def persisted_open_steps(conns: list[Conn], rooms: list[str], rates: list[float], seconds: float) -> list[OpenStep]:
    """Open loop: at each total rate, message k goes from sender k % n at start + k / rate, so each sender sends at
    rate / n per second with its own phase offset, without waiting for ACKs. Each message should reach its room of 10."""
    steps: list[OpenStep] = []
    n = len(conns)
    seq = 0
    for rate in rates:
        for c in conns:
            c.latencies.clear()
            while c.acks.qsize():
                c.acks.get_nowait()
        count = max(n, int(rate * seconds))
        start = time.perf_counter()
        for k in range(count):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            i = k % n
            conns[i].ws.send_text(chat_frame(rooms[i // 10], seq))
            seq += 1
        await asyncio.gather(*(c.ws.drain() for c in conns), return_exceptions=True)
        expected = count * 10
        acks_done = None
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline:
            acked = sum(c.acks.qsize() for c in conns)
            if acks_done is None and acked >= count:
                acks_done = time.perf_counter()
            if acks_done is not None and sum(len(c.latencies) for c in conns) >= expected:
                break
            await asyncio.sleep(0.02)
        acked = sum(c.acks.qsize() for c in conns)
        elapsed = (acks_done or time.perf_counter()) - start
        latencies = [x for c in conns for x in c.latencies]
        closed = sum(1 for c in conns if c.closed is not None)
        step = OpenStep(rate, count, len(latencies), expected, pct(latencies, 0.5), pct(latencies, 0.99), closed, acked, acked / elapsed)
        steps.append(step)
        print(
            f"    {rate:>6.0f} msg/s offered -> {step.acked_per_s:,.0f} acked/s ({acked}/{count} acked), "
            f"{step.received}/{expected} deliveries, p50 {step.p50:.1f} ms, p99 {step.p99:.1f} ms, closed {closed}, "
            f"{'all delivered' if step.complete and acked >= count else 'LOST'}",
            flush=True,
        )
        if not step.complete or step.p99 > 2000:  # past saturation: stop climbing
            break
        await asyncio.sleep(0.5)
    return steps


def persisted_open_row(steps: list[OpenStep], seconds: float) -> tuple[str, str, str]:
    # The highest rate that passed with every lower rate passing too: a lucky step above a failed one does not count.
    best = None
    for step in steps:
        if not (step.ok and step.acked >= step.sent):
            break
        best = step
    label = "persisted messages/s at delivery p99 < 50 ms (open loop)"
    tried = ", ".join(f"{s.rate:.0f}: p99 {s.p99:.1f} ms{'' if s.complete else ' LOST'}" for s in steps)
    if best is None:
        return (label, "none passed", f"offered msg/s -> {tried}")
    return (
        label,
        f"{best.acked_per_s:,.0f}",
        f"offered {best.rate:.0f} msg/s for {seconds:g} s, 1000 senders on a fixed schedule, 10 receivers each; "
        f"p50 {best.p50:.1f} ms, p99 {best.p99:.1f} ms; offered msg/s -> {tried}",
    )


# -- servers -------------------------------------------------------------------------------------


class Server:
    def __init__(self, argv: list[str], env: dict[str, str], ready_url: str | None, log: Path, *, wrapped: bool = False) -> None:
        self.log = log
        self.wrapped = wrapped
        self.process = subprocess.Popen(
            ["taskset", "-c", "0", *argv],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=wrapped,
        )
        if ready_url:
            try:
                wait_http(ready_url)
            except RuntimeError:
                self.stop()
                raise RuntimeError(f"the server did not start; its log:\n{log.read_text()[-3000:]}") from None

    def stop(self) -> None:
        if self.wrapped:  # a profiler and the server: Ctrl-C both, so the profiler writes its output as the server exits
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.wrapped:  # the server under the profiler must not outlive the run
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def runtime_env(tmp: Path, bot: str) -> dict[str, str]:
    """The server's environment: a SQLite store and signing keys in `tmp`, limits raised for load."""
    return {
        **os.environ,
        "CHAT_LEX_BOT": bot,
        "CHAT_LEX_STORE": f"sqlite:{tmp / 'chat.db'}",
        "CHAT_LEX_AUTH_KEY_DIR": str(tmp / "keys"),
        "CHAT_LEX_AUTH_ISSUER": ISSUER,
        "CHAT_LEX_AUTH_CLIENT_ID": CLIENT_ID,
        "CHAT_LEX_RATE_PER_MINUTE": "1000000",
        "CHAT_LEX_SEND_BACKLOG": "4096",
        "CHAT_LEX_LOG_LEVEL": "warning",
        "CHAT_LEX_STATIC_DIR": str(tmp),
    }


def runtime_server(tmp: Path, port: int, *, bot: str, wrap: list[str] | None = None) -> Server:
    env = runtime_env(tmp, bot)
    argv = [*(wrap or []), sys.executable, "-m", "tools.serve_commands", "--port", str(port)]
    return Server(argv, env, f"http://{HOST}:{port}/health", tmp / f"server-{port}.log", wrapped=bool(wrap))


# -- the run -------------------------------------------------------------------------------------


def persisted_rows(rate: float, acked: int, latencies: list[float]) -> list[tuple[str, str, str]]:
    return [
        ("persisted messages/s (100 rooms x 10, SQLite, bot off)", f"{rate:,.0f}", f"{acked} messages, 1000 senders, 1 in flight each"),
        (
            "  delivery p50 / p99 under that load",
            f"{pct(latencies, 0.5):.1f} / {pct(latencies, 0.99):.1f} ms",
            "10 receivers per message; 1000 senders each waiting for its ACK, so mostly queueing",
        ),
    ]


async def run_persisted_only(per_sender: int, rounds: int, wrap: list[str] | None, open_loop: bool = False) -> list[tuple[str, str, str]]:
    """Only the persisted-messages scenario (one server, `rounds` back-to-back closed-loop runs, or the open-loop
    rate steps): for profiling and tuning."""
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="chat-lex-bench-") as tmp_name:
        tmp = Path(tmp_name)
        print("setting up 1000 users, 100 rooms of 10 ...", flush=True)
        world = await build_world(f"sqlite:{tmp / 'chat.db'}", tmp / "keys", 1000)
        port = free_port()
        server = runtime_server(tmp, port, bot="none", wrap=wrap)
        try:
            conns = await open_conns(port, world.tokens, 1000)
            if open_loop:
                steps = await persisted_open_steps(conns, world.small_rooms, OPEN_RATES, OPEN_SECONDS)
                rows.append(persisted_open_row(steps, OPEN_SECONDS))
            for n in range(0 if open_loop else rounds):
                cpu_before = cpu_seconds(server.process.pid)
                rate, acked, latencies = await persisted_rate(conns, world.small_rooms, per_sender)
                cpu_us = (cpu_seconds(server.process.pid) - cpu_before) / max(acked, 1) * 1e6
                print(
                    f"  round {n + 1}: {rate:,.0f} persisted messages/s ({acked} acked), server CPU {cpu_us:.0f} us per message "
                    f"(includes the 0.5 s settle), load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                rows += persisted_rows(rate, acked, latencies)
            await close_conns(conns)
        finally:
            server.stop()
    return rows


async def run(quick: bool) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    users = 1000
    rates = [5, 10, 20, 40] if quick else [5, 10, 20, 40, 60, 80, 120, 160, 240]
    seconds = 1.5 if quick else 3.0
    idle_target = 2000 if quick else 10_000
    per_sender = 3 if quick else 10
    bot_turns = 10 if quick else 40

    with tempfile.TemporaryDirectory(prefix="chat-lex-bench-") as tmp_name:
        tmp = Path(tmp_name)
        print("setting up 1000 users, 1 room of 1000, 100 rooms of 10 ...", flush=True)
        world = await build_world(f"sqlite:{tmp / 'chat.db'}", tmp / "keys", users)

        port = free_port()
        server = runtime_server(tmp, port, bot="none")
        try:
            print("authenticated connections ...", flush=True)
            start = time.perf_counter()
            conns = await open_conns(port, world.tokens, users)
            conn_rate = len(conns) / (time.perf_counter() - start)
            rows.append(
                ("authenticated connections/s (RS256 verify + WELCOME)", f"{conn_rate:,.0f}", f"{len(conns)} sockets, 100 in flight")
            )

            print("fan-out, 1 room of 1000 ...", flush=True)
            steps = await fanout_steps(conns, lambda s: chat_frame(world.big_room, s), rates, seconds)
            rows += fanout_rows("runtime: fan-out (1 room x 1000)", steps, len(conns), "each message validated, stored, then fanned out")

            print("persisted messages, 100 rooms of 10 ...", flush=True)
            rate, acked, latencies = await persisted_rate(conns, world.small_rooms, per_sender)
            rows += persisted_rows(rate, acked, latencies)

            print("persisted messages, open loop, 100 rooms of 10 ...", flush=True)
            open_rates = OPEN_RATES[::2] if quick else OPEN_RATES
            open_seconds = 2.0 if quick else OPEN_SECONDS
            open_steps = await persisted_open_steps(conns, world.small_rooms, open_rates, open_seconds)
            rows.append(persisted_open_row(open_steps, open_seconds))
            await close_conns(conns)

            print(f"idle connections: {idle_target} ...", flush=True)
            await asyncio.sleep(1.0)
            base = rss_kib(server.process.pid)
            idle = await open_conns(port, world.tokens, idle_target, concurrency=200)
            await asyncio.sleep(1.0)
            loaded = rss_kib(server.process.pid)
            per_conn = (loaded - base) * 1024 / max(len(idle), 1)
            rows.append(
                (
                    f"RSS per idle connection ({len(idle):,} sockets)",
                    f"{per_conn / 1024:,.1f} KiB",
                    f"server RSS {base / 1024:,.0f} -> {loaded / 1024:,.0f} MiB",
                )
            )
            await close_conns(idle)
        finally:
            server.stop()

        print("bot reply latency (local engine, seed bot) ...", flush=True)
        port = free_port()
        server = runtime_server(tmp, port, bot=f"local:{PROJECT_ROOT / 'bot_spec' / 'chatbot'}")
        try:
            (conn,) = await open_conns(port, world.tokens[:1], 1)
            conn.ws.on_text = None  # this loop reads the socket itself
            private = None
            latencies = []
            # The private conversation's id is in WELCOME; ask the REST API instead of re-reading the socket.
            req = urllib.request.Request(f"http://{HOST}:{port}/api/conversations", headers={"authorization": f"Bearer {world.tokens[0]}"})
            with urllib.request.urlopen(req, timeout=10) as response:
                private = next(c["conversationId"] for c in json.load(response)["conversations"] if c["kind"] == "private")
            for n in range(-1, bot_turns):  # turn -1 warms the engine up (its NLU model loads on first use) and is not timed
                t0 = time.perf_counter()
                conn.ws.send_text(
                    json.dumps({"action": "sendmessage", "conversationId": private, "message": "help", "clientMessageId": f"bot-{n}"})
                )
                while True:
                    text = await asyncio.wait_for(conn.ws.recv(), 30)
                    if text.startswith('{"type":"BOT_RESPONSE"'):
                        if n >= 0:
                            latencies.append((time.perf_counter() - t0) * 1000)
                        break
            rows.append(
                (
                    "bot reply latency p50 / p99 (send -> BOT_RESPONSE)",
                    f"{pct(latencies, 0.5):.1f} / {pct(latencies, 0.99):.1f} ms",
                    f"{bot_turns} turns of 'help'",
                )
            )
            await conn.ws.close()
        finally:
            server.stop()

        print("baseline: bare websockets.broadcast() server ...", flush=True)
        port = free_port()
        baseline = Server(
            [sys.executable, str(Path(__file__).parent / "ws_broadcast_baseline.py"), str(port)],
            dict(os.environ),
            None,
            tmp / "baseline.log",
        )
        try:
            deadline = time.monotonic() + 30
            while "ready" not in (tmp / "baseline.log").read_text():
                if time.monotonic() > deadline:
                    raise RuntimeError("the baseline server did not start")
                await asyncio.sleep(0.1)
            conns = await open_conns(port, [""], users, welcome=False)
            steps = await fanout_steps(conns, baseline_frame, rates, seconds)
            rows += fanout_rows("baseline: websockets.broadcast()", steps, len(conns), "no auth, no validation, no store")
            await close_conns(conns)
        finally:
            baseline.stop()
    return rows


def render(rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in [("measure", "value", "notes"), *rows]) for i in range(3)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(("measure", "value", "notes"), widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def pinned_run_note(script: str, quick: bool) -> str:
    """How a run with the server on CPU 0 and the load client on CPU 1 was made, for its docs/benchmarks.md section."""
    return (
        f"`benchmarks/{script}{' --quick' if quick else ''}` at commit `{short_commit() or 'unknown'}`, "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}; server pinned to CPU 0, load client to CPU 1 ({os.cpu_count()} CPUs), "
        f"Python {sys.version.split()[0]}, loopback; load average at the start {LOAD_AT_START:.1f} "
        f"(other work on the machine skews every figure)."
    )


def append_runtime_section(table: str, quick: bool) -> None:
    section = f"\n## Runtime\n\n{pinned_run_note('runtime_bench.py', quick)}\n\n{table}\n"
    print(f"appended to {append_section(section)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rates, 2,000 idle connections instead of 10,000")
    parser.add_argument("--no-append", action="store_true", help="print only; do not append to docs/benchmarks.md")
    parser.add_argument(
        "--only",
        choices=("persisted", "persisted-open"),
        help="run one scenario only (never appended to docs/benchmarks.md): for profiling and tuning",
    )
    parser.add_argument("--rounds", type=int, default=3, help="with --only persisted: back-to-back runs on one server")
    parser.add_argument("--per-sender", type=int, default=10, help="with --only persisted: messages per sender per round")
    parser.add_argument(
        "--server-wrap",
        type=shlex.split,
        help="with --only: a command put before the server's python, e.g. 'py-spy record -r 200 -f raw -o server.txt --'",
    )
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 10,000 sockets on each side; children inherit it
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    # The load client's garbage is acyclic (frames, floats), so reference counting frees it; a cyclic collection
    # here (up to 66 ms seen) would stop the reading and add its pause to every latency measured meanwhile.
    gc.disable()
    if args.only in ("persisted", "persisted-open"):
        rows = asyncio.run(run_persisted_only(args.per_sender, args.rounds, args.server_wrap, args.only == "persisted-open"))
    else:
        rows = asyncio.run(run(args.quick))
    table = render(rows)
    print()
    print(table)
    if not args.no_append and args.only is None:
        append_runtime_section(table, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
