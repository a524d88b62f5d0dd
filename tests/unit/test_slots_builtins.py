"""Built-in slot types (AMAZON.*) read from a reply while the slot is elicited, in Lex's formats."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot_spec.definition import BotLocale, Slot
from runtime.lex.number_words import parse_number_words
from runtime.lex.slot_values import SlotMatch, resolve_slot_value

LOCALE = BotLocale(locale_id="en_US")
# Wednesday 6 May 2026, 10:00 in New York (14:00 UTC).
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def _read(type_name: str, text: str, *, now: datetime = NOW, whole: bool = True) -> SlotMatch | None:
    return resolve_slot_value(text, Slot(name="Value", slot_type_name=type_name), LOCALE, now=now, whole_utterance=whole)


def _value(type_name: str, text: str, *, now: datetime = NOW) -> str | None:
    match = _read(type_name, text, now=now)
    assert match is not None, f"{type_name} did not read {text!r}"
    return match.interpreted_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one hundred twenty three point four five", "123.45"),
        ("minus 15", "-15"),
        ("negative two", "-2"),
        ("42", "42"),
        ("1,250", "1250"),
        ("3.50", "3.5"),
        ("twenty-three", "23"),
        ("two thousand and five", "2005"),
        ("a hundred", "100"),
        ("a dozen", "12"),
        ("it's 7 please", "7"),
        ("zero", "0"),
    ],
)
def test_number(text: str, expected: str) -> None:
    assert _value("AMAZON.Number", text) == expected


@pytest.mark.parametrize("text", ["lots", "minus", "a few"])
def test_not_a_number(text: str) -> None:
    assert _read("AMAZON.Number", text) is None


@pytest.mark.parametrize("words", ["one two three four hundred", "hundred hundred", "ten fifteen", "thousand", "point five point"])
def test_malformed_spelled_numbers_are_not_one_number(words: str) -> None:
    assert parse_number_words(words.split()) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", "2026-05-06"),
        ("tomorrow", "2026-05-07"),
        ("yesterday", "2026-05-05"),
        ("the day after tomorrow", "2026-05-08"),
        ("2026-07-01", "2026-07-01"),
        ("5/12/2026", "2026-05-12"),
        ("12/25", "2026-12-25"),
        ("May 20th", "2026-05-20"),
        ("the 5th of june", "2026-06-05"),
        ("May 5th", "2027-05-05"),  # already past this year: the next one
        ("March 3 2027", "2027-03-03"),
        ("wednesday", "2026-05-06"),  # a named day goes forward; today counts
        ("friday", "2026-05-08"),
        ("this friday", "2026-05-08"),
        ("next friday", "2026-05-15"),
        ("last friday", "2026-05-01"),
        ("next week", "2026-05-10"),  # the Sunday ending the current ISO week
        ("this week", "2026-05-04"),
        ("last week", "2026-04-27"),
        ("next month", "2026-06-30"),
        ("this month", "2026-05-01"),
        ("next year", "2027-12-31"),
        ("last year", "2025-01-01"),
        ("in 3 days", "2026-05-09"),
        ("in two weeks", "2026-05-20"),
        ("5 days ago", "2026-05-01"),
        ("on the 20th", "2026-05-20"),
        ("tomorrow please", "2026-05-07"),
    ],
)
def test_date(text: str, expected: str) -> None:
    assert _value("AMAZON.Date", text) == expected


def test_relative_dates_follow_the_requests_time_zone() -> None:
    # 23:30 UTC on Wednesday is already Thursday in Tokyo and still Wednesday in Los Angeles.
    instant = datetime(2026, 5, 6, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert _value("AMAZON.Date", "today", now=instant.astimezone(ZoneInfo("Asia/Tokyo"))) == "2026-05-07"
    assert _value("AMAZON.Date", "today", now=instant.astimezone(ZoneInfo("America/Los_Angeles"))) == "2026-05-06"
    assert _value("AMAZON.Date", "tomorrow", now=instant.astimezone(ZoneInfo("Asia/Tokyo"))) == "2026-05-08"
    assert _value("AMAZON.Date", "friday", now=instant.astimezone(ZoneInfo("Asia/Tokyo"))) == "2026-05-08"


def test_month_ends_and_leap_years() -> None:
    jan31 = datetime(2028, 1, 31, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert _value("AMAZON.Date", "next month", now=jan31) == "2028-02-29"
    assert _value("AMAZON.Date", "in 1 month", now=jan31) == "2028-02-29"
    assert _read("AMAZON.Date", "2026-02-30") is None
    assert _read("AMAZON.Date", "13/45/2026") is None


@pytest.mark.parametrize(
    ("text", "interpreted", "resolved"),
    [
        ("3pm", "15:00", ["15:00"]),
        ("3 pm", "15:00", ["15:00"]),
        ("15:30", "15:30", ["15:30"]),
        ("7:45 am", "07:45", ["07:45"]),
        ("12am", "00:00", ["00:00"]),
        ("noon", "12:00", ["12:00"]),
        ("midnight", "00:00", ["00:00"]),
        ("half past two pm", "14:30", ["14:30"]),
        ("quarter to four pm", "15:45", ["15:45"]),
        ("ten thirty pm", "22:30", ["22:30"]),
        ("10 o'clock", None, ["10:00", "22:00"]),
        ("at 10", None, ["10:00", "22:00"]),
        ("in the evening", "EV", ["EV"]),  # OrderFlowersV2 expects PickupTime EV
        ("morning", "MO", ["MO"]),
    ],
)
def test_time(text: str, interpreted: str | None, resolved: list[str]) -> None:
    match = _read("AMAZON.Time", text)
    assert match is not None
    assert (match.interpreted_value, match.resolved_values) == (interpreted, resolved)


def test_ambiguous_time_keeps_interpreted_value_null_in_the_lex_shape() -> None:
    match = _read("AMAZON.Time", "10 o'clock")
    assert match is not None
    assert match.to_lex()["value"] == {"originalValue": "10 o'clock", "interpretedValue": None, "resolvedValues": ["10:00", "22:00"]}


@pytest.mark.parametrize("text", ["25:00", "13pm", "blue", "half past"])
def test_not_a_time(text: str) -> None:
    assert _read("AMAZON.Time", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "Yes"), ("Yeah", "Yes"), ("yep", "Yes"), ("sure", "Yes"), ("ok", "Yes"), ("correct", "Yes"),
        ("yes please", "Yes"), ("that's right", "Yes"), ("no", "No"), ("nope", "No"), ("nah", "No"),
        ("no thanks", "No"), ("maybe", "Maybe"), ("not sure", "Don't know"), ("I don't know", "Don't know"),
    ],
)  # fmt: skip
def test_confirmation(text: str, expected: str) -> None:
    assert _value("AMAZON.Confirmation", text) == expected


def test_confirmation_rejects_other_text() -> None:
    assert _read("AMAZON.Confirmation", "purple elephants") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1 (509) 555-1212", "+15095551212"),
        ("555 1212", "5551212"),
        ("509.555.1212", "5095551212"),
        ("five five five one two one two", "5551212"),
    ],
)
def test_phone_number_is_digits_keeping_a_leading_plus(text: str, expected: str) -> None:
    assert _value("AMAZON.PhoneNumber", text) == expected


def test_phone_number_too_short_is_rejected() -> None:
    assert _read("AMAZON.PhoneNumber", "12") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("john.doe@example.com", "john.doe@example.com"),
        ("my email is ann+lex@mail.co.uk", "ann+lex@mail.co.uk"),
        ("jane at example dot com", "jane@example.com"),
    ],
)
def test_email_address(text: str, expected: str) -> None:
    assert _value("AMAZON.EmailAddress", text) == expected


def test_not_an_email() -> None:
    assert _read("AMAZON.EmailAddress", "no email for you") is None


def test_alphanumeric_is_the_token_as_typed() -> None:
    assert _value("AMAZON.AlphaNumeric", "APQ123") == "APQ123"
    assert _value("AMAZON.AlphaNumeric", "my booking code is XJ42K") == "XJ42K"
    assert _value("AMAZON.AlphaNumeric", "abc") == "abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Boston", "Boston"), ("I'm in new york", "new york"), ("to Los Angeles please", "Los Angeles"), ("springfield", "springfield")],
)
def test_city_is_the_value_as_said(text: str, expected: str) -> None:
    assert _value("AMAZON.City", text) == expected


def test_first_name_strips_the_answer_around_it() -> None:
    assert _value("AMAZON.FirstName", "my name is Emily") == "Emily"
    assert _value("AMAZON.FirstName", "call me Jack") == "Jack"
    assert _value("AMAZON.FirstName", "Cassandra") == "Cassandra"


@pytest.mark.parametrize(
    ("text", "expected"), [("10 minutes", "PT10M"), ("3 days", "P3D"), ("2 hours and 10 minutes", "PT2H10M"), ("half an hour", "PT30M")]
)
def test_duration(text: str, expected: str) -> None:
    assert _value("AMAZON.Duration", text) == expected


def test_percentage() -> None:
    assert _value("AMAZON.Percentage", "50%") == "50%"
    assert _value("AMAZON.Percentage", "twenty five percent") == "25%"
    assert _value("AMAZON.Percentage", "12") == "12"  # a bare number stays a number


def test_free_form_input_is_the_whole_utterance_only_while_elicited() -> None:
    text = "  I'd like it delivered to the back door, thanks!  "
    assert _value("AMAZON.FreeFormInput", text) == text.strip()
    assert _read("AMAZON.FreeFormInput", text, whole=False) is None


def test_botium_builtin_samples_read_as_said(external_dir: Path) -> None:
    samples = json.loads((external_dir / "conversations" / "botium" / "builtinslottypesamples.json").read_text())["en-us"]
    for city in samples["AMAZON.City"]:
        assert _value("AMAZON.City", city) == city
    for name in samples["AMAZON.FirstName"]:
        assert _value("AMAZON.FirstName", name) == name
    # Spotted inside a sentence too, when typed in proper case.
    for city in samples["AMAZON.City"]:
        match = _read("AMAZON.City", f"i am flying to {city} next week", whole=False)
        assert match is not None and match.interpreted_value == city


@pytest.mark.parametrize(
    "type_name",
    ["AMAZON.Number", "AMAZON.Date", "AMAZON.Time", "AMAZON.City", "AMAZON.PhoneNumber", "AMAZON.EmailAddress", "AMAZON.Duration"],
)
@pytest.mark.parametrize("text", ["", "   ", "😀" * 50, "\x00\x1b[2J", "9" * 1024, "one " * 256, "?!?!", "-" * 1000])
def test_hostile_replies_never_crash(type_name: str, text: str) -> None:
    match = _read(type_name, text)
    if match is not None:
        json.dumps(match.to_lex())
