"""BookTrip's code hook, written with chat-lex's fulfillment library.

A fresh port of the logic of AWS's public BookTrip sample Lambda (the Lex "BookTrip"
blueprint): check each slot of BookHotel and BookCar as it is filled, re-ask with a reason,
keep the reservation being built in session attributes, and confirm it on fulfilment.

One difference from the sample: it accepts only a fixed list of US cities; this port
serves any city Lex resolves (AMAZON.City), so "a 2 night stay in London" is bookable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fulfillment import Dispatcher, HookSetup, hook_factory
from fulfillment.events import CodeHookEvent
from fulfillment.responses import close, delegate, elicit_slot

ROOM_TYPES = ("queen", "king", "deluxe")
CAR_TYPES = ("economy", "standard", "midsize", "full size", "luxury", "minivan")
MAX_NIGHTS = 30
MIN_DRIVER_AGE = 18
RESERVATION = "currentReservation"


def _day(text: str | None) -> date | None:
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError:
        return None


def _number(text: str | None) -> int | None:
    try:
        return None if text is None else int(float(text))
    except ValueError:
        return None


def check_hotel(event: CodeHookEvent, today: date) -> tuple[str, str] | None:
    """The first BookHotel slot that cannot be served and why."""
    check_in = event.interpreted_value("CheckInDate")
    if check_in is not None:
        day = _day(check_in)
        if day is None:
            return "CheckInDate", "I did not understand your check in date.  When would you like to check in?"
        if day <= today:
            return "CheckInDate", "Reservations must be scheduled at least one day in advance.  Can you try a different date?"
    nights = event.interpreted_value("Nights")
    if nights is not None and not 0 < (_number(nights) or 0) <= MAX_NIGHTS:
        return "Nights", "You can make a reservations for from one to thirty nights.  How many nights would you like to stay for?"
    room = event.interpreted_value("RoomType")
    if room is not None and room.lower() not in ROOM_TYPES:
        return "RoomType", "I did not recognize that room type.  Would you like to stay in a queen, king, or deluxe room?"
    return None


def check_car(event: CodeHookEvent, today: date) -> tuple[str, str] | None:
    """The first BookCar slot that cannot be served and why."""
    pickup = _day(event.interpreted_value("PickUpDate"))
    if event.interpreted_value("PickUpDate") is not None:
        if pickup is None:
            return "PickUpDate", "I did not understand your departure date.  When would you like to pick up your car rental?"
        if pickup <= today:
            return "PickUpDate", "Your pick up date is in the past!  Can you try a different date?"
    back = _day(event.interpreted_value("ReturnDate"))
    if event.interpreted_value("ReturnDate") is not None:
        if back is None:
            return "ReturnDate", "I did not understand your return date.  When would you like to return your car rental?"
        if pickup is not None and back <= pickup:
            return "ReturnDate", "Your rental must be at least one day long.  Can you try a different return date?"
    age = event.interpreted_value("DriverAge")
    if age is not None and (_number(age) or 0) < MIN_DRIVER_AGE:
        return "DriverAge", "Your driver must be at least eighteen to rent a car.  Can you provide the age of a different driver?"
    car = event.interpreted_value("CarType")
    if car is not None and car.lower() not in CAR_TYPES:
        return (
            "CarType",
            "I did not recognize that model.  What type of car would you like to rent?  Popular cars are economy, midsize, or luxury",
        )
    return None


def _reservation(event: CodeHookEvent, kind: str) -> dict[str, str]:
    """The filled slots, kept in the session like the sample's ``currentReservation``."""
    filled = {name: slot.interpreted_value for name, slot in event.intent.slots.items() if slot is not None and slot.interpreted_value}
    return {"ReservationType": kind, **{k: v for k, v in filled.items() if v is not None}}


def build(clock: Callable[[], float] = time.time) -> Dispatcher:
    """The dispatcher; ``clock`` says what "today" is (the engine's clock in local runs)."""
    dispatcher = Dispatcher()

    def validated(event: CodeHookEvent, kind: str, check: Callable[[CodeHookEvent, date], tuple[str, str] | None]) -> dict[str, Any]:
        problem = check(event, datetime.fromtimestamp(clock(), tz=UTC).date())
        if problem is not None:
            slot, message = problem
            return elicit_slot(event, slot, [message], slots={**event.intent.slots_dict(), slot: None})
        attributes = {**event.session_attributes, RESERVATION: json.dumps(_reservation(event, kind), sort_keys=True)}
        return delegate(event, session_attributes=attributes)

    def booked(event: CodeHookEvent, text: str) -> dict[str, Any]:
        attributes = {k: v for k, v in event.session_attributes.items() if k != RESERVATION}
        attributes["lastConfirmedReservation"] = json.dumps(_reservation(event, event.intent.name[4:]), sort_keys=True)
        return close(event, "Fulfilled", [text], session_attributes=attributes)

    @dispatcher.intent("BookHotel", source="DialogCodeHook")
    def hotel_dialog(event: CodeHookEvent) -> dict[str, Any]:
        return validated(event, "Hotel", check_hotel)

    @dispatcher.intent("BookHotel", source="FulfillmentCodeHook")
    def hotel_booked(event: CodeHookEvent) -> dict[str, Any]:
        return booked(
            event, "Thanks, I have placed your reservation.   Please let me know if you would like to book a car rental, or another hotel."
        )

    @dispatcher.intent("BookCar", source="DialogCodeHook")
    def car_dialog(event: CodeHookEvent) -> dict[str, Any]:
        return validated(event, "Car", check_car)

    @dispatcher.intent("BookCar", source="FulfillmentCodeHook")
    def car_booked(event: CodeHookEvent) -> dict[str, Any]:
        return booked(event, "Thanks, I have placed your reservation.")

    return dispatcher


@hook_factory
def code_hook(setup: HookSetup) -> Dispatcher:
    """What bot.yaml names: the dispatcher on the engine's clock."""
    return build(setup.clock)


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The AWS Lambda entry point (real time)."""
    return _LAMBDA(event, context)


_LAMBDA = build()
