"""When a reply to a slot prompt is a value, and when it is the user doing something else (fact sheet 3.3).

Open slot types (AMAZON.City, FirstName, AlphaNumeric, OriginalValue custom types) take a
short reply "as said". Lex still reads such a reply against the other intents first, and a
reply that merely hedges ("not sure yet", "no idea") is no value of any type.
"""

from __future__ import annotations

import re

# Replies that say "I have no value" rather than give one; never taken as an as-said value.
_NON_ANSWERS = frozenset(
    {
        "not sure",
        "not sure yet",
        "i am not sure",
        "i'm not sure",
        "im not sure",
        "i don't know",
        "i dont know",
        "i do not know",
        "don't know",
        "dont know",
        "no idea",
        "dunno",
        "whatever",
        "anything",
        "nothing",
        "none",
        "help",
        "cancel",
        "stop",
        "never mind",
        "nevermind",
        "forget it",
        "what",
        "huh",
        "why",
    }
)
_PUNCT = re.compile(r"[^\w\s']+")


def is_non_answer(text: str) -> bool:
    """True when ``text`` is a hedge or a request, not a value the user is giving."""
    words = _PUNCT.sub(" ", text.lower().replace("\u2019", "'")).split()
    return " ".join(words) in _NON_ANSWERS


def should_switch(*, other_score: float | None, threshold: float, strict_value: bool) -> bool:
    """The intent-switching rule while a slot is elicited (fact sheet 3.3).

    Another real intent wins over the slot when it scores at or above the locale threshold
    (an exact sample utterance scores 1.0) and the reply held no value read strictly: only an
    as-said reading of the whole reply, or nothing.
    """
    return other_score is not None and other_score >= threshold and not strict_value
