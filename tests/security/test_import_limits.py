"""Import refuses documents past ``validate``'s value caps before building them.

Before these caps a 5 MB flat list in a CloudFormation template took ~40 s and ~1.2 GB
to import (benchmarks/hostile_import_bench.py gives today's figures). The inputs here
are just past the caps, so each test stays quick.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from benchmarks.hostile_import_bench import _CHILD, flat_yaml
from bot_spec import import_limits
from bot_spec.diagnostics import SpecError
from bot_spec.formats import lexjson
from bot_spec.formats.yaml_spec import load_spec
from bot_spec.import_limits import check_yaml_text, count_values
from bot_spec.importer import import_bots
from bot_spec.spec_source import MAX_DEPTH, MAX_EVENTS_PER_FILE, MAX_NODES_PER_FILE

_HEAD = "Resources:\n  Bot:\n    Type: AWS::Lex::Bot\n    Properties:\n      Name: Big\n      BotLocales:\n        - LocaleId: en_US\n"


def _refusal(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        import_bots(path)
    [diag] = caught.value.diagnostics
    assert diag.file is not None and diag.file.startswith(str(path)) and diag.fix
    return diag.message


def _cfn_json(utterances: Any) -> dict[str, Any]:
    intent = {"Name": "Big", "SampleUtterances": utterances}
    properties = {"Name": "Big", "BotLocales": [{"LocaleId": "en_US", "Intents": [intent]}]}
    return {"Resources": {"Bot": {"Type": "AWS::Lex::Bot", "Properties": properties}}}


def test_flat_yaml_list_past_the_event_cap(tmp_path: Path) -> None:
    path = tmp_path / "flat.yaml"
    path.write_text(_HEAD + "          Intents: [" + ",".join(["a"] * MAX_EVENTS_PER_FILE) + "]\n", encoding="utf-8")
    assert f"more than {MAX_EVENTS_PER_FILE:,} YAML values" in _refusal(path)


def test_yaml_nesting_past_the_depth_cap(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(_HEAD + "          Intents: " + "[" * 60 + "]" * 60 + "\n", encoding="utf-8")
    assert f"nests deeper than {MAX_DEPTH} levels" in _refusal(path)


def test_yaml_nesting_past_libyamls_own_cap(tmp_path: Path) -> None:
    path = tmp_path / "deeper.yaml"
    path.write_text(_HEAD + "          Intents: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert "nest" in _refusal(path)


def test_flat_json_list_past_the_value_cap(tmp_path: Path) -> None:
    path = tmp_path / "flat.json"
    path.write_text(json.dumps(_cfn_json([{"Utterance": "a"}] * (MAX_NODES_PER_FILE // 2))), encoding="utf-8")
    assert f"more than {MAX_NODES_PER_FILE:,} values" in _refusal(path)


def test_json_nesting_past_the_depth_cap(tmp_path: Path) -> None:
    deep: Any = "a"
    for _ in range(60):
        deep = [deep]
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(_cfn_json(deep)), encoding="utf-8")
    assert f"nests deeper than {MAX_DEPTH} levels" in _refusal(path)


def _zip(files: dict[str, bytes], path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_lexjson_member_past_the_value_cap(seed_bot_dir: Path, tmp_path: Path) -> None:
    files = lexjson.to_files(load_spec(seed_bot_dir))
    key = next(k for k in files if k.endswith("/Greeting/Intent.json"))
    doc = json.loads(files[key])
    doc["sampleUtterances"] = ["x"] * MAX_NODES_PER_FILE  # 2 MB: under the 8 MB member cap
    files[key] = json.dumps(doc).encode()
    message = _refusal(_zip(files, tmp_path / "bot.zip"))
    assert f"more than {MAX_NODES_PER_FILE:,} values" in message


def test_lexjson_export_past_the_whole_bot_cap(seed_bot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file under its own cap, together past the cap for a whole bot (scaled down: 20,000 values)."""
    monkeypatch.setattr(import_limits, "MAX_EVENTS_PER_SPEC", 20_000)

    def converted(*args: Any) -> Any:
        raise AssertionError("an intent was converted before the whole export was counted")

    monkeypatch.setattr(lexjson, "_read_intent", converted)
    files = lexjson.to_files(load_spec(seed_bot_dir))
    template = json.loads(files[next(k for k in files if k.endswith("/Help/Intent.json"))])
    for n in range(5):
        doc = dict(template, name=f"Filler{n}", identifier=f"FILLER{n:04d}", sampleUtterances=[{"utterance": "x"}] * 2_500)
        files[f"ChatBot/BotLocales/en_US/Intents/Filler{n}/Intent.json"] = json.dumps(doc).encode()
    assert "more than 20,000 values in all" in _refusal(_zip(files, tmp_path / "bot.zip"))


def test_real_bots_fit_well_inside_the_caps(external_dir: Path) -> None:
    """The caps leave room: every real template in external/ counts far below them."""
    for path in sorted((external_dir / "lex_bots" / "cfn").glob("*.yaml")):
        events = check_yaml_text(path.read_text(encoding="utf-8"))
        assert 0 < events < MAX_EVENTS_PER_FILE // 10, path.name
        assert import_bots(path)


def test_count_values_counts_and_stops_early() -> None:
    assert count_values({"a": [1, 2, {"b": None}]}) == 6
    with pytest.raises(ValueError, match="more than 10 values"):
        count_values(list(range(1_000_000)), budget=10)


def test_five_megabyte_hostile_template_stays_small(tmp_path: Path) -> None:
    """The 5 MB flat list from the benchmark, imported by the real CLI in a child process.

    Its peak RSS was ~1.2 GB before the event cap; the bound here is loose (the
    interpreter and chat-lex alone take ~50 MB) so that only a regression trips it.
    """
    source = tmp_path / "flat.yaml"
    source.write_text(flat_yaml(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "import", str(source), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 1 and "too large to import" in done.stderr
    peak_mb = int(done.stdout.split("PEAK_KB ")[1].split()[0]) / 1024
    assert peak_mb < 300, f"peak RSS {peak_mb:.0f} MB"
    assert not (tmp_path / "out").exists()
