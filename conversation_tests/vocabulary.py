"""The step vocabulary: each step's documented wording and the regex that matches it.

The wording is a public interface (see docs/conversation-tests.md); ``steps.py`` binds
these patterns to code, and ``chat-lex test`` uses them to check a feature before it runs
and to suggest the nearest step when a line matches none.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

StepKind = Literal["given", "when", "then"]

_NAME = r'"(?P<{}>[^"]+)"'
_TEXT = r'"(?P<{}>.*)"'
_NUMBER = r"(?P<{}>\d+(?:\.\d+)?|\.\d+)"


@dataclass(frozen=True)
class StepPattern:
    """One step: its kind, its wording with placeholders, and its regex (full match)."""

    kind: StepKind
    wording: str
    regex: str

    def matches(self, text: str) -> bool:
        return re.fullmatch(self.regex, text) is not None


def _p(kind: StepKind, wording: str, regex: str) -> StepPattern:
    return StepPattern(kind, wording, regex)


NEW_CONVERSATION = _p("given", "a new conversation", r"a new conversation")
NEW_CONVERSATION_AS = _p("given", 'a new conversation as "<user id>"', "a new conversation as " + _NAME.format("user_id"))
LOCALE = _p("given", 'the locale is "<locale id>"', "the locale is " + _NAME.format("locale_id"))
GIVEN_SESSION_ATTRIBUTE = _p(
    "given", 'the session attribute "<key>" is "<value>"', "the session attribute " + _NAME.format("key") + " is " + _TEXT.format("value")
)
REQUEST_ATTRIBUTE = _p(
    "given", 'the request attribute "<key>" is "<value>"', "the request attribute " + _NAME.format("key") + " is " + _TEXT.format("value")
)
TIME = _p("given", 'the time is "<HH:MM>" in "<IANA zone>"', "the time is " + _NAME.format("clock_time") + " in " + _NAME.format("zone"))

SAY = _p("when", 'I say "<text>"', "I say " + _TEXT.format("text"))
CHOOSE = _p("when", 'I choose "<button text>"', "I choose " + _TEXT.format("choice"))
IDLE = _p("when", "the session has been idle for <n> seconds", "the session has been idle for " + _NUMBER.format("seconds") + " seconds?")

SAYS = _p("then", 'the bot says "<text>"', "the bot says " + _TEXT.format("text"))
SAYS_CONTAINING = _p("then", 'the bot says something containing "<text>"', "the bot says something containing " + _TEXT.format("text"))
SAYS_MATCHING = _p("then", 'the bot says something matching "<regex>"', "the bot says something matching " + _TEXT.format("pattern"))
SAYS_NOTHING = _p("then", "the bot says nothing", r"the bot says nothing")
INTENT = _p("then", 'the intent is "<IntentName>"', "the intent is " + _NAME.format("intent"))
INTENT_CONFIDENCE = _p(
    "then",
    'the intent is "<IntentName>" with confidence at least <x>',
    "the intent is " + _NAME.format("intent") + " with confidence at least " + _NUMBER.format("threshold"),
)
INTERPRETATIONS_INCLUDE = _p("then", 'the interpretations include "<IntentName>"', "the interpretations include " + _NAME.format("intent"))
ASKS_FOR = _p("then", 'the bot asks for "<SlotName>"', "the bot asks for " + _NAME.format("slot"))
SLOT_IS = _p("then", 'the slot "<SlotName>" is "<value>"', "the slot " + _NAME.format("slot") + " is " + _TEXT.format("value"))
SLOT_EMPTY = _p("then", 'the slot "<SlotName>" is empty', "the slot " + _NAME.format("slot") + " is empty")
INTENT_STATE = _p("then", 'the intent state is "<State>"', "the intent state is " + _NAME.format("state"))
DIALOG_ACTION = _p("then", 'the dialog action is "<Type>"', "the dialog action is " + _NAME.format("action"))
SESSION_ATTRIBUTE_IS = _p(
    "then", 'the session attribute "<key>" is "<value>"', "the session attribute " + _NAME.format("key") + " is " + _TEXT.format("value")
)
SESSION_ATTRIBUTE_UNSET = _p(
    "then", 'the session attribute "<key>" is not set', "the session attribute " + _NAME.format("key") + " is not set"
)
CHOICES = _p("then", 'the bot offers the choices "<a>", "<b>"', r'the bot offers the choices (?P<choices>"[^"]*"(?:\s*,\s*"[^"]*")*)')
SAYS_ONE_OF = _p("then", 'the bot says one of "<a>", "<b>"', r'the bot says one of (?P<choices>"[^"]*"(?:\s*,\s*"[^"]*")*)')
MESSAGE_COUNT = _p("then", "the bot sends <n> messages", "the bot sends " + _NUMBER.format("count") + " messages?")
CONTENT_TYPE = _p("then", 'the bot sends a "<ContentType>" message', "the bot sends an? " + _NAME.format("content_type") + " message")
CARD_TITLE = _p("then", 'the bot shows a card titled "<title>"', "the bot shows a card titled " + _TEXT.format("title"))
CARD_SUBTITLE = _p(
    "then", 'the bot shows a card with subtitle "<subtitle>"', "the bot shows a card with subtitle " + _TEXT.format("subtitle")
)
CONTEXT_ACTIVE = _p("then", 'the context "<name>" is active', "the context " + _NAME.format("context") + " is active")
CONTEXT_INACTIVE = _p("then", 'the context "<name>" is not active', "the context " + _NAME.format("context") + " is not active")
CONTEXT_ATTRIBUTE = _p(
    "then",
    'the context "<name>" attribute "<key>" is "<value>"',
    "the context " + _NAME.format("context") + " attribute " + _NAME.format("key") + " is " + _TEXT.format("value"),
)

VOCABULARY: tuple[StepPattern, ...] = (
    NEW_CONVERSATION,
    NEW_CONVERSATION_AS,
    LOCALE,
    GIVEN_SESSION_ATTRIBUTE,
    REQUEST_ATTRIBUTE,
    TIME,
    SAY,
    CHOOSE,
    IDLE,
    SAYS,
    SAYS_CONTAINING,
    SAYS_MATCHING,
    SAYS_NOTHING,
    INTENT,
    INTENT_CONFIDENCE,
    INTERPRETATIONS_INCLUDE,
    ASKS_FOR,
    SLOT_IS,
    SLOT_EMPTY,
    INTENT_STATE,
    DIALOG_ACTION,
    SESSION_ATTRIBUTE_IS,
    SESSION_ATTRIBUTE_UNSET,
    CHOICES,
    SAYS_ONE_OF,
    MESSAGE_COUNT,
    CONTENT_TYPE,
    CARD_TITLE,
    CARD_SUBTITLE,
    CONTEXT_ACTIVE,
    CONTEXT_INACTIVE,
    CONTEXT_ATTRIBUTE,
)

KEYWORDS: dict[str, StepKind] = {"given": "given", "when": "when", "then": "then"}


def quoted_choices(text: str) -> list[str]:
    """The quoted items of ``"a", "b", "c"``."""
    return re.findall(r'"([^"]*)"', text)


def find_step(kind: StepKind, text: str) -> StepPattern | None:
    """The vocabulary entry of ``kind`` whose regex matches all of ``text``."""
    return next((p for p in VOCABULARY if p.kind == kind and p.matches(text)), None)


def suggestions(kind: StepKind | None, text: str, limit: int = 3) -> list[str]:
    """The documented wordings closest to ``text`` (any kind when ``kind`` is None), best first."""
    candidates = [p for p in VOCABULARY if kind is None or p.kind == kind] or list(VOCABULARY)
    # Compare against the wording with quoted values blanked, so user values do not skew the ranking.
    blank = re.sub(r'"[^"]*"', '""', text)
    scored = sorted(
        candidates,
        key=lambda p: -difflib.SequenceMatcher(None, blank.lower(), re.sub(r'"[^"]*"', '""', p.wording).lower()).ratio(),
    )
    return [f"{p.kind.capitalize()} {p.wording}" for p in scored[:limit]]
