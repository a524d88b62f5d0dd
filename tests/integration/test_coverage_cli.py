"""``chat-lex test --coverage`` and ``chat-lex coverage --fail-under`` as CI runs them; the seed bot stays at 100 %."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SEED_FEATURES = PROJECT / "conversation_tests" / "features"


def chat_lex(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_seed_features_cover_all_of_the_seed_bot(tmp_path: Path) -> None:
    # `make test` runs this: a new intent, slot value, synonym, prompt or button without a scenario fails it.
    data = tmp_path / "coverage.json"
    html = tmp_path / "html"
    run = chat_lex(
        "test", str(SEED_FEATURES), "--lex-target", "engine", "--coverage", str(data), "--coverage-html", str(html), cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout + run.stderr
    gate = chat_lex("coverage", str(data), "--fail-under", "100", cwd=tmp_path)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "engine: 100.0 %" in gate.stdout
    assert "untested" not in gate.stdout
    page = (html / "index.html").read_text(encoding="utf-8")
    assert "class=untested" not in page and "<script" not in page
    report = json.loads(data.read_text(encoding="utf-8"))
    ids = {item["id"] for item in report["targets"]["engine"]["items"]}
    assert {
        "Status/synonym/StatusType/delivery/parcel",
        "Status/button/StatusType/Choose a status type/Delivery",
        "FallbackIntent/intent",
    } <= ids


def test_a_partial_run_is_gated_and_lists_what_is_untested(tmp_path: Path) -> None:
    data = tmp_path / "coverage.json"
    run = chat_lex("test", str(SEED_FEATURES / "help.feature"), "--lex-target", "engine", "--coverage", str(data), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    gate = chat_lex("coverage", str(data), "--fail-under", "90", "--html", str(tmp_path / "html"), cwd=tmp_path)
    assert gate.returncode == 1
    assert "coverage under 90 % on: engine" in gate.stderr
    assert "untested: Status slot-elicited 'StatusType'" in gate.stdout
    assert "untested: Greeting intent 'reached'" in gate.stdout
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "class=untested" in page and "help - Asking for help" in page
    low = chat_lex("coverage", str(data), "--fail-under", "5", cwd=tmp_path)
    assert low.returncode == 0, low.stderr


def test_failed_scenarios_cover_nothing(tmp_path: Path) -> None:
    feature = tmp_path / "wrong.feature"
    feature.write_text(
        'Feature: Wrong\n  Scenario: Help, expected wrongly\n    Given a new conversation\n    When I say "help"\n'
        '    Then the intent is "Greeting"\n',
        encoding="utf-8",
    )
    data = tmp_path / "coverage.json"
    run = chat_lex("test", str(feature), "--lex-target", "engine", "--coverage", str(data), cwd=tmp_path)
    assert run.returncode == 1
    report = json.loads(data.read_text(encoding="utf-8"))
    assert report["targets"]["engine"]["percent"] == 0
    assert report["targets"]["engine"]["scenarios"] == []


def test_bad_coverage_arguments_and_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    run = chat_lex("coverage", str(bad), cwd=tmp_path)
    assert run.returncode == 2 and "not JSON" in run.stderr
    for value in ("101", "-1", "nan", "ninety"):
        run = chat_lex("coverage", str(bad), "--fail-under", value, cwd=tmp_path)
        assert run.returncode == 2, value
        assert "--fail-under" in run.stderr
