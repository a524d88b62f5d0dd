"""One code-hook response checker (runtime.contracts.codehook_response), seen through both of its callers.

The fulfillment dispatcher (a handler's answer) and the local engine (any hook's answer) must refuse the
same responses with the same words: one list of bad responses runs through both.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot_spec.definition import BotLocale, Intent, IntentConfirmation, PromptSpecification, Slot, plain
from fulfillment import Dispatcher
from fulfillment.dispatcher import FAILURE_MESSAGE
from fulfillment.events import CodeHookEvent
from fulfillment.response_check import check_response
from runtime.contracts.codehook_response import (
    MAX_CONTENT_LENGTH,
    MAX_RESPONSE_BYTES,
    MAX_SESSION_ATTRIBUTES_BYTES,
    response_problems,
    where,
)
from runtime.lex.codehooks import validate_response
from runtime.lex.errors import DependencyFailedException

LOCALE = BotLocale(
    locale_id="en_US",
    intents=[
        Intent(name="Order", slots=[Slot(name="Size", slot_type_name="AMAZON.Number", prompt=PromptSpecification([plain("Size?")]))]),
        Intent(name="Book", confirmation=IntentConfirmation(prompt=PromptSpecification([plain("Sure?")]))),
    ],
)
TEXT = {"contentType": "PlainText", "content": "ok"}


def respond(action: dict[str, Any] | str, intent: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"dialogAction": {"type": action} if isinstance(action, str) else action}
    if intent is not None:
        state["intent"] = intent
    return {"sessionState": state, **extra}


def card(**fields: Any) -> dict[str, Any]:
    return {"contentType": "ImageResponseCard", "imageResponseCard": {"title": "Pick", **fields}}


def _nested(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth):
        node["x"] = {}
        node = node["x"]
    return root


def _cyclic() -> dict[str, Any]:
    loop: dict[str, Any] = {"name": "Order"}
    loop["slots"] = {"Size": loop}
    return respond("Delegate", loop)


ORDER = {"name": "Order", "slots": {"Size": None}}

# (id, response, a fragment the one message must hold): every class of response Lex refuses.
BAD: list[tuple[str, object, str]] = [
    # not an object, not JSON, too big, hostile
    ("a list", ["sessionState"], "must be a JSON object, got list"),
    ("null", None, "must be a JSON object, got NoneType"),
    ("a string", "Close", "must be a JSON object, got str"),
    ("an object that is not JSON", respond("Delegate", {"name": "Order", "slots": {"Size": {"v": object()}}}), "not JSON-serialisable"),
    ("a set", respond("Delegate", ORDER, requestAttributes={"a", "b"}), "not JSON-serialisable"),
    ("a circular reference", _cyclic(), "Circular reference"),
    ("nested 5,000 deep", {**respond("Delegate"), "deep": _nested(5000)}, "nested too deeply"),
    ("nested 500 deep in an unknown field", {**respond("Delegate"), "deep": _nested(500)}, "Additional properties are not allowed"),
    (
        "over 25 KB",
        respond("Delegate", messages=[{"contentType": "PlainText", "content": "x" * MAX_RESPONSE_BYTES}]),
        "Lex accepts at most 25600",
    ),
    ("a 10 MB string", respond("Delegate", ORDER, sessionAttributes={"k": "x" * 10_000_000}), "bytes; Lex accepts at most 25600"),
    ("a 1 MB key", respond("Delegate", ORDER, requestAttributes={"k" * 1_000_000: "v"}), "bytes; Lex accepts at most 25600"),
    # sessionState and dialogAction
    ("no sessionState", {"messages": [TEXT]}, "'sessionState' is a required property at the response"),
    ("sessionState a string", {"sessionState": "Close"}, "is not of type 'object' at sessionState"),
    ("no dialogAction", {"sessionState": {"sessionAttributes": {}}}, "'dialogAction' is a required property at sessionState"),
    ("dialogAction without type", {"sessionState": {"dialogAction": {}}}, "'type' is a required property at sessionState.dialogAction"),
    ("unknown dialogAction type", respond("Finish"), "'Finish' is not one of"),
    ("dialogAction type None", respond("None"), "not a step a code hook may return"),
    (
        "unknown field in sessionState",
        {"sessionState": {"dialogAction": {"type": "Delegate"}, "nextStep": "x"}},
        "'nextStep' was unexpected",
    ),
    ("unknown top-level field", respond("Delegate", dialogAction={"type": "Close"}), "'dialogAction' was unexpected"),
    ("sessionAttributes null", {"sessionState": {"dialogAction": {"type": "Delegate"}, "sessionAttributes": None}}, "None is not of type"),
    # the intent
    ("intent a string", respond("Delegate", "Order"), "is not of type 'object' at sessionState.intent"),  # type: ignore[arg-type]
    ("intent without name", respond("Delegate", {"slots": {}}), "sessionState.intent.name must be the intent's name"),
    ("intent name empty", respond("Delegate", {"name": ""}), "sessionState.intent.name must be the intent's name"),
    ("unknown intent state", respond("Delegate", {"name": "Order", "state": "Done"}), "'Done' is not one of"),
    ("slot a string", respond("Delegate", {"name": "Order", "slots": {"Size": "large"}}), "at sessionState.intent.slots.Size"),
    # what each action needs
    ("Close without intent", respond("Close"), "Close needs sessionState.intent"),
    ("Close without state", respond("Close", ORDER), "Close needs sessionState.intent.state Failed, Fulfilled or InProgress, got None"),
    ("Close ReadyForFulfillment", respond("Close", {**ORDER, "state": "ReadyForFulfillment"}), "got 'ReadyForFulfillment'"),
    ("ElicitSlot without slotToElicit", respond("ElicitSlot", ORDER), "ElicitSlot needs sessionState.dialogAction.slotToElicit"),
    ("ElicitSlot with empty slotToElicit", respond({"type": "ElicitSlot", "slotToElicit": ""}, ORDER), "slotToElicit"),
    ("ElicitSlot without intent", respond({"type": "ElicitSlot", "slotToElicit": "Size"}), "ElicitSlot needs sessionState.intent"),
    ("ElicitIntent without messages", respond("ElicitIntent"), "ElicitIntent needs at least one message"),
    ("ElicitIntent with no message", respond("ElicitIntent", messages=[]), "ElicitIntent needs at least one message"),
    ("ConfirmIntent without messages", respond("ConfirmIntent", {"name": "Book", "slots": {}}), "ConfirmIntent needs at least one message"),
    (
        "ConfirmIntent without slots",
        respond("ConfirmIntent", {"name": "Book"}, messages=[TEXT]),
        "ConfirmIntent needs sessionState.intent.slots",
    ),
    ("ConfirmIntent without intent", respond("ConfirmIntent", messages=[TEXT]), "ConfirmIntent needs sessionState.intent"),
    (
        "several rules at once",
        respond("ElicitSlot", messages=[{"contentType": "PlainText", "content": ""}] * 11),
        "ElicitSlot needs sessionState.intent (at least its name); ElicitSlot needs sessionState.dialogAction.slotToElicit",
    ),
    # messages
    ("messages a string", respond("Delegate", messages="hi"), "'hi' is not of type 'array' at messages"),
    ("11 messages", respond("Delegate", messages=[TEXT] * 11), "messages holds 11 entries; Lex allows at most 10"),
    ("message not an object", respond("Delegate", messages=["hi"]), "at messages[0]"),
    ("unknown contentType", respond("Delegate", messages=[{"contentType": "Video", "content": "x"}]), "'Video' is not one of"),
    (
        "message without content",
        respond("Delegate", messages=[{"contentType": "PlainText"}]),
        "'content' is a required property at messages[0]",
    ),
    ("empty content", respond("Delegate", messages=[TEXT, {"contentType": "SSML", "content": ""}]), "messages[1].content must be 1-1024"),
    ("content too long", respond("Delegate", messages=[{"contentType": "CustomPayload", "content": "x" * 1025}]), "got 1025"),
    ("card without card", respond("Delegate", messages=[{"contentType": "ImageResponseCard"}]), "'imageResponseCard' is a required"),
    ("card without title", respond("Delegate", messages=[{"contentType": "ImageResponseCard", "imageResponseCard": {}}]), "'title'"),
    ("card title empty", respond("Delegate", messages=[card(title="")]), "messages[0].imageResponseCard.title must be 1-250"),
    ("card subtitle too long", respond("Delegate", messages=[card(subtitle="s" * 251)]), "imageResponseCard.subtitle must be at most 250"),
    ("card with 6 buttons", respond("Delegate", messages=[card(buttons=[{"text": "a", "value": "a"}] * 6)]), "holds 6 buttons"),
    (
        "button text too long",
        respond("Delegate", messages=[card(buttons=[{"text": "t" * 51, "value": "v"}])]),
        "buttons[0].text must be 1-50",
    ),
    ("button without value", respond("Delegate", messages=[card(buttons=[{"text": "t"}])]), "buttons[0] needs a value"),
    # attributes
    ("session attribute not a string", respond("Delegate", sessionAttributes={"n": 1}), "1 is not of type 'string'"),
    (
        "request attribute not a string",
        respond("Delegate", requestAttributes={"n": None}),
        "None is not of type 'string' at requestAttributes.n",
    ),
    (
        "session attributes over 12 KB",
        respond("Delegate", sessionAttributes={"k": "v" * 13000}),
        "hold 13001 bytes; Lex accepts at most 12288",
    ),
]
for _id, _response, _fragment in BAD:  # the helper puts sessionAttributes at the top; they belong in sessionState
    if isinstance(_response, dict) and "sessionAttributes" in _response:
        _response["sessionState"]["sessionAttributes"] = _response.pop("sessionAttributes")


def engine_reason(response: object) -> str:
    """The engine's words: what follows Lex's own prefix in DependencyFailedException."""
    with pytest.raises(DependencyFailedException) as caught:
        validate_response(response, LOCALE)
    prefix = "Invalid Lambda Response: Received invalid response from Lambda: "
    assert caught.value.message.startswith(prefix) and caught.value.http_status == 424
    return caught.value.message.removeprefix(prefix)


def fulfillment_reason(response: object, caplog: pytest.LogCaptureFixture) -> str:
    """The dispatcher's words: a handler answers `response`; the user gets the polite failure, the log says why."""
    dispatcher = Dispatcher()

    @dispatcher.intent("Order")
    def answer(event: CodeHookEvent) -> Any:
        return response

    event = {"invocationSource": "FulfillmentCodeHook", "sessionId": "s-1", "inputTranscript": "x", "sessionState": {"intent": ORDER}}
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="fulfillment"):
        reply = dispatcher(event)
    assert reply["messages"][0]["content"] == FAILURE_MESSAGE
    (record,) = [json.loads(r.getMessage()) for r in caplog.records if "handler_failed" in r.getMessage()]
    assert record["error"] == "InvalidResponse"
    message: str = record["message"]
    prefix = "invalid Lex V2 code-hook response: "
    assert message.startswith(prefix)
    return message.removeprefix(prefix)


@pytest.mark.parametrize("caller", ["engine", "fulfillment"])
@pytest.mark.parametrize(("response", "fragment"), [pytest.param(r, f, id=i) for i, r, f in BAD])
def test_both_callers_refuse_with_the_same_message(caller: str, response: object, fragment: str, caplog: pytest.LogCaptureFixture) -> None:
    reason = engine_reason(response) if caller == "engine" else fulfillment_reason(response, caplog)
    shared = response_problems(response)
    assert shared, "the checker accepted a response Lex refuses"
    assert reason == "; ".join(shared)
    assert fragment in reason, reason
    assert len(reason) < 2000  # a hostile value is never echoed back whole


def test_fulfillment_check_response_is_the_shared_checker() -> None:
    for _id, response, _fragment in BAD:
        assert check_response(response) == response_problems(response)


GOOD: list[dict[str, Any]] = [
    respond("Delegate"),
    respond("Delegate", {"name": "Order", "slots": {"Size": None}, "state": "ReadyForFulfillment"}, sessionAttributes={}),
    respond({"type": "ElicitSlot", "slotToElicit": "Size"}, ORDER),
    respond("ElicitIntent", messages=[TEXT]),
    respond("ConfirmIntent", {"name": "Book", "slots": {}}, messages=[TEXT]),
    respond("Close", {**ORDER, "state": "Failed"}),
    respond("Close", {**ORDER, "state": "InProgress"}, messages=[TEXT] * 10),
    respond(
        "Close",
        {**ORDER, "state": "Fulfilled"},
        messages=[
            {"contentType": "PlainText", "content": "x" * MAX_CONTENT_LENGTH},
            card(subtitle="s" * 250, imageUrl="u" * 250, buttons=[{"text": "t" * 50, "value": "v" * 50}] * 5),
        ],
    ),
    respond("Delegate", sessionAttributes={"k": "v" * (MAX_SESSION_ATTRIBUTES_BYTES - 1)}),
]
for _response in GOOD:
    if "sessionAttributes" in _response:
        _response["sessionState"]["sessionAttributes"] = _response.pop("sessionAttributes")


@pytest.mark.parametrize("response", GOOD)
def test_both_callers_accept_what_lex_accepts(response: dict[str, Any]) -> None:
    assert response_problems(response) == []
    assert check_response(response) == []
    assert validate_response(response, LOCALE) is response


def test_the_engine_adds_only_what_depends_on_the_bot() -> None:
    unknown_intent = respond("Delegate", {"name": "Nope"})
    unknown_slot = respond({"type": "ElicitSlot", "slotToElicit": "Colour"}, ORDER)
    for response in (unknown_intent, unknown_slot):
        assert response_problems(response) == []  # a fulfillment Lambda cannot know the bot
    with pytest.raises(DependencyFailedException, match="'Nope' is not an intent of locale en_US"):
        validate_response(unknown_intent, LOCALE)
    with pytest.raises(DependencyFailedException, match="slotToElicit 'Colour' is not a slot of intent Order"):
        validate_response(unknown_slot, LOCALE)


def test_problems_name_each_broken_rule_at_once() -> None:
    response = respond("ElicitIntent", messages=[{"contentType": "PlainText", "content": ""}] * 11)
    response["sessionState"]["sessionAttributes"] = {"k": "v" * 13000}
    problems = response_problems(response)
    assert len(problems) == 1 + 1 + 11, problems  # 11 messages, 11 empty contents, the attributes' size
    assert problems[0].startswith("messages holds 11 entries")


def test_where_names_fields_as_a_handler_writes_them() -> None:
    assert where(()) == "the response"
    assert where(("messages", 0, "imageResponseCard", "buttons", 2)) == "messages[0].imageResponseCard.buttons[2]"
    assert where(("sessionState", "intent", "slots", "Size")) == "sessionState.intent.slots.Size"
