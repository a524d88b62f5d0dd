"""Lex V2 code hooks: the v1.0 event, the call (in process or a Lambda), the response check.

Every failure a real alias would report as a Lambda problem (the hook raised, timed
out, answered with something that is not a valid response, or answered too much)
becomes DependencyFailedException with Lex's own message prefix.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bot_spec.definition import BotLocale
from runtime.contracts.codehook_response import MAX_RESPONSE_BYTES, response_problems
from runtime.lex.errors import DependencyFailedException
from runtime.lex.runtime_shapes import clone, find_intent

CodeHook = Callable[[dict[str, Any]], dict[str, Any]]
Invoker = Callable[[dict[str, Any]], dict[str, Any]]

DEFAULT_HOOK_TIMEOUT = 30.0  # Lex gives a code hook 30 s
_INVALID = "Invalid Lambda Response: Received invalid response from Lambda: "
MAX_LOG_LINES = 200  # per hook call: a chatty handler must not grow the explanation without end

# The log lines of the hook call under way in this context (None: nobody is collecting).
_hook_logs: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("chat_lex_hook_logs", default=None)


def record_hook_log(line: str) -> None:
    """Attach a log line to the code-hook call under way (shown by ``converse --explain``)."""
    logs = _hook_logs.get()
    if logs is not None and len(logs) < MAX_LOG_LINES:
        logs.append(line[:2000])


def call_collecting_logs(invoker: Invoker, event: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Call ``invoker`` and return its answer with the log lines the call produced."""
    logs: list[str] = []
    token = _hook_logs.set(logs)
    try:
        return invoker(event), logs
    finally:
        _hook_logs.reset(token)


class _LogCapture(logging.Handler):
    """Copies log records emitted during an in-process hook call into that call's logs."""

    def emit(self, record: logging.LogRecord) -> None:
        if _hook_logs.get() is not None:
            record_hook_log(f"{record.levelname} {record.name}: {record.getMessage()}")


_CAPTURE = _LogCapture()
_capture_lock = threading.Lock()
_capture_users = 0


@contextlib.contextmanager
def _capturing_logs() -> Iterator[None]:
    """The capture handler sits on the root logger only while hooks run.

    Left there for good, it would make a later ``logging.basicConfig`` (lex-serve's request
    log, say) a silent no-op, as basicConfig does nothing once the root has a handler.
    """
    global _capture_users
    root = logging.getLogger()
    with _capture_lock:
        _capture_users += 1
        if _capture_users == 1:
            root.addHandler(_CAPTURE)
    try:
        yield
    finally:
        with _capture_lock:
            _capture_users -= 1
            if _capture_users == 0:
                root.removeHandler(_CAPTURE)


def invalid_response(reason: str) -> DependencyFailedException:
    """The exception Lex raises for a bad code-hook answer, with its message shape."""
    return DependencyFailedException(_INVALID + reason)


def validate_response(response: Any, locale: BotLocale) -> dict[str, Any]:
    """Check a code-hook response as Lex does; returns it.

    The shape and the quotas are `runtime.contracts.codehook_response`'s (the fulfillment
    dispatcher applies the same rules); what depends on the bot is checked here: the intent
    is one of the locale's, and ElicitSlot names one of its slots. Raises
    DependencyFailedException naming every shape or quota problem, or else the bot's.
    """
    problems = response_problems(response)
    if problems:
        raise invalid_response("; ".join(problems))
    checked: dict[str, Any] = response  # a dict: response_problems refuses anything else
    state = checked["sessionState"]
    intent = state.get("intent")
    if intent is None:
        return checked
    defined = find_intent(locale, intent["name"])
    if defined is None:
        raise invalid_response(f"sessionState.intent.name {intent['name']!r} is not an intent of locale {locale.locale_id}")
    action = state["dialogAction"]
    if action["type"] == "ElicitSlot" and defined.slot(action["slotToElicit"]) is None:
        raise invalid_response(f"sessionState.dialogAction.slotToElicit {action['slotToElicit']!r} is not a slot of intent {defined.name}")
    return checked


class _Job:
    """One hook call handed to a worker thread; the caller waits on ``done``."""

    def __init__(self, hook: CodeHook, event: dict[str, Any]) -> None:
        self.hook, self.event = hook, event
        self.context = contextvars.copy_context()  # the caller's log collector follows the call to the worker thread
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.context.run(self.hook, self.event)
        except BaseException as exc:  # the hook's failure is reported to the caller, not raised in the worker
            self.error = exc
        finally:
            self.done.set()


class _HookWorkers:
    """Daemon threads that run hook calls, so a call can be abandoned at its timeout.

    Each call reserves an idle worker or starts a new one, so a hung hook never delays
    another call; its thread stays blocked (Python cannot stop it) and is not reused.
    Daemon threads, unlike a ThreadPoolExecutor's, never block interpreter exit.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, job: _Job) -> None:
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
            else:
                threading.Thread(target=self._work, name="lex-code-hook", daemon=True).start()
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            self._jobs.get().run()
            with self._lock:
                self._idle += 1


_WORKERS = _HookWorkers()


def in_process_invoker(hook: CodeHook, *, timeout: float | None = DEFAULT_HOOK_TIMEOUT) -> Invoker:
    """Call ``hook`` in this process; an exception or a timeout is a Lambda failure.

    Log records emitted while it runs (any logger) are attached to the call's logs.
    """

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        with _capturing_logs():
            return _invoke(event)

    def _invoke(event: dict[str, Any]) -> dict[str, Any]:
        if timeout is None:
            return _call(hook, event)
        job = _Job(hook, event)
        _WORKERS.submit(job)
        if not job.done.wait(timeout):
            raise DependencyFailedException(f"{_INVALID}the code hook did not answer within {timeout:g} s (timed out)")
        if job.error is not None:
            exc = job.error
            raise DependencyFailedException(f"{_INVALID}the code hook raised {type(exc).__name__}: {exc}") from None
        value: dict[str, Any] = job.value
        return value

    return invoke


def _call(hook: CodeHook, event: dict[str, Any]) -> dict[str, Any]:
    try:
        return hook(event)
    except Exception as exc:
        raise DependencyFailedException(f"{_INVALID}the code hook raised {type(exc).__name__}: {exc}") from None


def lambda_invoker(lambda_client: Any, function_arn: str) -> Invoker:
    """Call a Lambda through a boto3 ``lambda`` client, as Lex calls the alias's function."""

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = lambda_client.invoke(
                FunctionName=function_arn,
                InvocationType="RequestResponse",
                Payload=json.dumps(event).encode("utf-8"),
            )
        except Exception as exc:  # botocore errors: no permission, throttled, not found
            raise DependencyFailedException(f"{_INVALID}invoking {function_arn} failed: {exc}") from None
        raw = answer.get("Payload")
        body = raw.read() if hasattr(raw, "read") else raw
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes | bytearray):
            raise invalid_response("the Lambda returned no payload")
        if answer.get("FunctionError"):
            detail = body[:500].decode("utf-8", "replace")
            raise DependencyFailedException(f"{_INVALID}the Lambda failed ({answer['FunctionError']}): {detail}")
        if len(body) > MAX_RESPONSE_BYTES:
            raise invalid_response(f"the response is {len(body)} bytes; Lex accepts at most {MAX_RESPONSE_BYTES}")
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise invalid_response(f"the payload is not JSON ({exc})") from None
        except RecursionError:
            raise invalid_response("the payload is nested too deeply") from None
        if not isinstance(parsed, dict):
            raise invalid_response(f"the response must be a JSON object, got {type(parsed).__name__}")
        return parsed

    return invoke


def event_interpretations(interpretations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RecognizeText interpretations as a code-hook event carries them.

    ``nluConfidence`` is a bare number in events, and alternatives carry a state too.
    """
    out: list[dict[str, Any]] = []
    for item in interpretations:
        intent = dict(item["intent"])
        intent.setdefault("state", "InProgress")
        intent.setdefault("confirmationState", "None")
        entry: dict[str, Any] = {"intent": intent, "interpretationSource": item.get("interpretationSource", "Lex")}
        confidence = item.get("nluConfidence")
        if isinstance(confidence, Mapping) and "score" in confidence:
            entry["nluConfidence"] = confidence["score"]
        out.append(entry)
    return out


def build_event(
    *,
    invocation_source: str,
    session_id: str,
    input_transcript: str,
    bot: dict[str, str],
    interpretations: list[dict[str, Any]],
    session_state: dict[str, Any],
    request_attributes: dict[str, str] | None,
    proposed_next_state: dict[str, Any] | None = None,
    invocation_label: str | None = None,
) -> dict[str, Any]:
    """The Lex V2 code-hook input event (messageVersion 1.0), fact sheet section 4."""
    intent = session_state.get("intent") or {}
    filled = {k: v for k, v in (intent.get("slots") or {}).items() if v is not None}
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": session_id,
        "inputTranscript": input_transcript,
        "bot": dict(bot),
        "interpretations": event_interpretations(interpretations),
        "requestAttributes": dict(request_attributes) if request_attributes else None,
        "sessionState": clone(session_state),
        "transcriptions": [
            {
                "transcription": input_transcript,
                "transcriptionConfidence": 1,
                "resolvedContext": {"intent": intent.get("name")},
                "resolvedSlots": filled,
            }
        ],
    }
    if invocation_label is not None:
        event["invocationLabel"] = invocation_label
    if proposed_next_state is not None:
        event["proposedNextState"] = proposed_next_state
    return event
