"""``chat-lex validate | lint | compile | import`` end to end: exit codes, output, files written,
and no traceback for bad input (in process via ``tools.cli.main`` and as a real subprocess)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from bot_spec.formats import cloudformation
from bot_spec.formats.yaml_spec import load_spec
from tools.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHAT_LEX = PROJECT_ROOT / ".venv" / "bin" / "chat-lex"


def copy_seed(tmp_path: Path, seed_bot_dir: Path) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, root)
    return root


def broken_bot(tmp_path: Path, seed_bot_dir: Path) -> Path:
    root = copy_seed(tmp_path, seed_bot_dir)
    bot = (root / "bot.yaml").read_text().replace("idle_session_ttl: 300", "idle_session_ttl: 30")
    (root / "bot.yaml").write_text(bot)
    return root


# ---------------------------------------------------------------- validate and lint


def test_validate_seed_bot(seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(seed_bot_dir)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "✓ ChatBot: 4 intents, 1 slot types, 1 locales — no errors"
    assert out.err == ""


def test_validate_defaults_to_the_seed_bot(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(PROJECT_ROOT)
    assert main(["validate"]) == 0
    assert "✓ ChatBot" in capsys.readouterr().out


def test_validate_reports_schema_errors_with_position(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_bot(tmp_path, seed_bot_dir)
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr()
    assert f"{root / 'bot.yaml'}:4:19: error S104: `idle_session_ttl` must be between 60 and 86400 seconds" in out.err
    assert "    fix: use a value between 60 and 86400 seconds" in out.err
    assert out.out.strip() == f"✗ {root}: 1 error"


def test_validate_passes_with_warnings_only(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_seed(tmp_path, seed_bot_dir)
    (root / "slot_types" / "Unused.yaml").write_text("name: Unused\nvalues: [a]\n")
    assert main(["validate", str(root)]) == 0
    out = capsys.readouterr()
    assert "warning L108" in out.err
    assert out.out.strip() == "✓ ChatBot: 4 intents, 2 slot types, 1 locales — no errors, 1 warning"


def test_validate_fails_on_lint_errors(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_seed(tmp_path, seed_bot_dir)
    (root / "intents" / "FallbackIntent.yaml").unlink()
    assert main(["validate", str(root)]) == 1
    assert "error L140" in capsys.readouterr().err


def test_lint_json(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_seed(tmp_path, seed_bot_dir)
    help_file = root / "intents" / "Help.yaml"
    help_file.write_text(help_file.read_text().replace("    - menu\n", "    - hello\n"))
    assert main(["lint", str(root), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["bot"], report["errors"], report["warnings"]) == ("ChatBot", 1, 0)
    (diag,) = report["diagnostics"]
    assert diag["code"] == "L101" and diag["file"] == str(help_file) and diag["line"] == 18 and diag["column"] == 7


def test_lint_json_for_schema_errors(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(broken_bot(tmp_path, seed_bot_dir)), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in report["diagnostics"]] == ["S104"]


def test_two_thousand_intents_fail_validation_quickly(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_seed(tmp_path, seed_bot_dir)
    for n in range(2000):
        (root / "intents" / f"Generated{n}.yaml").write_text(f"name: Generated{n}\nutterances:\n  en_US: [generated request number {n}]\n")
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr()
    assert "error L122: en_US has 2004 intents; Lex allows at most 1000 in en_US" in out.err
    assert out.out.startswith("✗ ChatBot: 2004 intents")


# ---------------------------------------------------------------- compile


def test_compile_cloudformation_yaml_and_json(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("bot.cfn.yaml", "bot.cfn.json"):
        out = tmp_path / "dist" / name  # a new folder outside the project: --parents
        assert main(["compile", str(seed_bot_dir), "--format", "cloudformation", "--parents", "-o", str(out)]) == 0
        text = out.read_text()
        template = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
        bots = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lex::Bot"]
        assert [b["Properties"]["Name"] for b in bots] == ["ChatBot"]
        assert f"to {out}" in capsys.readouterr().out


def test_compile_lexjson(tmp_path: Path, seed_bot_dir: Path) -> None:
    out = tmp_path / "bot-LexJson.zip"
    assert main(["compile", str(seed_bot_dir), "--format", "lexjson", "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        names = {n.lower() for n in archive.namelist()}
    assert "manifest.json" in names
    assert any(n.endswith("intents/status/intent.json") for n in names)


def test_compile_api_plan(tmp_path: Path, seed_bot_dir: Path) -> None:
    out = tmp_path / "plan.json"
    assert main(["compile", str(seed_bot_dir), "--format", "api-plan", "-o", str(out)]) == 0
    plan = json.loads(out.read_text())
    assert plan[0]["operation"] == "create_bot"
    assert {"create_intent", "create_slot", "create_slot_type", "build_bot_locale"} <= {c["operation"] for c in plan}


def test_compile_yaml_round_trips(tmp_path: Path, seed_bot_dir: Path) -> None:
    out = tmp_path / "normalised"
    assert main(["compile", str(seed_bot_dir), "--format", "yaml", "-o", str(out)]) == 0
    assert load_spec(out).fingerprint() == load_spec(seed_bot_dir).fingerprint()


def test_compile_writes_nothing_when_the_spec_has_errors(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bot.cfn.yaml"
    assert main(["compile", str(broken_bot(tmp_path, seed_bot_dir)), "--format", "cloudformation", "-o", str(out)]) == 1
    assert not out.exists()
    assert "nothing written" in capsys.readouterr().out


def test_compile_yaml_refuses_a_non_empty_folder_and_the_source(
    tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_seed(tmp_path, seed_bot_dir)
    before = {p: p.read_bytes() for p in root.rglob("*.yaml")}
    assert main(["compile", str(root), "--format", "yaml", "-o", str(root)]) == 2
    assert "would overwrite it" in capsys.readouterr().err
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    assert main(["compile", str(root), "--format", "yaml", "-o", str(busy)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in root.rglob("*.yaml")} == before


def test_compile_to_a_folder_for_a_file_format(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(seed_bot_dir), "--format", "lexjson", "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


# ---------------------------------------------------------------- import


def test_import_a_cloudformation_bot(tmp_path: Path, external_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "booktrip"
    assert main(["import", str(external_dir / "lex_bots" / "cfn" / "BookTrip.cfn.yaml"), "-o", str(out)]) == 0
    assert (out / "bot.yaml").is_file()
    printed = capsys.readouterr().out
    assert f"into {out}" in printed and "— no errors" in printed
    assert main(["validate", str(out)]) == 0


def test_import_reports_lex_extras(tmp_path: Path, external_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reminder"
    assert main(["import", str(external_dir / "lex_bots" / "lexjson" / "ReminderBot"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "kept in lex_extras" in printed
    assert "intent en_US/CallIntent: kept initialResponseSetting" in printed


def test_import_several_bots_into_one_folder_each(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = load_spec(seed_bot_dir)
    second = load_spec(seed_bot_dir)
    second.name = "OtherBot"
    template = cloudformation.to_template(first)
    template["Resources"].update(cloudformation.to_template(second)["Resources"])
    path = tmp_path / "two.json"
    path.write_text(json.dumps(template))
    out = tmp_path / "imported"
    assert main(["import", str(path), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["ChatBot", "OtherBot"]
    assert load_spec(out / "OtherBot").name == "OtherBot"


def test_import_refuses_two_bots_of_one_name(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = cloudformation.to_template(load_spec(seed_bot_dir))
    resources = template["Resources"]
    logical = next(k for k, r in resources.items() if r["Type"] == "AWS::Lex::Bot")
    resources[logical + "Copy"] = json.loads(json.dumps(resources[logical]))
    path = tmp_path / "twins.json"
    path.write_text(json.dumps(template))
    assert main(["import", str(path), "-o", str(tmp_path / "out")]) == 1
    assert "cannot import ChatBot" in capsys.readouterr().err


def test_import_rejects_what_is_not_a_bot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["import", str(junk), "-o", str(tmp_path / "out")]) == 1
    assert main(["import", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(junk) in err
    assert not (tmp_path / "out").exists()


def test_import_refuses_a_non_empty_folder(tmp_path: Path, external_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    assert main(["import", str(external_dir / "lex_bots" / "cfn" / "BookTrip.cfn.yaml"), "-o", str(tmp_path / "busy")]) == 2
    assert "is not empty" in capsys.readouterr().err


# ---------------------------------------------------------------- the real executable


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHAT_LEX), *args], capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)


def test_executable_exit_codes(tmp_path: Path, seed_bot_dir: Path) -> None:
    ok = run_cli("validate", str(seed_bot_dir))
    assert ok.returncode == 0 and "✓ ChatBot" in ok.stdout
    usage = run_cli("compile", str(seed_bot_dir), "-o", str(tmp_path / "x"))
    assert usage.returncode == 2 and "--format" in usage.stderr
    for result in (ok, usage):
        assert "Traceback" not in result.stderr


def test_executable_on_hostile_files(tmp_path: Path, seed_bot_dir: Path) -> None:
    """Exit code 1 and one plain line per problem, for files meant to break a parser."""
    root = copy_seed(tmp_path, seed_bot_dir)
    (root / "bot.yaml").write_bytes(bytes(range(256)) * 100)
    (root / "intents" / "Help.yaml").write_text("name: Help\nutterances: !!binary aGVsbG8=\n")
    bomb = (
        "name: Greeting\n"
        + "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 9))
    )
    (root / "intents" / "Greeting.yaml").write_text(bomb)
    result = run_cli("validate", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert all(f"error {code}" in result.stderr for code in ("S004", "S005", "S009"))
