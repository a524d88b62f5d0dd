"""Code hooks inside the dialog: when they run, the event they get, how their answer steers (3.4, 3.5, 4)."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest

from runtime.lex.errors import DependencyFailedException
from tests.unit.test_engine_fixtures import START, action, intent, new_chat, pizza_bot, texts

Event = dict[str, Any]


class Recorder:
    """An in-process code hook answering with a scripted function, keeping every event it got."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.events: list[Event] = []

    def __call__(self, event: Event) -> dict[str, Any]:
        self.events.append(json.loads(json.dumps(event)))
        result: dict[str, Any] = self.answer(event)
        return result


def delegate(event: Event) -> dict[str, Any]:
    state = event["sessionState"]
    return {
        "sessionState": {"dialogAction": {"type": "Delegate"}, "intent": state["intent"], "sessionAttributes": state["sessionAttributes"]}
    }


def test_dialog_hook_event_shape_and_proposed_next_state_section_4() -> None:
    hook = Recorder(delegate)
    chat = new_chat(code_hook=hook, dialog_hook=True)
    response = chat.say("order a pizza", requestAttributes={"k": "v"})
    assert action(response) == {"type": "ElicitSlot", "slotToElicit": "Size"}
    (event,) = hook.events
    assert event["messageVersion"] == "1.0"
    assert event["invocationSource"] == "DialogCodeHook"
    assert event["inputMode"] == "Text"
    assert event["inputTranscript"] == "order a pizza"
    assert event["sessionId"] == "test-session"
    assert event["bot"] == {
        "id": chat.deployment.bot_id,
        "name": "PizzaBot",
        "localeId": "en_US",
        "version": "DRAFT",
        "aliasId": "TSTALIASID",
        "aliasName": "TestBotAlias",
    }
    assert event["requestAttributes"] == {"k": "v"}
    assert event["interpretations"][0]["intent"]["name"] == "OrderPizza"
    assert event["interpretations"][0]["nluConfidence"] == 1.0  # a bare number in events
    assert event["sessionState"]["intent"]["slots"] == {"Size": None, "Crust": None, "Extra": None}
    assert event["proposedNextState"] == {
        "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"},
        "intent": event["sessionState"]["intent"],
        "prompt": {"attempt": "Initial"},
    }
    assert event["transcriptions"][0]["transcription"] == "order a pizza"
    assert event["sessionState"]["originatingRequestId"] == response["sessionState"]["originatingRequestId"]


def test_dialog_hook_runs_after_each_slot_capture_without_proposal_when_next_is_not_elicit_section_3_4() -> None:
    hook = Recorder(delegate)
    chat = new_chat(code_hook=hook, dialog_hook=True)
    chat.say("order a large pizza")
    response = chat.say("thin")
    assert action(response)["type"] == "ConfirmIntent"
    assert len(hook.events) == 2
    assert "proposedNextState" not in hook.events[1]  # the next step is ConfirmIntent, not ElicitSlot
    assert hook.events[1]["sessionState"]["intent"]["slots"]["Crust"]["value"]["interpretedValue"] == "thin"
    chat.say("yes")
    assert hook.events[2]["sessionState"]["intent"]["confirmationState"] == "Confirmed"  # after the confirmation answer


def test_hook_elicit_slot_with_and_without_messages_section_3_5() -> None:
    def ask_crust(event: Event) -> dict[str, Any]:
        said = event["inputTranscript"]
        messages = [{"contentType": "PlainText", "content": "Crust first!"}] if said == "order a pizza" else []
        out: dict[str, Any] = {
            "sessionState": {"dialogAction": {"type": "ElicitSlot", "slotToElicit": "Crust"}, "intent": event["sessionState"]["intent"]}
        }
        if messages:
            out["messages"] = messages
        return out

    chat = new_chat(code_hook=Recorder(ask_crust), dialog_hook=True)
    first = chat.say("order a pizza")
    assert action(first) == {"type": "ElicitSlot", "slotToElicit": "Crust"}
    assert texts(first) == ["Crust first!"]
    chat.session_id = "second-session"
    second = chat.say("order a large pizza")  # hook sends no messages: the slot's own prompt plays
    assert texts(second) == ["Which crust for your large pizza?"]


def test_hook_confirm_intent_without_messages_is_dependency_failed_section_4() -> None:
    """Lex requires the question with ConfirmIntent, even when the intent has a confirmation prompt (docs/fulfillment.md)."""

    def confirm(event: Event) -> dict[str, Any]:
        return {"sessionState": {"dialogAction": {"type": "ConfirmIntent"}, "intent": event["sessionState"]["intent"]}}

    chat = new_chat(code_hook=Recorder(confirm), dialog_hook=True)
    with pytest.raises(DependencyFailedException, match="ConfirmIntent needs at least one message"):
        chat.say("order a large pizza with thin crust")


def test_hook_confirm_intent_asks_the_hooks_question_section_3_5() -> None:
    def confirm(event: Event) -> dict[str, Any]:
        return {
            "sessionState": {"dialogAction": {"type": "ConfirmIntent"}, "intent": event["sessionState"]["intent"]},
            "messages": [{"contentType": "PlainText", "content": "Thin crust, really?"}],
        }

    response = new_chat(code_hook=Recorder(confirm), dialog_hook=True).say("order a large pizza with thin crust")
    assert action(response) == {"type": "ConfirmIntent"}
    assert texts(response) == ["Thin crust, really?"]


def test_hook_close_and_session_attributes_section_3_5() -> None:
    def close(event: Event) -> dict[str, Any]:
        intent_ = dict(event["sessionState"]["intent"], state="Fulfilled")
        return {
            "sessionState": {"dialogAction": {"type": "Close"}, "intent": intent_, "sessionAttributes": {"closed": "yes"}},
            "messages": [{"contentType": "PlainText", "content": "Closed by the hook."}],
        }

    chat = new_chat(code_hook=Recorder(close), dialog_hook=True)
    response = chat.say("order a pizza", sessionState={"sessionAttributes": {"old": "1"}})
    assert action(response) == {"type": "Close"}
    assert intent(response)["state"] == "Fulfilled"
    assert texts(response) == ["Closed by the hook."]
    assert response["sessionState"]["sessionAttributes"] == {"closed": "yes"}  # replaced wholesale


def test_hook_elicit_intent_ends_the_intent_section_3_5() -> None:
    def elicit_intent(event: Event) -> dict[str, Any]:
        return {
            "sessionState": {"dialogAction": {"type": "ElicitIntent"}},
            "messages": [{"contentType": "PlainText", "content": "What else?"}],
        }

    chat = new_chat(code_hook=Recorder(elicit_intent), dialog_hook=True)
    response = chat.say("order a pizza")
    assert action(response) == {"type": "ElicitIntent"}
    assert texts(response) == ["What else?"]
    assert intent(chat.say("opening hours"))["name"] == "OpeningHours"  # classified afresh


def test_hook_may_switch_the_intent_section_3_5() -> None:
    def switch(event: Event) -> dict[str, Any]:
        return {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": {"name": "OpeningHours", "slots": {}}}}

    chat = new_chat(code_hook=Recorder(switch), dialog_hook=True)
    response = chat.say("order a pizza")
    assert intent(response)["name"] == "OpeningHours"
    assert texts(response) == ["We are open from 9 to 5."]
    assert any(d["step"] == "code-hook-switched-intent" for d in chat.explain()["decisions"])


def test_fulfillment_hook_runs_after_confirmation_section_3_2_step_6() -> None:
    def fulfil(event: Event) -> dict[str, Any]:
        intent_ = dict(event["sessionState"]["intent"], state="Fulfilled")
        return {
            "sessionState": {"dialogAction": {"type": "Close"}, "intent": intent_},
            "messages": [{"contentType": "PlainText", "content": "Ordered."}],
        }

    hook = Recorder(fulfil)
    chat = new_chat(code_hook=hook, fulfillment_hook=True)
    chat.say("order a large pizza with thin crust")
    assert hook.events == []  # not before every required slot is filled and confirmed
    done = chat.say("yes")
    assert hook.events[0]["invocationSource"] == "FulfillmentCodeHook"
    assert "proposedNextState" not in hook.events[0]
    assert intent(done)["state"] == "Fulfilled" and action(done) == {"type": "Close"}
    assert texts(done) == ["Ordered."]


def test_fulfillment_hook_delegate_plays_the_closing_response() -> None:
    chat = new_chat(code_hook=Recorder(delegate), fulfillment_hook=True)
    chat.say("order a large pizza with thin crust")
    done = chat.say("yes")
    assert intent(done)["state"] == "Fulfilled"
    assert texts(done) == ["Your large pizza is on its way."]


def test_invalid_hook_response_is_dependency_failed_section_4() -> None:
    chat = new_chat(code_hook=Recorder(lambda e: {"sessionState": {"dialogAction": {"type": "ElicitSlot"}}}), dialog_hook=True)
    with pytest.raises(DependencyFailedException, match=r"^Invalid Lambda Response: Received invalid response from Lambda: "):
        chat.say("order a pizza")


def test_hook_exception_is_dependency_failed() -> None:
    def boom(event: Event) -> dict[str, Any]:
        raise RuntimeError("database down")

    with pytest.raises(DependencyFailedException, match="database down"):
        new_chat(code_hook=boom, dialog_hook=True).say("order a pizza")


def test_hook_timeout_is_dependency_failed() -> None:
    release = threading.Event()

    def slow(event: Event) -> dict[str, Any]:
        release.wait(10)
        return delegate(event)

    chat = new_chat(code_hook=slow, dialog_hook=True, code_hook_timeout=0.05)
    with pytest.raises(DependencyFailedException, match="timed out"):
        chat.say("order a pizza")
    release.set()


class FakeLambdaClient:
    """boto3 ``lambda`` client stand-in: ``invoke`` runs a Python function on the JSON payload.

    Models Invoke's answer shape (``Payload`` stream, ``FunctionError`` when the function
    raised), from the AWS Lambda Invoke API reference; we cannot run Lambda here.
    """

    def __init__(self, function: Any) -> None:
        self.function = function
        self.names: list[str] = []

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        self.names.append(FunctionName)
        try:
            body = json.dumps(self.function(json.loads(Payload))).encode()
        except Exception as exc:
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps({"errorMessage": str(exc)}).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(body)}


def test_lambda_code_hook_through_a_lambda_client() -> None:
    from runtime.lex.clock import ManualClock
    from runtime.lex.engine import LocalLexRuntime

    fake = FakeLambdaClient(delegate)
    runtime = LocalLexRuntime(clock=ManualClock(START))
    arn = "arn:aws:lambda:us-east-1:123456789012:function:pizza"
    deployment = runtime.register_bot(pizza_bot(dialog_hook=True), lambda_arn=arn, lambda_client=fake)
    ids = {"botId": deployment.bot_id, "botAliasId": "TSTALIASID", "localeId": "en_US", "sessionId": "lambda-1"}
    response = runtime.recognize_text(**ids, text="order a pizza")
    assert action(response)["slotToElicit"] == "Size"
    assert fake.names == [arn]

    def failing(event: Event) -> dict[str, Any]:
        raise ValueError("bad slot")

    fake.function = failing
    with pytest.raises(DependencyFailedException, match="Unhandled"):
        runtime.recognize_text(**ids, text="large")


POST_FULFILLMENT = {
    "postFulfillmentStatusSpecification": {
        "successResponse": {"messageGroups": [{"message": {"plainTextMessage": {"value": "Order placed for a {Size} pizza."}}}]},
        "failureResponse": {"messageGroups": [{"message": {"plainTextMessage": {"value": "The kitchen is closed."}}}]},
    }
}


def _hooked_chat(answer: Any, *, active: bool = True) -> Any:
    from runtime.lex.clock import ManualClock
    from runtime.lex.engine import LocalLexRuntime
    from tests.unit.test_engine_fixtures import Chat

    definition = pizza_bot(fulfillment_hook=True)
    definition.locales[0].intents[0].extras["fulfillmentCodeHook"] = {**POST_FULFILLMENT, "active": active}
    hook = Recorder(answer)
    runtime = LocalLexRuntime(clock=ManualClock(START))
    chat = Chat(runtime, runtime.register_bot(definition, code_hook=hook))
    chat.say("order a large pizza with thin crust")
    return chat, hook


def test_post_fulfillment_success_response_then_closing_section_3_2_step_6() -> None:
    chat, _ = _hooked_chat(delegate)
    done = chat.say("yes")
    assert intent(done)["state"] == "Fulfilled"
    assert texts(done) == ["Order placed for a large pizza.", "Your large pizza is on its way."]


def test_post_fulfillment_failure_response_when_the_hook_fails_the_intent_section_3_2_step_6() -> None:
    def fail(event: Event) -> dict[str, Any]:
        return {"sessionState": {"dialogAction": {"type": "Close"}, "intent": dict(event["sessionState"]["intent"], state="Failed")}}

    chat, _ = _hooked_chat(fail)
    done = chat.say("yes")
    assert intent(done)["state"] == "Failed"
    assert texts(done) == ["The kitchen is closed."]


def test_inactive_fulfillment_hook_is_not_called_section_3_2_step_6() -> None:
    chat, hook = _hooked_chat(delegate, active=False)
    done = chat.say("yes")
    assert hook.events == []
    assert intent(done)["state"] == "ReadyForFulfillment"
