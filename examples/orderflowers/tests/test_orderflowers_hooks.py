"""Unit tests of OrderFlowers' handlers: Lex V2 events in, responses out (no engine)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the example's folder: run from anywhere

from orderflowers_hooks import build

TODAY = datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()


def event(source: str, **slots: str) -> dict[str, Any]:
    filled = {name: {"value": {"originalValue": v, "interpretedValue": v, "resolvedValues": [v]}} for name, v in slots.items()}
    return {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": "Text",
        "sessionId": "s-1",
        "inputTranscript": "x",
        "sessionState": {
            "sessionAttributes": {"attr1": "kept"},
            "intent": {"name": "OrderFlowers", "slots": filled, "state": "InProgress", "confirmationState": "None"},
        },
    }


def answer(source: str, **slots: str) -> dict[str, Any]:
    response: dict[str, Any] = build(lambda: TODAY)(event(source, **slots))
    return response


def test_good_slots_are_delegated_with_the_price() -> None:
    response = answer("DialogCodeHook", FlowerType="roses", PickupDate="2027-01-16", PickupTime="EV")
    assert response["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert response["sessionState"]["sessionAttributes"] == {"attr1": "kept", "Price": "25"}


@pytest.mark.parametrize(
    ("slots", "slot", "says"),
    [
        ({"FlowerType": "daisies"}, "FlowerType", "We do not have daisies"),
        ({"FlowerType": "roses", "PickupDate": "2027-01-15"}, "PickupDate", "from tomorrow onwards"),
        ({"FlowerType": "roses", "PickupDate": "soon"}, "PickupDate", "did not understand"),
        ({"FlowerType": "roses", "PickupDate": "2027-01-16", "PickupTime": "08:00"}, "PickupTime", "business hours"),
        ({"FlowerType": "roses", "PickupDate": "2027-01-16", "PickupTime": "17:01"}, "PickupTime", "business hours"),
    ],
)
def test_a_slot_that_cannot_be_served_is_asked_again_with_the_reason(slots: dict[str, str], slot: str, says: str) -> None:
    response = answer("DialogCodeHook", **slots)
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": slot}
    assert response["sessionState"]["intent"]["slots"][slot] is None
    assert says in response["messages"][0]["content"]


def test_fulfilment_confirms_the_order() -> None:
    response = answer("FulfillmentCodeHook", FlowerType="tulips", PickupDate="2027-01-16", PickupTime="10:00")
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert (
        response["messages"][0]["content"]
        == "Thanks, your order for tulips has been placed and will be ready for pickup by 10:00 on 2027-01-16"
    )
