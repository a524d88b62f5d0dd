"""Explicit next steps and conditional branches, run as Lex runs them (fact sheet 3.2), on ReminderBot and a test bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot_spec.importer import import_bots
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.next_steps import MAX_STEPS_PER_TURN
from tests.unit.test_engine_fixtures import START, Chat, action, intent, pizza_bot, slot_value, texts

REMINDER = Path(__file__).resolve().parents[2] / "external" / "lex_bots" / "lexjson" / "ReminderBot"


class _Bot:
    def __init__(self, source: Path) -> None:
        self.runtime = LocalLexRuntime(clock=ManualClock(START))
        self.d = self.runtime.register_bot(import_bots(source)[0])

    def say(self, text: str) -> dict[str, Any]:
        return self.runtime.recognize_text(botId=self.d.bot_id, botAliasId=self.d.alias_id, localeId="en_US", sessionId="r-1", text=text)

    def decisions(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self.runtime.last_explanation(self.d.bot_id, self.d.alias_id, "en_US", "r-1")["decisions"]
        return out


def test_initial_response_default_branch_then_slot_section_3_2_step_2() -> None:
    bot = _Bot(REMINDER)
    first = bot.say("I want an email")
    assert texts(first) == [
        "We will email you on the day you choose up to a week before your appointment.",
        "How many days before your appointment would you like us to email you?",
    ]
    assert action(first) == {"type": "ElicitSlot", "slotToElicit": "DaysBefore"}
    assert {
        "step": "next-step",
        "setting": "initialResponseSetting",
        "branch": "default",
        "dialogAction": "InvokeDialogCodeHook",
    } in bot.decisions()


def test_capture_conditional_rejects_a_value_and_reelicits_silently_section_3_2_step_4() -> None:
    bot = _Bot(REMINDER)
    bot.say("I want an email")
    too_many = bot.say("9")
    # Branch DaysGreaterThan7: its response, then ElicitSlot with suppressNextMessage (no prompt).
    assert texts(too_many) == ["We can't email more than a week before your appointment. Please choose a number between 1 and 7."]
    assert action(too_many) == {"type": "ElicitSlot", "slotToElicit": "DaysBefore"}
    assert intent(too_many)["slots"]["DaysBefore"] is None
    done = bot.say("3")
    assert slot_value(done, "DaysBefore") == "3"
    # The disabled-hook fulfillment succeeds: success response, then successNextStep EndConversation.
    assert texts(done) == ["No problem! Your email reminder has been set up for 3 days before your appointment."]
    assert action(done) == {"type": "Close"}


def test_fallback_branches_count_retries_in_a_session_attribute_section_3_2() -> None:
    bot = _Bot(REMINDER)
    first = bot.say("zxcv blorp")
    assert intent(first)["name"] == "FallbackIntent"
    assert action(first) == {"type": "ElicitIntent"}
    assert first["sessionState"]["sessionAttributes"]["fallback-count"] == "1"
    assert texts(first) == ["Sorry, I didn't understand, can you rephrase? I am only able to set up reminders."]
    second = bot.say("qwerty zork")
    assert texts(second)[0].startswith("Sorry, I didn't understand, can you rephrase? I can set up a reminder by call or email.")
    assert bot.say("call me at 5 pm")["sessionState"]["intent"]["name"] == "CallIntent"


def _extras_bot(**settings: Any) -> Chat:
    definition = pizza_bot()
    order = definition.locales[0].intents[0]
    order.extras.update(settings)
    runtime = LocalLexRuntime(clock=ManualClock(START))
    return Chat(runtime, runtime.register_bot(definition))


def _step(kind: str, **extra: Any) -> dict[str, Any]:
    return {"dialogAction": {"type": kind, **extra.pop("action", {})}, **extra}


def test_start_intent_and_session_attributes_from_a_step_section_3_2() -> None:
    chat = _extras_bot(
        initialResponseSetting={"nextStep": _step("StartIntent", intent={"name": "OpeningHours"}, sessionAttributes={"from": "pizza"})}
    )
    response = chat.say("order a pizza")
    assert intent(response)["name"] == "OpeningHours"
    assert texts(response) == ["We are open from 9 to 5."]
    assert response["sessionState"]["sessionAttributes"] == {"from": "pizza"}


def test_a_step_sets_slot_values_and_elicits_a_chosen_slot_section_3_2() -> None:
    step = _step("ElicitSlot", action={"slotToElicit": "Crust"}, intent={"slots": {"Size": {"value": {"interpretedValue": "medium"}}}})
    response = _extras_bot(initialResponseSetting={"nextStep": step}).say("order a pizza")
    assert slot_value(response, "Size") == "medium"
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Crust"}
    assert texts(response) == ["Which crust for your medium pizza?"]


def test_a_cycle_of_next_steps_stops_at_the_limit() -> None:
    cycle = _step("StartIntent", intent={"name": "OrderPizza"})
    chat = _extras_bot(initialResponseSetting={"nextStep": cycle})
    response = chat.say("order a pizza")
    assert action(response) == {"type": "ElicitIntent"}
    steps = [d for d in chat.explain()["decisions"] if d["step"] == "next-step"]
    assert len(steps) == MAX_STEPS_PER_TURN + 1
    assert chat.explain()["decisions"][-2]["step"] == "step-limit"


def test_a_bad_condition_is_skipped_and_explained_the_default_branch_runs() -> None:
    conditional = {
        "isActive": True,
        "conditionalBranches": [{"name": "Broken", "condition": {"expressionString": "{Size} >"}, "nextStep": _step("EndConversation")}],
        "defaultBranch": {"response": {"messageGroups": [{"message": {"plainTextMessage": {"value": "Default!"}}}]}},
    }
    chat = _extras_bot(initialResponseSetting={"conditional": conditional})
    response = chat.say("order a pizza")
    assert texts(response)[0] == "Default!"
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Size"}  # no next step: Lex's default path
    problems = [d for d in chat.explain()["decisions"] if d["step"] == "condition-invalid"]
    assert problems and "Broken" in problems[0]["problem"]


def test_an_inactive_conditional_is_not_evaluated() -> None:
    conditional = {"isActive": False, "conditionalBranches": [], "defaultBranch": {"nextStep": _step("EndConversation")}}
    response = _extras_bot(initialResponseSetting={"conditional": conditional}).say("order a pizza")
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Size"}


def test_confirmation_and_declination_next_steps_section_3_2_step_5() -> None:
    setting = {"declinationNextStep": _step("ElicitSlot", action={"slotToElicit": "Size"})}
    chat = _extras_bot(intentConfirmationSetting=setting)
    chat.say("order a large pizza with thin crust")
    response = chat.say("no")
    assert texts(response) == ["Okay, I cancelled the order.", "What size?"] or texts(response) == [
        "Okay, I cancelled the order.",
        "Which size would you like?",
    ]
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Size"}
    chat2 = _extras_bot(intentConfirmationSetting={"confirmationNextStep": _step("EndConversation")})
    chat2.say("order a large pizza with thin crust")
    ended = chat2.say("yes")
    assert action(ended) == {"type": "Close"}
    assert texts(ended) == []  # the conversation ends before fulfillment and closing


def test_the_elicitation_code_hook_runs_on_a_failed_attempt_with_its_label_section_3_2_step_4() -> None:
    definition = pizza_bot(dialog_hook=True)
    order = definition.locales[0].intents[0]
    size = order.slot("Size")
    assert size is not None
    size.extras["valueElicitationSetting"] = {
        "slotCaptureSetting": {"elicitationCodeHook": {"enableCodeHookInvocation": True, "invocationLabel": "SizeRetry"}}
    }
    seen: list[dict[str, Any]] = []

    def hook(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        state = event["sessionState"]
        return {
            "sessionState": {"dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"}, "intent": state["intent"]},
            "messages": [{"contentType": "PlainText", "content": f"Hook says: small, medium or large? ({event.get('invocationLabel')})"}],
        }

    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(definition, code_hook=hook))
    chat.say("order a pizza")
    retry = chat.say("purple")
    assert texts(retry) == ["Hook says: small, medium or large? (SizeRetry)"]
    assert seen[-1]["invocationLabel"] == "SizeRetry"
    assert seen[-1]["proposedNextState"]["prompt"] == {"attempt": "Retry1"}
    gave_up = chat.say("purple again")  # maxRetries 1: the hook's re-ask did not reset the count
    assert intent(gave_up)["name"] == "FallbackIntent"
