"""Session-attribute helpers: the whole map goes back, JSON values survive, limits hold."""

from __future__ import annotations

import pytest

from fulfillment.errors import InvalidResponse
from fulfillment.events import CodeHookEvent, parse_event
from fulfillment.session_attributes import json_attribute, updated_attributes, with_json_attribute


def event(attributes: dict[str, str]) -> CodeHookEvent:
    return parse_event(
        {
            "invocationSource": "DialogCodeHook",
            "sessionId": "s",
            "inputTranscript": "x",
            "sessionState": {"sessionAttributes": attributes, "intent": {"name": "I", "slots": {}}},
        }
    )


def test_set_and_remove_keep_the_rest() -> None:
    parsed = event({"a": "1", "b": "2", "cart": "x"})
    assert updated_attributes(parsed, {"c": "3"}, remove=["b"]) == {"a": "1", "cart": "x", "c": "3"}
    assert updated_attributes(parsed, remove="cart") == {"a": "1", "b": "2"}


def test_json_values_round_trip_and_garbage_gives_the_default() -> None:
    parsed = event({"cart": '{"items": ["roses"]}', "bad": "{not json", "deep": "[" * 5000 + "]" * 5000})
    assert json_attribute(parsed, "cart") == {"items": ["roses"]}
    assert json_attribute(parsed, "bad", default={}) == {}
    assert json_attribute(parsed, "missing") is None
    assert json_attribute(parsed, "deep", default="x") == "x"  # nested too deeply for json: the default, no crash
    stored = with_json_attribute(parsed, "cart", {"items": ["roses", "tulips"]})
    assert stored["cart"] == '{"items":["roses","tulips"]}' and stored["bad"] == "{not json"


@pytest.mark.parametrize("bad", [{"k": 1}, {"k": "v" * 13_000}])
def test_non_strings_and_oversized_maps_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidResponse):
        updated_attributes(event({}), bad)  # type: ignore[arg-type]
