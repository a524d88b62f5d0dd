"""OrderFlowers' code hook, written with chat-lex's fulfillment library.

A fresh port of the logic of AWS's public OrderFlowers sample Lambda (the Lex "OrderFlowers"
blueprint): while the dialogue runs, check each slot as it is filled and re-ask with a
reason when it cannot be served; on fulfilment, confirm the order.

- FlowerType: lilies, roses or tulips ("We do not have daisies, ...").
- PickupDate: a date after today ("You can pick up the flowers from tomorrow onwards. ...").
- PickupTime: a clock time from 10:00 to 17:00. One difference from the sample: a
  part-of-day answer (Lex resolves "in the evening" to ``EV``) is accepted as a pickup
  window, where the sample, expecting ``HH:MM``, would re-ask without saying why.
- A ``Price`` session attribute (5 dollars a letter of the flower's name, as the sample).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fulfillment import Dispatcher, HookSetup, hook_factory
from fulfillment.events import CodeHookEvent
from fulfillment.responses import close, delegate, elicit_slot

FLOWER_TYPES = ("lilies", "roses", "tulips")
PARTS_OF_DAY = ("MO", "AF", "EV", "NI")
OPENS, CLOSES = 10, 17  # pickup hours: 10:00 to 17:00


def check_order(event: CodeHookEvent, today: date) -> tuple[str, str] | None:
    """The first slot that cannot be served and why, or None when every filled slot is fine."""
    flower = event.interpreted_value("FlowerType")
    if flower is not None and flower.lower() not in FLOWER_TYPES:
        return "FlowerType", f"We do not have {flower}, would you like a different type of flower?  Our most popular flowers are roses"
    pickup_date = event.interpreted_value("PickupDate")
    if pickup_date is not None:
        try:
            day = date.fromisoformat(pickup_date)
        except ValueError:
            return "PickupDate", "I did not understand that, what date would you like to pick the flowers up?"
        if day <= today:
            return "PickupDate", "You can pick up the flowers from tomorrow onwards.  What day would you like to pick them up?"
    pickup_time = event.interpreted_value("PickupTime")
    if pickup_time is not None and pickup_time not in PARTS_OF_DAY:
        hour, _, minute = pickup_time.partition(":")
        if not (hour.isdigit() and minute.isdigit()):
            return "PickupTime", "I did not understand that, what time would you like to pick the flowers up?"
        if not OPENS * 60 <= int(hour) * 60 + int(minute) <= CLOSES * 60:
            return "PickupTime", "Our business hours are from ten a m. to five p m. Can you specify a time during this range?"
    return None


def build(clock: Callable[[], float] = time.time) -> Dispatcher:
    """The dispatcher; ``clock`` says what "today" is (the engine's clock in local runs)."""
    dispatcher = Dispatcher()

    @dispatcher.intent("OrderFlowers", source="DialogCodeHook")
    def validate(event: CodeHookEvent) -> dict[str, Any]:
        today = datetime.fromtimestamp(clock(), tz=UTC).date()
        problem = check_order(event, today)
        if problem is not None:
            slot, message = problem
            slots = {**event.intent.slots_dict(), slot: None}
            return elicit_slot(event, slot, [message], slots=slots)
        attributes = dict(event.session_attributes)
        flower = event.interpreted_value("FlowerType")
        if flower is not None:
            attributes["Price"] = str(len(flower) * 5)
        return delegate(event, session_attributes=attributes)

    @dispatcher.intent("OrderFlowers", source="FulfillmentCodeHook")
    def place_order(event: CodeHookEvent) -> dict[str, Any]:
        flower, day, at = (event.interpreted_value(s) for s in ("FlowerType", "PickupDate", "PickupTime"))
        text = f"Thanks, your order for {flower} has been placed and will be ready for pickup by {at} on {day}"
        return close(event, "Fulfilled", [text])

    return dispatcher


@hook_factory
def code_hook(setup: HookSetup) -> Dispatcher:
    """What bot.yaml names: the dispatcher on the engine's clock."""
    return build(setup.clock)


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The AWS Lambda entry point (real time)."""
    return _LAMBDA(event, context)


_LAMBDA = build()
