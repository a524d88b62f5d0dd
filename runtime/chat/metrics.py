"""A tiny Prometheus-style registry: counters, gauges and fixed-bucket histograms, rendered as text."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Seconds; spans a fast SQLite commit up to a slow bot call.
DEFAULT_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Counter:
    """A monotonically increasing count."""

    name: str
    help: str
    value: float = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def render(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter", f"{self.name} {_number(self.value)}"]


@dataclass
class Gauge:
    """A value that goes up and down, or is read from a callback at render time."""

    name: str
    help: str
    value: float = 0.0
    read: Callable[[], float] | None = None

    def set(self, value: float) -> None:
        self.value = value

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        self.value -= amount

    def current(self) -> float:
        return self.read() if self.read is not None else self.value

    def render(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge", f"{self.name} {_number(self.current())}"]


@dataclass
class Histogram:
    """Observations counted into cumulative buckets, as Prometheus expects."""

    name: str
    help: str
    buckets: Sequence[float] = DEFAULT_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.buckets = tuple(sorted(self.buckets))
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.total += value
        self.count += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        running = 0
        for bound, hits in zip(self.buckets, self.counts, strict=True):
            running += hits
            lines.append(f'{self.name}_bucket{{le="{_number(bound)}"}} {running}')
        lines.append(f'{self.name}_bucket{{le="+Inf"}} {self.count}')
        lines.append(f"{self.name}_sum {_number(self.total)}")
        lines.append(f"{self.name}_count {self.count}")
        return lines


class MetricsRegistry:
    """Named metrics of one process; `render()` gives the Prometheus text exposition."""

    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Gauge | Histogram] = {}

    def counter(self, name: str, help: str) -> Counter:
        metric = self._metrics.setdefault(name, Counter(name, help))
        if not isinstance(metric, Counter):
            raise ValueError(f"metric {name} is already registered as {type(metric).__name__}")
        return metric

    def gauge(self, name: str, help: str, read: Callable[[], float] | None = None) -> Gauge:
        metric = self._metrics.setdefault(name, Gauge(name, help, read=read))
        if not isinstance(metric, Gauge):
            raise ValueError(f"metric {name} is already registered as {type(metric).__name__}")
        return metric

    def histogram(self, name: str, help: str, buckets: Sequence[float] = DEFAULT_BUCKETS) -> Histogram:
        metric = self._metrics.setdefault(name, Histogram(name, help, buckets))
        if not isinstance(metric, Histogram):
            raise ValueError(f"metric {name} is already registered as {type(metric).__name__}")
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self._metrics):
            lines.extend(self._metrics[name].render())
        return "\n".join(lines) + "\n"


@dataclass
class ChatMetrics:
    """The runtime's metrics, created once per app and shared by the chat service, fan-out and web layer."""

    registry: MetricsRegistry = field(default_factory=MetricsRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.connections = r.gauge("chatlex_connections", "Open WebSocket connections in this process.")
        self.messages_in = r.counter("chatlex_messages_in_total", "User messages accepted and stored.")
        self.messages_out = r.counter("chatlex_bot_messages_total", "Bot replies stored.")
        self.frames_in = r.counter("chatlex_frames_in_total", "WebSocket frames received.")
        self.errors_sent = r.counter("chatlex_errors_sent_total", "ERROR frames sent to clients.")
        self.bad_frames = r.counter("chatlex_bad_frames_total", "Malformed frames received (BAD_JSON, BAD_FRAME, UNKNOWN_ACTION, too big).")
        self.policy_closes = r.counter("chatlex_policy_closes_total", "Sockets closed with 1008 for sending too many malformed frames.")
        self.deliveries = r.counter("chatlex_fanout_deliveries_total", "Frames queued to local sockets by the fan-out.")
        self.dropped = r.counter("chatlex_fanout_slow_consumers_total", "Connections closed because their send backlog overflowed.")
        self.bot_latency = r.histogram("chatlex_bot_latency_seconds", "Time for the bot to answer one message.")
        self.store_latency = r.histogram("chatlex_store_append_seconds", "Time to durably append one message.")
        self.end_to_end = r.histogram("chatlex_send_to_fanout_seconds", "From a frame received to its event handed to the fan-out.")
        self.bot_failures = r.counter("chatlex_bot_failures_total", "Bot calls that failed or timed out.")
        self.channel_failures = r.counter("chatlex_channel_failures_total", "Events the event channel (Redis) could not take.")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
