"""The dialog rules of the local engine, one test per fact-sheet rule (sections 3.2-3.3)."""

from __future__ import annotations

from tests.unit.test_engine_fixtures import action, intent, new_chat, slot_value, texts


def test_required_slots_are_elicited_in_priority_order_section_3_2_step_3() -> None:
    chat = new_chat()
    first = chat.say("order a pizza")
    assert action(first) == {"type": "ElicitSlot", "slotToElicit": "Size"}  # Size has priority over Crust
    assert intent(first)["state"] == "InProgress"
    assert texts(first)[0] in ("What size?", "Which size would you like?")
    second = chat.say("large")
    assert slot_value(second, "Size") == "large"
    assert action(second) == {"type": "ElicitSlot", "slotToElicit": "Crust"}
    assert texts(second) == ["Which crust for your large pizza?"]  # {Slot} substituted


def test_optional_slots_are_not_elicited_section_3_2_step_3() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    chat.say("small")
    response = chat.say("thin")
    assert action(response)["type"] == "ConfirmIntent"  # Extra (optional) was skipped
    assert intent(response)["slots"]["Extra"] is None


def test_slots_are_filled_from_the_utterance_section_3_2_step_1() -> None:
    response = new_chat().say("order a large pizza with thin crust")
    assert (slot_value(response, "Size"), slot_value(response, "Crust")) == ("large", "thin")
    assert action(response)["type"] == "ConfirmIntent"


def test_synonym_resolves_to_its_value_under_top_resolution_section_5() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    response = chat.say("big")
    assert slot_value(response, "Size") == "large"


def test_retries_then_fallback_intent_section_3_2_step_4() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    retry = chat.say("purple elephants")  # not a size, not another intent
    assert action(retry) == {"type": "ElicitSlot", "slotToElicit": "Size"}
    assert texts(retry)[0] in ("What size?", "Which size would you like?")
    assert any(d["step"] == "elicit-slot-retry" and d["attempt"] == "Retry1" for d in chat.explain()["decisions"])
    gave_up = chat.say("purple elephants again")  # maxRetries is 1: the second miss falls back
    assert intent(gave_up)["name"] == "FallbackIntent"
    assert action(gave_up) == {"type": "Close"}
    assert texts(gave_up) == ["Sorry, I did not get that."]
    assert any(d["step"] == "retries-exhausted" for d in chat.explain()["decisions"])


def test_confirmation_yes_goes_to_fulfillment_and_closing_section_3_2_steps_5_7() -> None:
    chat = new_chat()
    asked = chat.say("order a large pizza with thin crust", sessionState={"sessionAttributes": {"name": "Ana"}})
    assert texts(asked) == ["A large pizza with thin crust for Ana. Shall I order it?"]  # [attr] substituted
    done = chat.say("yes")
    assert intent(done)["confirmationState"] == "Confirmed"
    # No fulfillment code hook: ReadyForFulfillment with Close, as real captures show; the closing response plays.
    assert intent(done)["state"] == "ReadyForFulfillment"
    assert action(done) == {"type": "Close"}
    assert texts(done) == ["Your large pizza is on its way."]


def test_confirmation_no_plays_declination_and_fails_section_3_2_step_5() -> None:
    chat = new_chat()
    chat.say("order a large pizza with thin crust")
    response = chat.say("no")
    assert intent(response)["confirmationState"] == "Denied"
    assert intent(response)["state"] == "Failed"
    assert action(response) == {"type": "Close"}
    assert texts(response) == ["Okay, I cancelled the order."]


def test_unclear_confirmation_reprompts_then_falls_back_section_3_2_step_5() -> None:
    chat = new_chat()
    chat.say("order a large pizza with thin crust")
    again = chat.say("purple elephants")
    assert action(again)["type"] == "ConfirmIntent"
    assert intent(again)["confirmationState"] == "None"
    assert texts(again) == ["A large pizza with thin crust for [name]. Shall I order it?"]
    final = chat.say("purple elephants")
    assert intent(final)["name"] == "FallbackIntent"


def test_intent_switch_during_slot_elicitation_section_3_3() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    response = chat.say("what are your opening hours")
    assert intent(response)["name"] == "OpeningHours"
    assert texts(response) == ["We are open from 9 to 5."]
    assert any(d["step"] == "intent-switch" for d in chat.explain()["decisions"])


def test_intent_switch_during_confirmation_section_3_3() -> None:
    chat = new_chat()
    chat.say("order a large pizza with thin crust")
    response = chat.say("when are you open")
    assert intent(response)["name"] == "OpeningHours"


def test_intent_switch_disabled_by_request_attribute_section_2() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    response = chat.say("what are your opening hours", requestAttributes={"x-amz-lex:intent-switch": "DISABLE"})
    assert intent(response)["name"] == "OrderPizza"
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Size"}
    assert any(d["step"] == "intent-switch-disabled" for d in chat.explain()["decisions"])


def test_free_form_input_takes_the_whole_utterance_and_never_switches_section_3_3() -> None:
    chat = new_chat()
    asked = chat.say("leave a note")
    assert action(asked) == {"type": "ElicitSlot", "slotToElicit": "Note"}
    response = chat.say("what are your opening hours")
    assert intent(response)["name"] == "LeaveNote"
    assert slot_value(response, "Note") == "what are your opening hours"
    assert texts(response) == ["Noted: what are your opening hours"]


def test_unknown_input_goes_to_fallback_section_3_1() -> None:
    response = new_chat().say("zxqv blorp")
    assert intent(response)["name"] == "FallbackIntent"
    assert intent(response)["slots"] == {}
    assert action(response) == {"type": "Close"}
    assert texts(response) == ["Sorry, I did not get that."]


def test_output_contexts_activate_when_the_intent_closes_section_3_2_step_7() -> None:
    chat = new_chat()
    chat.say("order a large pizza with thin crust")
    done = chat.say("yes")
    contexts = done["sessionState"]["activeContexts"]
    assert [c["name"] for c in contexts] == ["ordered"]
    assert contexts[0]["timeToLive"] == {"timeToLiveInSeconds": 90, "turnsToLive": 2}
    chat.say("opening hours")
    chat.say("opening hours")
    gone = chat.say("opening hours")  # two turns to live are used up
    assert "activeContexts" not in gone["sessionState"]


def test_message_variation_is_deterministic_and_seedable() -> None:
    def first_prompts(seed: int) -> list[str]:
        out = []
        for n in range(12):
            chat = new_chat(seed=seed, session_id=f"s-{n}")
            out.append(texts(chat.say("order a pizza"))[0])
        return out

    assert first_prompts(0) == first_prompts(0)
    assert set(first_prompts(0)) == {"What size?", "Which size would you like?"}
    assert first_prompts(0) != first_prompts(7)


def test_same_inputs_give_the_same_outputs() -> None:
    script = ["order a pizza", "large", "thick", "yes", "zxqv", "leave a note", "hi"]
    a, b = new_chat(), new_chat()
    assert [a.say(t) for t in script] == [b.say(t) for t in script]


def _say(groups_text: str) -> dict[str, object]:
    return {"messageGroups": [{"message": {"plainTextMessage": {"value": groups_text}}}]}


def test_initial_capture_and_failure_responses_from_lex_settings_section_3_2() -> None:
    from runtime.lex.clock import ManualClock
    from runtime.lex.engine import LocalLexRuntime
    from tests.unit.test_engine_fixtures import START, Chat, pizza_bot

    definition = pizza_bot()
    order = definition.locales[0].intents[0]
    order.extras["initialResponseSetting"] = {"initialResponse": _say("Pizza time!")}
    size = order.slot("Size")
    assert size is not None
    size.extras["valueElicitationSetting"] = {
        "slotCaptureSetting": {"captureResponse": _say("A {Size} one, nice."), "failureResponse": _say("Sizes confuse me.")}
    }
    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(definition))
    first = chat.say("order a pizza")
    assert texts(first)[0] == "Pizza time!" and len(texts(first)) == 2  # then the Size prompt
    captured = chat.say("small")
    assert texts(captured) == ["A small one, nice.", "Which crust for your small pizza?"]
    chat.session_id = "other"
    chat.say("order a pizza")
    chat.say("purple")
    failed = chat.say("purple")
    assert texts(failed) == ["Sizes confuse me.", "Sorry, I did not get that."]
    assert intent(failed)["name"] == "FallbackIntent"
