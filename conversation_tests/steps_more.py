"""Step definitions of the Botium-style checks (conversation_tests/checks_more.py); loaded with the other steps."""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, then

from conversation_tests import checks_more as checks
from conversation_tests import vocabulary as v
from conversation_tests.conversation import Conversation
from conversation_tests.target_errors import TargetCannotDo


def _re(pattern: v.StepPattern) -> parsers.re:
    return parsers.re(pattern.regex)


@then(_re(v.SAYS_ONE_OF))
def the_bot_says_one_of(conversation: Conversation, choices: str) -> None:
    checks.check_says_one_of(conversation, v.quoted_choices(choices))


@then(_re(v.MESSAGE_COUNT))
def the_bot_sends_n_messages(conversation: Conversation, count: str) -> None:
    if not count.isdigit():
        from conversation_tests.conversation import ConversationStepError

        raise ConversationStepError(f"{count!r} is not a whole number of messages")
    checks.check_message_count(conversation, int(count))


@then(_re(v.CONTENT_TYPE))
def the_bot_sends_a_content_type(conversation: Conversation, content_type: str) -> None:
    checks.check_content_type(conversation, content_type)


@then(_re(v.CARD_TITLE))
def the_bot_shows_a_card_titled(conversation: Conversation, title: str) -> None:
    checks.check_card_title(conversation, title)


@then(_re(v.CARD_SUBTITLE))
def the_bot_shows_a_card_with_subtitle(conversation: Conversation, subtitle: str) -> None:
    checks.check_card_subtitle(conversation, subtitle)


@then(_re(v.CONTEXT_ACTIVE))
def the_context_is_active(conversation: Conversation, context: str) -> None:
    try:
        checks.check_context_active(conversation, context)
    except TargetCannotDo as exc:
        pytest.skip(str(exc))


@then(_re(v.CONTEXT_INACTIVE))
def the_context_is_not_active(conversation: Conversation, context: str) -> None:
    try:
        checks.check_context_active(conversation, context, active=False)
    except TargetCannotDo as exc:
        pytest.skip(str(exc))


@then(_re(v.CONTEXT_ATTRIBUTE))
def the_context_attribute_is(conversation: Conversation, context: str, key: str, value: str) -> None:
    try:
        checks.check_context_attribute(conversation, context, key, value)
    except TargetCannotDo as exc:
        pytest.skip(str(exc))
