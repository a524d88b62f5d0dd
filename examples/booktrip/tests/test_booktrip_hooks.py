"""Unit tests of BookTrip's handlers: Lex V2 events in, responses out (no engine)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the example's folder: run from anywhere

from booktrip_hooks import build

TODAY = datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()


def answer(intent: str, source: str, **slots: str) -> dict[str, Any]:
    filled = {name: {"value": {"originalValue": v, "interpretedValue": v, "resolvedValues": [v]}} for name, v in slots.items()}
    event = {
        "messageVersion": "1.0",
        "invocationSource": source,
        "sessionId": "s-1",
        "inputTranscript": "x",
        "sessionState": {
            "sessionAttributes": {},
            "intent": {"name": intent, "slots": filled, "state": "InProgress", "confirmationState": "None"},
        },
    }
    response: dict[str, Any] = build(lambda: TODAY)(event)
    return response


def test_a_hotel_in_london_is_kept_in_the_session() -> None:
    response = answer("BookHotel", "DialogCodeHook", Location="London", Nights="2")
    assert response["sessionState"]["dialogAction"] == {"type": "Delegate"}
    kept = json.loads(response["sessionState"]["sessionAttributes"]["currentReservation"])
    assert kept == {"ReservationType": "Hotel", "Location": "London", "Nights": "2"}


@pytest.mark.parametrize(
    ("intent", "slots", "slot", "says"),
    [
        ("BookHotel", {"CheckInDate": "2027-01-15"}, "CheckInDate", "at least one day in advance"),
        ("BookHotel", {"Nights": "31"}, "Nights", "one to thirty nights"),
        ("BookHotel", {"Nights": "0"}, "Nights", "one to thirty nights"),
        ("BookHotel", {"RoomType": "suite"}, "RoomType", "queen, king, or deluxe"),
        ("BookCar", {"PickUpDate": "2027-01-10"}, "PickUpDate", "in the past"),
        ("BookCar", {"PickUpDate": "2027-01-20", "ReturnDate": "2027-01-20"}, "ReturnDate", "at least one day long"),
        ("BookCar", {"DriverAge": "17"}, "DriverAge", "at least eighteen"),
        ("BookCar", {"CarType": "rocket"}, "CarType", "did not recognize that model"),
    ],
)
def test_a_slot_that_cannot_be_served_is_asked_again(intent: str, slots: dict[str, str], slot: str, says: str) -> None:
    response = answer(intent, "DialogCodeHook", **slots)
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": slot}
    assert says in response["messages"][0]["content"]


def test_fulfilment_closes_and_remembers_the_booking() -> None:
    response = answer("BookCar", "FulfillmentCodeHook", PickUpCity="Boston", CarType="luxury")
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert json.loads(response["sessionState"]["sessionAttributes"]["lastConfirmedReservation"])["PickUpCity"] == "Boston"
