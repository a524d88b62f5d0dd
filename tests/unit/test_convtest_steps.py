"""The step library's checks fail when they should, and every failure carries the conversation transcript."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conversation_tests.conversation import Conversation, ConversationMismatch, ConversationStepError
from conversation_tests.targets import ConversationTarget, open_target
from runtime.lex.endpoints import EndpointOptions


@pytest.fixture(scope="module")
def engine(seed_bot_dir) -> Iterator[ConversationTarget]:  # type: ignore[no-untyped-def]
    target = open_target("engine", EndpointOptions(bot_dir=seed_bot_dir))
    yield target
    target.close()


@pytest.fixture
def chat(engine: ConversationTarget) -> Conversation:
    return Conversation(engine)


def _asking_for_status(chat: Conversation) -> Conversation:
    chat.say("check my status")
    return chat


def _fails(check, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ConversationMismatch) as caught:
        check(*args)
    message = str(caught.value)
    assert "Conversation so far" in message and "Expected:" in message and "Actual:" in message
    return message


def test_the_transcript_shows_every_turn_with_intent_confidence_action_and_slots(chat: Conversation) -> None:
    chat.say("hello")
    chat.say("where is my parcel")
    message = _fails(chat.check_says, "Something else entirely")
    assert "user: hello" in message and "bot:  Good morning! How can I help you today?" in message
    assert "user: where is my parcel" in message
    assert "intent: Status (confidence 0.9" in message or "intent: Status (confidence 1.00" in message
    assert "dialog action: Close" in message
    assert "slots: StatusType='delivery'" in message
    assert message.rstrip().endswith("Actual:   'Your delivery is scheduled for tomorrow between 2-4 PM.'")


def test_says_compares_after_collapsing_whitespace(chat: Conversation) -> None:
    chat.say("hello")
    chat.check_says("  Good   morning!\tHow can I help   you today? ")
    _fails(chat.check_says, "Good morning!")  # not a prefix match


def test_says_containing_and_matching(chat: Conversation) -> None:
    chat.say("help")
    chat.check_says_containing("delivery   tracking")
    chat.check_says_matching(r"order status, account \w+")
    _fails(chat.check_says_containing, "weather")
    _fails(chat.check_says_matching, r"^delivery")


def test_a_bad_regex_is_a_step_error_not_a_mismatch(chat: Conversation) -> None:
    chat.say("help")
    with pytest.raises(ConversationStepError, match="not a valid regular expression"):
        chat.check_says_matching("(unclosed")


def test_wrong_intent_and_confidence(chat: Conversation) -> None:
    chat.say("hello")
    chat.check_intent("Greeting", 0.99)
    assert "Expected: Help\nActual:   Greeting" in _fails(chat.check_intent, "Help")
    chat.say("how is my order doing today friend")
    assert "too low" in _fails(chat.check_intent, "Status", 1.01)


def test_fallback_has_no_confidence_so_a_threshold_fails(chat: Conversation) -> None:
    chat.say("zxqv blorp")
    chat.check_intent("FallbackIntent")
    assert "none reported" in _fails(chat.check_intent, "FallbackIntent", 0.1)


def test_wrong_slot_value_and_unknown_slot(chat: Conversation) -> None:
    chat.say("where is my order")
    chat.check_slot("StatusType", "order")
    assert "StatusType = 'account'" in _fails(chat.check_slot, "StatusType", "account")
    assert 'no slot "Colour"' in _fails(chat.check_slot, "Colour", "red")


def test_asks_for_state_and_dialog_action(chat: Conversation) -> None:
    _asking_for_status(chat)
    chat.check_asks_for("StatusType")
    chat.check_intent_state("InProgress")
    chat.check_dialog_action("ElicitSlot")
    chat.check_slot("StatusType", None)
    _fails(chat.check_asks_for, "OtherSlot")
    assert "Expected: Fulfilled" in _fails(chat.check_intent_state, "Fulfilled")
    assert "Expected: Close" in _fails(chat.check_dialog_action, "Close")


def test_choices_must_be_the_same_in_order(chat: Conversation) -> None:
    _asking_for_status(chat)
    chat.check_choices(["Order", "Account", "Delivery"])
    _fails(chat.check_choices, ["Account", "Order", "Delivery"])
    _fails(chat.check_choices, ["Order", "Account"])


def test_choose_sends_the_button_value_case_insensitively(chat: Conversation) -> None:
    _asking_for_status(chat)
    turn = chat.choose("deLIVery")
    assert turn.user_text == "delivery"
    chat.check_slot("StatusType", "delivery")


def test_choose_without_a_matching_button_lists_the_choices(chat: Conversation) -> None:
    _asking_for_status(chat)
    message = _fails(chat.choose, "Refunds")
    assert '"Order", "Account", "Delivery"' in message
    chat.say("order")
    assert "no response card" in _fails(chat.choose, "Order")


def test_session_attributes_merge_onto_the_last_known_ones(chat: Conversation) -> None:
    chat.say("where is my order")
    chat.set_session_attribute("customer", "Ana")
    turn = chat.say("hi")
    assert turn.sent_session_attributes == {"lastStatusType": "order", "customer": "Ana"}
    chat.check_says("Good morning, Ana! How can I help you today?")
    chat.check_session_attribute("lastStatusType", "order")
    assert "customer not set" in _fails(chat.check_session_attribute, "customer", None)
    assert "missing not set" in _fails(chat.check_session_attribute, "missing", "x")
    follow = chat.say("help")
    assert follow.sent_session_attributes is None  # sent once; the bot keeps them


def test_says_nothing_and_interpretations(chat: Conversation) -> None:
    chat.say("hello")
    _fails(chat.check_says_nothing)
    chat.check_interpretations_include("FallbackIntent")
    _fails(chat.check_interpretations_include, "NoSuchIntent")


def test_checks_before_anything_was_said_explain_what_to_do(chat: Conversation) -> None:
    with pytest.raises(ConversationStepError, match="nothing has been said yet"):
        chat.check_intent("Greeting")


def test_time_and_idle_move_the_engine_clock(chat: Conversation) -> None:
    chat.set_time("19:30", "Europe/Berlin")
    chat.say("hello")
    chat.check_says("Good evening! How can I help you today?")
    _asking_for_status(chat)
    chat.idle(301)
    chat.say("bananas")
    chat.check_intent("FallbackIntent")  # the elicitation was forgotten with the session
    assert "-- idle for 301 seconds" in chat.transcript()


@pytest.mark.parametrize(
    ("clock_time", "zone", "error"), [("25:00", "UTC", "HH:MM"), ("7pm", "UTC", "HH:MM"), ("08:00", "Mars/Olympus", "IANA")]
)
def test_bad_time_steps_say_what_is_wrong(chat: Conversation, clock_time: str, zone: str, error: str) -> None:
    with pytest.raises(ConversationStepError, match=error):
        chat.set_time(clock_time, zone)


def test_a_refused_request_shows_the_service_error(chat: Conversation) -> None:
    chat.say("x" * 1025)  # over Lex's 1024-character limit: ValidationException
    message = _fails(chat.check_intent, "Greeting")
    assert "ValidationException" in message and "refused" in message


def test_a_named_user_starts_fresh_each_time(chat: Conversation) -> None:
    chat.start("ana@example.com")
    assert chat.session_id == "ana_example.com"
    _asking_for_status(chat)
    chat.start("ana@example.com")
    chat.say("bananas")
    chat.check_intent("FallbackIntent")  # not a retry of the earlier elicitation


def test_an_absurd_idle_time_is_a_step_error(chat: Conversation) -> None:
    with pytest.raises(ConversationStepError, match="give 0 to 604800"):
        chat.idle(1e30)
