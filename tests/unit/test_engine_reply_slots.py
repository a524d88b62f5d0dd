"""A reply to one slot's prompt may give other slots too, keeping the user's case (fact sheet 3.3)."""

from __future__ import annotations

from typing import Any

from bot_spec.definition import BotDefinition, BotLocale, Intent, PromptSpecification, Slot, plain
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from tests.unit.test_engine_fixtures import START, Chat, action, slot_value
from tests.unit.test_engine_slot_capture import _Chat


def test_city_and_date_in_one_reply_section_3_3() -> None:
    chat = _Chat()
    chat.say("book a car")
    response = chat.say("Boston next friday")
    assert slot_value(response, "PickUpCity") == "Boston"  # the case the user typed
    assert slot_value(response, "PickUpDate") == "2027-01-22"
    assert response["sessionState"]["intent"]["slots"]["ReturnDate"] is None  # one slot per type
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "ReturnDate"}


def test_the_answered_words_fill_no_other_slot() -> None:
    booking = Intent(
        name="Book",
        sample_utterances=["book a table"],
        slots=[
            Slot(name="At", slot_type_name="AMAZON.Time", prompt=PromptSpecification([plain("When?")])),
            Slot(name="People", slot_type_name="AMAZON.Number", prompt=PromptSpecification([plain("How many?")])),
        ],
        slot_priorities=["At", "People"],
    )
    definition = BotDefinition(
        name="Tables",
        locales=[
            BotLocale(locale_id="en_US", intents=[booking, Intent(name="FallbackIntent", parent_intent_signature="AMAZON.FallbackIntent")])
        ],
    )
    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(definition))
    chat.say("book a table")
    response: dict[str, Any] = chat.say("at 7 pm")
    assert slot_value(response, "At") == "19:00"
    assert response["sessionState"]["intent"]["slots"]["People"] is None
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "People"}
