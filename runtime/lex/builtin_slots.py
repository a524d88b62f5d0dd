"""Lex's built-in slot types (AMAZON.*): a span of the user's text to Lex's interpreted value.

Each parser takes a whole candidate span, as normalised tokens plus the user's raw text,
and either accepts all of it or returns None; finding spans inside an utterance is
``slot_values``' job. Value formats follow the fact sheet, section 5.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot_spec.lex_vocabulary import FREE_FORM_INPUT, is_builtin_name
from runtime.lex import lang_es
from runtime.lex.builtin_span import BuiltinValue, Span
from runtime.lex.clock_times import parse_duration, parse_time
from runtime.lex.number_words import UNITS, format_number, parse_number_words
from runtime.lex.relative_dates import format_date, parse_date

_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+$")
_PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,24}$")
_ALNUM_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_CONFIRMATION: dict[str, str] = {
    **dict.fromkeys(
        (
            "yes", "yeah", "yep", "yup", "ya", "yea", "sure", "ok", "okay", "k", "correct", "right", "affirmative",
            "absolutely", "definitely", "of course", "certainly", "yes please", "sure thing", "that is right",
            "that is correct", "sounds good", "go ahead", "please do", "do it", "confirm", "confirmed", "agreed",
            "yes it is", "yes that is right", "yes that is correct", "indeed", "alright", "all right", "fine",
        ),
        "Yes",
    ),
    **dict.fromkeys(
        (
            "no", "nope", "nah", "no thanks", "no thank you", "negative", "not really", "cancel", "no way",
            "do not", "not at all", "that is wrong", "wrong", "incorrect", "no it is not", "never", "deny",
        ),
        "No",
    ),
    **dict.fromkeys(("maybe", "perhaps", "possibly", "might be", "probably", "i guess", "kind of", "sort of"), "Maybe"),
    **dict.fromkeys(
        ("i do not know", "do not know", "dunno", "not sure", "i am not sure", "no idea", "i have no idea", "unsure",
         "who knows", "i am unsure", "cannot say", "hard to say"),
        "Don't know",
    ),
}  # fmt: skip
# Fillers people put around a value when they answer a question ("my name is Ann", "it's in Boston").
_REPLY_PREFIXES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in sorted(
        (
            "my name is", "name is", "i am", "it is", "this is", "call me", "i am called", "they call me", "it is in",
            "i am in", "i live in", "i am from", "in", "to", "from", "at", "near", "the city of", "city of", "it is for",
            "for", "make it", "let us say", "say", "how about", "i would say", "i think", "i think it is", "please",
            "i want", "i would like", "i need", "the", "um", "uh", "well", "ok", "okay", "yes", "sure",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_REPLY_SUFFIXES = (("please",), ("thanks",), ("thank", "you"), ("i", "think"), ("city",))
# A small gazetteer: the capitalised-word rule catches the rest when a user types proper case.
KNOWN_CITIES: frozenset[str] = frozenset(
    c.lower()
    for c in (
        "New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia", "San Antonio", "San Diego",
        "Dallas", "San Jose", "Austin", "Seattle", "Boston", "Denver", "Miami", "Atlanta", "Portland", "Las Vegas",
        "Detroit", "Nashville", "Baltimore", "Pittsburgh", "Cleveland", "Dayton", "Cambridge", "San Francisco",
        "Washington", "New Orleans", "Minneapolis", "Orlando", "Tampa", "Sacramento", "Salt Lake City", "Honolulu",
        "London", "Paris", "Berlin", "Madrid", "Rome", "Vienna", "Amsterdam", "Brussels", "Dublin", "Lisbon",
        "Prague", "Warsaw", "Stockholm", "Oslo", "Copenhagen", "Helsinki", "Reykjavik", "Zurich", "Geneva", "Munich",
        "Hamburg", "Frankfurt", "Milan", "Barcelona", "Versailles", "Edinburgh", "Manchester", "Liverpool",
        "Tokyo", "Osaka", "Seoul", "Beijing", "Shanghai", "Hong Kong", "Singapore", "Bangkok", "Delhi", "New Delhi",
        "Mumbai", "Bangalore", "Dubai", "Istanbul", "Cairo", "Lagos", "Nairobi", "Johannesburg", "Cape Town",
        "Sydney", "Melbourne", "Auckland", "Toronto", "Vancouver", "Montreal", "Mexico City", "Sao Paulo",
        "Rio de Janeiro", "Buenos Aires", "Lima", "Bogota", "Santiago", "Moscow", "Kyiv", "Athens", "Graz",
    )
)  # fmt: skip
KNOWN_FIRST_NAMES: frozenset[str] = frozenset(
    n.lower()
    for n in (
        "John", "Jack", "Oliver", "Samuel", "Bruce", "Sophie", "Danielle", "Emily", "Sheila", "Cassandra", "Eric",
        "Steve", "Stephen", "Annie", "Ann", "Anna", "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer",
        "William", "Linda", "David", "Elizabeth", "Richard", "Barbara", "Joseph", "Susan", "Thomas", "Jessica",
        "Charles", "Sarah", "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Mark", "Betty", "Paul",
        "Sandra", "Andrew", "Ashley", "Joshua", "Kimberly", "Kevin", "Donna", "Brian", "Michelle", "George", "Emma",
        "Olivia", "Ava", "Isabella", "Mia", "Liam", "Noah", "Lucas", "Maria", "Jose", "Juan", "Wei", "Yuki", "Priya",
        "Annika", "Jens", "Finn", "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy",
    )
)  # fmt: skip
# Built-ins that may be spotted inside a longer utterance (not only as the whole reply).
SPOTTABLE: frozenset[str] = frozenset(
    {
        "AMAZON.Number", "AMAZON.Date", "AMAZON.Time", "AMAZON.Duration", "AMAZON.Percentage", "AMAZON.EmailAddress",
        "AMAZON.PhoneNumber", "AMAZON.AlphaNumeric", "AMAZON.City", "AMAZON.FirstName", "AMAZON.Confirmation",
        "AMAZON.Country",
    }
)  # fmt: skip
# Phrases the template expansion uses for each built-in when it trains the classifier.
TRAINING_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.Number": ("2", "five", "10", "one hundred"),
    "AMAZON.Date": ("tomorrow", "friday", "next week", "may 5th"),
    "AMAZON.Time": ("3pm", "noon", "10:30"),
    "AMAZON.Duration": ("ten minutes", "2 days"),
    "AMAZON.Percentage": ("50 percent",),
    "AMAZON.EmailAddress": ("jane@example.com",),
    "AMAZON.PhoneNumber": ("555 1212",),
    "AMAZON.AlphaNumeric": ("ab123",),
    "AMAZON.City": ("seattle", "new york", "london"),
    "AMAZON.FirstName": ("john", "emily"),
    "AMAZON.Confirmation": ("yes",),
}


def _number(span: Span) -> BuiltinValue | None:
    value = parse_number_words(span.words)
    if value is None:
        return None
    text = format_number(value)
    return BuiltinValue(text, [text])


def _percentage(span: Span) -> BuiltinValue | None:
    words = list(span.words)
    if words[-1:] in (["percent"], ["per", "cent"]) or span.raw.rstrip().endswith("%"):
        words = words[:-2] if words[-2:] == ["per", "cent"] else words[:-1] if words[-1] == "percent" else words
        value = parse_number_words(words)
        if value is None:
            return None
        text = format_number(value) + "%"
        return BuiltinValue(text, [text])
    return _number(span)


def _date(span: Span) -> BuiltinValue | None:
    found = parse_date(span.words, span.now)
    if found is None:
        return None
    text = format_date(found)
    return BuiltinValue(text, [text])


def _time(span: Span) -> BuiltinValue | None:
    reading = parse_time(span.words)
    return None if reading is None else BuiltinValue(reading.interpreted, list(reading.resolved))


def _duration(span: Span) -> BuiltinValue | None:
    text = parse_duration(span.words)
    return None if text is None else BuiltinValue(text, [text])


def _email(span: Span) -> BuiltinValue | None:
    raw = span.raw.strip()
    if not _EMAIL_RE.match(raw):
        if "@" in raw or "at" not in span.words or (not span.whole_reply and len(span.words) > 7):
            return None
        spoken = " ".join(span.words)
        spoken = re.sub(r"\s+at\s+", "@", spoken)
        spoken = re.sub(r"\s+dot\s+", ".", spoken).replace(" ", "")
        if not _EMAIL_RE.match(spoken):
            return None
        raw = spoken
    return BuiltinValue(raw, [raw])


def _phone(span: Span) -> BuiltinValue | None:
    raw = span.raw.strip()
    if _PHONE_RE.match(raw):
        digits = re.sub(r"\D", "", raw)
        plus = "+" if raw.startswith("+") else ""
    else:
        spoken = []
        for word in span.words:
            if word in UNITS and UNITS[word] < 10:
                spoken.append(str(UNITS[word]))
            elif word.isdigit() and word.isascii():
                spoken.append(word)
            else:
                return None
        digits, plus = "".join(spoken), ""
    if not 7 <= len(digits) <= 15:
        return None
    return BuiltinValue(plus + digits, [plus + digits])


def _alphanumeric(span: Span) -> BuiltinValue | None:
    raw = span.raw.strip()
    if not _ALNUM_RE.match(raw):
        return None
    # Inside a longer utterance only code-like tokens (with a digit) count; a whole reply counts as typed.
    if not span.whole_reply and not any(ch.isdigit() for ch in raw):
        return None
    return BuiltinValue(raw, [raw])


def _confirmation(span: Span) -> BuiltinValue | None:
    phrase = " ".join(span.words)
    for suffix in (" please", " thanks", " thank you"):
        if phrase.endswith(suffix) and phrase[: -len(suffix)] in _CONFIRMATION:
            phrase = phrase[: -len(suffix)]
    value = _CONFIRMATION.get(phrase)
    return None if value is None else BuiltinValue(value, [value])


def _proper_name(span: Span, known: frozenset[str], max_words: int) -> BuiltinValue | None:
    """Values "as said" (City, FirstName...): known names, Capitalised Words, or the whole reply."""
    raw = span.raw.strip()
    if not raw or len(span.words) > max_words or any(ch.isdigit() for ch in raw):
        return None
    if " ".join(span.words) in known:
        return BuiltinValue(raw, [raw])
    parts = raw.split()
    capitalised = all(p[:1].isupper() or p.lower() in ("de", "la", "of", "upon", "am") for p in parts)
    if capitalised and parts[0][:1].isupper():
        return BuiltinValue(raw, [raw])
    if span.whole_reply:
        return BuiltinValue(raw, [raw])
    return None


def _city(span: Span) -> BuiltinValue | None:
    return _proper_name(span, KNOWN_CITIES, 4)


def _first_name(span: Span) -> BuiltinValue | None:
    return _proper_name(span, KNOWN_FIRST_NAMES, 2)


def _as_said(span: Span) -> BuiltinValue | None:
    raw = span.raw.strip()
    return BuiltinValue(raw, [raw]) if raw and len(span.words) <= 10 else None


def _free_form(span: Span) -> BuiltinValue | None:
    raw = span.raw.strip()
    return BuiltinValue(raw, [raw]) if raw and span.whole_reply else None


PARSERS: dict[str, Callable[[Span], BuiltinValue | None]] = {
    "AMAZON.Number": _number,
    "AMAZON.Percentage": _percentage,
    "AMAZON.Date": _date,
    "AMAZON.Time": _time,
    "AMAZON.Duration": _duration,
    "AMAZON.EmailAddress": _email,
    "AMAZON.PhoneNumber": _phone,
    "AMAZON.AlphaNumeric": _alphanumeric,
    "AMAZON.Confirmation": _confirmation,
    "AMAZON.City": _city,
    "AMAZON.FirstName": _first_name,
    FREE_FORM_INPUT: _free_form,
}


def is_builtin(type_name: str) -> bool:
    """Whether a slot type name is one of Lex's built-ins."""
    return is_builtin_name(type_name)


def parse_builtin(type_name: str, span: Span) -> BuiltinValue | None:
    """Lex's reading of ``span`` as a value of the built-in ``type_name``, or None."""
    if not span.words and type_name != FREE_FORM_INPUT:
        return None
    if span.locale != "en_US" and lang_es.is_spanish(span.locale) and type_name in lang_es.SUPPORTED_BUILTINS:
        from runtime.lex.builtin_slots_es import PARSERS as SPANISH  # late: loaded for Spanish locales only

        return SPANISH[type_name](span)
    parser = PARSERS.get(type_name, _as_said)
    return parser(span)


def strip_reply_fillers(words: Sequence[str]) -> tuple[int, int]:
    """The [start, end) token range left after removing answer fillers ("my name is", "please")."""
    start, end = 0, len(words)
    changed = True
    while changed and end - start > 1:
        changed = False
        for prefix in _REPLY_PREFIXES:
            if end - start > len(prefix) and tuple(words[start : start + len(prefix)]) == prefix:
                start += len(prefix)
                changed = True
                break
        for suffix in _REPLY_SUFFIXES:
            if end - start > len(suffix) and tuple(words[end - len(suffix) : end]) == suffix:
                end -= len(suffix)
                changed = True
                break
    return start, end
