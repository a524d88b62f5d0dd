"""The ``chat`` conversation target against a real ``chat-lex serve``: turns from BOT_RESPONSE metadata, refusals, limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversation_tests.conversation import Conversation, ConversationMismatch
from conversation_tests.target_errors import TargetCannotDo
from conversation_tests.targets import open_target
from conversation_tests.targets_chat import URL_ENV, ChatTarget, ChatTargetError, open_chat_target
from runtime.lex.endpoints import EndpointOptions
from tests.conftest import SEED_BOT_DIR


@pytest.fixture(scope="module")
def target() -> Iterator[ChatTarget]:
    opened = open_target("chat", EndpointOptions(bot_dir=SEED_BOT_DIR))
    assert isinstance(opened, ChatTarget)
    yield opened
    opened.close()


def test_a_turn_carries_the_bots_text_intent_confidence_and_dialog_action(target: ChatTarget) -> None:
    target.new_session(None)
    turn = target.say("help", None, None)
    assert turn.error is None
    assert any("I can help you with" in m for m in turn.messages)
    assert (turn.intent, turn.intent_state, turn.dialog_action) == ("Help", "Fulfilled", "Close")
    assert turn.confidence is not None and turn.confidence >= 0.9


def test_the_card_and_the_slot_being_asked_for(target: ChatTarget) -> None:
    target.new_session(None)
    turn = target.say("check my status", None, None)
    assert (turn.dialog_action, turn.slot_to_elicit) == ("ElicitSlot", "StatusType")
    assert [b.text for b in turn.buttons] == ["Order", "Account", "Delivery"]
    answer = target.say(turn.buttons[0].value, None, None)
    assert answer.slots == {"StatusType": "order"}
    assert answer.messages == ["Your last order #12345 is being processed and will be shipped soon."]


def test_each_scenario_gets_a_fresh_lex_session(target: ChatTarget) -> None:
    target.new_session(None)
    assert target.say("check my status", None, None).slot_to_elicit == "StatusType"
    target.new_session(None)  # a new user, a new private conversation: the question above is not pending here
    turn = target.say("bananas", None, None)
    assert turn.intent == "FallbackIntent"


def test_a_refused_message_is_the_turns_error_not_a_hang(target: ChatTarget) -> None:
    target.new_session(None)
    too_long = target.say("x" * 1001, None, None)
    assert too_long.error is not None and too_long.error.startswith("MESSAGE_TOO_LONG")
    oversized = target.say("y" * 20_000, None, None)  # over the 16 KB frame limit: refused before it is read
    assert oversized.error is not None and oversized.error.startswith("FRAME_TOO_LARGE")
    bad_zone = target.say("hello", None, {"x-amz-lex:time-zone": "Mars/Olympus"})
    assert bad_zone.error is not None and bad_zone.error.startswith("BAD_TIME_ZONE")
    assert target.say("hello", None, {"x-amz-lex:time-zone": "Europe/Paris"}).intent == "Greeting"
    assert target.say('<script>alert(1)</script> "; DROP TABLE', None, None).intent == "FallbackIntent"


def test_what_the_chat_runtime_cannot_do_is_said_plainly(target: ChatTarget) -> None:
    target.new_session(None)
    turn = target.say("hello", {"customer": "Ana"}, None)
    assert turn.error is not None and "@session-attributes" in turn.error
    other = target.say("hello", None, {"x-amz-lex:locale": "fr"})
    assert other.error is not None and "only the x-amz-lex:time-zone request attribute" in other.error
    target.new_session(None, "fr_FR")
    assert "talks in the default locale (en_US)" in (target.say("bonjour", None, None).error or "")
    with pytest.raises(TargetCannotDo, match="@local-clock"):
        target.advance(10)
    with pytest.raises(TargetCannotDo, match="@local-clock"):
        target.set_time(8, 0, ZoneInfo("UTC"))


def test_a_conversation_on_chat_fails_with_the_transcript(target: ChatTarget) -> None:
    chat = Conversation(target)
    chat.start()
    chat.say("help")
    with pytest.raises(ConversationMismatch) as failure:
        chat.check_intent("Status")
    assert "target chat" in str(failure.value) and "intent: Help" in str(failure.value)


def test_an_unreachable_runtime_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:9")  # the discard port: nothing answers
    unreachable = open_chat_target(EndpointOptions(bot_dir=SEED_BOT_DIR))
    unreachable.new_session(None)
    with pytest.raises(ChatTargetError, match=re.escape("cannot reach the chat runtime at http://127.0.0.1:9/auth/signup")):
        unreachable.say("hello", None, None)
    unreachable.close()


def test_a_folder_without_a_bot_is_refused_before_starting_anything(tmp_path: Path) -> None:
    with pytest.raises(ChatTargetError, match=re.escape("has no bot.yaml")):
        open_chat_target(EndpointOptions(bot_dir=tmp_path))


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "file:///etc/passwd", "ftp://example.com", "http://" + "a" * 3000])
def test_a_malformed_runtime_url_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(URL_ENV, url)
    with pytest.raises(ChatTargetError, match=f"{URL_ENV}=.* is not a runtime URL"):
        open_chat_target(EndpointOptions(bot_dir=SEED_BOT_DIR))


def test_the_code_hook_choice_reaches_the_chat_runtime() -> None:
    """--code-hook none on the chat target: the seed's Help closes without its handler's reply (and no message)."""
    from bot_spec.code_hook import parse_cli

    opened = open_target("chat", EndpointOptions(bot_dir=SEED_BOT_DIR, code_hook=parse_cli("none")))
    try:
        opened.new_session(None)
        turn = opened.say("help", None, None)
        assert turn.error is None
        assert not any("I can help you with" in m for m in turn.messages)  # with the seed's hook, Help says this
    finally:
        opened.close()
