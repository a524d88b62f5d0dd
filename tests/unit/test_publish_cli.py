"""``chat-lex publish`` input handling: bad flags, bad specs and hostile input never give a traceback."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from tests.fakes.lexv2_models import FakeLexModelsV2
from tools.publish import publish_command
from tools.publish.pipeline import AwsClients
from tools.publish.waiters import WaitSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chat-lex")
    publish_command.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str], lex: FakeLexModelsV2 | None = None) -> tuple[int, str]:
    args = _parser().parse_args(argv)
    out = io.StringIO()
    clients = AwsClients(lex=lex or FakeLexModelsV2(), iam=None, lambda_=None, sts=None)
    code = publish_command.run_publish(args, clients=clients, wait=WaitSettings(sleep=lambda _: None), out=out)
    return code, out.getvalue()


@pytest.mark.parametrize("value", ["-1", "abc", "101", "1e9"])
def test_prune_versions_must_be_a_small_whole_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["publish", "--prune-versions", value])
    assert exc.value.code == 2
    assert "--prune-versions" in capsys.readouterr().err


def test_role_arn_and_create_role_exclude_each_other() -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["publish", "--role-arn", "arn:aws:iam::123456789012:role/x", "--create-role"])
    assert exc.value.code == 2


def test_a_missing_bot_folder_is_a_spec_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["publish", str(tmp_path / "nope"), "--region", "us-east-1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "bot.yaml" in err and "Traceback" not in err + out


def test_malformed_yaml_is_reported_with_its_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bot.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    lex = FakeLexModelsV2()
    code, _ = _run(["publish", str(tmp_path), "--region", "us-east-1", "--dry-run"], lex)
    assert code == 1
    assert "bot.yaml:" in capsys.readouterr().err
    assert lex.calls == []  # nothing was sent


def test_an_oversized_spec_is_refused_before_sending(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    target = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, target)
    utterances = "\n".join(f"    - say thing number {n}" for n in range(1600))  # Lex allows 1,500 per intent
    (target / "intents" / "Huge.yaml").write_text(f"name: Huge\nutterances:\n  en_US:\n{utterances}\n", encoding="utf-8")
    lex = FakeLexModelsV2()
    code, out = _run(["publish", str(target), "--region", "us-east-1", "--role-arn", "arn:aws:iam::123456789012:role/x", "--yes"], lex)
    assert code != 0
    assert "Traceback" not in out + capsys.readouterr().err
    assert not any(op == "create_intent" and kw.get("intentName") == "Huge" for op, kw in lex.calls)


def test_an_unknown_locale_is_named_with_the_known_ones(seed_bot_dir: Path) -> None:
    code, out = _run(["publish", str(seed_bot_dir), "--region", "us-east-1", "--locale", "xx_XX"])
    assert code == 2  # bad usage: the flag names a locale the spec lacks
    assert "xx_XX" in out and "en_US" in out


def test_hostile_names_reach_aws_only_as_validated_parameters(tmp_path: Path, seed_bot_dir: Path) -> None:
    import shutil

    target = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, target)
    bot_yaml = (target / "bot.yaml").read_text(encoding="utf-8").replace("name: ChatBot", 'name: "Chat\'; DROP TABLE bots;--"')
    (target / "bot.yaml").write_text(bot_yaml, encoding="utf-8")
    lex = FakeLexModelsV2()
    code, out = _run(["publish", str(target), "--region", "us-east-1", "--role-arn", "arn:aws:iam::123456789012:role/x", "--yes"], lex)
    assert code in (1, 3)
    assert "Traceback" not in out
    assert lex.mutating_calls() == []


def test_a_plan_that_deletes_needs_yes_when_nobody_can_answer(tmp_path: Path, seed_bot_dir: Path) -> None:
    import shutil

    target = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, target)
    lex = FakeLexModelsV2()
    role = ["--role-arn", "arn:aws:iam::123456789012:role/x"]
    assert _run(["publish", str(target), "--region", "us-east-1", *role, "--yes"], lex)[0] == 0
    (target / "intents" / "Help.yaml").unlink()
    before = len(lex.mutating_calls())

    code, out = _run(["publish", str(target), "--region", "us-east-1"], lex)  # stdin is not a TTY under pytest

    assert code == 2  # bad usage: nobody to ask, and no --yes
    assert "--yes" in out
    assert lex.mutating_calls()[before:] == []


def test_the_default_verifier_runs_chat_lex_test_against_the_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from tools.publish.verify import VerifyTarget, run_conversation_tests

    seen: dict[str, object] = {}

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen["command"] = command
        seen["env"] = kwargs["env"]
        return subprocess.CompletedProcess(command, 1, stdout="Scenario failed: greeting\n", stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    outcome = run_conversation_tests(VerifyTarget("BOTID12345", "ALIASID123", "en_US", "eu-west-1"))

    assert not outcome.passed and "Scenario failed" in outcome.transcript
    command = seen["command"]
    assert isinstance(command, list)
    assert command[1:] == [
        "-m",
        "tools.cli",
        "test",
        "--lex-target",
        "aws",
        "--bot-id",
        "BOTID12345",
        "--bot-alias-id",
        "ALIASID123",
        "--locale",
        "en_US",
    ]
    assert seen["env"]["AWS_REGION"] == "eu-west-1"  # type: ignore[index]


@pytest.mark.parametrize(
    "flags",
    [
        ["--alias", "TestBotAlias"],
        ["--alias", "bad alias"],
        ["--alias", "x" * 300],
        ["--locale", "english"],
        ["--role-arn", "not-an-arn"],
        ["--lambda-arn", "arn:aws:iam::123456789012:role/x"],
        ["--region", "moon-1; rm -rf /"],
        ["--endpoint-url", "file:///etc/passwd"],
    ],
)
def test_malformed_flags_are_usage_errors(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["publish", *flags])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert flags[0] in err and "Traceback" not in err


def test_verify_cannot_target_the_candidate_alias_itself(seed_bot_dir: Path) -> None:
    lex = FakeLexModelsV2()
    code, out = _run(["publish", str(seed_bot_dir), "--region", "us-east-1", "--verify", "--alias", "candidate"], lex)
    assert code == 2 and "candidate" in out  # two flags that exclude each other
    assert lex.calls == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_build_wait_is_one_updating_line(seed_bot_dir: Path) -> None:
    args = _parser().parse_args(["publish", str(seed_bot_dir), "--region", "us-east-1", "--role-arn", "arn:aws:iam::123456789012:role/x"])
    out = _Terminal()
    clients = AwsClients(lex=FakeLexModelsV2(build_polls=3), iam=None, lambda_=None, sts=None)

    code = publish_command.run_publish(args, clients=clients, wait=WaitSettings(sleep=lambda _: None), out=out)

    assert code == 0
    text = out.getvalue()
    assert "\r\x1b[K  building en_US: Building (0s)\r\x1b[K  building en_US: Building (2s)" in text
    assert "\r\x1b[K  building en_US: Built after 6s\n" in text


ARN = "arn:aws:lambda:us-east-1:123456789012:function:Flowers"


@pytest.mark.parametrize(
    ("flags", "attached"),
    [
        (["--code-hook", f"lambda:{ARN}"], ARN),
        (["--lambda-arn", ARN], ARN),
        (["--code-hook", "none"], None),
        ([], None),  # the seed names a python hook: nothing deployable to attach
    ],
)
def test_code_hook_chooses_the_alias_lambda(flags: list[str], attached: str | None, seed_bot_dir: Path) -> None:
    from bot_spec.formats.yaml_spec import load_spec

    args = _parser().parse_args(["publish", str(seed_bot_dir), *flags])
    assert publish_command.options_from_args(args, "us-east-1", load_spec(seed_bot_dir)).lambda_arn == attached


def test_the_specs_lambda_hook_is_attached_when_no_flag_names_one(seed_bot_dir: Path) -> None:
    from bot_spec.code_hook import CodeHookSpec
    from bot_spec.formats.yaml_spec import load_spec

    defn = load_spec(seed_bot_dir)
    defn.locales[0].code_hook = CodeHookSpec("lambda", ARN)
    args = _parser().parse_args(["publish", str(seed_bot_dir)])
    assert publish_command.options_from_args(args, "us-east-1", defn).lambda_arn == ARN
    defn.locales[0].code_hook = CodeHookSpec("lambda", "JustAName")  # not an ARN an alias can take
    assert publish_command.options_from_args(args, "us-east-1", defn).lambda_arn is None


@pytest.mark.parametrize(
    "flags",
    [
        ["--code-hook", "python:fulfillment.seed_handlers:seed_hook"],
        ["--code-hook", "node:index.js"],
        ["--code-hook", "lambda:JustAName"],
        ["--code-hook", "lambda:nope:"],
        ["--code-hook", f"lambda:{ARN}", "--lambda-arn", ARN],
    ],
)
def test_undeployable_code_hooks_are_usage_errors(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["publish", *flags])
    assert exited.value.code == 2
