"""Lambda's invocation model in process: the handler signature, a realistic context, a bounded pool and timeouts."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("chat_lex.apigw")

# handler(event, context) -> the proxy response (a dict), or None. Synchronous, like Lambda's Python runtime.
Handler = Callable[[dict[str, Any], Any], Any]

# API Gateway's integration timeout (29 s) caps every route, whatever the function's own timeout.
INTEGRATION_TIMEOUT_SECONDS = 29.0
LAMBDA_MAX_TIMEOUT_SECONDS = 900.0
MAX_ROUTE_KEY_CHARS = 128  # API Gateway's limit on a route key
_FUNCTION_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class LambdaRoutes:
    """Route keys (`$connect`, `$disconnect`, `$default`, action names) to Lambda handlers, with their timeouts.

    `route_responses` names the routes whose proxy response `body` is sent back to the client, as API Gateway does
    for a route with a route response (`RouteResponseSelectionExpression: $default`); other routes' results are dropped.
    """

    handlers: Mapping[str, Handler]
    timeouts: Mapping[str, float] = field(default_factory=dict)
    default_timeout: float = INTEGRATION_TIMEOUT_SECONDS
    route_responses: frozenset[str] = frozenset()
    function_prefix: str = "chat-lex"
    memory_mb: int = 256

    def __post_init__(self) -> None:
        for key, handler in self.handlers.items():
            if not isinstance(key, str) or not key or len(key) > MAX_ROUTE_KEY_CHARS:
                raise ValueError(f"route key {key!r}: give a non-empty string of at most {MAX_ROUTE_KEY_CHARS} characters")
            if key.startswith("$") and key not in ("$connect", "$disconnect", "$default"):
                raise ValueError(f"route key {key!r}: only $connect, $disconnect and $default may start with '$'")
            if not callable(handler):
                raise ValueError(f"route {key}: the handler must be a callable handler(event, context)")
        for key, seconds in {**self.timeouts, "(default)": self.default_timeout}.items():
            if key != "(default)" and key not in self.handlers:
                raise ValueError(f"timeout for route {key!r}, which has no handler; routes: {sorted(self.handlers)}")
            if not 0 < seconds <= LAMBDA_MAX_TIMEOUT_SECONDS:
                raise ValueError(f"timeout of {key}: {seconds!r} s; give 0 < seconds <= {LAMBDA_MAX_TIMEOUT_SECONDS:g} (Lambda's limit)")
        unknown = set(self.route_responses) - set(self.handlers)
        if unknown:
            raise ValueError(f"route_responses names routes without a handler: {sorted(unknown)}")

    def timeout_of(self, route_key: str) -> float:
        """The function's timeout, capped by API Gateway's 29-second integration timeout."""
        return min(self.timeouts.get(route_key, self.default_timeout), INTEGRATION_TIMEOUT_SECONDS)

    def function_name(self, route_key: str) -> str:
        return f"{self.function_prefix}-{_FUNCTION_NAME_UNSAFE.sub('', route_key) or 'route'}"


class LambdaContext:
    """The attributes and method of the Python runtime's context object; the clock starts when the handler starts."""

    def __init__(self, function_name: str, memory_mb: int, timeout_seconds: float, region: str, account_id: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.memory_limit_in_mb = str(memory_mb)  # a string in the real runtime too (it comes from the environment)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity: Any = None
        self.client_context: Any = None
        self.timeout_seconds = timeout_seconds
        self._deadline = time.monotonic() + timeout_seconds

    def start(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Invocation:
    """One invocation's outcome: the handler's result, or the error API Gateway would see (an integration error)."""

    route_key: str
    aws_request_id: str
    result: Any = None
    error: str | None = None
    timed_out: bool = False
    waited_ms: float = 0.0
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class InvokerStats:
    invocations: int = 0
    throttled: int = 0  # invocations that waited for a free slot (Lambda would throttle or queue them)
    wait_ms_total: float = 0.0
    errors: int = 0
    timeouts: int = 0
    peak_concurrency: int = 0


class Invoker:
    """Runs handlers on at most `max_concurrency` threads (Lambda's reserved concurrency); the rest wait their turn.

    A handler that exceeds its timeout is reported as Lambda reports it ("Task timed out after N seconds"), but a
    Python thread cannot be killed: it keeps its slot until it returns, as a stuck process would keep a Lambda
    sandbox busy. Handlers can stop early by watching `context.get_remaining_time_in_millis()`.
    """

    def __init__(self, routes: LambdaRoutes, max_concurrency: int, *, region: str, account_id: str) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency {max_concurrency}: give at least 1")
        self.routes = routes
        self.max_concurrency = max_concurrency
        self.region = region
        self.account_id = account_id
        self.stats = InvokerStats()
        self._pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="lambda")
        self._lock = threading.Lock()
        self._running = 0
        self._in_flight = 0  # submitted and not yet returned; touched on the event loop only

    async def invoke(self, route_key: str, event: dict[str, Any]) -> Invocation:
        handler = self.routes.handlers[route_key]
        timeout = self.routes.timeout_of(route_key)
        context = LambdaContext(self.routes.function_name(route_key), self.routes.memory_mb, timeout, self.region, self.account_id)
        loop = asyncio.get_running_loop()
        started = asyncio.Event()
        throttled = self._in_flight >= self.max_concurrency
        self._in_flight += 1
        self.stats.invocations += 1
        submitted = time.monotonic()

        def run() -> Any:
            context.start()
            loop.call_soon_threadsafe(started.set)
            with self._lock:
                self._running += 1
                self.stats.peak_concurrency = max(self.stats.peak_concurrency, self._running)
            try:
                result = handler(event, context)
                try:  # Lambda serializes the return value; one it cannot serialize fails the invocation
                    json.dumps(result)
                except (TypeError, ValueError, RecursionError) as exc:
                    raise MarshalError(f"Runtime.MarshalError: Unable to marshal response: {exc}") from exc
                return result
            finally:
                with self._lock:
                    self._running -= 1

        try:
            future = loop.run_in_executor(self._pool, run)
        except RuntimeError:  # the pool is shut down: the gateway is closing
            self._in_flight -= 1
            return Invocation(route_key, context.aws_request_id, error="the gateway is shutting down")
        future.add_done_callback(self._returned)
        waiter = asyncio.ensure_future(started.wait())
        await asyncio.wait({future, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        waited_ms = (time.monotonic() - submitted) * 1000
        if throttled:
            self.stats.throttled += 1
            self.stats.wait_ms_total += waited_ms
            log.warning(
                "throttled",
                extra={
                    "action": route_key,
                    "count": self.stats.throttled,
                    "reason": f"waited {waited_ms:.0f} ms for one of {self.max_concurrency} slots; "
                    f"{self.stats.throttled} of {self.stats.invocations} invocations throttled so far",
                },
            )
        begun = time.monotonic()

        def outcome(**fields: Any) -> Invocation:
            return Invocation(
                route_key, context.aws_request_id, waited_ms=waited_ms, duration_ms=(time.monotonic() - begun) * 1000, **fields
            )

        try:
            result = await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if future.cancelled() and (task is None or not task.cancelling()):  # cancelled in the queue by close()
                return outcome(error="the gateway is shutting down")
            raise
        except TimeoutError:
            self.stats.timeouts += 1
            self.stats.errors += 1
            error = f"Task timed out after {timeout:.2f} seconds"
            log.error("invocation timed out", extra={"action": route_key, "reason": error})
            return outcome(error=error, timed_out=True)
        except Exception as exc:  # the handler's own failure: logged with its traceback, as Lambda logs it
            self.stats.errors += 1
            error = str(exc) if isinstance(exc, MarshalError) else f"{type(exc).__name__}: {exc}"
            log.error("invocation failed", extra={"action": route_key, "reason": error[:300]}, exc_info=not isinstance(exc, MarshalError))
            return outcome(error=error)
        return outcome(result=result)

    def _returned(self, _: object) -> None:
        self._in_flight -= 1

    def close(self) -> None:
        """Stop taking invocations; queued ones are cancelled, running ones finish on their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class MarshalError(Exception):
    """The handler returned a value Lambda could not serialize to JSON."""
