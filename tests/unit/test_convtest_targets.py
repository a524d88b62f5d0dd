"""Targets and the plugin's target selection: real-time targets, unknown names, locales, and start-up errors."""

from __future__ import annotations

import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversation_tests.conversation import Conversation, ConversationMismatch
from conversation_tests.target_errors import TargetCannotDo
from conversation_tests.targets import TARGET_FACTORIES, LexTarget, open_target, session_id_for
from runtime.lex.endpoints import EndpointError, EndpointOptions, LexEndpoint
from runtime.lex.engine import local_runtime_for


def test_a_target_on_real_time_cannot_set_the_clock_and_really_waits(seed_bot_dir: Path) -> None:
    runtime, deployment = local_runtime_for(seed_bot_dir)  # real time, like an alias on AWS
    target = LexTarget(LexEndpoint("real-time", runtime, deployment.bot_id, deployment.alias_id, "en_US", clock=None))
    with pytest.raises(TargetCannotDo, match="runs on real time"):
        target.set_time(8, 0, ZoneInfo("UTC"))
    started = time.monotonic()
    target.advance(0.05)
    assert time.monotonic() - started >= 0.05


def test_the_clock_only_moves_forward_to_the_next_wanted_time(seed_bot_dir: Path) -> None:
    target = open_target("engine", EndpointOptions(bot_dir=seed_bot_dir))
    assert isinstance(target, LexTarget) and target.endpoint.clock is not None
    before = target.endpoint.clock()  # 08:00 UTC
    target.set_time(7, 0, ZoneInfo("UTC"))
    assert target.endpoint.clock() - before == 23 * 3600
    target.close()


def test_an_unknown_locale_is_shown_as_the_service_error(seed_bot_dir: Path) -> None:
    chat = Conversation(open_target("engine", EndpointOptions(bot_dir=seed_bot_dir)))
    chat.set_locale("fr_FR")
    chat.say("bonjour")
    with pytest.raises(ConversationMismatch, match="ResourceNotFoundException"):
        chat.check_intent("Greeting")


def test_unknown_target_and_missing_bot_folder(tmp_path: Path) -> None:
    with pytest.raises(EndpointError, match="unknown target 'carrier-pigeon'; choose one of: ") as caught:
        open_target("carrier-pigeon", EndpointOptions())
    assert {"aws", "engine", "http"} <= set(str(caught.value).split(": ")[-1].split(", "))  # the registry may hold more
    with pytest.raises(EndpointError, match="does not exist"):
        open_target("engine", EndpointOptions(bot_dir=tmp_path / "nowhere"))
    with pytest.raises(EndpointError, match=r"has no bot\.yaml"):
        open_target("http", EndpointOptions(bot_dir=tmp_path))


def test_the_registry_is_a_dict_a_new_target_can_join(monkeypatch: pytest.MonkeyPatch, seed_bot_dir: Path) -> None:
    monkeypatch.setitem(TARGET_FACTORIES, "engine-again", TARGET_FACTORIES["engine"])
    target = open_target("engine-again", EndpointOptions(bot_dir=seed_bot_dir))
    assert target.say("hello", None, None).intent == "Greeting"


@pytest.mark.parametrize(
    ("user", "session"), [(None, "convtest-"), ("ana", "ana"), ("a", "a_"), ("x y/z", "x_y_z"), ("é" * 200, "_" * 100)]
)
def test_session_ids_are_valid_for_lex(user: str | None, session: str) -> None:
    made = session_id_for(user)
    assert made.startswith(session) if user is None else made == session


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lex-target", "carrier-pigeon"], "unknown conversation-test target 'carrier-pigeon'"),
        (["--lex-targets", "engine,carrier-pigeon"], "unknown conversation-test target 'carrier-pigeon'"),
        (["--bot-dir", "/no/such/bot"], "has no bot.yaml"),
        (["--lex-target", "aws"], "needs --bot-id and --bot-alias-id"),
    ],
)
def test_the_plugin_refuses_bad_options_at_start(tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    isolated = ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), "-p", "conversation_tests.plugin", "-p", "no:cacheprovider"]
    code = pytest.main([str(tmp_path), *isolated, *args])
    assert code == pytest.ExitCode.USAGE_ERROR
    assert message in capsys.readouterr().err


def test_a_gherkin_error_in_a_pytest_run_is_one_line_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.feature").write_text("Feature: B\n  Scenario: S\n    Given a new conversation\n  oops, not gherkin\n")
    (tmp_path / "test_broken.py").write_text("from pytest_bdd import scenarios\nscenarios('broken.feature')\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    isolated = ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), "-p", "conversation_tests.plugin", "-p", "no:cacheprovider"]
    assert pytest.main([str(tmp_path), *isolated, "--import-mode=importlib"]) == pytest.ExitCode.INTERRUPTED
    out = capsys.readouterr().out
    assert f"{tmp_path / 'broken.feature'}:4: Unexpected token" in out and "oops, not gherkin" in out
    assert "gherkin_parser.py" not in out  # no parser traceback
