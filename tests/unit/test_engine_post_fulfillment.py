"""The fulfillment step's success, failure and timeout responses (fact sheet 3.2 step 6)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bot_spec.importer import import_bots
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.errors import DependencyFailedException
from runtime.lex.post_fulfillment import FAILURE, TIMEOUT, failure_kind, has_response
from tests.unit.test_engine_fixtures import START, Chat, action, intent, pizza_bot, texts

CONNECT = Path(__file__).resolve().parents[2] / "external" / "lex_bots" / "cfn" / "ConnectGenAI.sam.yaml"


def _say(text: str) -> dict[str, Any]:
    return {"messageGroups": [{"message": {"plainTextMessage": {"value": text}}}]}


def test_a_disabled_hook_succeeds_and_plays_the_success_response_connect_order_status_section_3_2_step_6() -> None:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    d = runtime.register_bot(import_bots(CONNECT)[0])

    def say(text: str) -> dict[str, Any]:
        return runtime.recognize_text(botId=d.bot_id, botAliasId=d.alias_id, localeId="en_US", sessionId="c-1", text=text)

    say("I want to track my order")
    say("12345")
    done = say("yes")
    assert intent(done)["name"] == "orderStatus"
    assert action(done) == {"type": "Close"}
    assert texts(done) == [
        "Thank You. I have successfully created a track request for your order. "
        "We will send you tracking information via email within the next 15 minutes."
    ]


def _pizza(hook: Any, *, active: bool = True, timeout: float | None = 5.0) -> Chat:
    definition = pizza_bot(fulfillment_hook=True)
    order = definition.locales[0].intents[0]
    order.extras["fulfillmentCodeHook"] = {
        "enabled": True,
        "active": active,
        "postFulfillmentStatusSpecification": {
            "successResponse": _say("Done: {Size}."),
            "failureResponse": _say("The kitchen failed."),
            "timeoutResponse": _say("The kitchen is slow today."),
        },
    }
    runtime = LocalLexRuntime(clock=ManualClock(START), code_hook_timeout=timeout)
    return Chat(runtime, runtime.register_bot(definition, code_hook=hook))


def _order(chat: Chat) -> dict[str, Any]:
    chat.say("order a large pizza with thin crust")
    return chat.say("yes")


def test_a_raising_hook_takes_the_failure_response_section_3_2_step_6() -> None:
    def hook(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("oven on fire")

    done = _order(_pizza(hook))
    assert intent(done)["state"] == "Failed"
    assert action(done) == {"type": "Close"}
    assert texts(done) == ["The kitchen failed."]


def test_a_slow_hook_takes_the_timeout_response_section_3_2_step_6() -> None:
    def hook(event: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.0)
        return {}

    done = _order(_pizza(hook, timeout=0.05))
    assert intent(done)["state"] == "Failed"
    assert texts(done) == ["The kitchen is slow today."]


def test_without_a_configured_failure_response_the_turn_is_dependency_failed() -> None:
    def hook(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("oven on fire")

    chat = _pizza(hook)
    order = chat.deployment.definition.locales[0].intents[0]
    del order.extras["fulfillmentCodeHook"]["postFulfillmentStatusSpecification"]["failureResponse"]
    chat.say("order a large pizza with thin crust")
    with pytest.raises(DependencyFailedException):
        chat.say("yes")


def test_an_inactive_fulfillment_step_plays_no_success_response() -> None:
    done = _order(_pizza(lambda e: {}, active=False))
    assert texts(done) == ["Your large pizza is on its way."]  # only the closing response


def test_failure_kind_and_malformed_settings() -> None:
    assert failure_kind(DependencyFailedException("Invalid Lambda Response: Task timed out after 3.00 seconds")) == TIMEOUT
    assert failure_kind(DependencyFailedException("the code hook raised KeyError")) == FAILURE
    definition = pizza_bot()
    order = definition.locales[0].intents[0]
    for broken in ("nonsense", {"postFulfillmentStatusSpecification": ["x"]}, {"postFulfillmentStatusSpecification": {FAILURE: "x"}}):
        order.extras["fulfillmentCodeHook"] = broken
        assert not has_response(order, FAILURE)
