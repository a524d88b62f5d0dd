"""Built-in intents are reachable, and Repeat/Cancel behave as documented (fact sheet 3.7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot_spec.definition import Intent, ResponseSpecification, plain
from bot_spec.importer import import_bots
from runtime.lex.builtin_intents import BUILTIN_UTTERANCES, with_builtin_utterances
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from tests.unit.test_engine_fixtures import START, Chat, action, intent, pizza_bot, texts

FLOWERS = Path(__file__).resolve().parents[2] / "external" / "lex_bots" / "lexjson" / "OrderFlowerRepeat-LexJson.zip"


def _chat() -> Chat:
    definition = pizza_bot()
    locale = definition.locales[0]
    locale.intents.append(
        Intent(
            name="Cancel",
            parent_intent_signature="AMAZON.CancelIntent",
            closing_response=ResponseSpecification([plain("Okay, cancelled.")]),
        )
    )
    locale.intents.append(Intent(name="Repeat", parent_intent_signature="AMAZON.RepeatIntent"))
    locale.intents.append(
        Intent(name="Help", parent_intent_signature="AMAZON.HelpIntent", closing_response=ResponseSpecification([plain("I sell pizza.")]))
    )
    runtime = LocalLexRuntime(clock=ManualClock(START))
    return Chat(runtime, runtime.register_bot(definition))


@pytest.mark.parametrize("text", ["repeat that", "say that again", "Can you repeat that?"])
def test_repeat_replays_the_last_messages_and_keeps_the_pending_slot_section_3_7(text: str) -> None:
    chat = _chat()
    asked = chat.say("order a pizza")
    again = chat.say(text)
    assert texts(again) == texts(asked)
    assert action(again) == {"type": "ElicitSlot", "slotToElicit": "Size"}
    assert intent(again)["name"] == "OrderPizza"
    assert "repeat" in [d["step"] for d in chat.explain()["decisions"]]
    assert intent(chat.say("large"))["slots"]["Size"]["value"]["interpretedValue"] == "large"


def test_cancel_ends_the_current_intent_section_3_7() -> None:
    chat = _chat()
    chat.say("order a pizza")
    cancelled = chat.say("cancel")
    assert intent(cancelled)["name"] == "Cancel"
    assert action(cancelled) == {"type": "Close"}
    assert texts(cancelled) == ["Okay, cancelled."]
    assert "slotToElicit" not in action(cancelled)


def test_help_is_reachable_from_a_new_conversation() -> None:
    assert texts(_chat().say("help")) == ["I sell pizza."]


def test_order_flower_repeat_bot_repeats_without_its_lambda() -> None:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    d = runtime.register_bot(import_bots(FLOWERS)[0])

    def say(text: str) -> dict[str, Any]:
        return runtime.recognize_text(botId=d.bot_id, botAliasId=d.alias_id, localeId="en_US", sessionId="f-1", text=text)

    asked = say("I would like to order some flowers")
    again = say("repeat that")
    assert texts(again) == texts(asked) == ["What type of flowers would you like to order?"]
    assert action(again) == {"type": "ElicitSlot", "slotToElicit": "FlowerType"}


def test_builtin_utterances_do_not_change_the_definition_or_intents_with_their_own() -> None:
    definition = pizza_bot()
    locale = definition.locales[0]
    locale.intents.append(Intent(name="Stop", parent_intent_signature="AMAZON.StopIntent", sample_utterances=["halt"]))
    locale.intents.append(Intent(name="Over", parent_intent_signature="AMAZON.StartOverIntent"))
    served = with_builtin_utterances(locale)
    assert served.intents[-2].sample_utterances == ["halt"]
    assert served.intents[-1].sample_utterances == list(BUILTIN_UTTERANCES["AMAZON.StartOverIntent"])
    assert locale.intents[-1].sample_utterances == []  # the definition is untouched
    assert with_builtin_utterances(pizza_bot().locales[0]) is not None
