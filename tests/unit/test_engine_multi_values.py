"""Multi-value slots answer with shape List and one Scalar per item (fact sheet 2)."""

from __future__ import annotations

from typing import Any

import pytest

from bot_spec.definition import (
    BotDefinition,
    BotLocale,
    Intent,
    PromptSpecification,
    ResponseSpecification,
    Slot,
    SlotType,
    SlotTypeValue,
    plain,
)
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.multi_values import MAX_ITEMS, split_items
from tests.unit.test_engine_fixtures import START, Chat, action, texts


def _chat(*, multiple: bool = True) -> Chat:
    flowers = Slot(
        name="Flowers",
        slot_type_name="FlowerTypes",
        prompt=PromptSpecification([plain("Which flowers?")], max_retries=1),
        allow_multiple_values=multiple,
    )
    order = Intent(
        name="OrderFlowers",
        sample_utterances=["order flowers"],
        slots=[flowers],
        closing_response=ResponseSpecification([plain("Ordered {Flowers}.")]),
    )
    fallback = Intent(name="FallbackIntent", parent_intent_signature="AMAZON.FallbackIntent")
    kinds = SlotType(
        name="FlowerTypes",
        values=[SlotTypeValue("roses", ["rose"]), SlotTypeValue("tulips"), SlotTypeValue("lilies")],
        resolution_strategy="TopResolution",
    )
    definition = BotDefinition(name="Flowers", locales=[BotLocale(locale_id="en_US", intents=[order, fallback], slot_types=[kinds])])
    runtime = LocalLexRuntime(clock=ManualClock(START))
    return Chat(runtime, runtime.register_bot(definition))


def _items(response: dict[str, Any]) -> list[str]:
    slot = response["sessionState"]["intent"]["slots"]["Flowers"]
    assert slot["shape"] == "List"
    return [v["value"]["interpretedValue"] for v in slot["values"]]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("roses and tulips", ["roses", "tulips"]),
        ("roses, lilies and tulips", ["roses", "lilies", "tulips"]),
        ("rose, tulips", ["roses", "tulips"]),
    ],
)
def test_a_list_reply_fills_a_list_slot_section_2(reply: str, expected: list[str]) -> None:
    chat = _chat()
    chat.say("order flowers")
    done = chat.say(reply)
    assert _items(done) == expected
    assert all(v["shape"] == "Scalar" for v in done["sessionState"]["intent"]["slots"]["Flowers"]["values"])
    assert action(done) == {"type": "Close"}
    assert texts(done) == [f"Ordered {reply}."]


def test_one_value_stays_scalar_and_a_bad_item_is_no_list() -> None:
    chat = _chat()
    chat.say("order flowers")
    one = chat.say("tulips")
    assert one["sessionState"]["intent"]["slots"]["Flowers"]["shape"] == "Scalar"
    chat2 = _chat()
    chat2.say("order flowers")
    partly = chat2.say("roses and bananas")  # bananas is no flower: no list; the value inside the reply counts
    assert partly["sessionState"]["intent"]["slots"]["Flowers"]["shape"] == "Scalar"
    assert partly["sessionState"]["intent"]["slots"]["Flowers"]["value"]["interpretedValue"] == "roses"


def test_without_the_setting_a_list_reply_is_not_a_list() -> None:
    chat = _chat(multiple=False)
    chat.say("order flowers")
    done = chat.say("roses and tulips")
    slot = done["sessionState"]["intent"]["slots"]["Flowers"]
    assert slot is None or slot["shape"] == "Scalar"


def test_split_items_bounds() -> None:
    assert split_items("  roses ,  lilies, and tulips ") == ["roses", "lilies", "tulips"]
    assert split_items("roses") == ["roses"]
    assert split_items("") == []
    assert len(split_items(", ".join(["roses"] * 500))) == MAX_ITEMS + 1  # too many: the caller refuses a list
