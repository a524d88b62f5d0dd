"""Replies to a slot prompt: a value, another intent, or a hedge (fact sheet 3.3, "as-said values")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot_spec.importer import import_bots
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.slot_capture import is_non_answer, should_switch
from tests.unit.test_engine_fixtures import START, action, intent, slot_value

BOOK_TRIP = Path(__file__).resolve().parents[2] / "external" / "lex_bots" / "cfn" / "BookTrip.cfn.yaml"


class _Chat:
    def __init__(self) -> None:
        self.runtime = LocalLexRuntime(clock=ManualClock(START))
        self.deployment = self.runtime.register_bot(import_bots(BOOK_TRIP)[0])

    def say(self, text: str, **extra: Any) -> dict[str, Any]:
        d = self.deployment
        return self.runtime.recognize_text(botId=d.bot_id, botAliasId=d.alias_id, localeId="en_US", sessionId="s-1", text=text, **extra)

    def steps(self) -> list[str]:
        d = self.deployment
        return [x["step"] for x in self.runtime.last_explanation(d.bot_id, d.alias_id, "en_US", "s-1")["decisions"]]


@pytest.fixture
def car() -> _Chat:
    chat = _Chat()
    asked = chat.say("book a car")
    assert action(asked) == {"type": "ElicitSlot", "slotToElicit": "PickUpCity"}
    return chat


def test_an_exact_utterance_of_another_intent_switches_instead_of_filling_a_city_section_3_3(car: _Chat) -> None:
    response = car.say("book a hotel")
    assert intent(response)["name"] == "BookHotel"
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Location"}
    assert "intent-switch" in car.steps()


@pytest.mark.parametrize("reply", ["not sure yet", "help", "cancel", "I don't know!", "No idea."])
def test_a_hedge_is_no_as_said_value_and_reprompts_section_3_3(car: _Chat, reply: str) -> None:
    response = car.say(reply)
    assert intent(response)["name"] == "BookCar"
    assert intent(response)["slots"]["PickUpCity"] is None
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "PickUpCity"}
    assert "slot-non-answer" in car.steps()


@pytest.mark.parametrize("reply", ["Paris", "Springfield", "Kalamazoo"])
def test_a_city_reply_is_still_captured_section_3_3(car: _Chat, reply: str) -> None:
    response = car.say(reply)
    assert slot_value(response, "PickUpCity") == reply
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "PickUpDate"}


def test_intent_switch_disable_keeps_the_as_said_value_section_2(car: _Chat) -> None:
    response = car.say("book a hotel", requestAttributes={"x-amz-lex:intent-switch": "DISABLE"})
    assert intent(response)["name"] == "BookCar"
    assert slot_value(response, "PickUpCity") == "book a hotel"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("not sure yet", True), ("  NOT SURE, yet ", True), ("Boston", False), ("", False), ("x" * 5000, False), ("help me plan", False)],
)
def test_non_answers(text: str, expected: bool) -> None:
    assert is_non_answer(text) is expected


def test_switch_rule() -> None:
    assert should_switch(other_score=1.0, threshold=0.4, strict_value=False)
    assert not should_switch(other_score=1.0, threshold=0.4, strict_value=True)
    assert not should_switch(other_score=0.3, threshold=0.4, strict_value=False)
    assert not should_switch(other_score=None, threshold=0.4, strict_value=False)
