"""Response builders, against the aws-samples code-hook response schema.

The response checker's rules (shared with the engine) are tested in tests/unit/test_codehook_response.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fulfillment.errors import InvalidResponse
from fulfillment.events import CodeHookEvent, parse_event
from fulfillment.response_check import check_response
from fulfillment.responses import close, confirm_intent, delegate, elicit_intent, elicit_slot, image_card, plain_text


@pytest.fixture(scope="module")
def schema_validator(external_dir: Path) -> Any:
    schema = json.loads((external_dir / "reference" / "lex-codehook-response.schema.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _event(attributes: dict[str, str] | None = None) -> CodeHookEvent:
    return parse_event(
        {
            "invocationSource": "FulfillmentCodeHook",
            "sessionId": "s-1",
            "sessionState": {
                "sessionAttributes": attributes if attributes is not None else {"customer": "Ann", "cart": "3"},
                "intent": {
                    "name": "Order",
                    "slots": {
                        "Item": {"value": {"originalValue": "pizzas", "interpretedValue": "pizza", "resolvedValues": ["pizza"]}},
                        "Size": None,
                    },
                    "state": "InProgress",
                    "confirmationState": "None",
                },
            },
        }
    )


def _all_builders(event: CodeHookEvent) -> list[dict[str, Any]]:
    card = image_card(
        "Pick a size", buttons=[("Small", "small"), ("Large", "large")], subtitle="or say it", image_url="https://example.com/a.png"
    )
    return [
        close(event, "Fulfilled", ["Done."]),
        close(event, "Failed", ["Sorry."]),
        close(event, "InProgress"),
        elicit_slot(event, "Size", ["Which size?", card]),
        elicit_slot(event, "Size"),
        elicit_intent(event, ["What else?"]),
        confirm_intent(event, ["Order a pizza?"]),
        delegate(event),
        delegate(event, state="ReadyForFulfillment", slots={"Item": None, "Size": None}),
    ]


def test_every_builder_output_validates_against_the_schema(schema_validator: Any) -> None:
    for response in _all_builders(_event()):
        schema_validator.validate(response)
        assert check_response(response) == []


def test_the_event_session_attributes_pass_through_unless_replaced() -> None:
    event = _event()
    for response in _all_builders(event):
        assert response["sessionState"]["sessionAttributes"] == {"customer": "Ann", "cart": "3"}
    replaced = close(event, "Fulfilled", ["ok"], session_attributes={"cart": "4"})
    # Lex replaces the stored map wholesale, so "customer" is gone: the handler's choice.
    assert replaced["sessionState"]["sessionAttributes"] == {"cart": "4"}
    assert close(event, "Fulfilled", ["ok"], session_attributes={})["sessionState"]["sessionAttributes"] == {}


def test_builders_carry_the_lex_fields_each_action_needs() -> None:
    event = _event()
    done = close(event, "Fulfilled", ["Done."])
    assert done["sessionState"]["dialogAction"] == {"type": "Close"}
    assert done["sessionState"]["intent"]["state"] == "Fulfilled"
    assert done["sessionState"]["intent"]["slots"]["Item"]["value"]["interpretedValue"] == "pizza"
    assert done["sessionState"]["intent"]["slots"]["Size"] is None
    assert done["messages"] == [{"contentType": "PlainText", "content": "Done."}]
    ask = elicit_slot(event, "Size")
    assert ask["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Size"}
    assert "messages" not in ask  # Lex then plays the slot's own prompt
    assert "intent" not in elicit_intent(event, ["What else?"])["sessionState"]
    assert delegate(event)["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert "state" not in delegate(event)["sessionState"]["intent"]


def test_image_card_shape() -> None:
    card = image_card("Choose", buttons=[("Order", "order")])
    assert card == {
        "contentType": "ImageResponseCard",
        "imageResponseCard": {"title": "Choose", "buttons": [{"text": "Order", "value": "order"}]},
    }


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 251}, "title"),
        ({"title": "ok", "subtitle": "s" * 251}, "subtitle"),
        ({"title": "ok", "image_url": "u" * 251}, "image URL"),
        ({"title": "ok", "buttons": [("b", "v")] * 6}, "at most 5 buttons"),
        ({"title": "ok", "buttons": [("", "v")]}, "button"),
        ({"title": "ok", "buttons": [("b", "v" * 51)]}, "button"),
    ],
)
def test_image_card_limits(kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidResponse, match=problem):
        image_card(**kwargs)


def test_message_limits() -> None:
    event = _event()
    with pytest.raises(InvalidResponse, match="1-1024"):
        plain_text("")
    with pytest.raises(InvalidResponse, match="1-1024"):
        close(event, "Fulfilled", ["x" * 1025])
    with pytest.raises(InvalidResponse, match="at most 10 messages"):
        close(event, "Fulfilled", ["hi"] * 11)
    with pytest.raises(InvalidResponse, match="ElicitIntent needs"):
        elicit_intent(event, [])
    with pytest.raises(InvalidResponse, match="ConfirmIntent needs"):
        confirm_intent(event, [])


def test_a_single_string_is_one_message_not_one_per_character() -> None:
    response = close(_event(), "Fulfilled", "Done.")
    assert response["messages"] == [{"contentType": "PlainText", "content": "Done."}]
    assert elicit_intent(_event(), "Anything else?")["messages"][0]["content"] == "Anything else?"
