"""A code hook served by a long-lived worker process speaking JSON Lines (docs/fulfillment.md).

One line in per call (the Lex V2 event), lines out until the call ends: a bare response
object, or frames ``{"response": {...}}``, ``{"log": "text"}``, ``{"error": {...}}``.
stderr is a log channel too. Every way the worker can let Lex down (a timeout, a crash,
output that is not JSON, a line too long) is DependencyFailedException saying which;
the worker is killed and started afresh on the next call, so nothing hangs.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from runtime.lex.codehooks import DEFAULT_HOOK_TIMEOUT, record_hook_log
from runtime.lex.errors import DependencyFailedException

_INVALID = "Invalid Lambda Response: Received invalid response from Lambda: "
MAX_LINE_BYTES = 1024 * 1024  # a response is at most 25 KB; a log line this long is a runaway worker
MAX_LOGS_PER_CALL = 200
STDERR_TAIL = 20
_FRAMES = ("response", "log", "error")
_EOF = object()


class HookProcess:
    """An Invoker backed by one worker process; calls are serialised (one event at a time)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = DEFAULT_HOOK_TIMEOUT,
        name: str = "code hook",
    ) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self.env = dict(os.environ if env is None else env)
        self.timeout = timeout
        self.name = name
        self.starts = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._lines: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self._call_logs: list[str] | None = None

    # ------------------------------------------------------------ process life

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(self.env)
        if self.timeout is not None:
            env["CHAT_LEX_HOOK_TIMEOUT_MS"] = str(int(self.timeout * 1000))
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.cwd,
                env=env,
                start_new_session=True,  # its own process group: a timeout kills the worker and its children
            )
        except OSError as exc:
            raise DependencyFailedException(f"{_INVALID}the {self.name} worker could not start ({exc})") from None
        self.starts += 1
        self._lines = queue.SimpleQueue()
        self._stderr.clear()
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=self._read_stdout, args=(proc.stdout, self._lines), daemon=True, name="hook-stdout").start()
        threading.Thread(target=self._read_stderr, args=(proc.stderr,), daemon=True, name="hook-stderr").start()
        self._proc = proc
        return proc

    @staticmethod
    def _read_stdout(stream: IO[bytes], lines: queue.SimpleQueue[object]) -> None:
        try:
            while True:
                line = stream.readline(MAX_LINE_BYTES + 1)
                if not line:
                    break
                lines.put(line)
        except (OSError, ValueError):
            pass  # the stream closed under us: the worker was killed
        lines.put(_EOF)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        try:
            for raw in iter(lambda: stream.readline(MAX_LINE_BYTES), b""):
                text = raw.decode("utf-8", "replace").rstrip("\n")
                self._stderr.append(text[:2000])
                logs = self._call_logs
                if logs is not None and len(logs) < MAX_LOGS_PER_CALL:
                    logs.append(text[:2000])
        except (OSError, ValueError):
            pass

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)

    def close(self) -> None:
        """Stop the worker (it is started again on the next call)."""
        with self._lock:
            self._kill()

    def _failed(self, what: str) -> DependencyFailedException:
        """Kill the worker and describe why, with its last stderr lines."""
        self._kill()
        tail = " | ".join(line for line in list(self._stderr)[-5:] if line)
        detail = f"; its stderr ended with: {tail[:1500]}" if tail else ""
        return DependencyFailedException(f"{_INVALID}the {self.name} worker {what}{detail}")

    # ------------------------------------------------------------ one call

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            if self._proc is not None and self._out_of_step():
                self._kill()  # it wrote more than one answer to an earlier event: start afresh
            proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
            logs: list[str] = []
            self._call_logs = logs
            try:
                return self._exchange(proc, line, logs)
            finally:
                self._call_logs = None
                for text in logs:
                    record_hook_log(text)

    def _out_of_step(self) -> bool:
        """Drain lines written between calls; True when one is more than a log (the worker is out of step)."""
        while True:
            try:
                item = self._lines.get_nowait()
            except queue.Empty:
                return False
            if item is _EOF:
                return True
            try:
                message = json.loads(item) if isinstance(item, bytes) else None
            except (ValueError, RecursionError):
                return True
            if not (isinstance(message, dict) and list(message) == ["log"]):
                return True

    def _exchange(self, proc: subprocess.Popen[bytes], line: bytes, logs: list[str]) -> dict[str, Any]:
        assert proc.stdin is not None
        try:
            proc.stdin.write(line)
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._failed(f"exited before reading the event (exit code {proc.poll()})") from None
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._lines.get(timeout=wait)
            except queue.Empty:
                raise self._failed(f"did not answer within {self.timeout:g} s (timed out); it restarts on the next call") from None
            if item is _EOF:
                try:
                    code = proc.wait(2)
                except subprocess.TimeoutExpired:
                    code = None
                raise self._failed(f"crashed (exit code {code}) before answering; it restarts on the next call")
            assert isinstance(item, bytes)
            if len(item) > MAX_LINE_BYTES or not item.endswith(b"\n"):
                raise self._failed(f"wrote a line longer than {MAX_LINE_BYTES} bytes (not JSON Lines)")
            try:
                message = json.loads(item)
            except (ValueError, RecursionError):
                shown = item[:200].decode("utf-8", "replace").strip()
                raise self._failed(f"wrote non-JSON output on stdout ({shown!r}); log to stderr instead") from None
            if not isinstance(message, dict):
                raise self._failed(f"wrote a JSON {type(message).__name__} on stdout; each line must be an object")
            if len(message) == 1 and next(iter(message)) in _FRAMES:
                kind, value = next(iter(message.items()))
                if kind == "log":
                    if len(logs) < MAX_LOGS_PER_CALL:
                        logs.append(str(value)[:2000])
                    continue
                if kind == "error":
                    error = value if isinstance(value, dict) else {"errorMessage": str(value)}
                    kind_name = str(error.get("errorType") or "Error")[:100]
                    text = str(error.get("errorMessage") or "")[:1000]
                    raise DependencyFailedException(f"{_INVALID}the code hook raised {kind_name}: {text}")
                if not isinstance(value, dict):
                    raise DependencyFailedException(f"{_INVALID}the response must be a JSON object, got {type(value).__name__}")
                return value
            return message


WORKERS_ENV = "CHAT_LEX_HOOK_WORKERS"  # worker processes per code hook (default 1)
MAX_WORKERS = 32


def pool_size(environ: Mapping[str, str] | None = None) -> int:
    """Worker processes per hook from $CHAT_LEX_HOOK_WORKERS (1-32; 1 when unset or not a number)."""
    raw = (os.environ if environ is None else environ).get(WORKERS_ENV, "1")
    try:
        return max(1, min(MAX_WORKERS, int(raw)))
    except ValueError:
        return 1


class HookPool:
    """Up to ``size`` workers of one hook, so calls for different sessions run side by side.

    A call takes an idle worker, starts one while fewer than ``size`` exist, or waits for
    one; waiting longer than the hook's timeout is DependencyFailed (the workers are busy).
    """

    def __init__(self, make: Callable[[], HookProcess], size: int, timeout: float | None) -> None:
        self._make = make
        self.size = size
        self.timeout = timeout
        self._idle: queue.LifoQueue[HookProcess] = queue.LifoQueue()  # the warmest worker first
        self._all: list[HookProcess] = []
        self._lock = threading.Lock()

    @property
    def workers(self) -> list[HookProcess]:
        """Every worker made so far."""
        return list(self._all)

    def _take(self) -> HookProcess:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._all) < self.size:
                worker = self._make()
                self._all.append(worker)
                return worker
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise DependencyFailedException(
                f"{_INVALID}all {self.size} code hook workers stayed busy for {self.timeout:g} s; set {WORKERS_ENV} higher"
            ) from None

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        worker = self._take()
        try:
            return worker(event)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (they start again on the next call)."""
        for worker in self._all:
            worker.close()
