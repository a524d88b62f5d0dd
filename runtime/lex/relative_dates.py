"""AMAZON.Date: absolute and relative English dates to Lex's ``YYYY-MM-DD``.

Relative phrases resolve from ``now`` in its own time zone (the request's
``x-amz-lex:time-zone``), following the fact sheet: a named day goes forward and today
counts; "next week" is the Sunday ending the current ISO week, "this week" and "last
week" a Monday; "next month" the last day of next month, "this month" the 1st; "next
year" 12-31, "last year" 01-01.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from runtime.lex.number_words import parse_ordinal, parse_small_integer

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3, "thu": 3,
    "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_UNIT_MONTHS = {"month": 1, "months": 1, "year": 12, "years": 12}
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_FILLER = frozenset({"on", "the", "for", "of", "at", "by", "this", "coming", "upcoming"})
_MAX_WORDS = 8


def _valid(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _upcoming(month: int, day_of_month: int, today: date) -> date | None:
    """The next time this month and day comes round, today included."""
    for year in (today.year, today.year + 1, today.year + 4):
        candidate = _valid(year, month, day_of_month)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _month_day(words: Sequence[str], today: date) -> date | None:
    """ "may 5th", "5th of may", "may 5 2026", "the 5th" (of this month or the next)."""
    words = [w for w in words if w not in ("the", "of")]
    year: int | None = None
    if len(words) >= 2 and words[-1].isdigit() and len(words[-1]) == 4:
        year = int(words[-1])
        words = words[:-1]
    month: int | None = None
    day: int | None = None
    if len(words) == 2 and words[0] in MONTHS:
        month, day = MONTHS[words[0]], parse_ordinal(words[1]) or _day_number(words[1])
    elif len(words) == 2 and words[1] in MONTHS:
        month, day = MONTHS[words[1]], parse_ordinal(words[0]) or _day_number(words[0])
    elif len(words) == 1 and year is None:
        day = parse_ordinal(words[0])
        if day is None:
            return None
        this_month = _valid(today.year, today.month, day)
        if this_month is not None and this_month >= today:
            return this_month
        following = _add_months(today.replace(day=1), 1)
        return _valid(following.year, following.month, day)
    if month is None or day is None:
        return None
    if year is not None:
        return _valid(year, month, day)
    return _upcoming(month, day, today)


def _day_number(word: str) -> int | None:
    return int(word) if word.isdigit() and len(word) <= 2 else None


def _numeric(word: str, today: date) -> date | None:
    """ISO "2026-05-12" and US "5/12/2026", "5/12/26", "5/12"."""
    match = _ISO_RE.match(word)
    if match:
        return _valid(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _SLASH_RE.match(word)
    if not match:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    if match.group(3) is None:
        return _upcoming(month, day, today)
    year = int(match.group(3))
    if year < 100:
        year += 2000
    return _valid(year, month, day)


def _weekday(words: Sequence[str], today: date) -> date | None:
    """ "friday" (the next one, today counts), "this friday", "next friday" (next week's), "last friday"."""
    if not words or words[-1] not in WEEKDAYS:
        return None
    target = WEEKDAYS[words[-1]]
    modifier = " ".join(words[:-1])
    ahead = (target - today.weekday()) % 7
    if modifier in ("", "on", "this", "on this", "this coming", "coming", "upcoming", "the coming"):
        return today + timedelta(days=ahead)
    if modifier in ("next", "on next", "a week from"):
        monday_next_week = today + timedelta(days=7 - today.weekday())
        return monday_next_week + timedelta(days=target)
    if modifier in ("last", "on last", "past", "this past", "the past"):
        behind = (today.weekday() - target) % 7 or 7
        return today - timedelta(days=behind)
    return None


def _relative(words: Sequence[str], today: date) -> date | None:
    phrase = " ".join(words)
    simple = {
        "today": today,
        "tonight": today,
        "this morning": today,
        "this afternoon": today,
        "this evening": today,
        "tomorrow": today + timedelta(days=1),
        "tmrw": today + timedelta(days=1),
        "tomorrow morning": today + timedelta(days=1),
        "tomorrow afternoon": today + timedelta(days=1),
        "tomorrow evening": today + timedelta(days=1),
        "tomorrow night": today + timedelta(days=1),
        "the day after tomorrow": today + timedelta(days=2),
        "day after tomorrow": today + timedelta(days=2),
        "yesterday": today - timedelta(days=1),
        "the day before yesterday": today - timedelta(days=2),
        "day before yesterday": today - timedelta(days=2),
        "next week": today + timedelta(days=6 - today.weekday()),
        "this week": today - timedelta(days=today.weekday()),
        "last week": today - timedelta(days=today.weekday() + 7),
        "this weekend": today + timedelta(days=(5 - today.weekday()) % 7),
        "next weekend": today + timedelta(days=(5 - today.weekday()) % 7 + 7),
        "this month": today.replace(day=1),
        "last month": _add_months(today.replace(day=1), -1),
        "this year": date(today.year, 1, 1),
        "next year": date(today.year + 1, 12, 31),
        "last year": date(today.year - 1, 1, 1),
    }
    if phrase in simple:
        return simple[phrase]
    if phrase == "next month":
        first = _add_months(today.replace(day=1), 1)
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return _offset(list(words), today)


def _offset(words: list[str], today: date) -> date | None:
    """ "in 3 days", "in two weeks", "5 days from now", "2 days ago", "a month from today"."""
    sign = 1
    if words and words[0] == "in":
        words = words[1:]
    elif words[-2:] in (["from", "now"], ["from", "today"]):
        words = words[:-2]
    elif words and words[-1] in ("ago", "before"):
        words, sign = words[:-1], -1
    elif words[-2:] == ["from", "tomorrow"]:
        return _offset(words[:-2], today + timedelta(days=1))
    else:
        return None
    if len(words) < 1:
        return None
    unit = words[-1]
    amount_words = words[:-1] or ["one"]
    amount = 1 if amount_words in (["a"], ["an"], ["one"]) else parse_small_integer(amount_words)
    if amount is None or amount > 36500:
        return None
    try:
        if unit in _UNIT_DAYS:
            return today + timedelta(days=sign * amount * _UNIT_DAYS[unit])
        if unit in _UNIT_MONTHS:
            return _add_months(today, sign * amount * _UNIT_MONTHS[unit])
    except (OverflowError, ValueError):
        return None
    return None


def parse_date(words: Sequence[str], now: datetime) -> date | None:
    """The date a whole span of normalised tokens names, relative to ``now``'s local day."""
    if not words or len(words) > _MAX_WORDS:
        return None
    today = now.date()
    if len(words) == 1:
        numeric = _numeric(words[0], today)
        if numeric is not None:
            return numeric
    for attempt in (list(words), _strip_filler(words)):
        if not attempt:
            continue
        found = _relative(attempt, today) or _weekday(attempt, today) or _month_day(attempt, today)
        if found is not None:
            return found
    return None


def _strip_filler(words: Sequence[str]) -> list[str]:
    out = list(words)
    while out and out[0] in _FILLER and not (out[0] == "this" and len(out) > 1 and out[1] in WEEKDAYS):
        out = out[1:]
    return out


def format_date(day: date) -> str:
    """Lex's ``YYYY-MM-DD``."""
    return day.strftime("%Y-%m-%d")
