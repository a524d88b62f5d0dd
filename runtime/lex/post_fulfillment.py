"""The fulfillment step's settings (``postFulfillmentStatusSpecification``), read from an intent's extras.

Fact sheet 3.2 step 6: after fulfillment Lex plays the success, failure or timeout response.
A disabled hook "succeeds without invoking the Lambda"; a hook that raises or times out takes
the failure or timeout response when the bot configures one (new conversation flow).
"""

from __future__ import annotations

from typing import Any

from bot_spec.definition import Intent
from runtime.lex.errors import DependencyFailedException

SUCCESS, FAILURE, TIMEOUT = "successResponse", "failureResponse", "timeoutResponse"


def status_spec(intent: Intent) -> dict[str, Any]:
    """The intent's ``postFulfillmentStatusSpecification`` (empty when it has none or it is malformed)."""
    hook = intent.extras.get("fulfillmentCodeHook")
    spec = hook.get("postFulfillmentStatusSpecification") if isinstance(hook, dict) else None
    return spec if isinstance(spec, dict) else {}


def has_response(intent: Intent, key: str) -> bool:
    """True when the fulfillment step configures the response ``key`` (success/failure/timeout)."""
    return isinstance(status_spec(intent).get(key), dict)


def failure_kind(exc: DependencyFailedException) -> str:
    """Which response a failed fulfillment hook takes: timeout (in process, worker or Lambda) or failure."""
    return TIMEOUT if "timed out" in str(exc).lower() else FAILURE
