"""The step definitions: each vocabulary entry bound to a ``Conversation`` method.

Loaded as a pytest plugin (through ``conversation_tests.plugin``), so every feature file
collected in a session can use them without importing anything.
"""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from conversation_tests import vocabulary as v
from conversation_tests.conversation import Conversation
from conversation_tests.target_errors import TargetCannotDo


def _re(pattern: v.StepPattern) -> parsers.re:
    return parsers.re(pattern.regex)


@given(_re(v.NEW_CONVERSATION))
def a_new_conversation(conversation: Conversation) -> None:
    conversation.start()


@given(_re(v.NEW_CONVERSATION_AS))
def a_new_conversation_as(conversation: Conversation, user_id: str) -> None:
    conversation.start(user_id)


@given(_re(v.LOCALE))
def the_locale_is(conversation: Conversation, locale_id: str) -> None:
    conversation.set_locale(locale_id)


@given(_re(v.GIVEN_SESSION_ATTRIBUTE))
def given_session_attribute(conversation: Conversation, key: str, value: str) -> None:
    conversation.set_session_attribute(key, value)


@given(_re(v.REQUEST_ATTRIBUTE))
def given_request_attribute(conversation: Conversation, key: str, value: str) -> None:
    conversation.set_request_attribute(key, value)


@given(_re(v.TIME))
def the_time_is(conversation: Conversation, clock_time: str, zone: str) -> None:
    try:
        conversation.set_time(clock_time, zone)
    except TargetCannotDo as exc:
        pytest.skip(str(exc))


@when(_re(v.SAY))
def i_say(conversation: Conversation, text: str) -> None:
    conversation.say(text)


@when(_re(v.CHOOSE))
def i_choose(conversation: Conversation, choice: str) -> None:
    conversation.choose(choice)


@when(_re(v.IDLE))
def idle_for(conversation: Conversation, seconds: str) -> None:
    conversation.idle(float(seconds))


@then(_re(v.SAYS))
def the_bot_says(conversation: Conversation, text: str) -> None:
    conversation.check_says(text)


@then(_re(v.SAYS_CONTAINING))
def the_bot_says_containing(conversation: Conversation, text: str) -> None:
    conversation.check_says_containing(text)


@then(_re(v.SAYS_MATCHING))
def the_bot_says_matching(conversation: Conversation, pattern: str) -> None:
    conversation.check_says_matching(pattern)


@then(_re(v.SAYS_NOTHING))
def the_bot_says_nothing(conversation: Conversation) -> None:
    conversation.check_says_nothing()


@then(_re(v.INTENT))
def the_intent_is(conversation: Conversation, intent: str) -> None:
    conversation.check_intent(intent)


@then(_re(v.INTENT_CONFIDENCE))
def the_intent_is_with_confidence(conversation: Conversation, intent: str, threshold: str) -> None:
    conversation.check_intent(intent, float(threshold))


@then(_re(v.INTERPRETATIONS_INCLUDE))
def the_interpretations_include(conversation: Conversation, intent: str) -> None:
    conversation.check_interpretations_include(intent)


@then(_re(v.ASKS_FOR))
def the_bot_asks_for(conversation: Conversation, slot: str) -> None:
    conversation.check_asks_for(slot)


@then(_re(v.SLOT_IS))
def the_slot_is(conversation: Conversation, slot: str, value: str) -> None:
    conversation.check_slot(slot, value)


@then(_re(v.SLOT_EMPTY))
def the_slot_is_empty(conversation: Conversation, slot: str) -> None:
    conversation.check_slot(slot, None)


@then(_re(v.INTENT_STATE))
def the_intent_state_is(conversation: Conversation, state: str) -> None:
    conversation.check_intent_state(state)


@then(_re(v.DIALOG_ACTION))
def the_dialog_action_is(conversation: Conversation, action: str) -> None:
    conversation.check_dialog_action(action)


@then(_re(v.SESSION_ATTRIBUTE_IS))
def the_session_attribute_is(conversation: Conversation, key: str, value: str) -> None:
    conversation.check_session_attribute(key, value)


@then(_re(v.SESSION_ATTRIBUTE_UNSET))
def the_session_attribute_is_not_set(conversation: Conversation, key: str) -> None:
    conversation.check_session_attribute(key, None)


@then(_re(v.CHOICES))
def the_bot_offers_the_choices(conversation: Conversation, choices: str) -> None:
    conversation.check_choices(v.quoted_choices(choices))
