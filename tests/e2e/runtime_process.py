"""`chat-lex serve` as a subprocess on a free port with a fresh SQLite file, for the browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def chat_lex_command() -> list[str]:
    """The installed `chat-lex` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("chat-lex")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tools.cli"]


class RuntimeProcess:
    """A running `chat-lex serve`: its base URL, its log, and a clean stop."""

    def __init__(self, folder: Path, *extra_flags: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "serve.log"
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
            f"local:{PROJECT_ROOT / 'bot_spec' / 'chatbot'}",
            *extra_flags,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_LEX_")}
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chat-lex serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chat-lex serve did not become ready in {START_TIMEOUT:g} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()
