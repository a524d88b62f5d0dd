"""Code hooks: the response check, the in-process and Lambda calls (fact sheet section 4)."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest

from bot_spec.definition import BotLocale, Intent, IntentConfirmation, PromptSpecification, Slot, plain
from runtime.contracts.codehook_response import MAX_RESPONSE_BYTES
from runtime.lex.codehooks import build_event, in_process_invoker, lambda_invoker, validate_response
from runtime.lex.errors import DependencyFailedException

LOCALE = BotLocale(
    locale_id="en_US",
    intents=[
        Intent(name="Order", slots=[Slot(name="Size", slot_type_name="AMAZON.Number", prompt=PromptSpecification([plain("Size?")]))]),
        Intent(
            name="Book",
            confirmation=IntentConfirmation(prompt=PromptSpecification([plain("Sure?")])),
        ),
    ],
)


def _response(action: dict[str, Any], intent: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"dialogAction": action}
    if intent is not None:
        state["intent"] = intent
    return {"sessionState": state, **extra}


def test_valid_responses_pass() -> None:
    validate_response(_response({"type": "Delegate"}), LOCALE)
    validate_response(_response({"type": "ElicitSlot", "slotToElicit": "Size"}, {"name": "Order", "slots": {"Size": None}}), LOCALE)
    validate_response(
        _response({"type": "Close"}, {"name": "Order", "state": "Fulfilled"}, messages=[{"contentType": "PlainText", "content": "ok"}]),
        LOCALE,
    )
    validate_response(
        _response({"type": "ConfirmIntent"}, {"name": "Order", "slots": {}}, messages=[{"contentType": "PlainText", "content": "Sure?"}]),
        LOCALE,
    )


INVALID = {
    "not an object": ["a list"],
    "no sessionState": {"messages": []},
    "no dialogAction": {"sessionState": {"sessionAttributes": {}}},
    "unknown dialogAction type": _response({"type": "Jump"}),
    "intent as a string": {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": "Order"}},
    "unknown intent": _response({"type": "Delegate"}, {"name": "Nope"}),
    "ElicitSlot without slotToElicit": _response({"type": "ElicitSlot"}, {"name": "Order"}),
    "ElicitSlot without intent": _response({"type": "ElicitSlot", "slotToElicit": "Size"}),
    "ElicitSlot of an unknown slot": _response({"type": "ElicitSlot", "slotToElicit": "Colour"}, {"name": "Order"}),
    "ElicitIntent without messages": _response({"type": "ElicitIntent"}),
    "ConfirmIntent without slots": _response(
        {"type": "ConfirmIntent"}, {"name": "Book"}, messages=[{"contentType": "PlainText", "content": "?"}]
    ),
    "ConfirmIntent without messages or prompt": _response({"type": "ConfirmIntent"}, {"name": "Order", "slots": {}}),
    # Lex requires the question even when the intent has a confirmation prompt (docs/fulfillment.md).
    "ConfirmIntent without messages, prompt or not": _response({"type": "ConfirmIntent"}, {"name": "Book", "slots": {}}),
    "Close without state": _response({"type": "Close"}, {"name": "Order"}),
    "Close with ReadyForFulfillment": _response({"type": "Close"}, {"name": "Order", "state": "ReadyForFulfillment"}),
    "dialogAction None": _response({"type": "None"}),
    "message without content": _response({"type": "Delegate"}, messages=[{"contentType": "PlainText"}]),
    "card without card": _response({"type": "Delegate"}, messages=[{"contentType": "ImageResponseCard", "content": "x"}]),
    "bad contentType": _response({"type": "Delegate"}, messages=[{"contentType": "Video", "content": "x"}]),
    "session attribute not a string": {"sessionState": {"dialogAction": {"type": "Delegate"}, "sessionAttributes": {"a": 1}}},
    "unknown top-level field": _response({"type": "Delegate"}, dialogAction={"type": "Close"}),
    "session attributes over 12 KB": {"sessionState": {"dialogAction": {"type": "Delegate"}, "sessionAttributes": {"k": "v" * 13000}}},
    "over 25 KB": _response({"type": "Delegate"}, messages=[{"contentType": "PlainText", "content": "x" * MAX_RESPONSE_BYTES}]),
}


@pytest.mark.parametrize("kind", sorted(INVALID))
def test_each_invalid_response_kind_is_dependency_failed_section_4(kind: str) -> None:
    with pytest.raises(DependencyFailedException) as err:
        validate_response(INVALID[kind], LOCALE)
    assert err.value.message.startswith("Invalid Lambda Response: Received invalid response from Lambda: ")
    assert err.value.http_status == 424


def test_deeply_nested_response_is_dependency_failed() -> None:
    nested: dict[str, Any] = {}
    node = nested
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(DependencyFailedException, match="nested too deeply"):
        validate_response({"sessionState": {"dialogAction": {"type": "Delegate"}}, "deep": nested}, LOCALE)
    with pytest.raises(DependencyFailedException, match="nested too deeply"):
        lambda_invoker(FakeLambda(b'{"a":' * 3000 + b"1" + b"}" * 3000), ARN)({})


def test_response_that_is_not_json_serialisable() -> None:
    with pytest.raises(DependencyFailedException, match="JSON"):
        validate_response({"sessionState": {"dialogAction": {"type": "Delegate"}}, "x": object()}, LOCALE)


def test_in_process_hook_exception_is_dependency_failed() -> None:
    def boom(event: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("slots")

    with pytest.raises(DependencyFailedException, match="raised KeyError"):
        in_process_invoker(boom, timeout=5)({})
    with pytest.raises(DependencyFailedException, match="raised KeyError"):
        in_process_invoker(boom, timeout=None)({})


def test_in_process_hook_timeout_is_dependency_failed() -> None:
    release = threading.Event()

    def hang(event: dict[str, Any]) -> dict[str, Any]:
        release.wait(10)
        return {}

    with pytest.raises(DependencyFailedException, match="timed out"):
        in_process_invoker(hang, timeout=0.05)({})
    release.set()


def test_in_process_hook_answer_is_returned() -> None:
    assert in_process_invoker(lambda e: {"echo": e["x"]}, timeout=5)({"x": 1}) == {"echo": 1}


class FakeLambda:
    """Stands in for boto3's ``lambda`` client: records ``invoke`` calls, answers as Lambda does.

    Models the Invoke API's answer: ``Payload`` is a stream, and a function that
    raised adds ``FunctionError: Unhandled`` (AWS Lambda Invoke API reference).
    """

    def __init__(self, payload: bytes, function_error: str | None = None, raise_exc: Exception | None = None) -> None:
        self.payload, self.function_error, self.raise_exc = payload, function_error, raise_exc
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.raise_exc is not None:
            raise self.raise_exc
        answer: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(self.payload)}
        if self.function_error:
            answer["FunctionError"] = self.function_error
        return answer


ARN = "arn:aws:lambda:us-east-1:123456789012:function:hook"


def test_lambda_is_invoked_with_the_event_as_json() -> None:
    fake = FakeLambda(json.dumps({"sessionState": {"dialogAction": {"type": "Delegate"}}}).encode())
    assert lambda_invoker(fake, ARN)({"messageVersion": "1.0"}) == {"sessionState": {"dialogAction": {"type": "Delegate"}}}
    call = fake.calls[0]
    assert call["FunctionName"] == ARN and call["InvocationType"] == "RequestResponse"
    assert json.loads(call["Payload"]) == {"messageVersion": "1.0"}


@pytest.mark.parametrize(
    ("fake", "reason"),
    [
        (FakeLambda(b'{"errorMessage": "boom"}', function_error="Unhandled"), "Unhandled"),
        (FakeLambda(b"not json"), "not JSON"),
        (FakeLambda(b"[1, 2]"), "JSON object"),
        (FakeLambda(b"{}" + b" " * MAX_RESPONSE_BYTES), "bytes"),
        (FakeLambda(b"", raise_exc=RuntimeError("AccessDenied")), "AccessDenied"),
    ],
)
def test_lambda_failures_are_dependency_failed(fake: FakeLambda, reason: str) -> None:
    with pytest.raises(DependencyFailedException, match=reason):
        lambda_invoker(fake, ARN)({})


def test_event_shape_section_4() -> None:
    interpretations = [
        {
            "intent": {"name": "Order", "slots": {"Size": None}, "state": "InProgress", "confirmationState": "None"},
            "nluConfidence": {"score": 0.87},
        },
        {"intent": {"name": "FallbackIntent", "slots": {}}},
    ]
    state = {
        "intent": {"name": "Order", "slots": {"Size": None}, "state": "InProgress", "confirmationState": "None"},
        "sessionAttributes": {},
        "originatingRequestId": "r",
    }
    proposed = {"dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"}, "intent": state["intent"], "prompt": {"attempt": "Initial"}}
    bot = {"id": "BOTID12345", "name": "B", "localeId": "en_US", "version": "DRAFT", "aliasId": "TSTALIASID", "aliasName": "TestBotAlias"}
    event = build_event(
        invocation_source="DialogCodeHook",
        session_id="s1",
        input_transcript="order",
        bot=bot,
        interpretations=interpretations,
        session_state=state,
        request_attributes=None,
        proposed_next_state=proposed,
    )
    assert event["messageVersion"] == "1.0"
    assert event["inputMode"] == "Text" and event["responseContentType"] == "text/plain; charset=utf-8"
    assert event["requestAttributes"] is None
    assert event["bot"] == bot
    assert event["interpretations"][0]["nluConfidence"] == 0.87  # a bare number in events
    assert "nluConfidence" not in event["interpretations"][1]
    assert event["interpretations"][1]["intent"]["state"] == "InProgress"  # alternatives carry state in events
    assert event["proposedNextState"]["prompt"] == {"attempt": "Initial"}
    assert event["transcriptions"][0]["transcription"] == "order"
    assert event["sessionState"] == state and event["sessionState"] is not state


def test_schema_validator_agrees_with_jsonschema() -> None:
    """The fast validator and jsonschema accept and reject the same responses."""
    import copy

    import jsonschema

    from runtime.contracts.codehook_response import response_schema
    from runtime.contracts.json_schema import SchemaValidator

    schema = response_schema()
    reference = jsonschema.validators.validator_for(schema)(schema)
    fast = SchemaValidator(schema)
    valid = _response(
        {"type": "ElicitSlot", "slotToElicit": "Size", "slotElicitationStyle": "SpellByLetter"},
        {
            "name": "Order",
            "slots": {"Size": None, "X": {"shape": "List", "values": [{"value": {"originalValue": "a"}}]}},
            "state": "InProgress",
        },
        messages=[
            {"contentType": "ImageResponseCard", "imageResponseCard": {"title": "t", "buttons": [{"text": "a", "value": "b"}]}},
            {"contentType": "SSML", "content": "<speak/>"},
        ],
        requestAttributes={"a": "b"},
    )
    valid["sessionState"]["activeContexts"] = [
        {"name": "c", "timeToLive": {"timeToLiveInSeconds": 5, "turnsToLive": 1}, "contextAttributes": {}}
    ]
    valid["sessionState"]["runtimeHints"] = {"slotHints": {"Order": {"Size": {"runtimeHintValues": [{"phrase": "big"}]}}}}
    corpus: list[object] = [valid, *INVALID.values()]

    # Mutations of the valid response: each leaf replaced by a wrong type, each key dropped.
    def mutations(node: object, path: tuple[object, ...] = ()) -> list[tuple[tuple[object, ...], object]]:
        out: list[tuple[tuple[object, ...], object]] = []
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in items:
            out += [((*path, key), 7), ((*path, key), "x"), ((*path, key), None), ((*path, key), [])]
            out += mutations(child, (*path, key))
        return out

    for path, replacement in mutations(valid):
        changed = copy.deepcopy(valid)
        target = changed
        for key in path[:-1]:
            target = target[key]  # type: ignore[index]
        target[path[-1]] = replacement  # type: ignore[index]
        corpus.append(changed)
        dropped = copy.deepcopy(valid)
        target = dropped
        for key in path[:-1]:
            target = target[key]  # type: ignore[index]
        del target[path[-1]]  # type: ignore[arg-type]
        corpus.append(dropped)
    assert len(corpus) > 200
    for instance in corpus:
        assert (fast.first_problem(instance) is None) == reference.is_valid(instance), instance


def test_schema_validator_refuses_unsupported_keywords() -> None:
    from runtime.contracts.json_schema import SchemaError, SchemaValidator

    with pytest.raises(SchemaError, match="uniqueItems"):
        SchemaValidator({"type": "object", "properties": {"a": {"type": "array", "uniqueItems": True}}})
