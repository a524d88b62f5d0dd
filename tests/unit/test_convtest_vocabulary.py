"""The step wording is a public interface: every documented step matches, and only its own pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversation_tests import vocabulary as v
from conversation_tests.turns import ObservedTurn, render_transcript

# The brief's required steps, with example values filled in (kind, text, expected pattern).
REQUIRED = [
    ("given", "a new conversation", v.NEW_CONVERSATION),
    ("given", 'a new conversation as "user-1"', v.NEW_CONVERSATION_AS),
    ("given", 'the locale is "en_US"', v.LOCALE),
    ("given", 'the session attribute "customer" is "Ana"', v.GIVEN_SESSION_ATTRIBUTE),
    ("given", 'the request attribute "x-amz-lex:time-zone" is "Europe/Paris"', v.REQUEST_ATTRIBUTE),
    ("given", 'the time is "08:00" in "Europe/Paris"', v.TIME),
    ("when", 'I say "what\'s my "order" status?"', v.SAY),
    ("when", 'I choose "Order"', v.CHOOSE),
    ("when", "the session has been idle for 301 seconds", v.IDLE),
    ("then", 'the bot says "Good morning!"', v.SAYS),
    ("then", 'the bot says something containing "help"', v.SAYS_CONTAINING),
    ("then", 'the bot says something matching "^Good (morning|evening)"', v.SAYS_MATCHING),
    ("then", "the bot says nothing", v.SAYS_NOTHING),
    ("then", 'the intent is "Status"', v.INTENT),
    ("then", 'the intent is "Status" with confidence at least 0.8', v.INTENT_CONFIDENCE),
    ("then", 'the interpretations include "Help"', v.INTERPRETATIONS_INCLUDE),
    ("then", 'the bot asks for "StatusType"', v.ASKS_FOR),
    ("then", 'the slot "StatusType" is "order"', v.SLOT_IS),
    ("then", 'the slot "StatusType" is empty', v.SLOT_EMPTY),
    ("then", 'the intent state is "Fulfilled"', v.INTENT_STATE),
    ("then", 'the dialog action is "ElicitSlot"', v.DIALOG_ACTION),
    ("then", 'the session attribute "lastStatusType" is "order"', v.SESSION_ATTRIBUTE_IS),
    ("then", 'the session attribute "lastStatusType" is not set', v.SESSION_ATTRIBUTE_UNSET),
    ("then", 'the bot offers the choices "Order", "Account", "Delivery"', v.CHOICES),
    ("then", 'the bot offers the choices "Only one"', v.CHOICES),
    ("then", 'the bot says one of "Hi!", "Hello!"', v.SAYS_ONE_OF),
    ("then", "the bot sends 2 messages", v.MESSAGE_COUNT),
    ("then", 'the bot sends a "SSML" message', v.CONTENT_TYPE),
    ("then", 'the bot shows a card titled "Choose a status type"', v.CARD_TITLE),
    ("then", 'the bot shows a card with subtitle "Pick one"', v.CARD_SUBTITLE),
    ("then", 'the context "ordering" is active', v.CONTEXT_ACTIVE),
    ("then", 'the context "ordering" is not active', v.CONTEXT_INACTIVE),
    ("then", 'the context "ordering" attribute "size" is "large"', v.CONTEXT_ATTRIBUTE),
]


@pytest.mark.parametrize(("kind", "text", "pattern"), REQUIRED, ids=[r[1][:40] for r in REQUIRED])
def test_each_step_matches_exactly_its_own_pattern(kind: v.StepKind, text: str, pattern: v.StepPattern) -> None:
    matching = [p for p in v.VOCABULARY if p.kind == kind and p.matches(text)]
    assert matching == [pattern]


def test_every_pattern_is_exercised_and_documented() -> None:
    covered = {r[2] for r in REQUIRED}
    assert set(v.VOCABULARY) == covered
    doc = (Path(__file__).resolve().parents[2] / "docs" / "conversation-tests.md").read_text(encoding="utf-8")
    for pattern in v.VOCABULARY:
        assert f"{pattern.kind.capitalize()} {pattern.wording}" in doc, pattern.wording


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("then", "the bot says hello"),  # unquoted
        ("then", 'the intent is "Status" with confidence at least high'),
        ("when", "the session has been idle for a while"),
        ("then", 'the bot offers the choices "a" "b"'),  # no comma
        ("given", 'I say "hello"'),  # a When step used as Given
    ],
)
def test_near_misses_match_nothing(kind: v.StepKind, text: str) -> None:
    assert v.find_step(kind, text) is None


def test_suggestions_rank_the_nearest_wording_first() -> None:
    assert v.suggestions("when", 'I shout "hello"')[0] == 'When I say "<text>"'
    assert v.suggestions("then", 'the bot said "hi"')[0] == 'Then the bot says "<text>"'
    assert v.suggestions("then", 'the slot "StatusType" equals "order"')[0] == 'Then the slot "<SlotName>" is "<value>"'


def test_quoted_choices() -> None:
    assert v.quoted_choices('"Order", "Account" ,"Delivery"') == ["Order", "Account", "Delivery"]


def test_turn_reads_a_lex_response_with_cards_slots_and_interpretations() -> None:
    response = {
        "messages": [
            {"contentType": "PlainText", "content": "Which one?"},
            {"contentType": "ImageResponseCard", "imageResponseCard": {"title": "Pick", "buttons": [{"text": "A", "value": "a"}]}},
        ],
        "sessionState": {
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": "X"},
            "intent": {
                "name": "I",
                "state": "InProgress",
                "slots": {"X": None, "Y": {"value": {"interpretedValue": "y"}}, "L": {"values": [{"value": {"interpretedValue": "1"}}]}},
            },
            "sessionAttributes": {"k": "v"},
        },
        "interpretations": [{"intent": {"name": "I"}, "nluConfidence": {"score": 0.75}}, {"intent": {"name": "FallbackIntent"}}],
    }
    turn = ObservedTurn.from_lex_response("hi", response)
    assert turn.messages == ["Which one?", "Pick"]
    assert [(b.text, b.value) for b in turn.buttons] == [("A", "a")]
    assert turn.slots == {"X": None, "Y": "y", "L": "1"}
    assert (turn.intent, turn.intent_state, turn.dialog_action, turn.slot_to_elicit) == ("I", "InProgress", "ElicitSlot", "X")
    assert turn.confidence == 0.75
    text = render_transcript([turn], "header")
    assert "choices: 'A' -> 'a'" in text and "interpretations: I 0.75, FallbackIntent n/a" in text


def test_an_empty_response_still_renders() -> None:
    turn = ObservedTurn.from_lex_response("hi", {})
    assert "bot:  (no message)" in render_transcript([turn], "h")
