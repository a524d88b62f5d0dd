"""The Botium-style steps (cards, message count, content types, contexts, one of several replies), passing and failing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conversation_tests import checks_more as checks
from conversation_tests import vocabulary as v
from conversation_tests.conversation import Conversation, ConversationMismatch, ConversationStepError
from conversation_tests.targets import TargetCannotDo
from conversation_tests.turns import ObservedTurn

PROJECT = Path(__file__).resolve().parents[2]

RESPONSE: dict[str, Any] = {
    "messages": [
        {"contentType": "PlainText", "content": "Here are   your options."},
        {"contentType": "SSML", "content": "<speak>Hi</speak>"},
        {"contentType": "CustomPayload", "content": '{"kind": "map"}'},
        {
            "contentType": "ImageResponseCard",
            "imageResponseCard": {"title": "Pick a size", "subtitle": "Pizzas   only", "buttons": [{"text": "Small", "value": "s"}]},
        },
    ],
    "sessionState": {
        "intent": {"name": "Order", "state": "InProgress", "slots": {}},
        "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"},
        "activeContexts": [{"name": "ordering", "contextAttributes": {"size": "large"}, "timeToLive": {"turnsToLive": 2}}],
    },
}


class ScriptedTarget:
    """A target answering every utterance with the same response (or, as the chat target, without contexts)."""

    name = "scripted"

    def __init__(self, response: dict[str, Any], contexts_known: bool = True) -> None:
        self.response = response
        self.contexts_known = contexts_known

    def new_session(self, user_id: str | None, locale_id: str | None = None) -> str:
        return "s-1"

    def say(self, text: str, session_attributes: dict[str, str] | None, request_attributes: dict[str, str] | None) -> ObservedTurn:
        turn = ObservedTurn.from_lex_response(text, self.response)
        if not self.contexts_known:
            turn.contexts = None
        return turn

    def advance(self, seconds: float) -> None: ...

    def set_time(self, hour: int, minute: int, zone: ZoneInfo) -> None: ...

    def close(self) -> None: ...


@pytest.fixture
def chat() -> Conversation:
    conversation = Conversation(ScriptedTarget(RESPONSE))
    conversation.say("order a pizza")
    return conversation


def _fails(check: Any, *args: Any) -> str:
    with pytest.raises(ConversationMismatch) as caught:
        check(*args)
    message = str(caught.value)
    assert "Conversation so far" in message and "Expected:" in message and "Actual:" in message
    return message


def test_card_title_and_subtitle(chat: Conversation) -> None:
    checks.check_card_title(chat, "Pick a  size")
    checks.check_card_subtitle(chat, "Pizzas only")
    assert "card titles 'Pick a size'" in _fails(checks.check_card_title, chat, "Pick a colour")
    assert "subtitles 'Pizzas   only'" in _fails(checks.check_card_subtitle, chat, "Drinks")


def test_message_count(chat: Conversation) -> None:
    checks.check_message_count(chat, 4)
    assert "Expected: 3 messages" in _fails(checks.check_message_count, chat, 3)


@pytest.mark.parametrize("content_type", ["PlainText", "SSML", "CustomPayload", "ImageResponseCard"])
def test_each_content_type_passes(chat: Conversation, content_type: str) -> None:
    checks.check_content_type(chat, content_type)


def test_content_type_fails_and_refuses_unknown_types() -> None:
    chat = Conversation(ScriptedTarget({"messages": [{"contentType": "PlainText", "content": "hi"}], "sessionState": {}}))
    chat.say("x")
    assert "content types 'PlainText'" in _fails(checks.check_content_type, chat, "SSML")
    with pytest.raises(ConversationStepError, match="not a Lex content type"):
        checks.check_content_type(chat, "Markdown")


def test_active_contexts_and_their_attributes(chat: Conversation) -> None:
    checks.check_context_active(chat, "ordering")
    checks.check_context_active(chat, "paying", active=False)
    checks.check_context_attribute(chat, "ordering", "size", "large")
    assert "active contexts: ordering" in _fails(checks.check_context_active, chat, "paying")
    _fails(checks.check_context_active, chat, "ordering", False)
    assert "size 'large'" in _fails(checks.check_context_attribute, chat, "ordering", "size", "small")
    assert "colour not set" in _fails(checks.check_context_attribute, chat, "ordering", "colour", "red")
    _fails(checks.check_context_attribute, chat, "paying", "size", "large")


def test_a_target_without_contexts_cannot_check_them() -> None:
    chat = Conversation(ScriptedTarget(RESPONSE, contexts_known=False))
    chat.say("x")
    with pytest.raises(TargetCannotDo, match="does not report active contexts"):
        checks.check_context_active(chat, "ordering")


def test_says_one_of(chat: Conversation) -> None:
    checks.check_says_one_of(chat, ["Nope", "Here are your options."])
    assert "one of 'Nope' | 'Other'" in _fails(checks.check_says_one_of, chat, ["Nope", "Other"])


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('the bot says one of "a", "b"', v.SAYS_ONE_OF),
        ("the bot sends 2 messages", v.MESSAGE_COUNT),
        ("the bot sends 1 message", v.MESSAGE_COUNT),
        ('the bot sends a "PlainText" message', v.CONTENT_TYPE),
        ('the bot sends an "ImageResponseCard" message', v.CONTENT_TYPE),
        ('the bot shows a card titled "Choose"', v.CARD_TITLE),
        ('the bot shows a card with subtitle "Sub"', v.CARD_SUBTITLE),
        ('the context "ordering" is active', v.CONTEXT_ACTIVE),
        ('the context "ordering" is not active', v.CONTEXT_INACTIVE),
        ('the context "ordering" attribute "size" is "large"', v.CONTEXT_ATTRIBUTE),
    ],
)
def test_each_new_step_matches_only_its_own_pattern(text: str, pattern: v.StepPattern) -> None:
    assert [p for p in v.VOCABULARY if p.kind == "then" and p.matches(text)] == [pattern]


FEATURE = """Feature: Botium-style checks on the seed bot
  Scenario: The status card
    Given a new conversation
    When I say "check my status"
    Then the bot sends 2 messages
    And the bot sends a "PlainText" message
    And the bot sends an "ImageResponseCard" message
    And the bot shows a card titled "Choose a status type"
    And the bot says one of "Hello", "What type of status would you like to check?"
    And the dialog action is "ElicitSlot"
    And the context "anything" is not active
"""


def _run(feature: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "checks.feature"
    path.write_text(feature, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", "test", str(path), "--lex-target", "engine"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_steps_run_in_a_feature_and_fail_readably(tmp_path: Path) -> None:
    run = _run(FEATURE, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    wrong = _run(FEATURE.replace("2 messages", "3 messages"), tmp_path)
    assert wrong.returncode == 1
    assert "the bot sent another number of messages" in wrong.stdout and "Expected: 3 messages" in wrong.stdout
    subtitle = _run(FEATURE.replace('titled "Choose a status type"', 'with subtitle "None here"'), tmp_path)
    assert subtitle.returncode == 1 and "the bot shows no card with that subtitle" in subtitle.stdout


def test_an_output_context_of_the_engine_is_seen_active(tmp_path: Path) -> None:
    import shutil

    bot = tmp_path / "bot"
    shutil.copytree(PROJECT / "bot_spec" / "chatbot", bot)
    with (bot / "intents" / "Help.yaml").open("a", encoding="utf-8") as spec:
        spec.write("output_contexts:\n  - {name: helped, ttl_seconds: 90, turns: 5}\n")
    feature = tmp_path / "contexts.feature"
    feature.write_text(
        'Feature: Contexts\n  Scenario: Help\n    Given a new conversation\n    When I say "help"\n'
        '    Then the context "helped" is active\n    And the context "ordering" is not active\n',
        encoding="utf-8",
    )
    args = [sys.executable, "-m", "tools.cli", "test", str(feature), "--lex-target", "engine", "--bot-dir"]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    run = subprocess.run([*args, str(bot)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    seed_bot = str(PROJECT / "bot_spec" / "chatbot")
    seed = subprocess.run([*args, seed_bot], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert seed.returncode == 1 and 'the context "helped" is not active' in seed.stdout
