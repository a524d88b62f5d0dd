"""`python -m runtime.web.healthcheck` (the image's HEALTHCHECK): 0 only for a 200 from /health, 1 for anything else."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.lex.endpoints import free_port
from runtime.web.healthcheck import EXIT_HEALTHY, EXIT_UNHEALTHY, check, main, probe_target
from runtime.web.settings import Settings


def _serve(handle: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handle(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _answer(status: int, body: bytes = b'{"status":"ok"}') -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status if request.path == "/health" else 404)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handle


@pytest.fixture
def healthy_port() -> Iterator[int]:
    yield from _serve(_answer(200))


def test_healthy_when_health_answers_200(healthy_port: int) -> None:
    assert check("127.0.0.1", healthy_port) is None
    assert main({"CHAT_LEX_PORT": str(healthy_port)}) == EXIT_HEALTHY


@pytest.mark.parametrize("status", [204, 301, 404, 500, 503])
def test_any_other_status_is_unhealthy(status: int) -> None:
    for port in _serve(_answer(status, b"")):
        assert check("127.0.0.1", port) == f"/health answered {status}"
        assert main({"CHAT_LEX_PORT": str(port)}) == EXIT_UNHEALTHY


def test_nothing_listening_is_unhealthy(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main({"CHAT_LEX_PORT": str(port)}) == EXIT_UNHEALTHY
    assert f"no answer from http://127.0.0.1:{port}/health: ConnectionRefusedError" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["eighty", "", "99999999", "-1", "80; rm -rf /"])
def test_malformed_settings_are_unhealthy_with_the_reason(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Docker reserves exit code 2; a probe that cannot even read its settings reports plain "unhealthy".
    assert main({"CHAT_LEX_PORT": value}) == EXIT_UNHEALTHY
    assert "CHAT_LEX_PORT" in capsys.readouterr().err


def test_a_huge_answer_is_not_read_whole() -> None:
    def flood(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Length", str(1 << 40))
        request.end_headers()
        try:
            for _ in range(10_000):
                request.wfile.write(b"x" * 65536)
        except OSError:
            pass  # the probe hung up after its few kilobytes, as it should

    for port in _serve(flood):
        started = time.monotonic()
        assert check("127.0.0.1", port) is None
        assert time.monotonic() - started < 2


def test_a_silent_or_garbled_peer_is_unhealthy() -> None:
    with socket.socket() as listener:  # accepts (the kernel does) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        problem = check("127.0.0.1", listener.getsockname()[1], timeout=0.3)
        assert problem is not None and "TimeoutError" in problem

    def garble(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(b"\x00\xffnot http at all\r\n\r\n")

    for port in _serve(garble):
        problem = check("127.0.0.1", port)
        assert problem is not None and problem.startswith("no answer from")


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("", "127.0.0.1"), ("127.0.0.2", "127.0.0.2"), ("::1", "::1")],
)
def test_it_probes_where_the_server_listens(host: str, expected: str) -> None:
    assert probe_target(Settings(host=host, port=8123)) == (expected, 8123)


def test_it_runs_as_the_image_runs_it(healthy_port: int) -> None:
    # The HEALTHCHECK's exact command line.
    env = {**os.environ, "CHAT_LEX_PORT": str(healthy_port), "CHAT_LEX_HOST": "0.0.0.0"}
    done = subprocess.run([sys.executable, "-m", "runtime.web.healthcheck"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "runtime.web.healthcheck"], env={**env, "CHAT_LEX_PORT": str(free_port())}, timeout=30)
    assert done.returncode == EXIT_UNHEALTHY


def test_it_stays_light() -> None:
    # It runs every 15 s in every container: loading the web stack or boto3 each time would cost CPU and memory.
    heavy = "{'litestar', 'uvicorn', 'boto3', 'numpy', 'redis'}"
    code = f"import sys, runtime.web.healthcheck; print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.strip() == "[]"
