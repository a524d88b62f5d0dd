"""Runtime hints boost a slot's values and are echoed in the session state (fact sheet 2)."""

from __future__ import annotations

from typing import Any

from runtime.lex.runtime_hints import MAX_PHRASE_CHARS, find_hint, hint_phrases
from tests.unit.test_engine_fixtures import slot_value
from tests.unit.test_engine_slot_capture import _Chat

HINTS = {"slotHints": {"BookCar": {"PickUpCity": {"runtimeHintValues": [{"phrase": "ashby town"}, {"phrase": "ashby"}]}}}}


def test_a_hinted_phrase_is_read_as_the_value_and_hints_are_echoed_section_2() -> None:
    chat = _Chat()
    chat.say("book a car")
    state: dict[str, Any] = {"runtimeHints": HINTS}
    response = chat.say("well it would be ashby town thanks", sessionState=state)
    assert slot_value(response, "PickUpCity") == "ashby town"
    assert response["sessionState"]["runtimeHints"] == HINTS
    assert "runtime-hint" in chat.steps()


def test_without_the_hint_the_reply_is_not_that_value() -> None:
    chat = _Chat()
    chat.say("book a car")
    response = chat.say("well it would be ashby town thanks")
    assert (response["sessionState"]["intent"]["slots"]["PickUpCity"] or {}).get("value", {}).get("interpretedValue") != "ashby town"


def test_hint_reading_is_bounded_and_tolerates_bad_shapes() -> None:
    assert hint_phrases({}, "BookCar", "PickUpCity") == []
    assert hint_phrases({"runtimeHints": {"slotHints": "nonsense"}}, "BookCar", "PickUpCity") == []
    values = [{"phrase": 3}, "x", {"phrase": "y" * (MAX_PHRASE_CHARS + 1)}]
    bad = {"runtimeHints": {"slotHints": {"I": {"S": {"runtimeHintValues": values}}}}}
    assert hint_phrases(bad, "I", "S") == []
    assert find_hint("a (b) c", ["(b)"]) == "(b)"  # regex characters are literal
    assert find_hint("ashbytown", ["ashby"]) is None  # whole words only
