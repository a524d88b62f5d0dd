"""The API plan: call order, placeholders, and botocore's own validation of every call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

from bot_spec.definition import BotDefinition, Intent, Slot
from bot_spec.formats import api_plan
from bot_spec.formats.api_plan import ApiCall
from bot_spec.formats.yaml_spec import load_spec

ROLE = "arn:aws:iam::123456789012:role/LexBotRole"


@pytest.fixture(scope="module")
def model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("lexv2-models")


@pytest.fixture(scope="module")
def seed(seed_bot_dir: Path) -> BotDefinition:
    return load_spec(seed_bot_dir)


def dummy_ids(calls: list[ApiCall]) -> dict[str, str]:
    """A valid-looking id for every placeholder (10 alphanumerics, as Lex makes them)."""
    ids = {}
    for n, placeholder in enumerate(sorted(api_plan.placeholders([c.kwargs for c in calls]))):
        ids[placeholder] = ROLE if placeholder == api_plan.ROLE_ARN else f"ID{n:08d}"
    return ids


def validation_errors(model: ServiceModel, calls: list[ApiCall]) -> list[str]:
    ids = dummy_ids(calls)
    errors = []
    for call in calls:
        operation = model.operation_model("".join(part.capitalize() for part in call.operation.split("_")))
        report = ParamValidator().validate(api_plan.substitute(call.kwargs, ids), operation.input_shape)
        if report.has_errors():
            errors.append(f"{call.operation}: {report.generate_report()}")
    return errors


def test_seed_plan_order_and_placeholders(seed: BotDefinition) -> None:
    calls = api_plan.build_plan(seed, role_arn=ROLE)
    assert [c.operation for c in calls] == [
        "create_bot",
        "create_bot_locale",
        "create_slot_type",
        "update_intent",  # FallbackIntent exists once the locale does
        "create_intent",
        "create_intent",
        "create_intent",
        "create_slot",
        "update_intent",
        "build_bot_locale",
    ]
    assert calls[0].kwargs["roleArn"] == ROLE and calls[0].produces == "${bot_id}" and calls[0].id_field == "botId"
    assert calls[3].kwargs["intentId"] == "FALLBCKINT"
    slot_call = calls[7]
    assert slot_call.kwargs["slotTypeId"] == "${slot_type:en_US/StatusTypes}"
    assert slot_call.kwargs["intentId"] == "${intent:en_US/Status}"
    assert slot_call.produces == "${slot:en_US/Status/StatusType}"
    assert calls[8].kwargs["slotPriorities"] == [{"priority": 1, "slotId": "${slot:en_US/Status/StatusType}"}]
    produced = {c.produces for c in calls if c.produces}
    used = api_plan.placeholders([c.kwargs for c in calls])
    assert used <= produced  # every placeholder is defined by an earlier call
    seen: set[str] = set()
    for call in calls:
        assert api_plan.placeholders(call.kwargs) <= seen, f"{call.operation} uses an id before it exists"
        if call.produces:
            seen.add(call.produces)


def test_seed_plan_passes_botocore_validation(model: ServiceModel, seed: BotDefinition) -> None:
    assert validation_errors(model, api_plan.build_plan(seed)) == []


def test_validation_catches_a_bad_call(model: ServiceModel, seed: BotDefinition) -> None:
    calls = api_plan.build_plan(seed)
    calls[2].kwargs["slotTypeValues"] = [{"sampleValue": "order"}]  # a string where a structure goes
    calls[0].kwargs.pop("dataPrivacy")
    errors = validation_errors(model, calls)
    assert len(errors) == 2
    assert "dataPrivacy" in errors[0] and "sampleValue" in errors[1]


def test_builtin_slot_types_use_their_name_and_priorities_follow_the_order() -> None:
    intent = Intent(
        name="Book",
        slots=[Slot(name="When", slot_type_name="AMAZON.Date"), Slot(name="Where", slot_type_name="Cities")],
        slot_priorities=["Where", "When"],
    )
    assert api_plan.slot_kwargs(intent.slots[0], "AMAZON.Date")["slotTypeId"] == "AMAZON.Date"
    assert api_plan.slot_type_id_for("en_GB", intent.slots[0]) == "AMAZON.Date"
    assert api_plan.slot_type_id_for("en_GB", intent.slots[1]) == "${slot_type:en_GB/Cities}"
    assert api_plan.slot_priorities(intent, {"When": "W1", "Where": "W2"}) == [
        {"priority": 1, "slotId": "W2"},
        {"priority": 2, "slotId": "W1"},
    ]
    kwargs = api_plan.intent_kwargs(intent)
    assert "slotPriorities" not in kwargs and "slots" not in kwargs and kwargs["intentName"] == "Book"


def test_role_falls_back_to_the_definition_then_a_placeholder(seed: BotDefinition) -> None:
    assert api_plan.bot_kwargs(seed, None)["roleArn"] == "${role_arn}"
    seed_with_role = BotDefinition(**{**seed.__dict__, "role_arn": ROLE})
    assert api_plan.bot_kwargs(seed_with_role, None)["roleArn"] == ROLE


def test_substitute_replaces_nested_placeholders_and_refuses_unknown_ones() -> None:
    kwargs: dict[str, Any] = {"botId": "${bot_id}", "list": [{"slotId": "${slot:en_US/A/B}"}], "n": 3}
    out = api_plan.substitute(kwargs, {"${bot_id}": "BOT1234567", "${slot:en_US/A/B}": "SLOT123456"})
    assert out == {"botId": "BOT1234567", "list": [{"slotId": "SLOT123456"}], "n": 3}
    with pytest.raises(KeyError):
        api_plan.substitute(kwargs, {})


def test_plan_is_json_ready(seed: BotDefinition) -> None:
    import json

    data = api_plan.plan_to_json(api_plan.build_plan(seed))
    assert json.loads(json.dumps(data))[0]["operation"] == "create_bot"


def test_the_plans_own_validation_agrees_with_botocore(model: ServiceModel, seed: BotDefinition) -> None:
    calls = api_plan.build_plan(seed)
    assert api_plan.validation_errors(calls) == []
    calls[1].kwargs["nluIntentConfidenceThreshold"] = "high"
    [error] = api_plan.validation_errors(calls)
    assert error.startswith("create_bot_locale") and "nluIntentConfidenceThreshold" in error
    assert api_plan.operation_name("build_bot_locale") == "BuildBotLocale"
