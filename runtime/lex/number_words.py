"""English numbers, written as digits or spelled out, to their value (AMAZON.Number and friends).

"one hundred twenty three point four five" -> 123.45, "minus 15" -> -15, "1,250" -> 1250,
"a dozen" -> 12, "fifth" / "5th" -> 5 (ordinals, for dates).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

UNITS: dict[str, int] = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALES: dict[str, int] = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_DIGITS_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_ORDINAL_DIGITS_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")
_NEGATIVE = ("minus", "negative")
_MAX_WORDS = 24


def format_number(value: Decimal) -> str:
    """Lex's digits: no exponent, no trailing zeros after the point, no "-0"."""
    if value == value.to_integral_value():
        text = str(int(value))
        return "0" if text == "-0" else text
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_digits(text: str) -> Decimal | None:
    """Digits with optional sign, thousands commas and decimals."""
    if len(text) > 40 or not _DIGITS_RE.match(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _integer_words(words: Sequence[str]) -> int | None:
    """A spelled-out whole number ("two thousand and five", "a hundred"), or None."""
    if not words:
        return None
    total = 0
    current = 0
    seen_any = False
    last_kind = ""
    for i, word in enumerate(words):
        if word == "and" and seen_any and i + 1 < len(words):
            continue
        if word in ("a", "an") and i == 0 and len(words) > 1 and (words[1] == "hundred" or words[1] in SCALES):
            current = 1
            seen_any = True
            last_kind = "unit"
            continue
        if word in UNITS:
            if last_kind in ("unit", "teen") or (last_kind == "tens" and UNITS[word] >= 10):
                return None
            current += UNITS[word]
            last_kind = "teen" if UNITS[word] >= 10 else "unit"
        elif word in TENS:
            if last_kind in ("unit", "teen", "tens"):
                return None
            current += TENS[word]
            last_kind = "tens"
        elif word == "hundred":
            if last_kind == "hundred":
                return None
            current = max(current, 1) * 100
            last_kind = "hundred"
        elif word in SCALES:
            if not seen_any:
                return None
            total += max(current, 1) * SCALES[word]
            current = 0
            last_kind = "scale"
        else:
            digits = parse_digits(word)
            if digits is None or digits != digits.to_integral_value() or last_kind not in ("", "scale"):
                return None
            current += int(digits)
            last_kind = "unit"
        seen_any = True
    return total + current if seen_any else None


def split_hyphenated(words: Sequence[str]) -> list[str]:
    """ "twenty-three" -> "twenty", "three" (only when both halves are number words)."""
    out: list[str] = []
    for word in words:
        head, dash, tail = word.partition("-")
        if dash and head in TENS and (tail in UNITS or tail in ORDINALS):
            out.extend((head, tail))
        else:
            out.append(word)
    return out


def parse_number_words(words: Sequence[str]) -> Decimal | None:
    """A number said or typed, as one whole span of normalised tokens, or None."""
    if not words or len(words) > _MAX_WORDS:
        return None
    words = split_hyphenated(words)
    sign = 1
    if words[0] in _NEGATIVE:
        sign = -1
        words = words[1:]
    elif words[0] == "plus":
        words = words[1:]
    if not words:
        return None
    if len(words) == 1:
        digits = parse_digits(words[0])
        if digits is not None:
            return digits * sign
    if len(words) == 1 and words[0] == "dozen":
        return Decimal(12 * sign)
    if len(words) == 2 and words[0] in ("a", "one") and words[1] == "dozen":
        return Decimal(12 * sign)
    if "point" in words:
        at = words.index("point")
        whole = _integer_words(words[:at]) if at > 0 else 0
        fraction = words[at + 1 :]
        if whole is None or not fraction:
            return None
        fraction_digits: list[str] = []
        for word in fraction:
            if word in UNITS and UNITS[word] < 10:
                fraction_digits.append(str(UNITS[word]))
            elif word.isdigit() and word.isascii():
                fraction_digits.append(word)
            else:
                return None
        return sign * Decimal(f"{whole}.{''.join(fraction_digits)}")
    value = _integer_words(words)
    return None if value is None else Decimal(sign * value)


def parse_ordinal(word: str) -> int | None:
    """ "5th" / "fifth" / "twenty-first" -> the day number, or None."""
    match = _ORDINAL_DIGITS_RE.match(word)
    if match:
        return int(match.group(1))
    if word in ORDINALS:
        return ORDINALS[word]
    if "-" in word:
        tens, _, unit = word.partition("-")
        if tens in TENS and unit in ORDINALS and ORDINALS[unit] < 10:
            return TENS[tens] + ORDINALS[unit]
    return None


def parse_small_integer(words: Sequence[str]) -> int | None:
    """A non-negative whole number up to a million (counts of days, hours, minutes)."""
    value = parse_number_words(words)
    if value is None or value < 0 or value != value.to_integral_value() or value > 1_000_000:
        return None
    return int(value)
