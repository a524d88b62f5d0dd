"""Shared test bot for the engine tests (imported by test_engine_*.py; holds no tests itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot_spec.definition import (
    BotDefinition,
    BotLocale,
    Intent,
    IntentConfirmation,
    Message,
    MessageGroup,
    OutputContext,
    PromptSpecification,
    ResponseSpecification,
    Slot,
    SlotType,
    SlotTypeValue,
    plain,
)
from runtime.lex.clock import ManualClock
from runtime.lex.engine import BotDeployment, LocalLexRuntime

START = 1_800_000_000.0  # 2027-01-15, a fixed "now" so relative dates are reproducible


def pizza_bot(*, dialog_hook: bool = False, fulfillment_hook: bool = False) -> BotDefinition:
    """A small bot exercising every dialog rule: priorities, retries, confirmation, free-form input."""
    order = Intent(
        name="OrderPizza",
        sample_utterances=[
            "order a pizza",
            "i want to order a pizza",
            "i want a {Size} pizza",
            "order a {Size} pizza with {Crust} crust",
        ],
        slots=[
            Slot(
                name="Crust",
                slot_type_name="Crusts",
                prompt=PromptSpecification([plain("Which crust for your {Size} pizza?")], max_retries=2),
            ),
            Slot(
                name="Size",
                slot_type_name="Sizes",
                prompt=PromptSpecification(
                    [MessageGroup(Message(plain_text="What size?"), [Message(plain_text="Which size would you like?")])],
                    max_retries=1,
                ),
            ),
            Slot(name="Extra", slot_type_name="AMAZON.AlphaNumeric", slot_constraint="Optional"),
        ],
        slot_priorities=["Size", "Crust", "Extra"],
        confirmation=IntentConfirmation(
            prompt=PromptSpecification([plain("A {Size} pizza with {Crust} crust for [name]. Shall I order it?")], max_retries=1),
            declination_response=ResponseSpecification([plain("Okay, I cancelled the order.")]),
        ),
        closing_response=ResponseSpecification([plain("Your {Size} pizza is on its way.")]),
        output_contexts=[OutputContext(name="ordered", time_to_live_in_seconds=90, turns_to_live=2)],
        dialog_code_hook=dialog_hook,
        fulfillment_code_hook=fulfillment_hook,
    )
    hours = Intent(
        name="OpeningHours",
        sample_utterances=["what are your opening hours", "when are you open", "opening hours"],
        closing_response=ResponseSpecification([plain("We are open from 9 to 5.")]),
    )
    note = Intent(
        name="LeaveNote",
        sample_utterances=["leave a note", "i want to leave a note"],
        slots=[Slot(name="Note", slot_type_name="AMAZON.FreeFormInput", prompt=PromptSpecification([plain("What is your note?")]))],
        closing_response=ResponseSpecification([plain("Noted: {Note}")]),
    )
    fallback = Intent(
        name="FallbackIntent",
        parent_intent_signature="AMAZON.FallbackIntent",
        closing_response=ResponseSpecification([plain("Sorry, I did not get that.")]),
    )
    locale = BotLocale(
        locale_id="en_US",
        nlu_intent_confidence_threshold=0.4,
        intents=[order, hours, note, fallback],
        slot_types=[
            SlotType(
                name="Sizes",
                values=[SlotTypeValue("small"), SlotTypeValue("medium"), SlotTypeValue("large", ["big"])],
                resolution_strategy="TopResolution",
            ),
            SlotType(name="Crusts", values=[SlotTypeValue("thin"), SlotTypeValue("thick")], resolution_strategy="TopResolution"),
        ],
    )
    return BotDefinition(name="PizzaBot", idle_session_ttl_in_seconds=300, locales=[locale])


class Chat:
    """A conversation on one session, for terse tests."""

    def __init__(self, runtime: LocalLexRuntime, deployment: BotDeployment, session_id: str = "test-session") -> None:
        self.runtime, self.deployment, self.session_id = runtime, deployment, session_id
        self.ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "en_US"}

    def say(self, text: str, **extra: Any) -> dict[str, Any]:
        return self.runtime.recognize_text(**self.ids, sessionId=self.session_id, text=text, **extra)

    def explain(self) -> dict[str, Any]:
        return self.runtime.last_explanation(self.deployment.bot_id, self.deployment.alias_id, "en_US", self.session_id)


def new_chat(
    *,
    code_hook: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    clock: ManualClock | None = None,
    seed: int = 0,
    session_id: str = "test-session",
    dialog_hook: bool = False,
    fulfillment_hook: bool = False,
    **runtime_args: Any,
) -> Chat:
    runtime = LocalLexRuntime(clock=clock or ManualClock(START), message_seed=seed, **runtime_args)
    deployment = runtime.register_bot(pizza_bot(dialog_hook=dialog_hook, fulfillment_hook=fulfillment_hook), code_hook=code_hook)
    return Chat(runtime, deployment, session_id)


def texts(response: dict[str, Any]) -> list[str]:
    """The text of each message (a card's title)."""
    out = []
    for m in response.get("messages", []):
        out.append(m["imageResponseCard"]["title"] if m["contentType"] == "ImageResponseCard" else m["content"])
    return out


def action(response: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = response["sessionState"]["dialogAction"]
    return result


def intent(response: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = response["sessionState"]["intent"]
    return result


def slot_value(response: dict[str, Any], name: str) -> str | None:
    slot = intent(response)["slots"].get(name)
    return None if slot is None else slot["value"].get("interpretedValue")
