"""Parsing Lex V2 code-hook events: the real sample, both confidence shapes, and hostile input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fulfillment.errors import InvalidEvent
from fulfillment.events import MAX_TEXT_LENGTH, parse_event


def event(**overrides: Any) -> dict[str, Any]:
    """A DialogCodeHook event shaped like the ones Lex sends (fact sheet, section 4)."""
    base: dict[str, Any] = {
        "messageVersion": "1.0",
        "invocationSource": "DialogCodeHook",
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": "session-1",
        "inputTranscript": "check my parcel",
        "bot": {
            "id": "ABCDEFGHIJ",
            "name": "ChatBot",
            "localeId": "en_GB",
            "version": "DRAFT",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
        },
        "interpretations": [
            {
                "intent": {
                    "name": "Status",
                    "slots": {
                        "StatusType": {"value": {"originalValue": "parcel", "interpretedValue": "delivery", "resolvedValues": ["delivery"]}}
                    },
                    "state": "InProgress",
                    "confirmationState": "None",
                },
                "nluConfidence": 0.87,
                "interpretationSource": "Lex",
            },
            {"intent": {"name": "FallbackIntent", "slots": {}}, "interpretationSource": "Lex"},
        ],
        "proposedNextState": {
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": "StatusType"},
            "intent": {"name": "Status", "slots": {"StatusType": None}, "state": "InProgress", "confirmationState": "None"},
            "prompt": {"attempt": "Retry1"},
        },
        "requestAttributes": {"x-amz-lex:time-zone": "Europe/London"},
        "sessionState": {
            "sessionAttributes": {"customer": "Ann"},
            "activeContexts": [],
            "intent": {
                "name": "Status",
                "slots": {
                    "StatusType": {
                        "shape": "Scalar",
                        "value": {"originalValue": "parcel", "interpretedValue": "delivery", "resolvedValues": ["delivery"]},
                    }
                },
                "state": "InProgress",
                "confirmationState": "None",
            },
            "originatingRequestId": "cfd724ef-dcfd-408b-a683-2d2600d3d97e",
        },
        "transcriptions": [{"transcription": "check my parcel", "transcriptionConfidence": 1}],
    }
    base.update(overrides)
    return base


def test_the_real_sample_event_parses(external_dir: Path) -> None:
    raw = json.loads((external_dir / "reference" / "booktrip-codehook-event.sample.json").read_text(encoding="utf-8"))
    parsed = parse_event(raw)
    assert parsed.intent.name == "BookHotel"
    assert parsed.intent.state == "InProgress"
    assert parsed.intent.confirmation_state == "None"
    assert parsed.session_id == "228357775571292"
    assert parsed.interpreted_value("CheckInDate") == "2022-01-14"
    assert parsed.original_value("CheckInDate") == "14 enero"
    assert parsed.intent.slot("Location") is not None
    # This capture uses the RecognizeText shape {score}; FallbackIntent carries none.
    assert [(i.intent.name, i.nlu_confidence) for i in parsed.interpretations] == [
        ("BookHotel", 1.0),
        ("FallbackIntent", None),
        ("BookCar", 0.32),
    ]
    assert parsed.interpretations[2].intent.slots == {
        "CarType": None,
        "DriverAge": None,
        "PickUpCity": None,
        "PickUpDate": None,
        "ReturnDate": None,
    }
    assert parsed.originating_request_id == "cfd724ef-dcfd-408b-a683-2d2600d3d97e"
    assert parsed.invocation_source is None  # the capture does not carry it
    assert parsed.session_attributes == {}
    assert parsed.locale_id == "en_US"


def test_every_field_of_a_full_event_is_typed() -> None:
    parsed = parse_event(event())
    assert parsed.invocation_source == "DialogCodeHook"
    assert parsed.input_transcript == "check my parcel"
    assert parsed.input_mode == "Text"
    assert parsed.message_version == "1.0"
    assert parsed.bot is not None and parsed.bot.alias_id == "TSTALIASID" and parsed.bot.name == "ChatBot"
    assert parsed.locale_id == "en_GB"
    assert parsed.time_zone == "Europe/London"
    assert parsed.session_attributes == {"customer": "Ann"}
    slot = parsed.intent.slot("StatusType")
    assert slot is not None and slot.shape == "Scalar" and slot.value is not None
    assert slot.value.resolved_values == ("delivery",)
    assert parsed.interpreted_value("StatusType") == "delivery"
    assert parsed.original_value("StatusType") == "parcel"
    assert parsed.interpretations[0].nlu_confidence == pytest.approx(0.87)
    assert parsed.interpretations[0].interpretation_source == "Lex"
    assert parsed.proposed_next_state is not None
    assert parsed.proposed_next_state.slot_to_elicit == "StatusType"
    assert parsed.proposed_next_state.prompt_attempt == "Retry1"
    assert parsed.proposed_next_state.intent is not None and parsed.proposed_next_state.intent.slots == {"StatusType": None}
    assert parsed.raw["transcriptions"][0]["transcription"] == "check my parcel"


@pytest.mark.parametrize(("shape", "value"), [(0.5, 0.5), ({"score": 0.5}, 0.5), (1, 1.0), ({"score": 0}, 0.0), ({"score": 0.69}, 0.69)])
def test_nlu_confidence_is_accepted_as_a_number_and_as_score(shape: object, value: float) -> None:
    raw = event()
    raw["interpretations"][0]["nluConfidence"] = shape
    assert parse_event(raw).interpretations[0].nlu_confidence == pytest.approx(value)


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan"), "0.5", True, {"value": 0.5}, {"score": "high"}])
def test_nlu_confidence_out_of_range_or_of_the_wrong_type_is_rejected(bad: object) -> None:
    raw = event()
    raw["interpretations"][0]["nluConfidence"] = bad
    with pytest.raises(InvalidEvent, match=r"interpretations\[0\]\.nluConfidence"):
        parse_event(raw)


def test_null_maps_and_empty_slots_read_as_empty() -> None:
    raw = event(requestAttributes=None)
    raw["sessionState"]["sessionAttributes"] = None
    raw["sessionState"]["intent"]["slots"] = {"StatusType": None}
    parsed = parse_event(raw)
    assert parsed.request_attributes == {}
    assert parsed.session_attributes == {}
    assert parsed.interpreted_value("StatusType") is None
    assert parsed.interpreted_value("NoSuchSlot") is None
    assert parsed.time_zone is None


def test_an_ambiguous_time_keeps_a_null_interpreted_value() -> None:
    raw = event()
    raw["sessionState"]["intent"]["slots"] = {
        "When": {"value": {"originalValue": "10 o'clock", "interpretedValue": None, "resolvedValues": ["10:00", "22:00"]}}
    }
    parsed = parse_event(raw)
    assert parsed.interpreted_value("When") is None
    assert parsed.original_value("When") == "10 o'clock"


def test_list_and_composite_slots_parse_and_serialise_back() -> None:
    scalar = {"shape": "Scalar", "value": {"originalValue": "a", "interpretedValue": "a", "resolvedValues": ["a"]}}
    raw = event()
    raw["sessionState"]["intent"]["slots"] = {
        "Toppings": {
            "shape": "List",
            "value": {"originalValue": "a", "interpretedValue": "a", "resolvedValues": []},
            "values": [scalar, scalar],
        },
        "Address": {"shape": "Composite", "subSlots": {"Street": scalar, "City": None}},
    }
    parsed = parse_event(raw)
    toppings = parsed.intent.slot("Toppings")
    assert toppings is not None and len(toppings.values) == 2
    assert parsed.intent.slots_dict()["Address"] == {"shape": "Composite", "subSlots": {"Street": scalar, "City": None}}


def _set(raw: dict[str, Any], path: list[str | int], value: object) -> dict[str, Any]:
    node: Any = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["sessionState"], "nope", "event.sessionState"),
        (["sessionState", "intent"], None, "event.sessionState.intent"),
        (["sessionState", "intent"], "Status", "event.sessionState.intent"),
        (["sessionState", "intent", "name"], 42, "event.sessionState.intent.name"),
        (["sessionState", "intent", "name"], "", "event.sessionState.intent.name"),
        (["sessionState", "intent", "name"], "x" * 101, "event.sessionState.intent.name"),
        (["sessionState", "intent", "slots"], ["StatusType"], "event.sessionState.intent.slots"),
        (["sessionState", "intent", "slots", "StatusType"], "delivery", "event.sessionState.intent.slots.StatusType"),
        (["sessionState", "intent", "slots", "StatusType", "value", "interpretedValue"], 7, "interpretedValue"),
        (["sessionState", "intent", "slots", "StatusType", "value", "resolvedValues"], "delivery", "resolvedValues"),
        (["sessionState", "intent", "slots", "StatusType", "shape"], "Blob", "shape"),
        (["sessionState", "intent", "state"], "Done", "event.sessionState.intent.state"),
        (["sessionState", "intent", "confirmationState"], "Maybe", "confirmationState"),
        (["sessionState", "sessionAttributes"], {"count": 3}, "sessionAttributes"),
        (["sessionState", "sessionAttributes"], ["a"], "sessionAttributes"),
        (["requestAttributes"], {"x-amz-lex:time-zone": None}, "requestAttributes"),
        (["invocationSource"], "Webhook", "invocationSource"),
        (["inputTranscript"], 12, "inputTranscript"),
        (["inputTranscript"], "a" * (MAX_TEXT_LENGTH + 1), "inputTranscript"),
        (["sessionId"], "s" * 5000, "sessionId"),
        (["bot"], "ChatBot", "event.bot"),
        (["interpretations"], {"intent": {}}, "event.interpretations"),
        (["interpretations"], [{"nluConfidence": 1}], r"interpretations\[0\]\.intent"),
        (["interpretations"], [{"intent": {"name": "A"}}] * 6, "event.interpretations"),
        (["proposedNextState"], [], "event.proposedNextState"),
    ],
)
def test_malformed_events_name_the_bad_field(path: list[str | int], value: object, field: str) -> None:
    raw = _set(copy.deepcopy(event()), path, value)
    with pytest.raises(InvalidEvent, match=field):
        parse_event(raw)


@pytest.mark.parametrize("raw", [None, "event", 42, [], b"{}", {}, {"sessionState": {}}, {"sessionState": None}])
def test_things_that_are_not_events_are_rejected(raw: object) -> None:
    with pytest.raises(InvalidEvent) as info:
        parse_event(raw)
    assert "event" in str(info.value)


def test_missing_intent_says_what_is_missing() -> None:
    with pytest.raises(InvalidEvent, match=r"event\.sessionState\.intent: is missing"):
        parse_event({"sessionState": {"sessionAttributes": {}}})
    with pytest.raises(InvalidEvent, match=r"intent\.name: is missing"):
        parse_event({"sessionState": {"intent": {"slots": {}}}})


def test_oversized_maps_and_nesting_are_refused_before_doing_unbounded_work() -> None:
    many_slots = event()
    many_slots["sessionState"]["intent"]["slots"] = {f"S{i}": None for i in range(101)}
    with pytest.raises(InvalidEvent, match="101 slots"):
        parse_event(many_slots)

    big_attributes = event()
    big_attributes["sessionState"]["sessionAttributes"] = {f"k{i}": "v" * 1000 for i in range(20)}
    with pytest.raises(InvalidEvent, match="12 KB"):
        parse_event(big_attributes)

    deep: dict[str, Any] = {"shape": "Scalar"}
    for _ in range(10):
        deep = {"shape": "Composite", "subSlots": {"Inner": deep}}
    nested = event()
    nested["sessionState"]["intent"]["slots"] = {"Deep": deep}
    with pytest.raises(InvalidEvent, match="nest deeper"):
        parse_event(nested)


def test_unknown_extra_fields_are_tolerated_and_kept_in_raw() -> None:
    raw = event(futureField={"anything": [1, 2, 3]})
    raw["sessionState"]["intent"]["kendraResponse"] = {"whatever": True}
    parsed = parse_event(raw)
    assert parsed.raw["futureField"] == {"anything": [1, 2, 3]}
    assert "kendraResponse" not in parsed.intent.slots_dict()


def test_a_cycle_outside_the_modelled_fields_does_not_hang() -> None:
    raw = event()
    loop: dict[str, Any] = {}
    loop["self"] = loop
    raw["transcriptions"] = loop
    assert parse_event(raw).intent.name == "Status"
