"""AMAZON.Time and AMAZON.Duration: English times to ``HH:MM`` and durations to ISO-8601.

An hour said without am/pm ("10 o'clock", "at 10") is ambiguous: Lex leaves the
interpreted value empty and offers both readings, so the bot re-prompts.
Parts of the day are Lex's codes: MO, AF, EV, NI.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from runtime.lex.number_words import parse_small_integer

_CLOCK_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm|a\.m|p\.m|a\.m\.|p\.m\.)?$")
_COMPACT_RE = re.compile(r"^(\d{1,2})(\d{2})$")
_PARTS_OF_DAY = {
    "morning": "MO",
    "in the morning": "MO",
    "this morning": "MO",
    "afternoon": "AF",
    "in the afternoon": "AF",
    "this afternoon": "AF",
    "evening": "EV",
    "in the evening": "EV",
    "this evening": "EV",
    "night": "NI",
    "at night": "NI",
    "tonight": "NI",
    "in the night": "NI",
}
_AM = ("am", "a.m", "a.m.", "a", "in the morning", "morning")
_PM = ("pm", "p.m", "p.m.", "p", "in the afternoon", "in the evening", "at night", "tonight", "afternoon", "evening")
_LEADING = ("at", "around", "about", "by", "for", "before", "after", "at about", "at around", "say")


@dataclass(frozen=True)
class TimeReading:
    """A time as Lex reports it: a single reading, or none with the candidate readings."""

    interpreted: str | None
    resolved: list[str]


def _hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _reading(hour: int, minute: int, meridiem: str | None) -> TimeReading | None:
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
        value = _hhmm(hour, minute)
        return TimeReading(value, [value])
    if hour == 24:
        hour = 0
    if hour == 0 or hour > 12:
        value = _hhmm(hour, minute)
        return TimeReading(value, [value])
    first = _hhmm(hour, minute)
    second = _hhmm((hour + 12) % 24, minute)
    return TimeReading(None, [first, second])


def _meridiem(words: list[str]) -> tuple[list[str], str | None]:
    phrase = " ".join(words)
    for marks, label in ((_PM, "pm"), (_AM, "am")):
        for mark in sorted(marks, key=len, reverse=True):
            if phrase.endswith(" " + mark) and len(phrase) > len(mark) + 1:
                return phrase[: -len(mark) - 1].split(), label
    return words, None


def _hour_words(words: Sequence[str]) -> int | None:
    if len(words) == 1:
        match = re.match(r"^\d{1,2}$", words[0])
        if match:
            return int(words[0])
    value = parse_small_integer(words)
    return value if value is not None and value <= 24 else None


def _minute_words(words: Sequence[str]) -> int | None:
    if len(words) == 1 and re.match(r"^\d{2}$", words[0]):
        return int(words[0])
    if words and words[0] in ("oh", "o"):
        words = words[1:]
    value = parse_small_integer(words)
    return value if value is not None and value <= 59 else None


def parse_time(words: Sequence[str]) -> TimeReading | None:
    """The time a whole span of normalised tokens names, or None."""
    if not words or len(words) > 8:
        return None
    words = list(words)
    for lead in sorted(_LEADING, key=len, reverse=True):
        lead_words = lead.split()
        if words[: len(lead_words)] == lead_words and len(words) > len(lead_words):
            words = words[len(lead_words) :]
            break
    phrase = " ".join(words)
    if phrase in _PARTS_OF_DAY:
        code = _PARTS_OF_DAY[phrase]
        return TimeReading(code, [code])
    if phrase in ("noon", "midday", "twelve noon", "12 noon"):
        return TimeReading("12:00", ["12:00"])
    if phrase in ("midnight", "twelve midnight", "12 midnight"):
        return TimeReading("00:00", ["00:00"])
    words, meridiem = _meridiem(words)
    if words and words[-1] in ("o'clock", "oclock", "o", "clock"):
        words = words[:-1]
        if words and words[-1] == "o":
            words = words[:-1]
    if len(words) == 1:
        match = _CLOCK_RE.match(words[0])
        if match:
            suffix = match.group(3)
            mark = meridiem if suffix is None else ("am" if suffix.startswith("a") else "pm")
            return _reading(int(match.group(1)), int(match.group(2) or 0), mark)
        compact = _COMPACT_RE.match(words[0])
        if compact and meridiem is not None:
            return _reading(int(compact.group(1)), int(compact.group(2)), meridiem)
    return _spoken(words, meridiem)


def _spoken(words: list[str], meridiem: str | None) -> TimeReading | None:
    """ "half past two", "quarter to four", "ten thirty", "five past nine", "two"."""
    if not words:
        return None
    for relation, sign in (("past", 1), ("after", 1), ("to", -1), ("till", -1), ("before", -1)):
        if relation in words:
            at = words.index(relation)
            left, right = words[:at], words[at + 1 :]
            if left in (["half"], ["a", "half"]):
                minutes = 30
            elif left in (["quarter"], ["a", "quarter"]):
                minutes = 15
            else:
                if left and left[-1] in ("minutes", "minute"):
                    left = left[:-1]
                found = _minute_words(left)
                if found is None:
                    return None
                minutes = found
            hour = _hour_words(right)
            if hour is None or (hour > 12 and meridiem is not None):
                return None
            if sign < 0:
                minutes = 60 - minutes
                hour = (hour - 1) % 24
                if hour == 0:
                    hour = 12
            return _reading(hour, minutes, meridiem)
    hour = _hour_words(words[:1])
    if hour is None:
        hour = _hour_words(words)
        return None if hour is None else _reading(hour, 0, meridiem)
    if len(words) == 1:
        return _reading(hour, 0, meridiem)
    minute = _minute_words(words[1:])
    return None if minute is None else _reading(hour, minute, meridiem)


_DURATION_UNITS: dict[str, tuple[str, int]] = {
    "second": ("S", 1), "seconds": ("S", 1), "sec": ("S", 1), "secs": ("S", 1),
    "minute": ("M", 1), "minutes": ("M", 1), "min": ("M", 1), "mins": ("M", 1),
    "hour": ("H", 1), "hours": ("H", 1), "hr": ("H", 1), "hrs": ("H", 1),
    "day": ("D", 1), "days": ("D", 1), "night": ("D", 1), "nights": ("D", 1),
    "week": ("W", 1), "weeks": ("W", 1),
    "month": ("MO", 1), "months": ("MO", 1), "year": ("Y", 1), "years": ("Y", 1),
}  # fmt: skip


def parse_duration(words: Sequence[str]) -> str | None:
    """ "10 minutes" -> PT10M, "3 days" -> P3D, "2 hours and 10 minutes" -> PT2H10M."""
    if not words or len(words) > 12:
        return None
    words = [w for w in words if w not in ("and", "for")]
    parts: dict[str, int] = {}
    amount: list[str] = []
    for word in words:
        if word in _DURATION_UNITS:
            code, _ = _DURATION_UNITS[word]
            if amount in (["half", "an"], ["half", "a"]):
                if code != "H":
                    return None
                code, value = "M", 30
            else:
                value_or_none = 1 if amount in ([], ["a"], ["an"]) else parse_small_integer(amount)
                if value_or_none is None or code in parts:
                    return None
                value = value_or_none
            parts[code] = parts.get(code, 0) + value
            amount = []
        else:
            amount.append(word)
    if amount or not parts:
        return None
    date_part = "".join(f"{parts[c]}{c[0]}" for c in ("Y", "MO", "W", "D") if c in parts)
    time_part = "".join(f"{parts[c]}{c}" for c in ("H", "M", "S") if c in parts)
    return "P" + date_part + ("T" + time_part if time_part else "")
