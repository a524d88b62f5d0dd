"""Memory per idle authenticated WebSocket: the server's RSS per socket, and where it goes by allocation site.

Run: .venv/bin/python benchmarks/idle_connection_memory.py [--sockets 2000] [--trace-sockets 1000] [--no-trace]

Two runs, each against a fresh server started as benchmarks/runtime_bench.py starts it (its own process, pinned to
CPU 0, SQLite store, 1,000 users who are each in one room of 1,000, one room of 10 and their private conversation):

1. RSS: warm the server with 1,000 sockets opened and closed (as runtime_bench does before its idle scenario),
   then open `--sockets` idle authenticated sockets (each gets its WELCOME) and divide the RSS growth by their number.
2. Allocation sites: the same server run by this script (`--serve-traced`, a mode of this script, not of the
   server), which starts tracemalloc and dumps a snapshot on SIGUSR1; the growth between the snapshots before and after
   opening `--trace-sockets` sockets is attributed to the innermost frame outside the standard library (so a
   TimerHandle made by `loop.call_later` in ws_endpoint counts as ws_endpoint's) and printed per socket.

What tracemalloc cannot see (pymalloc arena slack, the C allocator's own overhead) is the gap between the two totals.
Nothing is appended to docs/benchmarks.md. Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import functools
import gc
import os
import resource
import signal
import sys
import sysconfig
import tempfile
import time
import tracemalloc
import urllib.request
from collections import defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.runtime_bench import (  # noqa: E402
    HOST,
    Server,
    build_world,
    close_conns,
    free_port,
    open_conns,
    render,
    rss_kib,
    runtime_env,
    runtime_server,
    wait_http,
)

USERS = 1000
WARM_SOCKETS = 1000
TRACE_FRAMES = 30
Rows = list[tuple[str, str, str]]
STDLIB = sysconfig.get_paths()["stdlib"]


# -- the traced server (a subprocess) ------------------------------------------------------------


def serve_traced(snapshot_dir: Path, serve_argv: list[str]) -> int:
    """Run `chat-lex serve`; each SIGUSR1 writes snapshot-<n>.pickle into `snapshot_dir`.

    Tracing starts at the first SIGUSR1: only what is allocated after it is compared, and startup (imports, the
    app) runs at full speed.
    """
    taken = [0]

    def dump(_signum: int, _frame: object) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(TRACE_FRAMES)
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        taken[0] += 1
        partial = snapshot_dir / f"snapshot-{taken[0]}.partial"
        snapshot.dump(str(partial))
        partial.rename(snapshot_dir / f"snapshot-{taken[0]}.pickle")  # whole, or not there: the client polls for it

    signal.signal(signal.SIGUSR1, dump)
    from tools.serve_commands import main as serve_main

    return serve_main(serve_argv)


async def take_snapshot(server: Server, snapshot_dir: Path, n: int) -> tracemalloc.Snapshot:
    path = snapshot_dir / f"snapshot-{n}.pickle"
    os.kill(server.process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 300
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the traced server wrote no snapshot")
        await asyncio.sleep(0.2)
    return tracemalloc.Snapshot.load(str(path))


# -- attribution ---------------------------------------------------------------------------------


@functools.cache
def _functions(filename: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function and class in a file, innermost last."""
    try:
        tree = ast.parse(Path(filename).read_text())
    except (OSError, SyntaxError, ValueError):
        return []
    found: list[tuple[int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                found.append((child.lineno, child.end_lineno or child.lineno, name))
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def function_at(filename: str, lineno: int) -> str:
    inside = [name for first, last, name in _functions(filename) if first <= lineno <= last]
    return inside[-1] if inside else "<module>"


def short_path(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    if filename.startswith(STDLIB):
        return "stdlib/" + filename[len(STDLIB) :].lstrip("/")
    return filename


def site_of(traceback: tracemalloc.Traceback) -> str:
    """The innermost frame outside the standard library (else the innermost frame), as `path:function:line`."""
    frames = list(reversed(traceback))  # a Traceback lists the oldest call first
    chosen = next((f for f in frames if not f.filename.startswith(STDLIB)), frames[0])
    return f"{short_path(chosen.filename)}:{function_at(chosen.filename, chosen.lineno)}:{chosen.lineno}"


GROUPS = (  # (path prefix of the site, group), first match wins
    ("runtime/chat/fanout.py", "LocalConnection (runtime/chat/fanout.py)"),
    ("runtime/chat/rate_limit.py", "LocalTokenBucket"),
    ("runtime/chat/log_sampling.py", "LogSampler"),
    ("runtime/web/session_watch.py", "session_watch"),
    ("runtime/web/ws_endpoint.py", "ws_endpoint (_SocketSession, handler frames, closures, timer)"),
    ("runtime/web/server.py", "runtime/web/server.py (protocol subclass)"),
    ("runtime/", "other runtime/ code"),
    ("uvicorn/", "uvicorn protocol (+ its Task, queue, scope)"),
    ("websockets/", "websockets sans-io ServerProtocol"),
    ("litestar/", "Litestar (WebSocket, handler chain)"),
    ("jwt/", "JWT decoding"),
    ("stdlib/asyncio/", "asyncio (Transport, loop internals)"),
)


def group_of(site: str) -> str:
    return next((label for prefix, label in GROUPS if site.startswith(prefix)), "other: " + site.split(":", 1)[0])


def attribute(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> dict[str, tuple[int, int]]:
    """Growth per site: (bytes, blocks)."""
    keep = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap*")]
    growth: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stat in after.filter_traces(keep).compare_to(before.filter_traces(keep), "traceback"):
        entry = growth[site_of(stat.traceback)]
        entry[0] += stat.size_diff
        entry[1] += stat.count_diff
    return {site: (size, count) for site, (size, count) in growth.items()}


def trace_rows(growth: dict[str, tuple[int, int]], sockets: int, top: int) -> tuple[Rows, Rows]:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for site, (size, count) in growth.items():
        groups[group_of(site)][0] += size
        groups[group_of(site)][1] += count
    total = sum(size for size, _ in growth.values())
    by_group = [
        (label, f"{size / sockets:,.0f} B", f"{count / sockets:,.1f} blocks")
        for label, (size, count) in sorted(groups.items(), key=lambda item: -item[1][0])
        if abs(size) / sockets >= 8
    ]
    by_group.append(("total seen by tracemalloc", f"{total / sockets:,.0f} B", f"{sockets:,} sockets"))
    by_site = [
        (site, f"{size / sockets:,.0f} B", f"{count / sockets:,.1f} blocks")
        for site, (size, count) in sorted(growth.items(), key=lambda item: -item[1][0])[:top]
    ]
    return by_group, by_site


# -- the runs ------------------------------------------------------------------------------------


async def settle(port: int, connections: int, seconds: float = 1.0) -> None:
    """Wait until the server counts `connections` open sockets (closes are handled after the client's returns),
    then `seconds` more for whatever the sockets' handlers do after that."""
    deadline = time.monotonic() + 300
    while await asyncio.to_thread(open_sockets, port) != connections:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server never counted {connections} open sockets")
        await asyncio.sleep(0.5)
    await asyncio.sleep(seconds)


def open_sockets(port: int) -> int:
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=30) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("chatlex_connections "):
                return int(float(line.split()[1]))
    raise RuntimeError("no chatlex_connections in /metrics")


async def measure_rss(tmp: Path, tokens: list[str], sockets: int) -> tuple[str, str, str]:
    port = free_port()
    server = runtime_server(tmp, port, bot="none")
    try:
        await close_conns(await open_conns(port, tokens, WARM_SOCKETS))
        await settle(port, 0)
        base = rss_kib(server.process.pid)
        idle = await open_conns(port, tokens, sockets, concurrency=200)
        await settle(port, len(idle))
        loaded = rss_kib(server.process.pid)
        await close_conns(idle)
    finally:
        server.stop()
    per_socket = (loaded - base) * 1024 / max(len(idle), 1)
    return (
        f"RSS per idle connection ({len(idle):,} sockets)",
        f"{per_socket / 1024:,.1f} KiB",
        f"server RSS {base / 1024:,.0f} -> {loaded / 1024:,.0f} MiB",
    )


async def measure_sites(tmp: Path, tokens: list[str], sockets: int, top: int) -> tuple[Rows, Rows]:
    port = free_port()
    snapshots = tmp / "snapshots"
    snapshots.mkdir(exist_ok=True)
    argv = [sys.executable, __file__, "--serve-traced", str(snapshots), "--port", str(port)]
    server = Server(argv, runtime_env(tmp, "none"), None, tmp / "traced-server.log")
    try:
        await asyncio.to_thread(wait_http, f"http://{HOST}:{port}/health", 600)
        await close_conns(await open_conns(port, tokens, min(WARM_SOCKETS, sockets)))
        await settle(port, 0)
        before = await take_snapshot(server, snapshots, 1)
        idle = await open_conns(port, tokens, sockets, concurrency=100)
        await settle(port, len(idle))
        after = await take_snapshot(server, snapshots, 2)
        await close_conns(idle)
    finally:
        server.stop()
    return trace_rows(attribute(before, after), len(idle), top)


async def run(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="chat-lex-idle-") as tmp_name:
        tmp = Path(tmp_name)
        print(f"setting up {USERS} users ...", flush=True)
        world = await build_world(f"sqlite:{tmp / 'chat.db'}", tmp / "keys", USERS)
        if args.sockets:
            print(f"RSS: {args.sockets:,} idle sockets ...", flush=True)
        out = render([await measure_rss(tmp, world.tokens, args.sockets)]) if args.sockets else ""
        if args.trace_sockets > 0:
            print(f"tracemalloc: {args.trace_sockets:,} idle sockets ...", flush=True)
            by_group, by_site = await measure_sites(tmp, world.tokens, args.trace_sockets, args.top)
            out += "\n\nper idle socket, by part (tracemalloc)\n\n" + render(by_group)
            out += "\n\nper idle socket, by allocation site (innermost frame outside the standard library)\n\n" + render(by_site)
        return out


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-traced":
        return serve_traced(Path(sys.argv[2]), sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=2000, help="idle sockets for the RSS figure (runtime_bench: 10,000; 0: skip it)")
    parser.add_argument("--trace-sockets", type=int, default=1000, help="idle sockets for the tracemalloc breakdown (0: skip it)")
    parser.add_argument("--top", type=int, default=30, help="allocation sites to list")
    args = parser.parse_args()
    if args.sockets < 0 or args.trace_sockets < 0 or args.sockets + args.trace_sockets == 0:
        parser.error("--sockets and --trace-sockets must be at least 0, and one of them more")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    print(asyncio.run(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
