"""The Botium-style checks: cards, message count and content types, active contexts, one of several replies.

Each takes the scenario's ``Conversation`` and fails through it (transcript, expected, actual).
A target that does not report something (the chat target and active contexts) raises
``TargetCannotDo``, which skips the scenario instead of failing it.
"""

from __future__ import annotations

from conversation_tests.conversation import Conversation
from conversation_tests.target_errors import TargetCannotDo
from conversation_tests.turns import ObservedTurn, collapse_whitespace

CONTENT_TYPES = ("PlainText", "CustomPayload", "SSML", "ImageResponseCard")


def _shown(turn: ObservedTurn, what: str) -> str:
    values = [repr(getattr(d, what)) for d in turn.details if getattr(d, what) is not None]
    return ", ".join(values) or "none"


def check_says_one_of(chat: Conversation, texts: list[str]) -> None:
    turn = chat._answered()
    wanted = [collapse_whitespace(t) for t in texts]
    if not any(collapse_whitespace(m) in wanted for m in turn.messages):
        chat.fail("the bot said none of those", expected="one of " + " | ".join(repr(w) for w in wanted), actual=chat._messages(turn))


def check_message_count(chat: Conversation, count: int) -> None:
    turn = chat._answered()
    if len(turn.messages) != count:
        chat.fail(
            "the bot sent another number of messages", expected=f"{count} messages", actual=f"{len(turn.messages)}: {chat._messages(turn)}"
        )


def check_content_type(chat: Conversation, content_type: str) -> None:
    if content_type not in CONTENT_TYPES:
        from conversation_tests.conversation import ConversationStepError

        raise ConversationStepError(f"{content_type!r} is not a Lex content type; use one of {', '.join(CONTENT_TYPES)}")
    turn = chat._answered()
    if not any(d.content_type == content_type for d in turn.details):
        chat.fail(
            "no message of the bot has that content type",
            expected=f"a {content_type} message",
            actual=f"content types {_shown(turn, 'content_type')}",
        )


def check_card_title(chat: Conversation, title: str) -> None:
    turn = chat._answered()
    wanted = collapse_whitespace(title)
    if not any(d.card_title is not None and collapse_whitespace(d.card_title) == wanted for d in turn.details):
        chat.fail(
            "the bot shows no card with that title",
            expected=f"a card titled {wanted!r}",
            actual=f"card titles {_shown(turn, 'card_title')}",
        )


def check_card_subtitle(chat: Conversation, subtitle: str) -> None:
    turn = chat._answered()
    wanted = collapse_whitespace(subtitle)
    if not any(d.card_subtitle is not None and collapse_whitespace(d.card_subtitle) == wanted for d in turn.details):
        chat.fail(
            "the bot shows no card with that subtitle",
            expected=f"a card with subtitle {wanted!r}",
            actual=f"subtitles {_shown(turn, 'card_subtitle')}",
        )


def _contexts(chat: Conversation) -> tuple[ObservedTurn, dict[str, dict[str, str]]]:
    turn = chat._answered()
    if turn.contexts is None:
        raise TargetCannotDo(f"the {chat.target.name} target does not report active contexts")
    return turn, turn.contexts


def check_context_active(chat: Conversation, name: str, active: bool = True) -> None:
    _, contexts = _contexts(chat)
    if (name in contexts) != active:
        listed = ", ".join(sorted(contexts)) or "none"
        chat.fail(
            f'the context "{name}" is {"not " if active else ""}active',
            expected=f"{name} {'active' if active else 'not active'}",
            actual=f"active contexts: {listed}",
        )


def check_context_attribute(chat: Conversation, name: str, key: str, value: str) -> None:
    _, contexts = _contexts(chat)
    if name not in contexts:
        chat.fail(
            f'the context "{name}" is not active',
            expected=f"{name} active with {key} = {value!r}",
            actual=f"active contexts: {', '.join(sorted(contexts)) or 'none'}",
        )
    actual = contexts[name].get(key)
    if actual != value:
        shown = "not set" if actual is None else repr(actual)
        chat.fail(f'the context "{name}" attribute "{key}" differs', expected=f"{key} = {value!r}", actual=f"{key} {shown}")
