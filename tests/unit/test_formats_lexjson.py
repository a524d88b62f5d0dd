"""The LexJson spoke: export layout against a real export, tolerant reading, hostile zips."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot_spec.definition import BotDefinition
from bot_spec.diagnostics import SpecError
from bot_spec.formats import lexjson
from bot_spec.formats.yaml_spec import load_spec


@pytest.fixture(scope="module")
def seed(seed_bot_dir: Path) -> BotDefinition:
    return load_spec(seed_bot_dir).without_replies()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _json_members(data: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: json.loads(archive.read(i)) for i in archive.infolist() if i.filename.endswith(".json")}


def test_layout_and_manifest_of_the_seed_export(seed: BotDefinition) -> None:
    files = lexjson.to_files(seed)
    assert sorted(files) == [
        "ChatBot/Bot.json",
        "ChatBot/BotLocales/en_US/BotLocale.json",
        "ChatBot/BotLocales/en_US/Intents/FallbackIntent/Intent.json",
        "ChatBot/BotLocales/en_US/Intents/Greeting/Intent.json",
        "ChatBot/BotLocales/en_US/Intents/Help/Intent.json",
        "ChatBot/BotLocales/en_US/Intents/Status/Intent.json",
        "ChatBot/BotLocales/en_US/Intents/Status/Slots/StatusType/Slot.json",
        "ChatBot/BotLocales/en_US/SlotTypes/StatusTypes/SlotType.json",
        "Manifest.json",
    ]
    assert json.loads(files["Manifest.json"]) == {"metaData": {"schemaVersion": "1", "fileFormat": "LexJson", "resourceType": "BOT"}}
    fallback = json.loads(files["ChatBot/BotLocales/en_US/Intents/FallbackIntent/Intent.json"])
    assert fallback["identifier"] == "FALLBCKINT"
    status = json.loads(files["ChatBot/BotLocales/en_US/Intents/Status/Intent.json"])
    assert status["slotPriorities"] == [{"priority": 1, "slotName": "StatusType"}]
    slot = json.loads(files["ChatBot/BotLocales/en_US/Intents/Status/Slots/StatusType/Slot.json"])
    assert slot["slotTypeName"] == "StatusTypes"
    assert "messageGroupsList" in slot["valueElicitationSetting"]["promptSpecification"]
    slot_type = json.loads(files["ChatBot/BotLocales/en_US/SlotTypes/StatusTypes/SlotType.json"])
    assert slot_type["valueSelectionSetting"]["resolutionStrategy"] == "TOP_RESOLUTION"
    locale = json.loads(files["ChatBot/BotLocales/en_US/BotLocale.json"])
    assert locale["identifier"] == "en_US" and locale["nluConfidenceThreshold"] == 0.4 and locale["name"] == "English (US)"
    ids = [json.loads(v)["identifier"] for k, v in files.items() if k.endswith(("Intent.json", "Slot.json", "SlotType.json"))]
    assert all(len(i) == 10 and i.isalnum() and i.isupper() for i in ids) and len(set(ids)) == len(ids)


def test_export_matches_a_real_export_structurally(external_dir: Path, tmp_path: Path) -> None:
    real_zip = external_dir / "lex_bots" / "lexjson" / "OrderFlowerRepeat-LexJson.zip"
    real = _json_members(real_zip.read_bytes())
    ours = _json_members(lexjson.to_zip_bytes(lexjson.read(real_zip)))
    assert sorted(ours) == sorted(real)
    for path, real_doc in real.items():
        missing = set(real_doc) - set(ours[path])
        assert not missing, f"{path} lacks {missing}"
        for key in ("identifier",):
            if path.endswith("Intent.json") and real_doc["name"] == "FallbackIntent":
                assert ours[path][key] == real_doc[key] == "FALLBCKINT"
    intent = "OrderFlower-repeat/BotLocales/en_US/Intents/OrderFlowers/Intent.json"
    by_priority = sorted(real[intent]["slotPriorities"], key=lambda p: p["priority"])
    assert ours[intent]["slotPriorities"] == by_priority
    slot = "OrderFlower-repeat/BotLocales/en_US/Intents/OrderFlowers/Slots/PickupTime/Slot.json"
    real_setting = real[slot]["valueElicitationSetting"]
    our_setting = ours[slot]["valueElicitationSetting"]
    assert (
        our_setting["promptSpecification"]["promptAttemptsSpecification"]
        == real_setting["promptSpecification"]["promptAttemptsSpecification"]
    )
    assert our_setting["slotCaptureSetting"]["elicitationCodeHook"] == {"enableCodeHookInvocation": True}


def test_seed_round_trips_through_zip_and_folder(seed: BotDefinition, tmp_path: Path) -> None:
    path = lexjson.write_zip(seed, tmp_path / "out" / "ChatBot-LexJson.zip")
    assert lexjson.read(path) == seed
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    assert lexjson.read(folder) == seed


def test_reading_tolerates_case_top_folder_old_names_and_conversation_flow(seed: BotDefinition) -> None:
    files = lexjson.to_files(seed)
    tweaked: dict[str, bytes] = {}
    for name, data in files.items():
        text = data.decode("utf-8").replace('"messageGroupsList"', '"messageGroupList"')
        tweaked[f"Export/{name.lower() if name.endswith('Manifest.json') else name.replace('Intent.json', 'intent.JSON')}"] = text.encode()
    tweaked["Export/ChatBot/BotLocales/en_US/Intents/Status/ConversationFlow.json"] = b'{"nodes": []}'
    assert lexjson.read_bytes(_zip(tweaked)) == seed


def _with(files: dict[str, bytes], name: str, doc: Any) -> bytes:
    return _zip({**files, name: json.dumps(doc).encode()})


@pytest.mark.parametrize(
    ("change", "message", "where"),
    [
        (lambda f: {k: v for k, v in f.items() if k != "Manifest.json"}, "no Manifest.json", ""),
        (lambda f: {**f, "Manifest.json": b'{"metaData": {"fileFormat": "TSV", "resourceType": "BOT"}}'}, "not LexJson", "Manifest.json"),
        (
            lambda f: {**f, "Manifest.json": b'{"metaData": {"fileFormat": "LexJson", "resourceType": "BOT_LOCALE"}}'},
            "whole-bot",
            "Manifest.json",
        ),
        (lambda f: {**f, "Manifest.json": b"[1, 2]"}, "expected a JSON object", "Manifest.json"),
        (lambda f: {**f, "ChatBot/Bot.json": b"{not json"}, "not valid JSON", "ChatBot/Bot.json"),
        (lambda f: {**f, "ChatBot/Bot.json": b"\xff\xfe\x00"}, "not UTF-8", "ChatBot/Bot.json"),
        (lambda f: {**f, "Other/Bot.json": f["ChatBot/Bot.json"]}, "expected one bot", ""),
        (lambda f: {k: v for k, v in f.items() if not k.endswith("Bot.json")}, "no <Bot>/Bot.json", ""),
    ],
)
def test_malformed_exports_name_the_file(seed: BotDefinition, change: Any, message: str, where: str) -> None:
    with pytest.raises(SpecError) as caught:
        lexjson.read_bytes(_zip(change(lexjson.to_files(seed))), "bad.zip")
    [diag] = caught.value.diagnostics
    assert message in diag.message
    assert diag.file is not None and diag.file.startswith("bad.zip") and diag.file.endswith(where)
    assert diag.fix


@pytest.mark.parametrize(
    ("member", "field", "value", "message"),
    [
        ("ChatBot/BotLocales/en_US/Intents/Status/Intent.json", "sampleUtterances", "check my status", "expected a list"),
        (
            "ChatBot/BotLocales/en_US/Intents/Status/Intent.json",
            "slotPriorities",
            [{"priority": "1", "slotName": "StatusType"}],
            "integer priority",
        ),
        ("ChatBot/BotLocales/en_US/Intents/Status/Slots/StatusType/Slot.json", "valueElicitationSetting", 7, "expected an object"),
        ("ChatBot/BotLocales/en_US/Intents/Status/Slots/StatusType/Slot.json", "slotTypeName", None, "no slot type"),
        ("ChatBot/BotLocales/en_US/SlotTypes/StatusTypes/SlotType.json", "slotTypeValues", {"value": "x"}, "expected a list"),
        ("ChatBot/BotLocales/en_US/BotLocale.json", "nluConfidenceThreshold", "high", "expected a number"),
        ("ChatBot/Bot.json", "idleSessionTTLInSeconds", True, "expected an integer"),
    ],
)
def test_wrong_json_types_name_the_member(seed: BotDefinition, member: str, field: str, value: Any, message: str) -> None:
    files = lexjson.to_files(seed)
    doc = json.loads(files[member])
    doc[field] = value
    with pytest.raises(SpecError) as caught:
        lexjson.read_bytes(_with(files, member, doc), "bad.zip")
    [diag] = caught.value.diagnostics
    assert diag.file == f"bad.zip!{member}"
    assert message in diag.message


def test_zip_bomb_member_is_refused_by_size(seed: BotDefinition, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexjson, "MAX_MEMBER_BYTES", 64 * 1024)
    files = lexjson.to_files(seed)
    bomb = _zip({**files, "ChatBot/BotLocales/en_US/Intents/Help/Intent.json": b" " * (1024 * 1024) + b"{}"})
    assert len(bomb) < 32 * 1024  # it compresses to almost nothing
    with pytest.raises(SpecError, match="more than 65536"):
        lexjson.read_bytes(bomb, "bomb.zip")


def test_zip_expanding_past_the_total_cap_is_refused(seed: BotDefinition, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexjson, "MAX_TOTAL_BYTES", 10_000)
    files = lexjson.to_files(seed)
    padded = {**files, **{f"pad/{i}.bin": b"0" * 5_000 for i in range(3)}}
    with pytest.raises(SpecError, match="expands to"):
        lexjson.read_bytes(_zip(padded), "big.zip")


def test_too_many_members_is_refused(seed: BotDefinition, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexjson, "MAX_MEMBERS", 5)
    with pytest.raises(SpecError, match="more than 5"):
        lexjson.read_bytes(_zip(lexjson.to_files(seed)), "many.zip")


def test_corrupt_and_missing_inputs(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(SpecError, match="not a readable zip") as caught:
        lexjson.read(corrupt)
    assert caught.value.diagnostics[0].file == str(corrupt)
    with pytest.raises(SpecError, match="no such file"):
        lexjson.read(tmp_path / "absent.zip")
    with pytest.raises(SpecError, match=r"no Manifest\.json"):
        lexjson.read(tmp_path)


def test_unpacked_folder_errors_name_the_file_on_disk(seed: BotDefinition, tmp_path: Path) -> None:
    for name, data in lexjson.to_files(seed).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    bad = tmp_path / "ChatBot/BotLocales/en_US/Intents/Help/Intent.json"
    bad.write_text('{"name": "Help", "sampleUtterances": 3}', encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        lexjson.read(tmp_path)
    [diag] = caught.value.diagnostics
    assert diag.file == str(bad)
    assert diag.path == "sampleUtterances" and "expected a list" in diag.message


def test_malformed_extras_are_a_spec_error_naming_the_field(seed: BotDefinition) -> None:
    broken = copy.deepcopy(seed)
    greeting = broken.locales[0].intent("Greeting")
    assert greeting is not None
    greeting.extras = {"initialResponseSetting": {"nextStep": "ElicitIntent"}}
    with pytest.raises(SpecError) as caught:
        lexjson.to_files(broken)
    [diag] = caught.value.diagnostics
    assert diag.path == "locales.en_US.intents.Greeting.initialResponseSetting.nextStep"
    assert "expected an object" in diag.message


def test_custom_vocabulary_file_is_read_and_checked(seed: BotDefinition) -> None:
    files = lexjson.to_files(seed)
    name = "ChatBot/BotLocales/en_US/CustomVocabulary/CustomVocabulary.json"
    good = lexjson.read_bytes(_with(files, name, {"customVocabularyItems": [{"phrase": "parcel", "weight": 3}]}))
    assert good.locales[0].extras == {"customVocabulary": {"customVocabularyItems": [{"phrase": "parcel", "weight": 3}]}}
    assert lexjson.read_bytes(lexjson.to_zip_bytes(good)) == good
    with pytest.raises(SpecError) as caught:
        lexjson.read_bytes(_with(files, name, {"customVocabularyItems": [{"weight": 3}]}), "bad.zip")
    [diag] = caught.value.diagnostics
    assert diag.file == f"bad.zip!{name}" and "needs a phrase" in diag.message
