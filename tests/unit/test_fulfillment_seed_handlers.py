"""The seed bot's handlers (Greeting, Help, Status) and the Lambda entry point."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import fulfillment
from fulfillment import Dispatcher, create_dispatcher, lambda_entry
from fulfillment.dispatcher import FAILURE_MESSAGE
from fulfillment.seed_handlers import BOT_DIR_ENV, part_of_day


@pytest.fixture(scope="module")
def schema_validator(external_dir: Path) -> Any:
    schema = json.loads((external_dir / "reference" / "lex-codehook-response.schema.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.fixture(scope="module")
def spec_replies(seed_bot_dir: Path) -> dict[str, dict[str, str]]:
    """The seed spec's en_US replies per intent, read straight from the YAML."""
    out = {}
    for path in (seed_bot_dir / "intents").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if doc.get("replies"):
            out[doc["name"]] = doc["replies"]["en_US"]
    return out


def clock_at(iso_utc: str) -> Any:
    instant = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp()
    return lambda: instant


def lex_event(
    intent: str,
    *,
    slots: dict[str, Any] | None = None,
    source: str = "FulfillmentCodeHook",
    session_attributes: dict[str, str] | None = None,
    time_zone: str | None = None,
) -> dict[str, Any]:
    return {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": "Text",
        "sessionId": "seed-session",
        "inputTranscript": "hi",
        "bot": {
            "id": "ABCDEFGHIJ",
            "name": "ChatBot",
            "localeId": "en_US",
            "version": "DRAFT",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
        },
        "requestAttributes": None if time_zone is None else {"x-amz-lex:time-zone": time_zone},
        "sessionState": {
            "sessionAttributes": session_attributes or {},
            "intent": {"name": intent, "slots": slots or {}, "state": "ReadyForFulfillment", "confirmationState": "None"},
        },
    }


def status_slot(original: str, interpreted: str) -> dict[str, Any]:
    return {
        "StatusType": {
            "shape": "Scalar",
            "value": {"originalValue": original, "interpretedValue": interpreted, "resolvedValues": [interpreted]},
        }
    }


def text_of(response: dict[str, Any]) -> str:
    assert response["sessionState"]["dialogAction"]["type"] == "Close"
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    [message] = response["messages"]
    assert message["contentType"] == "PlainText"
    return str(message["content"])


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (0, "evening"),
        (4, "evening"),
        (5, "morning"),
        (11, "morning"),
        (12, "afternoon"),
        (17, "afternoon"),
        (18, "evening"),
        (23, "evening"),
    ],
)
def test_part_of_day_boundaries(hour: int, expected: str) -> None:
    assert part_of_day(hour) == expected


@pytest.mark.parametrize(
    ("utc_time", "zone", "expected"),
    [
        ("2026-03-10T09:30:00", None, "morning"),  # no zone: UTC
        ("2026-03-10T04:59:59", "UTC", "evening"),
        ("2026-03-10T05:00:00", "UTC", "morning"),
        ("2026-03-10T11:59:59", "UTC", "morning"),
        ("2026-03-10T12:00:00", "UTC", "afternoon"),
        ("2026-03-10T17:59:59", "UTC", "afternoon"),
        ("2026-03-10T18:00:00", "UTC", "evening"),
        ("2026-03-10T09:30:00", "Asia/Tokyo", "evening"),  # 18:30 in Tokyo
        ("2026-03-10T09:30:00", "America/New_York", "morning"),  # 05:30 EDT (DST since 8 March)
        ("2026-03-10T09:30:00", "America/Los_Angeles", "evening"),  # 02:30 PDT
        ("2026-03-10T09:30:00", "Asia/Kolkata", "afternoon"),  # 15:00, a half-hour zone
        ("2026-01-10T09:30:00", "America/New_York", "evening"),  # 04:30 EST: winter time, an hour before morning
        ("2026-01-10T10:00:00", "America/New_York", "morning"),  # 05:00 EST
        ("2026-03-10T23:30:00", "Pacific/Auckland", "afternoon"),  # 12:30 the next day, NZDT
        ("2026-03-10T09:30:00", "Not/AZone", "morning"),  # invalid zone: UTC
        ("2026-03-10T09:30:00", "../../etc/passwd", "morning"),
        ("2026-03-10T09:30:00", "America", "morning"),  # a folder in the zone database, not a zone
        ("2026-03-10T09:30:00", "", "morning"),
        ("2026-03-10T09:30:00", "Z" * 5000, "morning"),
    ],
)
def test_greeting_by_time_of_day_in_the_users_zone(
    utc_time: str, zone: str | None, expected: str, schema_validator: Any, seed_bot_dir: Path
) -> None:
    dispatcher = create_dispatcher(seed_bot_dir, clock=clock_at(utc_time))
    response = dispatcher(lex_event("Greeting", time_zone=zone))
    schema_validator.validate(response)
    assert text_of(response) == f"Good {expected}! How can I help you today?"


def test_greeting_by_name_and_the_session_passes_through(schema_validator: Any, seed_bot_dir: Path) -> None:
    dispatcher = create_dispatcher(seed_bot_dir, clock=clock_at("2026-06-01T13:00:00"))
    response = dispatcher(lex_event("Greeting", session_attributes={"customer": "Ann Lee", "lastStatusType": "order"}))
    schema_validator.validate(response)
    assert text_of(response) == "Good afternoon, Ann Lee! How can I help you today?"
    assert response["sessionState"]["sessionAttributes"] == {"customer": "Ann Lee", "lastStatusType": "order"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_an_unusable_customer_name_is_left_out(name: str, seed_bot_dir: Path) -> None:
    dispatcher = create_dispatcher(seed_bot_dir, clock=clock_at("2026-06-01T20:00:00"))
    assert text_of(dispatcher(lex_event("Greeting", session_attributes={"customer": name}))) == "Good evening! How can I help you today?"


def test_a_customer_name_with_template_syntax_is_shown_verbatim(seed_bot_dir: Path) -> None:
    dispatcher = create_dispatcher(seed_bot_dir, clock=clock_at("2026-06-01T08:00:00"))
    text = text_of(dispatcher(lex_event("Greeting", session_attributes={"customer": "{{ 7*7 }}"})))
    assert text == "Good morning, {{ 7*7 }}! How can I help you today?"


def test_help_renders_the_spec_reply(schema_validator: Any, seed_bot_dir: Path, spec_replies: dict[str, dict[str, str]]) -> None:
    response = create_dispatcher(seed_bot_dir)(lex_event("Help"))
    schema_validator.validate(response)
    assert text_of(response) == spec_replies["Help"]["help"]


@pytest.mark.parametrize(
    ("said", "interpreted"),
    [
        ("order", "order"),
        ("account", "account"),
        ("delivery", "delivery"),
        ("parcel", "delivery"),
        ("membership", "account"),
        ("last order", "order"),
    ],
)
def test_status_renders_the_reply_for_each_type_and_remembers_it(
    said: str, interpreted: str, schema_validator: Any, seed_bot_dir: Path, spec_replies: dict[str, dict[str, str]]
) -> None:
    # Synonyms are resolved upstream (TopResolution): the handler sees the canonical interpretedValue.
    response = create_dispatcher(seed_bot_dir)(
        lex_event("Status", slots=status_slot(said, interpreted), session_attributes={"customer": "Ann"})
    )
    schema_validator.validate(response)
    assert text_of(response) == spec_replies["Status"][interpreted]
    assert response["sessionState"]["sessionAttributes"] == {"customer": "Ann", "lastStatusType": interpreted}
    assert response["sessionState"]["intent"]["slots"]["StatusType"]["value"]["originalValue"] == said


def test_status_overwrites_the_previous_status_type(seed_bot_dir: Path) -> None:
    dispatcher = create_dispatcher(seed_bot_dir)
    first = dispatcher(lex_event("Status", slots=status_slot("order", "order")))
    attributes = first["sessionState"]["sessionAttributes"]
    second = dispatcher(lex_event("Status", slots=status_slot("parcel", "delivery"), session_attributes=attributes))
    assert second["sessionState"]["sessionAttributes"] == {"lastStatusType": "delivery"}


@pytest.mark.parametrize("source", ["DialogCodeHook", "FulfillmentCodeHook"])
def test_status_with_an_empty_slot_delegates(source: str, schema_validator: Any, seed_bot_dir: Path) -> None:
    response = create_dispatcher(seed_bot_dir)(
        lex_event("Status", slots={"StatusType": None}, source=source, session_attributes={"a": "b"})
    )
    schema_validator.validate(response)
    assert response["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert response["sessionState"]["sessionAttributes"] == {"a": "b"}
    assert "messages" not in response


def test_status_dialog_hook_with_a_known_value_lets_lex_go_on_to_fulfillment(seed_bot_dir: Path) -> None:
    response = create_dispatcher(seed_bot_dir)(lex_event("Status", slots=status_slot("order", "order"), source="DialogCodeHook"))
    assert response["sessionState"]["dialogAction"] == {"type": "Delegate"}


@pytest.mark.parametrize("source", ["DialogCodeHook", "FulfillmentCodeHook"])
def test_status_with_a_value_that_has_no_reply_asks_again(source: str, schema_validator: Any, seed_bot_dir: Path) -> None:
    response = create_dispatcher(seed_bot_dir)(lex_event("Status", slots=status_slot("refund", "refund"), source=source))
    schema_validator.validate(response)
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "StatusType"}
    assert response["sessionState"]["intent"]["slots"]["StatusType"] is None
    assert "lastStatusType" not in response["sessionState"]["sessionAttributes"]


def test_status_tolerates_case_differences(seed_bot_dir: Path, spec_replies: dict[str, dict[str, str]]) -> None:
    response = create_dispatcher(seed_bot_dir)(lex_event("Status", slots=status_slot("Order", "Order")))
    assert text_of(response) == spec_replies["Status"]["order"]
    assert response["sessionState"]["sessionAttributes"]["lastStatusType"] == "order"


def test_replies_come_from_the_spec_not_from_python(tmp_path: Path, seed_bot_dir: Path) -> None:
    for path in (seed_bot_dir / "intents").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name in (doc.get("replies") or {}).get("en_US", {}):
            doc["replies"]["en_US"][name] = f"[{doc['name']}/{name}] {{{{ part_of_day | default('') }}}}"
        (tmp_path / "intents").mkdir(exist_ok=True)
        (tmp_path / "intents" / path.name).write_text(yaml.safe_dump(doc), encoding="utf-8")
    dispatcher = create_dispatcher(tmp_path, clock=clock_at("2026-06-01T08:00:00"))
    assert text_of(dispatcher(lex_event("Greeting"))) == "[Greeting/greeting] morning"
    assert text_of(dispatcher(lex_event("Help"))) == "[Help/help]"
    assert text_of(dispatcher(lex_event("Status", slots=status_slot("parcel", "delivery")))) == "[Status/delivery]"


def test_a_reply_that_needs_a_variable_the_handler_lacks_fails_politely(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, schema_validator: Any
) -> None:
    (tmp_path / "intents").mkdir()
    (tmp_path / "intents" / "Help.yaml").write_text("name: Help\nreplies:\n  en_US:\n    help: 'Hi {{ nickname }}'\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="fulfillment"):
        response = create_dispatcher(tmp_path)(lex_event("Help"))
    schema_validator.validate(response)
    assert response["messages"][0]["content"] == FAILURE_MESSAGE
    line = json.loads(caplog.records[-1].getMessage())
    assert line["error"] == "ReplyError" and "nickname" in line["message"] and line["sessionId"] == "seed-session"


def test_an_unknown_intent_and_fallback_get_the_polite_close(seed_bot_dir: Path) -> None:
    dispatcher: Dispatcher = create_dispatcher(seed_bot_dir)
    for name in ("FallbackIntent", "OrderPizza"):
        response = dispatcher(lex_event(name))
        assert response["sessionState"]["intent"]["state"] == "Failed"
        assert response["messages"][0]["content"] == "Sorry, I can't help with that yet."


def test_the_lambda_handler_uses_the_bot_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "intents").mkdir()
    (tmp_path / "intents" / "Help.yaml").write_text("name: Help\nreplies:\n  en_US:\n    help: 'Custom help.'\n", encoding="utf-8")
    monkeypatch.setenv(BOT_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(lambda_entry, "_dispatcher", None)
    assert text_of(fulfillment.handler(lex_event("Help"), None)) == "Custom help."
    # Built once per container: a later change of the folder is not re-read.
    (tmp_path / "intents" / "Help.yaml").write_text("name: Help\nreplies:\n  en_US:\n    help: 'Changed.'\n", encoding="utf-8")
    assert text_of(fulfillment.handler(lex_event("Help"), None)) == "Custom help."


def test_the_lambda_handler_defaults_to_the_repo_bot(monkeypatch: pytest.MonkeyPatch, spec_replies: dict[str, dict[str, str]]) -> None:
    monkeypatch.delenv(BOT_DIR_ENV, raising=False)
    monkeypatch.setattr(lambda_entry, "_dispatcher", None)
    assert text_of(fulfillment.handler(lex_event("Status", slots=status_slot("order", "order")), None)) == spec_replies["Status"]["order"]


@pytest.mark.parametrize("event", [None, "hello", [], {"sessionState": {}}, {"sessionState": {"intent": {"name": ["x"]}}}])
def test_the_lambda_handler_turns_a_malformed_event_into_an_error_result(
    event: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(BOT_DIR_ENV, raising=False)
    monkeypatch.setattr(lambda_entry, "_dispatcher", None)
    with caplog.at_level(logging.ERROR, logger="fulfillment"):
        result = fulfillment.handler(event, None)
    assert result["errorType"] == "InvalidEvent"
    assert result["errorMessage"].startswith("invalid Lex V2 code-hook event: event")
    assert "Traceback" not in result["errorMessage"]
    assert json.loads(caplog.records[-1].getMessage())["event"] == "event_rejected"


def test_the_lambda_handler_reports_a_broken_replies_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BOT_DIR_ENV, str(tmp_path / "nowhere"))
    monkeypatch.setattr(lambda_entry, "_dispatcher", None)
    result = fulfillment.handler(lex_event("Help"), None)
    assert result["errorType"] == "ReplyError" and "nowhere" in result["errorMessage"]
