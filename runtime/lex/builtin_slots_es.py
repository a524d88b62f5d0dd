"""The built-in slot types that read Spanish differently (es_ES, es_US): Number, Date, Time, Confirmation.

``builtin_slots.parse_builtin`` asks here first for a Spanish locale; the language rules are
in ``lang_es`` and the value formats stay the English parsers' (fact sheet section 5).
"""

from __future__ import annotations

from collections.abc import Callable

from runtime.lex import lang_es
from runtime.lex.builtin_span import BuiltinValue, Span
from runtime.lex.clock_times import parse_time
from runtime.lex.number_words import format_number
from runtime.lex.relative_dates import format_date, parse_date


def _number(span: Span) -> BuiltinValue | None:
    if not span.whole_reply and [lang_es.fold(w) for w in span.words] in (["un"], ["una"]):
        return None  # inside a sentence "un"/"una" is the article ("reservar una mesa"), not 1
    value = lang_es.parse_number(span.words)
    if value is None:
        return None
    text = format_number(value)
    return BuiltinValue(text, [text])


def _date(span: Span) -> BuiltinValue | None:
    english = lang_es.date_words_in_english(span.words)
    found = None if english is None else parse_date(english, span.now)
    if found is None:
        return None
    text = format_date(found)
    return BuiltinValue(text, [text])


def _time(span: Span) -> BuiltinValue | None:
    english = lang_es.time_words_in_english(span.words)
    reading = None if english is None else parse_time(english)
    return None if reading is None else BuiltinValue(reading.interpreted, list(reading.resolved))


def _confirmation(span: Span) -> BuiltinValue | None:
    value = lang_es.confirmation(span.words)
    return None if value is None else BuiltinValue(value, [value])


PARSERS: dict[str, Callable[[Span], BuiltinValue | None]] = {
    "AMAZON.Number": _number,
    "AMAZON.Date": _date,
    "AMAZON.Time": _time,
    "AMAZON.Confirmation": _confirmation,
}
assert set(PARSERS) == lang_es.SUPPORTED_BUILTINS
