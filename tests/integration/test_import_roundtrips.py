"""Real bots written by others, imported and sent through every format and back.

For each bot in ``external/lex_bots`` (CloudFormation/SAM templates, LexJson zips and folder,
custom-resource templates) and the seed bot: the YAML spec, CloudFormation and LexJson round trips
give the same definition, the re-exported template passes cfn-lint, and the API plan passes
botocore's validation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from bot_spec.definition import BotDefinition
from bot_spec.formats import api_plan, cloudformation, lexjson, yaml_spec
from bot_spec.importer import import_bots, import_report

EXTERNAL_BOTS = Path(__file__).resolve().parents[2] / "external" / "lex_bots"
SOURCES = sorted(
    [
        *(EXTERNAL_BOTS / "cfn").glob("*.yaml"),
        *(p for p in (EXTERNAL_BOTS / "lexjson").glob("*") if p.suffix == ".zip" or p.is_dir()),
        *(EXTERNAL_BOTS / "custom_resource").glob("*.yaml"),
    ]
)
SEED = "seed"
CASES = [SEED, *(str(p.relative_to(EXTERNAL_BOTS)) for p in SOURCES)]


@pytest.fixture(scope="session")
def bots(seed_bot_dir: Path, external_dir: Path) -> dict[str, list[BotDefinition]]:
    """Every case's imported definitions (the seed loads from its spec, without replies)."""
    out = {SEED: [yaml_spec.load_spec(seed_bot_dir).without_replies()]}
    for case in CASES[1:]:
        out[case] = import_bots(external_dir / "lex_bots" / case)
    return out


@pytest.fixture(scope="session")
def lint_results(bots: dict[str, list[BotDefinition]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """cfn-lint errors of every re-exported template, by case (one cfn-lint process for all)."""
    folder = tmp_path_factory.mktemp("templates")
    files = {}
    for n, (case, defs) in enumerate(bots.items()):
        for m, defn in enumerate(defs):
            path = folder / f"{n}-{m}.yaml"
            path.write_text(cloudformation.dump_template(cloudformation.to_template(defn)), encoding="utf-8")
            files[str(path)] = case
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(cfn_lint), "--format", "json", *files], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode in (0, 2, 4, 6, 8, 10, 12, 14), done.stderr
    results: dict[str, list[dict[str, Any]]] = {case: [] for case in bots}
    for match in json.loads(done.stdout or "[]"):
        if match["Level"] == "Error":
            results[files[match["Filename"]]].append(match)
    return results


def test_every_external_bot_is_covered(external_dir: Path) -> None:
    assert len(SOURCES) >= 14, SOURCES
    assert any(p.is_dir() for p in SOURCES), "the unpacked ReminderBot folder"


@pytest.mark.parametrize("case", CASES)
def test_import_gives_a_usable_definition(bots: dict[str, list[BotDefinition]], case: str) -> None:
    for defn in bots[case]:
        assert defn.locales, f"{case}: no locales"
        for loc in defn.locales:
            assert loc.fallback_intent() is not None, f"{case}/{loc.locale_id}: no FallbackIntent"
            type_names = {t.name for t in loc.slot_types}
            for intent in loc.intents:
                for slot in intent.slots:
                    assert slot.slot_type_name.startswith("AMAZON.") or slot.slot_type_name in type_names
                assert set(intent.slot_priorities) <= {s.name for s in intent.slots}


@pytest.mark.parametrize("case", CASES)
def test_yaml_spec_round_trip(bots: dict[str, list[BotDefinition]], case: str, tmp_path: Path) -> None:
    for n, defn in enumerate(bots[case]):
        folder = tmp_path / str(n)
        yaml_spec.write_spec(defn, folder)
        assert yaml_spec.load_spec(folder) == defn


@pytest.mark.parametrize("case", CASES)
def test_cloudformation_round_trip(bots: dict[str, list[BotDefinition]], case: str) -> None:
    for defn in bots[case]:
        text = cloudformation.dump_template(cloudformation.to_template(defn))
        [back] = cloudformation.from_template(cloudformation.load_template(text))
        assert back == defn.without_replies()


@pytest.mark.parametrize("case", CASES)
def test_lexjson_round_trip(bots: dict[str, list[BotDefinition]], case: str, tmp_path: Path) -> None:
    for n, defn in enumerate(bots[case]):
        path = lexjson.write_zip(defn, tmp_path / f"{n}.zip")
        assert lexjson.read(path) == defn.without_replies()


@pytest.mark.parametrize("case", CASES)
def test_reexported_template_passes_cfn_lint(lint_results: dict[str, list[dict[str, Any]]], case: str) -> None:
    assert lint_results[case] == []


@pytest.mark.parametrize("case", CASES)
def test_api_plan_passes_botocore_validation(bots: dict[str, list[BotDefinition]], case: str) -> None:
    model = botocore.session.get_session().get_service_model("lexv2-models")
    for defn in bots[case]:
        calls = api_plan.build_plan(defn, role_arn="arn:aws:iam::123456789012:role/LexBotRole")
        ids = {p: f"ID{n:08d}" for n, p in enumerate(sorted(api_plan.placeholders([c.kwargs for c in calls])))}
        for call in calls:
            operation = model.operation_model("".join(part.capitalize() for part in call.operation.split("_")))
            report = ParamValidator().validate(api_plan.substitute(call.kwargs, ids), operation.input_shape)
            assert not report.has_errors(), f"{call.operation}: {report.generate_report()}"


def test_unmodelled_settings_are_kept_and_reported(bots: dict[str, list[BotDefinition]]) -> None:
    [repeat] = bots["lexjson/OrderFlowerRepeat-LexJson.zip"]
    lines = import_report(repeat)
    assert "intent en_US/RepeatIntent: kept initialResponseSetting in extras (not modelled by chat-lex)" in lines
    assert any("OrderFlowers/PickupTime" in line and "promptAttemptsSpecification" in line for line in lines)
    order = repeat.locales[0].intent("OrderFlowers")
    assert order is not None
    capture = order.slot("FlowerType")
    assert capture is not None
    assert capture.extras["valueElicitationSetting"]["slotCaptureSetting"]["captureNextStep"]["dialogAction"] == {
        "type": "ElicitSlot",
        "slotToElicit": "PickupDate",
    }
    [connect] = bots["cfn/ConnectGenAI.sam.yaml"]
    status = connect.locales[0].intent("orderStatus")
    assert status is not None
    success = status.extras["fulfillmentCodeHook"]["postFulfillmentStatusSpecification"]["successResponse"]
    assert success["messageGroups"][0]["message"]["plainTextMessage"]["value"].startswith("Thank You.")
    assert import_report(bots[SEED][0]) == []


def test_imports_carry_what_the_sources_say(bots: dict[str, list[BotDefinition]]) -> None:
    [book_trip] = bots["cfn/BookTrip.cfn.yaml"]
    car = book_trip.locales[0].intent("BookCar")
    assert car is not None
    assert car.slot_priorities == ["PickUpCity", "PickUpDate", "ReturnDate", "DriverAge", "CarType"]
    assert car.confirmation is not None and car.confirmation.prompt.max_retries == 3
    [blog] = bots["lexjson/BlogBot-LexJson.zip"]
    assert sorted(loc.locale_id for loc in blog.locales) == ["en_US", "ko_KR"]
    [zip_code] = bots["custom_resource/ZipCode.yaml"]
    assert zip_code.name == "ZipCodeUpdate"
    zip_type = zip_code.locales[0].slot_type("ZipCodeType")
    assert zip_type is not None
    assert zip_type.regex_filter == "[0-9]{8}" and zip_type.parent_slot_type_signature == "AMAZON.AlphaNumeric"
    [banker] = bots["custom_resource/BankerBot.yaml"]
    follow_up = banker.locales[0].intent("FollowupCheckBalance")
    assert follow_up is not None and follow_up.input_contexts == ["contextCheckBalance"]
    birth = follow_up.slot("dateOfBirth")
    assert birth is not None and birth.default_values == ["#contextCheckBalance.dateOfBirth"]
    [reminder] = bots["lexjson/ReminderBot"]
    assert reminder.name == "ReminderBot" and reminder.locales[0].voice_settings is not None
