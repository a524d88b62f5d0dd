"""Ambiguous built-in values reach the dialog code hook with interpretedValue null (fact sheet 5)."""

from __future__ import annotations

import copy
from typing import Any

from bot_spec.definition import BotDefinition, BotLocale, Intent, PromptSpecification, Slot, plain
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from tests.unit.test_engine_fixtures import START, Chat, action, texts


def _bot(*, hook: bool) -> BotDefinition:
    alarm = Intent(
        name="SetAlarm",
        sample_utterances=["set an alarm", "wake me up"],
        slots=[Slot(name="When", slot_type_name="AMAZON.Time", prompt=PromptSpecification([plain("At what time?")], max_retries=2))],
        dialog_code_hook=hook,
    )
    fallback = Intent(name="FallbackIntent", parent_intent_signature="AMAZON.FallbackIntent")
    return BotDefinition(name="Alarm", locales=[BotLocale(locale_id="en_US", intents=[alarm, fallback])])


def test_the_hook_receives_the_ambiguous_time_and_decides_section_5() -> None:
    seen: list[dict[str, Any]] = []

    def hook(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(copy.deepcopy(event))
        intent = event["sessionState"]["intent"]
        when = intent["slots"].get("When")
        if when and when["value"]["interpretedValue"] is None:
            when["value"]["interpretedValue"] = when["value"]["resolvedValues"][0]  # the hook picks the morning
        return {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": intent}}

    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(_bot(hook=True), code_hook=hook))
    chat.say("set an alarm")
    chat.say("10 o'clock")
    value = seen[-1]["sessionState"]["intent"]["slots"]["When"]["value"]
    assert value["interpretedValue"] is None
    assert value["resolvedValues"] == ["10:00", "22:00"]
    assert runtime_slot(chat) == "10:00"
    assert any(d["step"] == "slot-ambiguous" and d["toCodeHook"] for d in chat.explain()["decisions"])


def test_without_a_hook_an_ambiguous_time_is_asked_again_section_5() -> None:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(_bot(hook=False)))
    chat.say("set an alarm")
    again = chat.say("10 o'clock")
    assert action(again) == {"type": "ElicitSlot", "slotToElicit": "When"}
    assert again["sessionState"]["intent"]["slots"]["When"] is None
    assert texts(again) == ["At what time?"]


def runtime_slot(chat: Chat) -> Any:
    return chat.explain()["slots"]["When"]["value"]["interpretedValue"]


def test_fallback_intent_is_always_listed_in_interpretations_section_3_1() -> None:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(_bot(hook=False)))
    response = chat.say("set an alarm")  # the only intent, an exact match: nothing falls below the threshold
    names = [i["intent"]["name"] for i in response["interpretations"]]
    assert names == ["SetAlarm", "FallbackIntent"]
    assert "nluConfidence" not in response["interpretations"][1]


def test_a_hook_that_delegates_without_deciding_gets_the_slot_asked_again_section_5() -> None:
    def delegate(event: dict[str, Any]) -> dict[str, Any]:
        return {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": event["sessionState"]["intent"]}}

    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(_bot(hook=True), code_hook=delegate))
    chat.say("set an alarm")
    again = chat.say("10 o'clock")
    assert action(again) == {"type": "ElicitSlot", "slotToElicit": "When"}
    assert again["sessionState"]["intent"]["slots"]["When"] is None
