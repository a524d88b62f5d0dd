"""``chat-lex import`` with hostile intent and slot-type names: nothing is written, anywhere.

Intent and slot-type names become file names of the spec folder. Each case feeds one
hostile name through one import format and checks that the import fails, names Lex's
naming rule, leaves ``-o`` uncreated and writes nothing else under the test folder.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot_spec.definition import Intent
from bot_spec.diagnostics import SpecError
from bot_spec.formats import cloudformation, lexjson
from bot_spec.formats.yaml_spec import load_spec, write_spec
from tools.cli import main

HOSTILE_NAMES = {
    "parent-dirs": "../../../escaped/EVIL",
    "absolute": "/tmp/chat-lex-escaped/EVIL",
    "backslashes": "..\\..\\..\\escaped\\EVIL",
    "nul": "EV\x00IL",
    "newline": "EVIL\n",
    "very-long": "A" * 300,
    "greek-lookalike": "Gr\u0435eting",  # Cyrillic e
    "fullwidth": "\uff25\uff36\uff29\uff2c",
    "dot-dot": "..",
}


def _seed_files(seed_bot_dir: Path) -> dict[str, bytes]:
    return lexjson.to_files(load_spec(seed_bot_dir))


def _renamed_json(data: bytes, key: str, name: str) -> bytes:
    doc = json.loads(data)
    doc[key] = name
    return json.dumps(doc).encode("utf-8")


def _hostile_export(seed_bot_dir: Path, name: str, what: str) -> dict[str, bytes]:
    """The seed bot's LexJson files with the Greeting intent (or the StatusTypes slot type) renamed."""
    files = _seed_files(seed_bot_dir)
    key = next(k for k in files if k.endswith("/Intents/Greeting/Intent.json" if what == "intent" else "/StatusTypes/SlotType.json"))
    files[key] = _renamed_json(files[key], "name", name)
    if what == "slot type":  # the slot that uses it must name it too, or the import fails earlier
        slot = next(k for k in files if k.endswith("/Slots/StatusType/Slot.json"))
        files[slot] = _renamed_json(files[slot], "slotTypeName", name)
    return files


def _write_zip(files: dict[str, bytes], path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    path.write_bytes(buffer.getvalue())
    return path


def _write_folder(files: dict[str, bytes], path: Path) -> Path:
    for member, data in files.items():
        (path / member).parent.mkdir(parents=True, exist_ok=True)
        (path / member).write_bytes(data)
    return path


def lexjson_zip(seed: Path, name: str, what: str, where: Path) -> Path:
    return _write_zip(_hostile_export(seed, name, what), where / "bot.zip")


def lexjson_folder(seed: Path, name: str, what: str, where: Path) -> Path:
    return _write_folder(_hostile_export(seed, name, what), where / "export")


def cfn_template(seed: Path, name: str, what: str, where: Path) -> Path:
    template = cloudformation.to_template(load_spec(seed))
    bot = next(r for r in template["Resources"].values() if r["Type"] == cloudformation.BOT_TYPE)
    locale = bot["Properties"]["BotLocales"][0]
    if what == "intent":
        next(i for i in locale["Intents"] if i["Name"] == "Greeting")["Name"] = name
    else:
        next(t for t in locale["SlotTypes"] if t["Name"] == "StatusTypes")["Name"] = name
        for intent in locale["Intents"]:
            for slot in intent.get("Slots", []):
                if slot["SlotTypeName"] == "StatusTypes":
                    slot["SlotTypeName"] = name
    path = where / "bot.json"  # JSON, so NUL and newlines travel as escapes
    path.write_text(json.dumps(template), encoding="utf-8")
    return path


def custom_resource_template(seed: Path, name: str, what: str, where: Path) -> Path:
    slot_types: list[dict[str, Any]] = []
    intents: list[dict[str, Any]] = [{"intentName": "Hello", "sampleUtterances": [{"utterance": "hello"}]}]
    if what == "intent":
        intents[0]["intentName"] = name
    else:
        slot_types.append(
            {
                "slotTypeName": name,
                "valueSelectionSetting": {"resolutionStrategy": "OriginalValue"},
                "slotTypeValues": [{"sampleValue": {"value": "x"}}],
            }
        )
    template = {
        "Resources": {
            "Bot": {
                "Type": "Custom::LexBot",
                "Properties": {
                    "botName": "Shop",
                    "idleSessionTTLInSeconds": 300,
                    "dataPrivacy": {"childDirected": False},
                    "CR.botLocales": [
                        {"localeId": "en_US", "nluIntentConfidenceThreshold": 0.4, "CR.intents": intents, "CR.slotTypes": slot_types}
                    ],
                },
            }
        }
    }
    path = where / "cr.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    return path


FORMATS: dict[str, Callable[[Path, str, str, Path], Path]] = {
    "lexjson-zip": lexjson_zip,
    "lexjson-folder": lexjson_folder,
    "cloudformation": cfn_template,
    "custom-resource": custom_resource_template,
}


def _tree(root: Path) -> set[Path]:
    return set(root.rglob("*"))


@pytest.mark.parametrize("what", ["intent", "slot type"])
@pytest.mark.parametrize("label", sorted(HOSTILE_NAMES))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_hostile_name_writes_nothing(
    fmt: str, label: str, what: str, seed_bot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work" / "deep" / "inside"
    work.mkdir(parents=True)
    source = FORMATS[fmt](seed_bot_dir, HOSTILE_NAMES[label], what, work)
    before = _tree(tmp_path)
    out = work / "out"
    assert main(["import", str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "naming rule" in err and "Traceback" not in err
    assert not out.exists()
    assert _tree(tmp_path) == before  # no EVIL.yaml anywhere, no staging folder left
    assert not Path("/tmp/chat-lex-escaped").exists()


def test_bot_name_is_checked_too(seed_bot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _seed_files(seed_bot_dir)
    files["ChatBot/Bot.json"] = _renamed_json(files["ChatBot/Bot.json"], "name", "../../EVIL")
    source = _write_zip(files, tmp_path / "bot.zip")
    assert main(["import", str(source), "-o", str(tmp_path / "out")]) == 1
    assert "bot name '../../EVIL' breaks Lex's naming rule" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.zip"]


def test_write_spec_keeps_every_file_inside_the_folder(seed_bot_dir: Path, tmp_path: Path) -> None:
    """The last line of defence, for callers that skip the importer's name check."""
    defn = load_spec(seed_bot_dir)
    defn.locales[0].intents.append(Intent(name="../../EVIL"))
    out = tmp_path / "a" / "out"
    with pytest.raises(SpecError) as caught:
        write_spec(defn, out)
    assert "outside" in caught.value.diagnostics[0].message
    assert not (tmp_path / "EVIL.yaml").exists() and not out.exists()


def test_failed_write_leaves_no_half_written_folder(
    seed_bot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write_zip(_seed_files(seed_bot_dir), tmp_path / "bot.zip")
    calls = 0
    real_write_text = Path.write_text

    def flaky(self: Path, *args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:  # bot.yaml and one intent are on disk by now
            raise OSError(28, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", flaky)
    out = tmp_path / "out"
    assert main(["import", str(source), "-o", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.zip"]


def test_import_into_an_existing_empty_folder_still_works(seed_bot_dir: Path, tmp_path: Path) -> None:
    source = _write_zip(_seed_files(seed_bot_dir), tmp_path / "bot.zip")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["import", str(source), "-o", str(out)]) == 0
    assert load_spec(out).name == "ChatBot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.zip", "out"]


def test_symlink_out_of_a_lexjson_folder_is_refused(seed_bot_dir: Path, tmp_path: Path) -> None:
    export = _write_folder(_seed_files(seed_bot_dir), tmp_path / "export")
    secret = tmp_path / "secret.json"
    secret.write_text('{"name": "Greeting", "identifier": "X"}', encoding="utf-8")
    intent = export / "ChatBot/BotLocales/en_US/Intents/Greeting/Intent.json"
    intent.unlink()
    intent.symlink_to(secret)
    with pytest.raises(SpecError) as caught:
        from bot_spec.importer import import_bots

        import_bots(export)
    assert "links outside the export folder" in caught.value.diagnostics[0].message


def test_import_into_the_empty_working_folder(seed_bot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o .``: the staged files move into the folder; renaming over the working folder would fail."""
    source = _write_zip(_seed_files(seed_bot_dir), tmp_path / "bot.zip")
    here = tmp_path / "here"
    here.mkdir(mode=0o750)
    here.chmod(0o750)
    monkeypatch.chdir(here)
    assert main(["import", str(source), "-o", "."]) == 0
    assert load_spec(here).name == "ChatBot"
    assert here.stat().st_mode & 0o777 == 0o750  # the folder itself is kept, with its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.zip", "here"]
