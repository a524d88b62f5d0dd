"""The lexv2-models double behaves as AWS does in the ways publish depends on."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError

from tests.fakes.lexv2_models import FakeLexModelsV2

ROLE = "arn:aws:iam::123456789012:role/lex"


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _bot_with_locale(lex: FakeLexModelsV2) -> dict[str, Any]:
    bot_id = lex.create_bot(botName="B", roleArn=ROLE, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)["botId"]
    lex.create_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US", nluIntentConfidenceThreshold=0.4)
    lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")  # Creating -> NotBuilt
    return {"botId": bot_id, "botVersion": "DRAFT", "localeId": "en_US"}


def _build(lex: FakeLexModelsV2, ids: dict[str, Any]) -> str:
    lex.build_bot_locale(**ids)
    status = "Building"
    while status == "Building":
        status = lex.describe_bot_locale(**ids)["botLocaleStatus"]
    return str(status)


def test_requests_are_validated_against_the_real_service_model() -> None:
    lex = FakeLexModelsV2()
    with pytest.raises(ParamValidationError, match="idleSessionTTLInSeconds"):
        lex.create_bot(botName="B", roleArn=ROLE, dataPrivacy={"childDirected": False})
    ids = _bot_with_locale(lex)
    # CreateIntent has no slotPriorities member: priorities only go through UpdateIntent.
    with pytest.raises(ParamValidationError, match="slotPriorities"):
        lex.create_intent(**ids, intentName="I", slotPriorities=[{"priority": 1, "slotId": "ABCDEFGHIJ"}])
    with pytest.raises(ParamValidationError, match="nluIntentConfidenceThreshold"):
        lex.update_bot_locale(**ids, nluIntentConfidenceThreshold="high")


def test_ids_and_the_test_alias_look_like_aws() -> None:
    lex = FakeLexModelsV2()
    ids = _bot_with_locale(lex)
    assert re.fullmatch(r"[0-9A-Za-z]{10}", ids["botId"])
    aliases = lex.list_bot_aliases(botId=ids["botId"])["botAliasSummaries"]
    assert [(a["botAliasId"], a["botAliasName"], a["botVersion"]) for a in aliases] == [("TSTALIASID", "TestBotAlias", "DRAFT")]
    intents = lex.list_intents(**ids)["intentSummaries"]
    assert [(i["intentId"], i["intentName"]) for i in intents] == [("FALLBCKINT", "FallbackIntent")]


def test_a_new_bot_must_be_polled_until_available() -> None:
    lex = FakeLexModelsV2()
    bot_id = lex.create_bot(botName="B", roleArn=ROLE, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)["botId"]
    assert lex.describe_bot(botId=bot_id)["botStatus"] == "Creating"
    assert lex.describe_bot(botId=bot_id)["botStatus"] == "Available"


def test_builds_advance_on_describe_and_can_fail_with_reasons() -> None:
    lex = FakeLexModelsV2(build_failures={"en_US": ["no utterances"]})
    ids = _bot_with_locale(lex)
    assert _build(lex, ids) == "Failed"
    assert lex.describe_bot_locale(**ids)["failureReasons"] == ["no utterances"]


def test_editing_while_building_is_a_conflict() -> None:
    lex = FakeLexModelsV2()
    ids = _bot_with_locale(lex)
    lex.build_bot_locale(**ids)
    with pytest.raises(ClientError) as exc:
        lex.create_intent(**ids, intentName="I")
    assert _code(exc) == "ConflictException"


def test_versions_snapshot_draft_and_numbers_are_never_reused() -> None:
    lex = FakeLexModelsV2()
    ids = _bot_with_locale(lex)
    spec = {"en_US": {"sourceBotVersion": "DRAFT"}}
    with pytest.raises(ClientError) as exc:
        lex.create_bot_version(botId=ids["botId"], botVersionLocaleSpecification=spec)
    assert _code(exc) == "ValidationException"  # the locale is not built
    assert _build(lex, ids) == "Built"
    assert lex.create_bot_version(botId=ids["botId"], botVersionLocaleSpecification=spec)["botVersion"] == "1"
    assert lex.create_bot_version(botId=ids["botId"], botVersionLocaleSpecification=spec)["botVersion"] == "2"
    lex.delete_bot_version(botId=ids["botId"], botVersion="2")
    assert lex.create_bot_version(botId=ids["botId"], botVersionLocaleSpecification=spec)["botVersion"] == "3"
    lex.create_intent(**ids, intentName="Later")
    assert "Later" not in lex.version_snapshot(ids["botId"], "1")["en_US"]["intents"]


def test_aliases_point_at_numbered_versions_and_protect_them() -> None:
    lex = FakeLexModelsV2()
    ids = _bot_with_locale(lex)
    _build(lex, ids)
    lex.create_bot_version(botId=ids["botId"], botVersionLocaleSpecification={"en_US": {"sourceBotVersion": "DRAFT"}})
    with pytest.raises(ClientError) as exc:
        lex.create_bot_alias(botId=ids["botId"], botAliasName="live", botVersion="DRAFT")
    assert _code(exc) == "ValidationException"
    lex.create_bot_alias(botId=ids["botId"], botAliasName="live", botVersion="1")
    with pytest.raises(ClientError) as exc:
        lex.delete_bot_version(botId=ids["botId"], botVersion="1")
    assert _code(exc) == "PreconditionFailedException"


def test_slot_priorities_must_name_slots_of_the_intent_and_slot_types_in_use_stay() -> None:
    lex = FakeLexModelsV2()
    ids = _bot_with_locale(lex)
    type_id = lex.create_slot_type(**ids, slotTypeName="T", valueSelectionSetting={"resolutionStrategy": "OriginalValue"})["slotTypeId"]
    intent_id = lex.create_intent(**ids, intentName="I")["intentId"]
    slot_id = lex.create_slot(
        **ids, intentId=intent_id, slotName="S", slotTypeId=type_id, valueElicitationSetting={"slotConstraint": "Optional"}
    )["slotId"]
    with pytest.raises(ClientError) as exc:
        lex.update_intent(**ids, intentId=intent_id, intentName="I", slotPriorities=[{"priority": 1, "slotId": "XXXXXXXXXX"}])
    assert _code(exc) == "ValidationException"
    lex.update_intent(**ids, intentId=intent_id, intentName="I", slotPriorities=[{"priority": 1, "slotId": slot_id}])
    assert lex.describe_intent(**ids, intentId=intent_id)["slotPriorities"] == [{"priority": 1, "slotId": slot_id}]
    with pytest.raises(ClientError) as exc:
        lex.delete_slot_type(**ids, slotTypeId=type_id)
    assert _code(exc) == "PreconditionFailedException"
    with pytest.raises(ClientError) as exc:
        lex.delete_intent(**ids, intentId="FALLBCKINT")
    assert _code(exc) == "ValidationException"


def test_lists_page_and_unknown_resources_are_not_found() -> None:
    lex = FakeLexModelsV2(page_size=2)
    ids = _bot_with_locale(lex)
    for name in ("A", "B", "C"):
        lex.create_intent(**ids, intentName=name)
    first = lex.list_intents(**ids)
    assert len(first["intentSummaries"]) == 2 and "nextToken" in first
    with pytest.raises(ClientError) as exc:
        lex.describe_intent(**ids, intentId="NOSUCHINTN")
    assert _code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        lex.list_intents(**ids, nextToken="forged")
    assert _code(exc) == "ValidationException"


def test_fault_injection_throttles_and_interrupts() -> None:
    lex = FakeLexModelsV2()
    lex.throttle("list_bots", on_call=2, times=1)
    lex.list_bots()
    with pytest.raises(ClientError) as exc:
        lex.list_bots()
    assert _code(exc) == "ThrottlingException"
    lex.list_bots()
    lex.interrupt_after(1)
    lex.create_bot(botName="A", roleArn=ROLE, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)
    with pytest.raises(EndpointConnectionError):
        lex.create_bot(botName="B", roleArn=ROLE, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)
    assert [op for op, _ in lex.mutating_calls()] == ["create_bot", "create_bot"]
    assert lex.bot_id_by_name("B") is None


def test_server_side_constraints_are_validation_exceptions() -> None:
    lex = FakeLexModelsV2()
    privacy = {"childDirected": False}
    with pytest.raises(ClientError, match="botName does not match") as exc:
        lex.create_bot(botName="Chat'; DROP TABLE", roleArn=ROLE, dataPrivacy=privacy, idleSessionTTLInSeconds=300)
    assert _code(exc) == "ValidationException"
    with pytest.raises(ClientError, match="idleSessionTTLInSeconds is 90000"):
        lex.create_bot(botName="B", roleArn=ROLE, dataPrivacy=privacy, idleSessionTTLInSeconds=90000)
    ids = _bot_with_locale(lex)
    with pytest.raises(ClientError, match="intentName is 101 characters"):
        lex.create_intent(**ids, intentName="I" * 101)
    with pytest.raises(ClientError, match="resolutionStrategy must be one of"):
        lex.create_slot_type(**ids, slotTypeName="T", valueSelectionSetting={"resolutionStrategy": "Whatever"})
    assert [op for op, _ in lex.mutating_calls()].count("create_bot") == 3  # recorded, as AWS sees them
