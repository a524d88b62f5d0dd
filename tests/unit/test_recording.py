"""The scenario text written from a dialogue: every line a known step, hostile text kept on its line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from conversation_tests.vocabulary import find_step
from tools.recording import Exchange, RecordingError, scenario_text


def response(intent: str, messages: list[dict[str, Any]], slots: dict[str, Any] | None = None, **action: Any) -> dict[str, Any]:
    return {
        "messages": messages,
        "sessionState": {"intent": {"name": intent, "state": "InProgress", "slots": slots or {}}, "dialogAction": action},
    }


def steps_of(text: str) -> list[tuple[str, str]]:
    kinds = {"Given": "given", "When": "when", "Then": "then"}
    out: list[tuple[str, str]] = []
    last = "given"
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word in kinds:
            last = kinds[word]
        if word in (*kinds, "And"):
            out.append((last, rest))
    return out


def test_every_written_line_is_a_step_of_the_vocabulary() -> None:
    card = {"contentType": "ImageResponseCard", "imageResponseCard": {"title": "Pick", "buttons": [{"text": "A", "value": "a"}]}}
    exchanges = [
        Exchange("hi\nthere\r\n  you", response("Greet", [{"contentType": "PlainText", "content": "Hello\n\nthere"}], type="Close")),
        Exchange('say "x" # | <tag>', response("Ask", [card], {"Kind": None}, type="ElicitSlot", slotToElicit="Kind")),
        Exchange("a", response("Ask", [], {"Kind": {"value": {"interpretedValue": 'va"lue'}}}, type="Close")),
        Exchange("boom", None, "DependencyFailedException: the hook\nfailed"),
    ]
    text = scenario_text("F\nScenario: injected", "S", exchanges, datetime(2026, 1, 2, 8, 5, tzinfo=UTC), {"customer": 'A "b"'})
    for kind, step in steps_of(text):
        assert find_step(kind, step) is not None, step  # type: ignore[arg-type]
    lines = text.splitlines()
    assert lines[0] == "Feature: F Scenario: injected"  # a line break cannot start a new Gherkin element
    assert '    When I say "hi there you"' in lines
    assert '    And the bot says "Hello there"' in lines
    assert '    When I say "say "x" # | <tag>"' in lines
    assert '    And the slot "Kind" is "va"lue"' in lines
    assert "    And the bot says nothing" in lines
    assert '    And the time is "08:05" in "UTC"' in lines and '    And the session attribute "customer" is "A "b""' in lines
    assert any(line.strip().startswith("# the bot refused this turn (DependencyFailedException: the hook failed)") for line in lines)


def test_names_that_cannot_be_written_are_left_as_comments() -> None:
    bad = response('In"tent', [{"content": "ok"}], {'Sl"ot': {"value": {"interpretedValue": "v"}}}, type="ElicitSlot", slotToElicit='Sl"ot')
    text = scenario_text("F", "S", [Exchange("x", bad)])
    assert "the intent is" not in text and "the bot asks for" not in text
    assert "# slot 'Sl\"ot' = 'v': the slot's name cannot be written in a step" in text


def test_nothing_said_is_an_error() -> None:
    with pytest.raises(RecordingError, match="nothing was said"):
        scenario_text("F", "S", [Exchange("  \n", response("X", []))])
    with pytest.raises(RecordingError, match="session attribute"):
        scenario_text("F", "S", [Exchange("x", response("X", []))], None, {'k"': "v"})
