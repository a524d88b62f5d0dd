"""The runtime image really builds and serves: tools/container/build_local.sh builds the Dockerfile with podman, and
the container answers /health, /ready and /login on a loopback port, as a non-root user writing only /data.

Without podman this module is skipped, unless CI=true: there `make container` has installed it, so its absence is an
error. The first build on a machine also makes the debootstrapped base image (about 30 s); later ones reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime.lex.endpoints import free_port

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "tools" / "container" / "build_local.sh"
CONTAINERS_CONF = ROOT / "tools" / "container" / "containers.conf"
# One tag per checkout, so that worktrees testing at the same time do not retag each other's image.
TAG = f"localhost/chat-lex-test:{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"
BUILD_TIMEOUT = 900
START_TIMEOUT = 60.0
STOP_GRACE_SECONDS = 20

# The first test also builds: a cold build (debootstrap included) took 4.5 min on a loaded 2-core VM, near the
# suite's 300 s default timeout, which counts fixture setup.
pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT + 2 * START_TIMEOUT + 60)]


def _podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`podman --runtime runc ARGS` with the repo's containers.conf, as build_local.sh runs it."""
    result = subprocess.run(
        ["podman", "--runtime", "runc", *args], env=_podman_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def _require_tools() -> None:
    missing = [tool for tool in ("podman", "runc") if shutil.which(tool) is None]
    if not missing:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {', '.join(missing)} missing: `make container` should have installed them")
    pytest.skip(f"the image test needs {', '.join(missing)}: run `make container` (apt-get install podman runc debootstrap)")


@pytest.fixture(scope="module")
def image() -> str:
    _require_tools()
    started = time.monotonic()
    result = subprocess.run([str(BUILD_SCRIPT), TAG], env=_podman_env(), capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
    if result.returncode != 0:
        pytest.fail(f"{BUILD_SCRIPT.name} {TAG} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    assert result.stdout.strip().splitlines()[-1] == TAG
    print(f"image {TAG} built in {time.monotonic() - started:.1f} s")
    # The image stays: the next run reuses its layers, and build_local.sh drops it when it retags.
    return TAG


@dataclass(frozen=True)
class Running:
    name: str
    url: str


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read(1_000_000).decode("utf-8")


def _wait_for_health(name: str, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if _get(f"{url}/health")[0] == 200:
                return
        except (OSError, urllib.error.URLError):
            pass
        state = podman("inspect", "--format", "{{.State.Status}}", name, check=False).stdout.strip()
        if state in ("exited", "stopped", ""):
            logs = podman("logs", name, check=False)
            pytest.fail(f"the container stopped before /health answered ({state or 'gone'}):\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
        time.sleep(0.25)
    pytest.fail(f"/health did not answer 200 within {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="module")
def running(image: str) -> Iterator[Running]:
    name = f"chat-lex-test-{uuid.uuid4().hex[:10]}"
    port = free_port()
    # Only loopback: the test must not open the runtime to the network. No health timer (no systemd here);
    # test_the_healthcheck_passes runs the image's HEALTHCHECK by hand.
    podman("run", "--detach", "--name", name, "--health-interval", "disable", "--publish", f"127.0.0.1:{port}:8000", image)
    try:
        url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        _wait_for_health(name, url)
        print(f"container {name} answered /health {time.monotonic() - started:.1f} s after podman run")
        yield Running(name, url)
    finally:
        podman("rm", "--force", "--volumes", "--time", "0", name, check=False)


def test_health_ready_and_the_login_page(running: Running) -> None:
    status, _, body = _get(f"{running.url}/health")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, _, body = _get(f"{running.url}/ready")
    assert status == 200 and json.loads(body)["status"] == "ready", body  # the SQLite store, the bot and the channel answer
    status, content_type, body = _get(f"{running.url}/login")
    assert status == 200 and content_type.startswith("text/html")
    assert 'id="signin-template"' in body


def test_the_healthcheck_passes(running: Running) -> None:
    result = podman("healthcheck", "run", running.name, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert podman("inspect", "--format", "{{.State.Health.Status}}", running.name).stdout.strip() == "healthy"


def test_it_runs_as_a_user_that_writes_only_data(running: Running) -> None:
    assert podman("exec", running.name, "id", "-u").stdout.strip() == "10001"
    listing = podman("exec", running.name, "ls", "/data", "/data/auth-keys").stdout
    assert "chat.db" in listing and "jwt-signing-key.pem" in listing  # the store and the local provider's key
    for path in ("/opt/venv/bin", "/app/bot_spec/chatbot", "/"):
        denied = podman("exec", running.name, "touch", f"{path}/probe", check=False)
        assert denied.returncode != 0, f"the runtime user could write {path}"


def test_the_image_declares_its_contract(image: str) -> None:
    inspected = json.loads(podman("image", "inspect", image).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "10001:10001"
    assert "8000/tcp" in config["ExposedPorts"]
    assert "/data" in config["Volumes"]
    assert config["Entrypoint"] == ["chat-lex"] and config["Cmd"] == ["serve"]
    # Kept because build_local.sh builds in docker format (OCI images have no HEALTHCHECK).
    assert inspected["Healthcheck"]["Test"] == ["CMD", "python", "-m", "runtime.web.healthcheck"]


def test_sigterm_stops_it_cleanly(image: str) -> None:
    # Its own container: stopping the shared one would break the other tests' order independence.
    name = f"chat-lex-test-stop-{uuid.uuid4().hex[:10]}"
    port = free_port()
    podman("run", "--detach", "--name", name, "--health-interval", "disable", "--publish", f"127.0.0.1:{port}:8000", image)
    try:
        _wait_for_health(name, f"http://127.0.0.1:{port}")
        started = time.monotonic()
        podman("stop", "--time", str(STOP_GRACE_SECONDS), name, timeout=STOP_GRACE_SECONDS + 30)
        assert time.monotonic() - started < STOP_GRACE_SECONDS, "SIGTERM was ignored: podman had to kill the runtime"
        assert podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip() == "0"
    finally:
        podman("rm", "--force", "--volumes", "--time", "0", name, check=False)
