"""``chat-lex test`` end to end, as a user runs it: features outside the project, JUnit, transcripts, errors."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tools.cli import main

PROJECT = Path(__file__).resolve().parents[2]

PASSING = """Feature: Passing
  Scenario: Greeting
    Given a new conversation
    When I say "hello"
    Then the intent is "Greeting"

  Scenario Outline: Status types
    Given a new conversation
    When I say "where is my <type>"
    Then the slot "StatusType" is "<type>"

    Examples:
      | type     |
      | order    |
      | delivery |
"""

FAILING = """Feature: Failing
  Scenario: Wrong expectation
    Given a new conversation
    When I say "hello"
    Then the bot says "Good night!"

  Scenario: A typo in a step
    Given a new conversation
    When I sya "hello"

  Scenario: Right expectation
    Given a new conversation
    When I say "help"
    Then the intent is "Help"
"""


def chat_lex(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=cwd,
        env={**(os.environ if env is None else env), "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_passing_features_outside_the_project_with_junit(tmp_path: Path) -> None:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "passing.feature").write_text(PASSING, encoding="utf-8")
    result = chat_lex("test", "features", "--junit", "out/junit.xml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "3 passed, 0 failed"
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "0", "0")
    assert not (tmp_path / "test-results" / "transcripts").exists()  # nothing failed, nothing written


def test_a_failing_scenario_writes_its_transcript_and_exits_1(tmp_path: Path) -> None:
    feature = tmp_path / "failing.feature"
    feature.write_text(FAILING, encoding="utf-8")
    result = chat_lex("test", str(feature), "--junit", "junit.xml", "--transcripts", "tr", "--lex-target", "http", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-2] == "1 passed, 2 failed", result.stdout
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("3", "2")
    files = sorted(f.name for f in (tmp_path / "tr").iterdir())
    assert files == ["failing_-_A_typo_in_a_step_http.txt", "failing_-_Wrong_expectation_http.txt"]
    text = (tmp_path / "tr" / files[1]).read_text(encoding="utf-8")
    assert "user: hello" in text and "bot:  Good morning! How can I help you today?" in text
    assert "Expected: 'Good night!'" in text
    # A line matching no step names file and line and suggests the nearest steps.
    out = result.stdout
    assert 'no step matches When "I sya "hello""' in out and "failing.feature:9" in out
    assert 'When I say "<text>"' in out


def test_a_gherkin_syntax_error_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.feature").write_text("Feature: B\n  Scenario: S\n    Given a new conversation\n  oops, not gherkin\n")
    assert main(["test", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'broken.feature'}:4: " in err and "oops, not gherkin" in err


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--lex-target", "carrier-pigeon"], "unknown target 'carrier-pigeon'", 2),
        (["--bot-dir", "no/such/bot"], "has no bot.yaml", 2),
        (["missing.feature"], "no such file or folder", 1),
        (["notes.txt"], "not a .feature file", 1),
        (["empty"], "no .feature files", 1),
        (["huge.feature"], "at most 1048576", 1),
        (["binary.feature"], "not UTF-8", 1),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, args: list[str], message: str, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty").mkdir()
    (tmp_path / "huge.feature").write_text("Feature: H\n" + "# padding\n" * 120_000)
    (tmp_path / "binary.feature").write_bytes(b"Feature: \xff\xfe\n")
    (tmp_path / "ok.feature").write_text(PASSING)
    if args[0].startswith("--"):
        args = ["ok.feature", *args]
    monkeypatch.chdir(tmp_path)
    assert main(["test", *args]) == code  # these stop before pytest runs, so in process is enough
    assert message in capsys.readouterr().err


def _no_credentials_env(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty-aws-file"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_SHARED_CREDENTIALS_FILE": str(empty), "AWS_CONFIG_FILE": str(empty), "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def test_aws_target_without_credentials_fails_at_session_start(tmp_path: Path) -> None:
    (tmp_path / "ok.feature").write_text(PASSING)
    module = tmp_path / "test_f.py"
    module.write_text("from pytest_bdd import scenarios\nscenarios('ok.feature')\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(module), "-p", "conversation_tests.plugin", "--rootdir", str(tmp_path), "-c", os.devnull,
         "--lex-target", "aws", "--bot-id", "ABCDEFGHIJ", "--bot-alias-id", "TSTALIASID", "-p", "no:cacheprovider"],
        cwd=tmp_path, env={**_no_credentials_env(tmp_path), "PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage-error exit code
    assert "found no AWS credentials" in result.stderr
    assert "passed" not in result.stdout


def test_chat_lex_test_on_aws_without_credentials_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ok.feature").write_text(PASSING)
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in _no_credentials_env(tmp_path).items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    argv = ["test", str(tmp_path / "ok.feature"), "--lex-target", "aws", "--bot-id", "ABCDEFGHIJ", "--bot-alias-id", "TSTALIASID"]
    assert main(argv) == 2
    assert "found no AWS credentials" in capsys.readouterr().err
    assert main(["test", str(tmp_path / "ok.feature"), "--lex-target", "aws"]) == 2
    assert "needs --bot-id and --bot-alias-id" in capsys.readouterr().err
