"""Whether a resource on AWS already says what the spec says, field by field.

The fields compared are the members of the resource's ``Update*`` request in botocore's
``lexv2-models`` model, minus identifiers. Empty values (None, [], {}) count as absent.

AWS fills in settings nobody sent: real exports (aws-samples ReminderBot, see
``external/PROVENANCE.md``) carry ``promptAttemptsSpecification``,
``messageSelectionStrategy: Random``, ``allowInterrupt: true``, default next steps and
code-hook flags. A key the spec does not set therefore counts as equal when it is one of
those AWS-filled keys, or holds nothing but false/empty leaves. Any other extra key (a
``declinationResponse`` the spec dropped, say) is a difference, so removals are applied.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session

_IDENTIFIERS = frozenset(
    {"botId", "botVersion", "localeId", "intentId", "slotId", "slotTypeId", "botAliasId", "slotPriorities", "botName", "roleArn"}
)
# Keys Lex fills with defaults when a request leaves them out (at any depth).
AWS_FILLED = frozenset(
    {
        "promptAttemptsSpecification",
        "messageSelectionStrategy",
        "allowInterrupt",
        "active",
        "isActive",
        "enableCodeHookInvocation",
        "invocationLabel",
        "slotCaptureSetting",
        "elicitationCodeHook",
        "codeHook",
        "nextStep",
        "captureNextStep",
        "failureNextStep",
        "successNextStep",
        "timeoutNextStep",
        "confirmationNextStep",
        "declinationNextStep",
        "postCodeHookSpecification",
        "postFulfillmentStatusSpecification",
        "fulfillmentUpdatesSpecification",
        "initialResponseSetting",
        "dialogCodeHook",
        "fulfillmentCodeHook",
        "obfuscationSetting",
        "multipleValuesSetting",
        "speechDetectionSensitivity",
        "generativeAISettings",
    }
)


@functools.cache
def content_fields(update_operation: str) -> tuple[str, ...]:
    """The content members of an Update* operation (e.g. ``UpdateIntent``)."""
    model = botocore.session.get_session().get_service_model("lexv2-models")
    shape = model.operation_model(update_operation).input_shape
    assert shape is not None  # every Update* operation has a request body
    return tuple(m for m in shape.members if m not in _IDENTIFIERS)


def cleaned(value: Any) -> Any:
    """``value`` with None and empty containers removed, recursively (None when nothing is left)."""
    if isinstance(value, dict):
        out = {k: c for k, v in value.items() if (c := cleaned(v)) is not None}
        return out or None
    if isinstance(value, list):
        items = [c for v in value if (c := cleaned(v)) is not None]
        return items or None
    return value


def _only_defaults(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_only_defaults(v) for v in value.values())
    if isinstance(value, list):
        return all(_only_defaults(v) for v in value)
    return value is None or value is False


def _extra_is_harmless(key: str, value: Any) -> bool:
    return key in AWS_FILLED or _only_defaults(value)


def matches(want: Any, have: Any) -> bool:
    """Whether ``have`` (from AWS, cleaned) says everything ``want`` (cleaned) says, and nothing the spec dropped."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return False
        if any(not matches(v, have.get(k)) for k, v in want.items()):
            return False
        return all(_extra_is_harmless(k, v) for k, v in have.items() if k not in want)
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(matches(w, h) for w, h in zip(want, have, strict=True))
    return bool(want == have)


def differing_fields(update_operation: str, desired: dict[str, Any], live: dict[str, Any], *, extra: tuple[str, ...] = ()) -> list[str]:
    """Names of the content fields (plus ``extra``) where ``live`` differs from ``desired``."""
    out: list[str] = []
    for name in (*content_fields(update_operation), *extra):
        want = cleaned(desired.get(name))
        have = cleaned(live.get(name))
        if want is None:
            if not _extra_is_harmless(name, have):
                out.append(name)
        elif not matches(want, have):
            out.append(name)
    return out
