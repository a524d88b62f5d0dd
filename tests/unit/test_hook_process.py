"""Code hooks in worker processes: the JSON Lines protocol, its failures, restarts, and the Node bootstrap."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bot_spec.code_hook import parse_cli
from runtime.lex.codehooks import call_collecting_logs
from runtime.lex.errors import DependencyFailedException
from runtime.lex.hook_loader import CodeHookError, bootstrap_path, open_code_hook
from runtime.lex.hook_process import MAX_LINE_BYTES, HookProcess

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

EVENT = {"sessionState": {"intent": {"name": "OrderFlowers"}}, "invocationSource": "FulfillmentCodeHook"}
CLOSE = '{"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "OrderFlowers", "state": "Fulfilled"}}}'


def python_worker(tmp_path: Path, body: str, timeout: float = 5.0) -> HookProcess:
    """A worker whose loop body sees ``event`` (a dict) and ``line`` and writes to ``out``."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import json, sys, time\nout = sys.stdout\nfor line in sys.stdin:\n    event = json.loads(line)\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\n    out.flush()\n",
        encoding="utf-8",
    )
    return HookProcess([sys.executable, str(script)], timeout=timeout, name="test")


def test_a_bare_response_line_answers(tmp_path: Path) -> None:
    worker = python_worker(tmp_path, f"out.write({CLOSE!r} + '\\n')")
    try:
        answer = worker(EVENT)
        assert answer["sessionState"]["dialogAction"] == {"type": "Close"}
        assert worker(EVENT) == answer and worker.starts == 1  # one long-lived process
    finally:
        worker.close()


def test_log_frames_and_stderr_become_the_calls_logs(tmp_path: Path) -> None:
    body = f"""
    out.write(json.dumps({{"log": "checking " + event["sessionState"]["intent"]["name"]}}) + "\\n")
    out.write(json.dumps({{"response": json.loads({CLOSE!r})}}) + "\\n")
    """
    worker = python_worker(tmp_path, body)
    try:
        answer, logs = call_collecting_logs(worker, EVENT)
        assert answer["sessionState"]["intent"]["state"] == "Fulfilled"
        assert logs == ["checking OrderFlowers"]
    finally:
        worker.close()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("out.write('hello from a print\\n')", "non-JSON output"),
        ("out.write('[1, 2]\\n')", "JSON list"),
        ("sys.stderr.write('boom: disk full\\n'); sys.stderr.flush(); sys.exit(7)", r"crashed \(exit code 7\)"),
        ("time.sleep(30)", "timed out"),
        (f"out.write('\"' + 'x' * {MAX_LINE_BYTES + 10} + '\"\\n')", "longer than"),
    ],
)
def test_failures_are_dependency_failed_and_the_worker_restarts(tmp_path: Path, body: str, message: str) -> None:
    worker = python_worker(tmp_path, body, timeout=1.0)
    try:
        with pytest.raises(DependencyFailedException, match=message) as caught:
            worker(EVENT)
        assert caught.value.message.startswith("Invalid Lambda Response")
        with pytest.raises(DependencyFailedException):
            worker(EVENT)
        assert worker.starts == 2  # killed after the failure, started afresh for the next call
    finally:
        worker.close()


def test_a_crash_says_what_the_worker_wrote_to_stderr(tmp_path: Path) -> None:
    worker = python_worker(tmp_path, "sys.stderr.write('boom: disk full\\n'); sys.stderr.flush(); sys.exit(7)")
    try:
        with pytest.raises(DependencyFailedException, match="boom: disk full"):
            worker(EVENT)
    finally:
        worker.close()


def test_an_error_frame_is_the_handlers_exception_and_keeps_the_worker(tmp_path: Path) -> None:
    worker = python_worker(tmp_path, 'out.write(json.dumps({"error": {"errorType": "KeyError", "errorMessage": "FlowerType"}}) + "\\n")')
    try:
        with pytest.raises(DependencyFailedException, match="raised KeyError: FlowerType"):
            worker(EVENT)
        with pytest.raises(DependencyFailedException, match="KeyError"):
            worker(EVENT)
        assert worker.starts == 1
    finally:
        worker.close()


def test_a_command_that_cannot_start_is_dependency_failed(tmp_path: Path) -> None:
    worker = HookProcess([str(tmp_path / "no-such-program")], timeout=1.0)
    with pytest.raises(DependencyFailedException, match="could not start"):
        worker(EVENT)


def test_the_command_kind_runs_any_program(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "hook.py").write_text(f"import sys\nfor line in sys.stdin:\n    print({CLOSE!r}, flush=True)\n", encoding="utf-8")
    invoker = open_code_hook(parse_cli(f"command:{sys.executable} hook.py"), bot_dir=tmp_path / "bot", timeout=5)
    assert invoker is not None
    try:
        assert invoker(EVENT)["sessionState"]["intent"]["state"] == "Fulfilled"
    finally:
        invoker.close()


def test_an_isolated_python_hook_runs_in_a_worker_and_its_prints_are_logs(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "iso_hooks.py").write_text(
        f"import json\ndef handler(event, context):\n    print('isolated', event['invocationSource'])\n    return json.loads({CLOSE!r})\n",
        encoding="utf-8",
    )
    invoker = open_code_hook(
        parse_cli("python:iso_hooks:handler").__class__("python", "iso_hooks:handler", isolate=True), bot_dir=tmp_path / "bot"
    )
    assert isinstance(invoker, HookProcess)
    try:
        answer, logs = call_collecting_logs(invoker, EVENT)
        assert answer["sessionState"]["dialogAction"]["type"] == "Close"
        assert logs == ["isolated FulfillmentCodeHook"]
    finally:
        invoker.close()


# ---------------------------------------------------------------- the Node.js bootstrap


def node_hook(tmp_path: Path, source: str, export: str = "handler", timeout: float = 5.0) -> HookProcess:
    (tmp_path / "bot").mkdir(exist_ok=True)
    (tmp_path / "index.js").write_text(source, encoding="utf-8")
    invoker = open_code_hook(parse_cli(f"node:index.js:{export}"), bot_dir=tmp_path / "bot", timeout=timeout)
    assert isinstance(invoker, HookProcess)
    return invoker


RESPONSE_JS = "({sessionState: {dialogAction: {type: 'Close'}, intent: {name: event.sessionState.intent.name, state: 'Fulfilled'}}})"


@needs_node
@pytest.mark.parametrize(
    "source",
    [
        "exports.handler = async (event, context) => {"
        f" console.log('async', context.functionName, typeof context.getRemainingTimeInMillis()); return {RESPONSE_JS}; }};",
        "exports.handler = (event, context, callback) => {"
        f" console.log('async', context.functionName, 'number'); setTimeout(() => callback(null, {RESPONSE_JS}), 5); }};",
    ],
    ids=["async", "callback"],
)
def test_node_handlers_async_and_callback_style(tmp_path: Path, source: str) -> None:
    worker = node_hook(tmp_path, source)
    try:
        answer, logs = call_collecting_logs(worker, EVENT)
        assert answer["sessionState"]["intent"] == {"name": "OrderFlowers", "state": "Fulfilled"}
        assert logs == ["async index number"]
    finally:
        worker.close()


@needs_node
def test_node_stdout_writes_are_logs_not_protocol_errors(tmp_path: Path) -> None:
    source = f"exports.main = async (event) => {{ process.stdout.write('raw write\\n'); console.error({{a: 1}}); return {RESPONSE_JS}; }};"
    worker = node_hook(tmp_path, source, export="main")
    try:
        answer, logs = call_collecting_logs(worker, EVENT)
        assert answer["sessionState"]["dialogAction"]["type"] == "Close"
        assert logs == ["raw write", "{ a: 1 }"]
    finally:
        worker.close()


@needs_node
def test_node_handler_errors_and_bad_exports(tmp_path: Path) -> None:
    worker = node_hook(tmp_path, "exports.handler = async () => { throw new TypeError('no flowers today'); };")
    try:
        with pytest.raises(DependencyFailedException, match="raised TypeError: no flowers today"):
            worker(EVENT)
    finally:
        worker.close()
    missing = node_hook(tmp_path, "exports.other = () => 1;")
    with pytest.raises(DependencyFailedException, match="exports no function"):
        missing(EVENT)
    hang = node_hook(tmp_path, "exports.handler = () => new Promise(() => {});", timeout=0.5)
    try:
        with pytest.raises(DependencyFailedException, match="timed out"):
            hang(EVENT)
    finally:
        hang.close()


def test_node_hook_file_must_exist(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    with pytest.raises(CodeHookError, match="no file"):
        open_code_hook(parse_cli("node:missing.js"), bot_dir=tmp_path / "bot")


def test_python_hook_import_errors_are_clear(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    with pytest.raises(CodeHookError, match="cannot import"):
        open_code_hook(parse_cli("python:no_such_module_here:handler"), bot_dir=tmp_path / "bot")
    (tmp_path / "broken_hooks.py").write_text("raise RuntimeError('import-time failure')\n", encoding="utf-8")
    with pytest.raises(CodeHookError, match="import-time failure"):
        open_code_hook(parse_cli("python:broken_hooks:handler"), bot_dir=tmp_path / "bot")
    with pytest.raises(CodeHookError, match="no function"):
        open_code_hook(parse_cli("python:json:no_such_function"), bot_dir=tmp_path / "bot")


def test_in_process_hook_logs_are_captured_and_the_root_logger_is_left_alone() -> None:
    import logging

    from runtime.lex.codehooks import in_process_invoker

    def hook(event: dict[str, Any]) -> dict[str, Any]:
        logging.getLogger("flowers").warning("checked %s", event["invocationSource"])
        return {"ok": True}

    before = list(logging.getLogger().handlers)
    invoker = in_process_invoker(hook, timeout=5)
    assert logging.getLogger().handlers == before  # basicConfig elsewhere must still work
    answer, logs = call_collecting_logs(invoker, EVENT)
    assert answer == {"ok": True} and logs == ["WARNING flowers: checked FulfillmentCodeHook"]
    assert logging.getLogger().handlers == before


def test_a_pool_serves_sessions_side_by_side_and_bounds_the_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from runtime.lex.hook_process import HookPool, pool_size

    (tmp_path / "bot").mkdir()
    (tmp_path / "slow.py").write_text(
        f"import sys, time\nfor line in sys.stdin:\n    time.sleep(0.4)\n    print({CLOSE!r}, flush=True)\n", encoding="utf-8"
    )
    monkeypatch.setenv("CHAT_LEX_HOOK_WORKERS", "2")
    pool = open_code_hook(parse_cli(f"command:{sys.executable} slow.py"), bot_dir=tmp_path / "bot", timeout=5)
    assert isinstance(pool, HookPool)
    try:
        pool(EVENT)  # warm one worker
        answers: list[dict[str, Any]] = []
        start = time.monotonic()
        threads = [threading.Thread(target=lambda: answers.append(pool(EVENT))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 2 and time.monotonic() - start < 0.75  # two at once, not one after the other
        assert len(pool.workers) == 2
    finally:
        pool.close()
    busy = HookPool(lambda: HookProcess([sys.executable, str(tmp_path / "slow.py")], timeout=5), 1, timeout=0.1)
    try:
        worker = busy._take()  # the only worker is in use
        with pytest.raises(DependencyFailedException, match="stayed busy"):
            busy(EVENT)
        busy._idle.put(worker)
    finally:
        busy.close()
    assert pool_size({"CHAT_LEX_HOOK_WORKERS": "x"}) == 1 and pool_size({"CHAT_LEX_HOOK_WORKERS": "999"}) == 32
    assert pool_size({"CHAT_LEX_HOOK_WORKERS": "-3"}) == 1


def test_a_worker_that_answers_twice_is_restarted_not_believed(tmp_path: Path) -> None:
    import time

    first = CLOSE.replace("Fulfilled", "Failed")
    worker = python_worker(tmp_path, f"out.write({first!r} + '\\n'); out.write({CLOSE!r} + '\\n')")
    try:
        assert worker(EVENT)["sessionState"]["intent"]["state"] == "Failed"
        time.sleep(0.3)  # the stray second answer arrives between calls
        assert worker(EVENT)["sessionState"]["intent"]["state"] == "Failed"  # a fresh answer, not the stale one
        assert worker.starts == 2
    finally:
        worker.close()


@needs_node
def test_node_es_modules_load_too(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "index.mjs").write_text(f"export const handler = async (event) => {RESPONSE_JS};\n", encoding="utf-8")
    worker = open_code_hook(parse_cli("node:index.mjs"), bot_dir=tmp_path / "bot", timeout=5)
    assert isinstance(worker, HookProcess)
    try:
        assert worker(EVENT)["sessionState"]["intent"]["state"] == "Fulfilled"
    finally:
        worker.close()


@needs_node
def test_a_node_module_that_throws_on_load_says_so(tmp_path: Path) -> None:
    worker = node_hook(tmp_path, "throw new Error('bad config at load');")
    with pytest.raises(DependencyFailedException, match="bad config at load"):
        worker(EVENT)


@needs_node
def test_the_bootstrap_stays_commonjs_under_a_type_module_package_json(tmp_path: Path) -> None:
    # A package.json with "type": "module" above the bootstrap (this repository's had one for a while) turned
    # node_bootstrap.js into an ES module whose require() crashed every Node hook at load.
    site = tmp_path / "site"
    site.mkdir()
    (site / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    bootstrap = shutil.copy(bootstrap_path(), site)
    (tmp_path / "index.cjs").write_text(f"exports.handler = async (event) => {RESPONSE_JS};", encoding="utf-8")
    done = subprocess.run(
        [str(NODE), str(bootstrap), str(tmp_path / "index.cjs")],
        input=json.dumps(EVENT) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    frames = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [f["response"]["sessionState"]["intent"]["state"] for f in frames if "response" in f] == ["Fulfilled"], done.stderr
