"""Spanish built-ins (es_ES, es_US): numbers, dates, times, yes/no, and the Spanish stemmer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.lex import lang_es
from runtime.lex.builtin_slots import parse_builtin
from runtime.lex.builtin_span import Span
from runtime.lex.text_features import stem, stemmer_for, tokenize, word_features

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)  # a Friday


def _read(text: str, type_name: str, locale: str = "es_US") -> str | tuple[str, ...] | None:
    value = parse_builtin(type_name, Span([t.norm for t in tokenize(text)], text, True, NOW, locale))
    if value is None:
        return None
    return value.interpreted if value.interpreted is not None else tuple(value.resolved)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mañana", "2027-01-16"),
        ("manana", "2027-01-16"),
        ("Mañana", "2027-01-16"),
        ("pasado mañana", "2027-01-17"),
        ("hoy", "2027-01-15"),
        ("ayer", "2027-01-14"),
        ("el 12 de diciembre", "2027-12-12"),
        ("12 de diciembre de 2028", "2028-12-12"),
        ("el doce de diciembre", "2027-12-12"),
        ("el 3 de mayo", "2027-05-03"),
        ("el lunes", "2027-01-18"),
        ("el miércoles", "2027-01-20"),
        ("el próximo lunes", "2027-01-18"),
        ("la semana que viene", "2027-01-17"),  # as English "next week": the Sunday ending this ISO week
        ("dentro de tres días", "2027-01-18"),
        ("hace 2 días", "2027-01-13"),
        ("25/12/2027", "2027-12-25"),  # day/month/year
        ("2027-03-04", "2027-03-04"),
        ("tomorrow", None),
        ("el 31 de febrero", None),
        ("el lunes de diciembre de pizza", None),
    ],
)
def test_spanish_dates(text: str, expected: str | None) -> None:
    assert _read(text, "AMAZON.Date") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dos", "2"),
        ("veintiuno", "21"),
        ("treinta y dos", "32"),
        ("ciento treinta y dos", "132"),
        ("doscientas cincuenta", "250"),
        ("dos mil veinte", "2020"),
        ("mil", "1000"),
        ("un millón", "1000000"),
        ("menos cinco", "-5"),
        ("dos coma cinco", "2.5"),
        ("12", "12"),
        ("treinta dos", None),
        ("dos dos", None),
        ("y dos", None),
        ("two", None),
        ("uno " * 40, None),
    ],
)
def test_spanish_numbers(text: str, expected: str | None) -> None:
    assert _read(text, "AMAZON.Number") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a las tres de la tarde", "15:00"),
        ("a las diez y veinte de la noche", "22:20"),
        ("15:30", "15:30"),
        ("mediodía", "12:00"),
        ("medianoche", "00:00"),
        ("a las 10 y media", ("10:30", "22:30")),
        ("las cuatro menos cuarto", ("03:45", "15:45")),
        ("a las 8 de la mañana", "08:00"),
        ("a las pizza", None),
    ],
)
def test_spanish_times(text: str, expected: str | tuple[str, ...] | None) -> None:
    assert _read(text, "AMAZON.Time") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sí", "Yes"),
        ("si", "Yes"),
        ("Sí, por favor", "Yes"),
        ("claro que sí", "Yes"),
        ("vale", "Yes"),
        ("de acuerdo", "Yes"),
        ("no", "No"),
        ("no, gracias", "No"),
        ("para nada", "No"),
        ("tal vez", "Maybe"),
        ("no sé", "Don't know"),
        ("yes", None),
        ("sí no", None),
    ],
)
def test_spanish_yes_no(text: str, expected: str | None) -> None:
    assert _read(text, "AMAZON.Confirmation") == expected


def test_english_locales_are_unchanged() -> None:
    assert _read("dos", "AMAZON.Number", "en_US") is None
    assert _read("yes", "AMAZON.Confirmation", "en_US") == "Yes"
    assert _read("sí", "AMAZON.Confirmation", "en_GB") is None
    assert _read("mañana", "AMAZON.Date", "es_ES") == "2027-01-16"


def test_spanish_stemmer_joins_forms_and_is_the_nlu_hook() -> None:
    assert lang_es.stem("pedidos") == lang_es.stem("pedido") == lang_es.stem("pedir")
    assert lang_es.stem("Estado") == lang_es.stem("estados")
    assert lang_es.stem("sí") == "si"
    assert stemmer_for("es_US") is lang_es.stem and stemmer_for("en_US") is stem and stemmer_for(None) is stem
    spanish = word_features(["consultar", "pedidos"], "es_ES")
    assert "w:consult" in spanish and "b:consult ped" in spanish
    assert "w:pedido" in word_features(["pedidos"], "en_US")


def test_hostile_text_is_refused_quickly() -> None:
    long = "dos " * 5000
    assert _read(long, "AMAZON.Number") is None
    assert _read("\u0301" * 100, "AMAZON.Date") is None
    assert lang_es.time_words_in_english(["y"] * 500) is None
