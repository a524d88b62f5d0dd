"""The dispatcher: routing by intent and source, unknown intents, failing and misbehaving handlers."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fulfillment import Dispatcher, InvalidEvent
from fulfillment.dispatcher import FAILURE_MESSAGE, UNKNOWN_INTENT_MESSAGE
from fulfillment.events import CodeHookEvent
from fulfillment.responses import close


@pytest.fixture(scope="module")
def schema_validator(external_dir: Path) -> Any:
    schema = json.loads((external_dir / "reference" / "lex-codehook-response.schema.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def raw_event(intent: str, source: str | None = "FulfillmentCodeHook", session_id: str = "sess-42") -> dict[str, Any]:
    event: dict[str, Any] = {
        "sessionId": session_id,
        "inputTranscript": "hello",
        "sessionState": {
            "sessionAttributes": {"keep": "me"},
            "intent": {"name": intent, "slots": {}, "state": "InProgress", "confirmationState": "None"},
        },
    }
    if source is not None:
        event["invocationSource"] = source
    return event


def said(response: dict[str, Any]) -> str:
    return str(response["messages"][0]["content"])


@pytest.fixture
def dispatcher() -> Dispatcher:
    d = Dispatcher()

    @d.intent("Order", source="DialogCodeHook")
    def order_dialog(event: CodeHookEvent) -> dict[str, Any]:
        return close(event, "InProgress", ["dialog hook"])

    @d.intent("Order", source="FulfillmentCodeHook")
    def order_fulfil(event: CodeHookEvent) -> dict[str, Any]:
        return close(event, "Fulfilled", ["fulfillment hook"])

    @d.intent("Hello")
    def hello(event: CodeHookEvent) -> dict[str, Any]:
        return close(event, "Fulfilled", [f"any source: {event.invocation_source}"])

    @d.intent("Track", source="FulfillmentCodeHook")
    def track(event: CodeHookEvent) -> dict[str, Any]:
        return close(event, "Fulfilled", ["tracked"])

    return d


def test_routing_by_intent_and_source(dispatcher: Dispatcher, schema_validator: Any) -> None:
    cases = [
        (raw_event("Order", "DialogCodeHook"), "dialog hook"),
        (raw_event("Order", "FulfillmentCodeHook"), "fulfillment hook"),
        (raw_event("Hello", "DialogCodeHook"), "any source: DialogCodeHook"),
        (raw_event("Hello", "FulfillmentCodeHook"), "any source: FulfillmentCodeHook"),
        (raw_event("Hello", None), "any source: None"),
        (raw_event("Track", "FulfillmentCodeHook"), "tracked"),
    ]
    for event, expected in cases:
        response = dispatcher(event, None)
        schema_validator.validate(response)
        assert said(response) == expected


def test_a_source_specific_handler_wins_over_the_catch_all() -> None:
    d = Dispatcher()
    d.add("A", lambda e: close(e, "Fulfilled", ["catch-all"]))
    d.add("A", lambda e: close(e, "Fulfilled", ["dialog"]), source="DialogCodeHook")
    assert said(d(raw_event("A", "DialogCodeHook"))) == "dialog"
    assert said(d(raw_event("A", "FulfillmentCodeHook"))) == "catch-all"


def test_a_known_intent_at_a_step_without_a_handler_is_delegated_back_to_lex(dispatcher: Dispatcher, schema_validator: Any) -> None:
    response = dispatcher(raw_event("Track", "DialogCodeHook"))
    schema_validator.validate(response)
    assert response["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert response["sessionState"]["sessionAttributes"] == {"keep": "me"}


def test_an_unknown_intent_gets_a_polite_failed_close(dispatcher: Dispatcher, schema_validator: Any) -> None:
    response = dispatcher(raw_event("BookFlight"))
    schema_validator.validate(response)
    assert response["sessionState"]["dialogAction"]["type"] == "Close"
    assert response["sessionState"]["intent"] == {"name": "BookFlight", "slots": {}, "state": "Failed", "confirmationState": "None"}
    assert said(response) == UNKNOWN_INTENT_MESSAGE
    assert response["sessionState"]["sessionAttributes"] == {"keep": "me"}


def test_the_messages_can_be_customised() -> None:
    d = Dispatcher(unknown_intent_message="Nope.", failure_message="Oops.")

    @d.intent("Boom")
    def boom(event: CodeHookEvent) -> dict[str, Any]:
        raise RuntimeError("x")

    assert said(d(raw_event("Other"))) == "Nope."
    assert said(d(raw_event("Boom"))) == "Oops."


def test_a_handler_exception_is_logged_with_the_session_and_the_user_gets_the_generic_message(
    caplog: pytest.LogCaptureFixture, schema_validator: Any
) -> None:
    d = Dispatcher()

    @d.intent("Pay")
    def pay(event: CodeHookEvent) -> dict[str, Any]:
        raise KeyError("card-number")

    with caplog.at_level(logging.ERROR, logger="fulfillment"):
        response = d(raw_event("Pay", session_id="sess-XYZ"))
    schema_validator.validate(response)
    assert said(response) == FAILURE_MESSAGE
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert response["sessionState"]["dialogAction"]["type"] == "Close"
    records = [r for r in caplog.records if r.name == "fulfillment"]
    assert len(records) == 1
    line = json.loads(records[0].getMessage())
    assert line["event"] == "handler_failed"
    assert line["sessionId"] == "sess-XYZ"
    assert line["intent"] == "Pay"
    assert line["error"] == "KeyError"
    assert "card-number" in line["message"]
    assert "raise KeyError" in line["traceback"]


@pytest.mark.parametrize(
    "bad_result",
    [
        None,
        "Close",
        {"dialogAction": {"type": "Close"}},
        {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "X", "state": "Done"}}},
        {"sessionState": {"dialogAction": {"type": "ElicitIntent"}}},
        {"sessionState": {"dialogAction": {"type": "Delegate"}, "sessionAttributes": {"count": 1}}},
    ],
)
def test_a_handler_returning_something_invalid_is_caught_the_same_way(
    bad_result: object, caplog: pytest.LogCaptureFixture, schema_validator: Any
) -> None:
    d = Dispatcher()
    d.add("Bad", lambda e: bad_result)  # type: ignore[arg-type, return-value]
    with caplog.at_level(logging.ERROR, logger="fulfillment"):
        response = d(raw_event("Bad"))
    schema_validator.validate(response)
    assert said(response) == FAILURE_MESSAGE
    line = json.loads(caplog.records[-1].getMessage())
    assert line["error"] == "InvalidResponse" and line["sessionId"] == "sess-42"


@pytest.mark.parametrize("event", [None, "text", [], {}, {"sessionState": {"intent": None}}, {"sessionState": {"intent": {"name": 3}}}])
def test_a_malformed_event_raises_invalid_event(dispatcher: Dispatcher, event: object) -> None:
    with pytest.raises(InvalidEvent):
        dispatcher(event)


def test_registration_mistakes_are_reported() -> None:
    d = Dispatcher()
    d.add("A", lambda e: close(e, "Fulfilled", ["a"]))
    with pytest.raises(ValueError, match="already has a handler"):
        d.add("A", lambda e: close(e, "Fulfilled", ["b"]))
    with pytest.raises(ValueError, match="source must be"):
        d.add("A", lambda e: close(e, "Fulfilled", ["c"]), source="Fulfillment")
    assert d.intents == frozenset({"A"})
