"""What a built-in slot parser reads (a ``Span``) and returns (a ``BuiltinValue``), for every language's parsers.

Its own module so ``builtin_slots`` (English, and the dispatch) and ``builtin_slots_es`` (Spanish) share
these types without importing each other in a circle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class BuiltinValue:
    """Lex's reading of a built-in value: interpretedValue (None when ambiguous) and resolvedValues."""

    interpreted: str | None
    resolved: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """A candidate span: its normalised tokens, the user's raw text, and whether it is the whole reply."""

    words: Sequence[str]
    raw: str
    whole_reply: bool
    now: datetime
    locale: str = "en_US"  # the bot locale: Spanish ones read numbers, dates, times and yes/no in Spanish
