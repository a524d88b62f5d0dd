"""Input validation as Lex does it (fact sheet sections 1 and 7)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.lex.errors import ValidationException
from runtime.lex.request_checks import check_request, utf16_length

BASE = {"botId": "ABCDE12345", "botAliasId": "TSTALIASID", "localeId": "en_US", "sessionId": "s-1:a.b_c"}


def _rt(**over: Any) -> dict[str, Any]:
    return {**BASE, "text": "hello", **over}


def test_a_good_request_passes() -> None:
    check_request("RecognizeText", _rt(requestAttributes={"a": "b"}, sessionState={"sessionAttributes": {"x": "y"}}))


def test_text_length_counts_utf16_code_units_section_1() -> None:
    assert utf16_length("😀") == 2
    check_request("RecognizeText", _rt(text="😀" * 512))
    with pytest.raises(ValidationException, match="1025 characters"):
        check_request("RecognizeText", _rt(text="😀" * 512 + "a"))


BAD = {
    "empty text": (_rt(text=""), "text"),
    "text not a string": (_rt(text=42), "text"),
    "lone surrogate": (_rt(text="a\ud800b"), "surrogate"),
    "bot id too short": (_rt(botId="ABC"), "botId"),
    "bot id not alphanumeric": (_rt(botId="ABCDE-1234"), "botId"),
    "session id one char": (_rt(sessionId="a"), "sessionId"),
    "session id too long": (_rt(sessionId="a" * 101), "sessionId"),
    "session id with slash": (_rt(sessionId="a/b/../c"), "sessionId"),
    "session id with space": (_rt(sessionId="a b"), "sessionId"),
    "request attributes not strings": (_rt(requestAttributes={"a": 1}), "requestAttributes.a"),
    "session state a string": (_rt(sessionState="{}"), "sessionState"),
    "dialog action type unknown": (_rt(sessionState={"dialogAction": {"type": "Teleport"}}), "dialogAction.type"),
    "elicit slot without slot": (_rt(sessionState={"dialogAction": {"type": "ElicitSlot"}}), "slotToElicit"),
    "intent without name": (_rt(sessionState={"intent": {"slots": {}}}), "name"),
    "intent state unknown": (_rt(sessionState={"intent": {"name": "A", "state": "Happy"}}), "intent.state"),
    "confirmation unknown": (_rt(sessionState={"intent": {"name": "A", "confirmationState": "Perhaps"}}), "confirmationState"),
    "huge session attributes": (_rt(sessionState={"sessionAttributes": {"k": "v" * 20000}}), "sessionAttributes"),
    "context bad name": (
        _rt(
            sessionState={
                "activeContexts": [{"name": "a b", "timeToLive": {"timeToLiveInSeconds": 10, "turnsToLive": 2}, "contextAttributes": {}}]
            }
        ),
        "name",
    ),
    "context ttl too short": (
        _rt(
            sessionState={
                "activeContexts": [{"name": "c", "timeToLive": {"timeToLiveInSeconds": 1, "turnsToLive": 2}, "contextAttributes": {}}]
            }
        ),
        "timeToLiveInSeconds",
    ),
    "too many contexts": (
        _rt(
            sessionState={
                "activeContexts": [
                    {"name": f"c{i}", "timeToLive": {"timeToLiveInSeconds": 10, "turnsToLive": 2}, "contextAttributes": {}}
                    for i in range(21)
                ]
            }
        ),
        "20",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_requests_are_validation_errors_naming_the_field(case: str) -> None:
    params, field = BAD[case]
    with pytest.raises(ValidationException) as err:
        check_request("RecognizeText", params)
    assert field in err.value.message
    assert err.value.http_status == 400


def test_null_slots_are_accepted_as_lex_returns_them() -> None:
    check_request("RecognizeText", _rt(sessionState={"intent": {"name": "A", "slots": {"S": None}}}))


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([{"contentType": "PlainText", "content": "x"}] * 11, "at most 10"),
        ([{"contentType": "Hologram", "content": "x"}], "contentType"),
        ([{"contentType": "PlainText", "content": "x" * 1025}], "1-1024"),
        ([{"contentType": "PlainText"}], "1-1024"),
        ([{"contentType": "ImageResponseCard"}], "imageResponseCard is required"),
        ([{"contentType": "ImageResponseCard", "imageResponseCard": {"title": "t" * 251}}], "250"),
    ],
)
def test_put_session_messages_are_bounded(messages: list[dict[str, Any]], problem: str) -> None:
    params = {**BASE, "sessionState": {"dialogAction": {"type": "Close"}}, "messages": messages}
    with pytest.raises(ValidationException, match=problem):
        check_request("PutSession", params)
