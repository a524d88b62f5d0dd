"""Spanish (es_ES, es_US) for the built-in slot types: numbers, dates, times, yes/no, and a stemmer.

Numbers are read here ("dos", "veintiuno", "ciento treinta y dos", "mil"); dates and times
are rewritten into the English parsers' words ("el 12 de diciembre" -> "12 december",
"a las tres de la tarde" -> "3 pm"), so one set of rules (fact sheet section 5) decides the
values for every language. Accents are optional, as users type them or not: "mañana" and
"manana" are the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

LOCALES = frozenset({"es_ES", "es_US", "es_419", "es_MX"})
# The built-ins this module reads; other AMAZON.* types keep their language-neutral or English reading.
SUPPORTED_BUILTINS = frozenset({"AMAZON.Number", "AMAZON.Date", "AMAZON.Time", "AMAZON.Confirmation"})

_UNITS: dict[str, int] = {
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiun": 21,
    "veintiuno": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25,
    "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
}  # fmt: skip
_TENS: dict[str, int] = {
    "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
}  # fmt: skip
_HUNDREDS: dict[str, int] = {
    "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300, "trescientas": 300,
    "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500, "quinientas": 500, "seiscientos": 600,
    "seiscientas": 600, "setecientos": 700, "setecientas": 700, "ochocientos": 800, "ochocientas": 800,
    "novecientos": 900, "novecientas": 900,
}  # fmt: skip
_DIGITS_RE = re.compile(r"^[+-]?\d{1,15}$")
_DECIMAL_COMMA_RE = re.compile(r"^([+-]?\d{1,15}),(\d{1,6})$")  # Spanish writes 2,5 for 2.5

MONTHS: dict[str, str] = {
    "enero": "january", "febrero": "february", "marzo": "march", "abril": "april", "mayo": "may", "junio": "june",
    "julio": "july", "agosto": "august", "septiembre": "september", "setiembre": "september", "octubre": "october",
    "noviembre": "november", "diciembre": "december",
}  # fmt: skip
WEEKDAYS: dict[str, str] = {
    "lunes": "monday", "martes": "tuesday", "miercoles": "wednesday", "jueves": "thursday", "viernes": "friday",
    "sabado": "saturday", "domingo": "sunday",
}  # fmt: skip
# Whole phrases first (longest first), then word by word.
_DATE_PHRASES: dict[str, str] = {
    "pasado manana": "day after tomorrow", "antes de ayer": "day before yesterday", "anteayer": "day before yesterday",
    "manana": "tomorrow", "hoy": "today", "ayer": "yesterday", "esta noche": "tonight",
    "manana por la manana": "tomorrow morning", "manana por la tarde": "tomorrow afternoon",
    "manana por la noche": "tomorrow night", "este fin de semana": "this weekend",
    "el proximo fin de semana": "next weekend", "el fin de semana que viene": "next weekend",
    "la semana que viene": "next week", "la proxima semana": "next week", "la semana proxima": "next week",
    "esta semana": "this week", "la semana pasada": "last week", "el mes que viene": "next month",
    "el proximo mes": "next month", "el mes proximo": "next month", "este mes": "this month",
    "el mes pasado": "last month", "el ano que viene": "next year", "el proximo ano": "next year",
    "este ano": "this year", "el ano pasado": "last year",
}  # fmt: skip
_DATE_UNITS = {"dia": "day", "dias": "days", "semana": "week", "semanas": "weeks", "mes": "month", "meses": "months",
               "ano": "year", "anos": "years"}  # fmt: skip
_DATE_FILLER = frozenset({"el", "la", "los", "las", "de", "del", "para", "a", "al", "en", "este", "esta", "dia"})
_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?$")

_CONFIRMATION: dict[str, str] = {
    **dict.fromkeys(
        ("si", "claro", "claro que si", "vale", "de acuerdo", "por supuesto", "correcto", "exacto", "afirmativo",
         "dale", "bueno", "ok", "okay", "esta bien", "muy bien", "perfecto", "si claro", "si por favor", "si gracias",
         "desde luego", "confirmo", "confirmado", "asi es", "eso es", "sin duda", "venga", "adelante", "sale"),
        "Yes",
    ),
    **dict.fromkeys(
        ("no", "nop", "para nada", "negativo", "de ninguna manera", "incorrecto", "cancelar", "cancela", "no gracias",
         "nunca", "en absoluto", "no quiero", "no es correcto", "no esta bien", "ni hablar", "tampoco"),
        "No",
    ),
    **dict.fromkeys(("quizas", "quiza", "tal vez", "a lo mejor", "puede ser", "puede que si", "posiblemente",
                     "probablemente"), "Maybe"),
    **dict.fromkeys(("no se", "no lo se", "ni idea", "no estoy seguro", "no estoy segura", "quien sabe",
                     "no tengo idea", "no sabria decir"), "Don't know"),
}  # fmt: skip
_POLITE_SUFFIXES = (" por favor", " gracias", " muchas gracias")


def is_spanish(locale_id: str) -> bool:
    """Whether ``locale_id`` is one of the Spanish locales this module reads."""
    return locale_id in LOCALES


def fold(word: str) -> str:
    """Lower case, accents and diaeresis off, ñ kept as n: how users type on any keyboard."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _folded(words: Sequence[str]) -> list[str]:
    return [fold(w) for w in words]


# --------------------------------------------------------------------------- numbers


def parse_integer_words(words: Sequence[str]) -> int | None:
    """A whole span of Spanish number words ("ciento treinta y dos", "dos mil veinte") as an integer."""
    words = _folded(words)
    if not words or len(words) > 16:
        return None
    total, group, previous = 0, 0, ""
    for index, word in enumerate(words):
        if word == "y":
            # "treinta y dos": only between tens and a unit
            following = words[index + 1] if index + 1 < len(words) else ""
            if previous not in _TENS or not 1 <= _UNITS.get(following, 0) <= 9:
                return None
        elif word in _UNITS:
            if previous in _UNITS or (group % 100 and previous != "y"):
                return None
            group += _UNITS[word]
        elif word in _TENS:
            if group % 100:
                return None
            group += _TENS[word]
        elif word in _HUNDREDS:
            if group % 1000:
                return None
            group += _HUNDREDS[word]
        elif word == "mil":
            if total % 1_000_000 or (group == 0 and previous not in ("",)):
                return None
            total += (group or 1) * 1000
            group = 0
        elif word in ("millon", "millones"):
            if total:
                return None
            total = (group or 1) * 1_000_000
            group = 0
        else:
            return None
        previous = word
    return total + group


def parse_number(words: Sequence[str]) -> Decimal | None:
    """AMAZON.Number in Spanish: digits ("12", "2,5", "-3"), words, or "menos" words."""
    words = _folded(words)
    if not words:
        return None
    sign = 1
    if words[0] == "menos" and len(words) > 1:
        sign, words = -1, words[1:]
    if len(words) == 1:
        word = words[0]
        if _DIGITS_RE.match(word):
            return Decimal(word) * sign
        comma = _DECIMAL_COMMA_RE.match(word)
        if comma:
            return Decimal(f"{comma.group(1)}.{comma.group(2)}") * sign
        if re.fullmatch(r"[+-]?\d{1,15}\.\d{1,6}", word):
            return Decimal(word) * sign
    if "coma" in words:  # "dos coma cinco"
        at = words.index("coma")
        whole, fraction = parse_integer_words(words[:at]), words[at + 1 :]
        digits = [str(_UNITS[w]) if w in _UNITS and _UNITS[w] < 10 else w for w in fraction]
        if whole is None or not digits or not all(d.isdigit() for d in digits):
            return None
        return Decimal(f"{whole}.{''.join(digits)}") * sign
    value = parse_integer_words(words)
    return None if value is None else Decimal(value) * sign


def _numbers_as_digits(words: list[str]) -> list[str]:
    """Runs of Spanish number words replaced by their digits ("dos dias" -> "2 dias")."""
    out: list[str] = []
    index = 0
    while index < len(words):
        for end in range(len(words), index, -1):
            run = words[index:end]
            if run[0] == "y" or run[-1] == "y" or not all(w in _UNITS or w in _TENS or w in _HUNDREDS or w in ("y", "mil") for w in run):
                continue
            value = parse_integer_words(run)
            if value is not None:
                out.append(str(value))
                index = end
                break
        else:
            out.append(words[index])
            index += 1
    return out


# --------------------------------------------------------------------------- dates


def date_words_in_english(words: Sequence[str]) -> list[str] | None:
    """A Spanish date span rewritten in the English date parser's words, or None when it is not one."""
    folded = _folded(words)
    phrase = " ".join(folded)
    for candidate in (phrase, " ".join(w for w in folded if w not in ("el", "la"))):
        if candidate in _DATE_PHRASES:
            return _DATE_PHRASES[candidate].split()
    if len(folded) == 1:
        dmy = _DMY_RE.match(folded[0])
        if dmy:  # Spanish writes day/month/year
            day, month, year = dmy.groups()
            return [f"{month}/{day}" + (f"/{year}" if year else "")]
    words_en = _numbers_as_digits(folded)
    # "dentro de 3 dias", "en 2 semanas" -> "in 3 days"; "hace 2 dias" -> "2 days ago"
    if words_en[:2] == ["dentro", "de"] or words_en[:1] == ["en"]:
        rest = words_en[2:] if words_en[0] == "dentro" else words_en[1:]
        if len(rest) == 2 and rest[1] in _DATE_UNITS:
            return ["in", rest[0], _DATE_UNITS[rest[1]]]
    if words_en[:1] == ["hace"] and len(words_en) == 3 and words_en[2] in _DATE_UNITS:
        return [words_en[1], _DATE_UNITS[words_en[2]], "ago"]
    modifier: str | None = None
    kept: list[str] = []
    for index, word in enumerate(words_en):
        if word in ("proximo", "proxima", "siguiente") or (word == "que" and words_en[index + 1 : index + 2] == ["viene"]):
            modifier = "next"
        elif word == "viene" and index and words_en[index - 1] == "que":
            continue
        elif word in ("pasado", "pasada"):
            modifier = "last"
        elif word in WEEKDAYS:
            kept.append(WEEKDAYS[word])
        elif word in MONTHS:
            kept.append(MONTHS[word])
        elif word in _DATE_FILLER:
            continue
        elif word.isdigit() or re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", word):
            kept.append(word)
        else:
            return None
    if not kept:
        return None
    return ([modifier] if modifier else []) + kept


# --------------------------------------------------------------------------- times

_PARTS_OF_DAY = {
    "de la manana": "am", "por la manana": "am", "de la madrugada": "am", "de la tarde": "pm", "por la tarde": "pm",
    "de la noche": "pm", "por la noche": "pm",
}  # fmt: skip
_MINUTES = {"y media": ":30", "y cuarto": ":15", "menos cuarto": ":-15", "en punto": ":00"}
_TIME_LEADS = ("a las", "a la", "sobre las", "hacia las", "para las", "las", "la", "a eso de las", "como a las")


def time_words_in_english(words: Sequence[str]) -> list[str] | None:
    """A Spanish time span in the English time parser's words ("a las tres y media de la tarde" -> "3:30 pm")."""
    phrase = " ".join(_folded(words))
    if phrase in ("mediodia", "al mediodia", "a mediodia", "las doce del mediodia"):
        return ["noon"]
    if phrase in ("medianoche", "a medianoche", "a la medianoche"):
        return ["midnight"]
    for lead in sorted(_TIME_LEADS, key=len, reverse=True):
        if phrase.startswith(lead + " "):
            phrase = phrase[len(lead) + 1 :]
            break
    meridiem: str | None = None
    for part, value in _PARTS_OF_DAY.items():
        if phrase.endswith(" " + part):
            phrase, meridiem = phrase[: -len(part) - 1], value
            break
    offset = ""
    for spoken, value in _MINUTES.items():
        if phrase.endswith(" " + spoken):
            phrase, offset = phrase[: -len(spoken) - 1], value
            break
    else:
        match = re.fullmatch(r"(.+?) y (.+)", phrase)
        if match and re.fullmatch(r"\d{1,2}:\d{2}", match.group(1)) is None:
            minutes = parse_integer_words(match.group(2).split()) if not match.group(2).isdigit() else int(match.group(2))
            if minutes is not None and 0 < minutes < 60:
                phrase, offset = match.group(1), f":{minutes:02d}"
    hour_words = phrase.split()
    if len(hour_words) == 1 and re.fullmatch(r"\d{1,2}(:\d{2})?", hour_words[0]):
        clock = hour_words[0]
    else:
        hour = parse_integer_words(hour_words)
        if hour is None:
            return None
        clock = str(hour)
    if offset:
        if ":" in clock:
            return None
        hour_value = int(clock)
        if not 0 <= hour_value <= 24:
            return None
        # "las cuatro menos cuarto" is 3:45; "la una menos cuarto" 12:45
        before = (hour_value - 1) % 24 or (12 if hour_value == 1 else 0)
        clock = f"{before}:45" if offset == ":-15" else f"{hour_value}{offset}"
    return [clock] + ([meridiem] if meridiem else [])


# --------------------------------------------------------------------------- yes/no


def confirmation(words: Sequence[str]) -> str | None:
    """Yes, No, Maybe or Don't know for a Spanish reply, as AMAZON.Confirmation reads it."""
    phrase = " ".join(_folded(words))
    for suffix in _POLITE_SUFFIXES:
        if phrase.endswith(suffix) and phrase[: -len(suffix)] in _CONFIRMATION:
            phrase = phrase[: -len(suffix)]
    return _CONFIRMATION.get(phrase)


# --------------------------------------------------------------------------- stemming

_SUFFIXES = (
    "aciones", "uciones", "amientos", "imientos", "amiento", "imiento", "idades", "adoras", "adores", "ancias",
    "encias", "mente", "acion", "ucion", "idad", "ador", "adora", "ancia", "encia", "ando", "iendo", "ados",
    "idos", "adas", "idas", "ado", "ido", "ada", "ida", "ar", "er", "ir", "es", "as", "os", "a", "o", "e", "s",
)  # fmt: skip


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light Spanish stemmer: plurals, gender, infinitives, gerunds and participles join their root."""
    word = fold(word)
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
