"""Polling a Lex resource until its status settles, with a progress display."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.publish.errors import PublishError
from tools.publish.progress import Progress


@dataclass
class WaitSettings:
    """How often to poll and for how long (build waits can take minutes on AWS)."""

    poll_seconds: float = 2.0
    max_polls: int = 900
    sleep: Callable[[float], None] = time.sleep


def wait_for_status(
    describe: Callable[[], dict[str, Any]],
    *,
    status_key: str,
    done: set[str],
    failed: set[str],
    what: str,
    progress: Progress,
    settings: WaitSettings,
) -> dict[str, Any]:
    """Poll ``describe()`` until ``status_key`` is in ``done`` (returned) or ``failed`` (returned too).

    The caller decides what a failed status means (a build failure is the spec's fault, exit 1).
    Running out of polls is a PublishError: the resource is stuck, and publish can be re-run.
    """
    for poll in range(settings.max_polls):
        response = describe()
        status = str(response.get(status_key, "?"))
        settled = status in done or status in failed
        if settled and poll == 0:
            return response  # nothing to wait for: stay quiet
        if settled:
            progress.settle(f"  {what}: {status} after {poll * settings.poll_seconds:.0f}s")
            return response
        progress.status(f"  {what}: {status} ({poll * settings.poll_seconds:.0f}s)", key=f"{what}: {status}")
        settings.sleep(settings.poll_seconds)
    raise PublishError(
        "waiting",
        what,
        f"still not settled after {settings.max_polls} polls ({settings.max_polls * settings.poll_seconds:.0f}s)",
        "look at the resource in the Lex console; run publish again once it settled",
    )
