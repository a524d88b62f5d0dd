"""Custom slot types: values and synonyms, resolution strategies, regex filters, typos, slot utterances."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot_spec.definition import BotLocale, Slot, SlotType, SlotTypeValue
from bot_spec.formats.yaml_spec import load_spec
from runtime.lex.slot_values import SlotMatch, SlotTypeIndex, resolve_slot_value

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)


def _flowers(strategy: str = "OriginalValue", regex: str | None = None) -> tuple[BotLocale, Slot]:
    flowers = SlotType(
        name="FlowerTypes",
        values=[
            SlotTypeValue("roses", ["rose", "red roses"]),
            SlotTypeValue("lilies", ["lily"]),
            SlotTypeValue("tulips", ["tulip"]),
            SlotTypeValue("bird of paradise", ["strelitzia"]),
        ],
        resolution_strategy=strategy,  # type: ignore[arg-type]
        regex_filter=regex,
    )
    slot = Slot(name="FlowerType", slot_type_name="FlowerTypes", sample_utterances=["i would like {FlowerType}", "{FlowerType} please"])
    return BotLocale(locale_id="en_US", slot_types=[flowers]), slot


def _read(text: str, strategy: str = "OriginalValue", regex: str | None = None) -> SlotMatch | None:
    locale, slot = _flowers(strategy, regex)
    return resolve_slot_value(text, slot, locale, now=NOW)


def test_top_resolution_reports_the_canonical_value_for_a_synonym() -> None:
    match = _read("Rose", "TopResolution")
    assert match is not None
    assert (match.original_value, match.interpreted_value, match.resolved_values) == ("Rose", "roses", ["roses"])


def test_original_value_reports_what_the_user_said_and_resolves_the_canonical_value() -> None:
    match = _read("Rose", "OriginalValue")
    assert match is not None
    assert (match.original_value, match.interpreted_value, match.resolved_values) == ("Rose", "Rose", ["roses"])


def test_top_resolution_rejects_values_outside_the_list() -> None:
    assert _read("orchids", "TopResolution") is None


def test_original_value_expands_to_an_unlisted_value_given_as_the_reply() -> None:
    match = _read("orchids", "OriginalValue")
    assert match is not None
    assert match.interpreted_value == "orchids"


def test_multi_word_values_match_longest_first_and_case_insensitively() -> None:
    match = _read("I'd like some RED ROSES for my mum", "TopResolution")
    assert match is not None
    assert match.original_value == "RED ROSES"
    assert match.interpreted_value == "roses"
    bird = _read("a Bird of Paradise please", "TopResolution")
    assert bird is not None and bird.interpreted_value == "bird of paradise"


def test_slot_sample_utterances_frame_the_value() -> None:
    match = _read("i would like tulip", "TopResolution")
    assert match is not None
    assert (match.original_value, match.interpreted_value) == ("tulip", "tulips")


def test_one_typo_is_tolerated_in_long_values_only() -> None:
    typo = _read("strelitza", "TopResolution")  # one deletion in a 10-letter synonym
    assert typo is not None and typo.interpreted_value == "bird of paradise" and typo.fuzzy
    swapped = _read("tulpis", "TopResolution")  # two letters swapped in a 6-letter value
    assert swapped is not None and swapped.interpreted_value == "tulips"
    assert _read("lilx", "TopResolution") is None  # "lily" is too short for a typo
    assert _read("tlips", "TopResolution") is not None
    assert _read("tuxxps", "TopResolution") is None  # two edits


def test_typo_index_never_changes_the_first_letter() -> None:
    index = SlotTypeIndex(SlotType(name="StatusTypes", values=[SlotTypeValue("order")]))
    assert index.lookup(["ordre"]) is not None
    assert index.lookup(["border"]) is None


def test_regex_filter_must_match_the_whole_value() -> None:
    zip_type = SlotType(
        name="ZipCodes", parent_slot_type_signature="AMAZON.AlphaNumeric", resolution_strategy="OriginalValue", regex_filter="[0-9]{8}"
    )
    locale = BotLocale(locale_id="en_US", slot_types=[zip_type])
    slot = Slot(name="Zip", slot_type_name="ZipCodes")
    match = resolve_slot_value("12345678", slot, locale, now=NOW)
    assert match is not None and match.interpreted_value == "12345678"
    inside = resolve_slot_value("my zip is 87654321 thanks", slot, locale, now=NOW)
    assert inside is not None and inside.interpreted_value == "87654321"
    assert resolve_slot_value("1234567", slot, locale, now=NOW) is None
    assert resolve_slot_value("123456789", slot, locale, now=NOW) is None
    assert resolve_slot_value("ABCDEFGH", slot, locale, now=NOW) is None


def test_regex_filter_also_applies_to_listed_values() -> None:
    assert _read("roses", "TopResolution", regex="[a-z]{5}") is not None
    assert _read("tulips", "TopResolution", regex="[a-z]{5}") is None


def test_invalid_regex_filter_rejects_values_instead_of_crashing() -> None:
    locale, slot = _flowers("OriginalValue", regex="([unclosed")
    assert resolve_slot_value("roses", slot, locale, now=NOW) is None
    index = SlotTypeIndex(locale.slot_types[0])
    assert index.regex_error is not None and "FlowerTypes" in index.regex_error


def test_seed_bot_status_type(seed_bot_dir: Path) -> None:
    locale = load_spec(seed_bot_dir).locale("en_US")
    assert locale is not None
    status = locale.intent("Status")
    assert status is not None
    slot = status.slots[0]
    cases = {
        "delivery": ("delivery", "delivery"),
        "my order please": ("my order", "order"),
        "Shipment": ("Shipment", "delivery"),
        "the parcel": ("parcel", "delivery"),
        "I'd like to check my account": ("my account", "account"),
        "membership status": ("membership", "account"),
    }
    for text, (original, interpreted) in cases.items():
        match = resolve_slot_value(text, slot, locale, now=NOW)
        assert match is not None, text
        assert (match.original_value, match.interpreted_value) == (original, interpreted), text
    assert resolve_slot_value("banana", slot, locale, now=NOW) is None


@pytest.mark.parametrize("text", ["", "!!!", "😀" * 300, "rose " * 200, "\x00rose\x00", "r" * 1024])
def test_hostile_replies_never_crash(text: str) -> None:
    for strategy in ("TopResolution", "OriginalValue"):
        match = _read(text, strategy)
        if match is not None:
            assert match.to_lex()["shape"] == "Scalar"


def test_slot_type_with_ten_thousand_values_resolves_synonyms() -> None:
    values = [SlotTypeValue(f"product {i:05d}", [f"item {i:05d}"]) for i in range(10_000)]
    locale = BotLocale(locale_id="en_US", slot_types=[SlotType(name="Products", values=values, resolution_strategy="TopResolution")])
    slot = Slot(name="Product", slot_type_name="Products")
    match = resolve_slot_value("i want item 09876 please", slot, locale, now=NOW)
    assert match is not None and match.interpreted_value == "product 09876"
