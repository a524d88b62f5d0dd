"""Output contexts carry the closing intent's slot values; ``#context.slot`` defaults read them (fact sheet 3.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot_spec.importer import import_bots
from runtime.lex.clock import ManualClock
from runtime.lex.engine import MAX_CONTEXT_ATTRIBUTES, LocalLexRuntime, context_attributes
from tests.unit.test_engine_fixtures import START, action, intent, new_chat, slot_value

BANKER = Path(__file__).resolve().parents[2] / "external" / "lex_bots" / "custom_resource" / "BankerBot.yaml"


def _banker() -> Any:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    deployment = runtime.register_bot(import_bots(BANKER)[0])

    def say(text: str) -> dict[str, Any]:
        return runtime.recognize_text(
            botId=deployment.bot_id, botAliasId=deployment.alias_id, localeId="en_US", sessionId="bank-1", text=text
        )

    return say


def test_output_context_attributes_are_the_intent_slot_values_section_3_2_step_7() -> None:
    chat = new_chat()
    chat.say("order a large pizza with thin crust")
    done = chat.say("yes")
    (context,) = done["sessionState"]["activeContexts"]
    assert context["contextAttributes"] == {"Size": "large", "Crust": "thin"}  # unfilled Extra is left out


def test_banker_followup_takes_the_date_of_birth_from_the_context_section_3_2_step_1() -> None:
    say = _banker()
    say("Check my account balance")
    say("checking")
    closed = say("January 5 1980")
    assert closed["sessionState"]["activeContexts"][0]["contextAttributes"]["dateOfBirth"] == "1980-01-05"
    followup = say("What about savings")
    assert intent(followup)["name"] == "FollowupCheckBalance"
    assert slot_value(followup, "dateOfBirth") == "1980-01-05"  # the default '#contextCheckBalance.dateOfBirth'
    assert action(followup)["type"] == "Close"  # not asked again


def test_context_attributes_are_bounded_and_skip_odd_slots() -> None:
    slots: dict[str, Any] = {f"S{i}": {"shape": "Scalar", "value": {"originalValue": "x", "interpretedValue": str(i)}} for i in range(15)}
    slots["Empty"] = None
    slots["Broken"] = {"value": "not a dict"}
    assert len(context_attributes({"slots": slots})) == MAX_CONTEXT_ATTRIBUTES
    odd = {
        "Empty": None,
        "Broken": {"value": "not a dict"},
        "Ambiguous": {"shape": "Scalar", "value": {"originalValue": "10 o'clock", "interpretedValue": None}},
        "Many": {"shape": "List", "values": [{"shape": "Scalar", "value": {"originalValue": "roses", "interpretedValue": "roses"}}] * 2},
    }
    assert context_attributes({"slots": odd}) == {"Ambiguous": "10 o'clock", "Many": "roses, roses"}
    assert context_attributes({}) == {}
