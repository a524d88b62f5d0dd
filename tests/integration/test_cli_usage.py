"""The command line as a whole: --version, exit code 2 for every kind of bad usage, dry runs without AWS credentials,
``compile -o`` outside the project, and ``import`` of a path that does not exist."""

from __future__ import annotations

import os
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from tools.cli import main
from tools.exit_codes import EXIT_USAGE
from tools.publish.errors import REGION_FIX, aws_step

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHAT_LEX = PROJECT_ROOT / ".venv" / "bin" / "chat-lex"
ROLE = "arn:aws:iam::123456789012:role/bot"
FULL_PARAMS = [
    "CodeBucket=code",
    "CodeKey=fulfillment.zip",
    "VpcId=vpc-0abc",
    "PublicSubnetIds=subnet-1,subnet-2",
    "PrivateSubnetIds=subnet-3,subnet-4",
    "Image=123456789012.dkr.ecr.us-east-1.amazonaws.com/chat-lex:1.0",
]
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def chat_lex(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHAT_LEX), *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env, check=False)


@pytest.fixture
def no_aws(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS credentials or region anywhere, and no way out to a network."""
    empty = tmp_path / "empty-aws-file"
    empty.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}
    env.update(
        AWS_CONFIG_FILE=str(empty),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
        # Any connection attempt goes to a closed local port and fails at once: a dry run must make none.
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
    )
    return env


# ---------------------------------------------------------------- --version


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"chat-lex {metadata.version('chat-lex')}"


def test_version_of_the_installed_executable() -> None:
    done = chat_lex("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"chat-lex {metadata.version('chat-lex')}"


# ---------------------------------------------------------------- the region hint


def test_the_region_hint_names_both_variables() -> None:
    from botocore.exceptions import NoRegionError

    assert "AWS_REGION" in REGION_FIX and "AWS_DEFAULT_REGION" in REGION_FIX
    with pytest.raises(Exception, match="AWS_DEFAULT_REGION") as caught, aws_step("finding the bot", "ChatBot"):
        raise NoRegionError()
    assert "AWS_REGION" in str(caught.value)


def test_publish_without_a_region_is_bad_usage_and_says_both_variables(no_aws: dict[str, str]) -> None:
    done = chat_lex("publish", "--role-arn", ROLE, env=no_aws)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "AWS_REGION or AWS_DEFAULT_REGION" in done.stdout


def test_help_texts_name_aws_default_region() -> None:
    for command in ("publish", "deploy", "evaluate"):
        done = chat_lex(command, "--help")
        assert "AWS_DEFAULT_REGION" in " ".join(done.stdout.split()), command


# ---------------------------------------------------------------- dry runs with no credentials


def test_publish_dry_run_plans_against_an_empty_account_without_credentials(no_aws: dict[str, str]) -> None:
    done = chat_lex("publish", "--dry-run", env=no_aws)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "no AWS credentials found: planning against an empty account" in out
    assert "Plan for bot ChatBot (new)" in out
    for line in ("create bot ChatBot", "create [en_US] locale en_US", "create [en_US] intent Greeting", "build  [en_US]"):
        assert line in out
    assert "alias live: create -> the new version" in out
    assert "if the bot is new, publish needs --role-arn ARN or --create-role" in out
    assert "dry run: nothing was changed" in out and "Traceback" not in done.stderr


def test_publish_dry_run_without_credentials_shows_every_planned_step(no_aws: dict[str, str]) -> None:
    lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:fulfil"
    flags = ["--region", "eu-west-1", "--create-role", "--verify", "--lambda-arn", lambda_arn, "--prune-versions", "2"]
    done = chat_lex("publish", "--dry-run", *flags, env=no_aws)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Plan for bot ChatBot (new) in eu-west-1:" in done.stdout
    assert "verify: alias candidate first" in done.stdout
    assert "lambda permission: add for alias live" in done.stdout
    assert "role: ensure IAM role" in done.stdout


def test_only_a_dry_run_assumes_an_empty_account(no_aws: dict[str, str]) -> None:
    done = chat_lex("publish", "--region", "eu-west-1", "--role-arn", ROLE, "--yes", env=no_aws)
    assert done.returncode == 3
    assert "Unable to locate credentials" in done.stdout and "fix: configure AWS credentials" in done.stdout


def test_publish_dry_run_with_bad_flags_is_still_bad_usage(no_aws: dict[str, str]) -> None:
    done = chat_lex("publish", "--dry-run", "--locale", "fr_FR", env=no_aws)
    assert done.returncode == 2 and "fr_FR" in done.stdout and "en_US" in done.stdout


def test_deploy_dry_run_needs_no_credentials(no_aws: dict[str, str]) -> None:
    params = [arg for value in FULL_PARAMS for arg in ("--param", value)]
    done = chat_lex("deploy", "--env", "dev", "--dry-run", *params, env=no_aws)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1. chat-lex-dev-dynamodb" in done.stdout and "dry run: no stack was created or changed" in done.stdout
    missing = chat_lex("deploy", "--env", "dev", "--dry-run", env=no_aws)
    assert missing.returncode == 2 and "CodeBucket = MISSING" in missing.stdout


# ---------------------------------------------------------------- compile -o outside the project


def test_compile_creates_folders_inside_the_project_and_names_them(
    tmp_path: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the project is the current directory
    assert main(["compile", str(seed_bot_dir), "--format", "api-plan", "-o", "dist/plans/plan.json"]) == 0
    assert (tmp_path / "dist" / "plans" / "plan.json").is_file()
    err = capsys.readouterr().err
    assert f"note: created folder {tmp_path / 'dist'}" in err and f"note: created folder {tmp_path / 'dist' / 'plans'}" in err


def test_compile_refuses_to_create_folders_outside_the_project(
    tmp_path: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    monkeypatch.chdir(project)
    for fmt, out in (("cloudformation", elsewhere / "typo" / "bot.cfn.yaml"), ("yaml", elsewhere / "typo" / "spec")):
        assert main(["compile", str(seed_bot_dir), "--format", fmt, "-o", str(out)]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert f"{elsewhere} does not exist, and it is outside the current project" in err and "--parents" in err
        assert not elsewhere.exists()
    # Through a symlink or .. it is still outside.
    assert main(["compile", str(seed_bot_dir), "--format", "api-plan", "-o", "../elsewhere/plan.json"]) == EXIT_USAGE
    assert not elsewhere.exists()

    out = elsewhere / "typo" / "bot.cfn.yaml"
    assert main(["compile", str(seed_bot_dir), "--format", "cloudformation", "--parents", "-o", str(out)]) == 0
    assert out.is_file()
    assert f"note: created folder {elsewhere}" in capsys.readouterr().err


def test_compile_into_an_existing_folder_outside_the_project_is_fine(
    tmp_path: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    assert main(["compile", str(seed_bot_dir), "--format", "api-plan", "-o", str(tmp_path / "plan.json")]) == 0
    assert "created folder" not in capsys.readouterr().err


def test_compile_writes_no_folder_when_the_spec_has_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "bot.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["compile", "bot", "--format", "api-plan", "-o", "dist/plan.json"]) == 1
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("output", ["bad\x00name.json", "x" * 5000 + ".json", "deep/" * 1200 + "plan.json"])
def test_compile_to_an_impossible_path_is_bad_usage(seed_bot_dir: Path, output: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(seed_bot_dir), "--format", "api-plan", "--parents", "-o", output]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "cannot be a path" in err and "Traceback" not in err and "internal error" not in err


def test_compile_help_documents_the_folder_rule() -> None:
    done = chat_lex("compile", "--help")
    text = " ".join(done.stdout.split())
    assert "--parents" in text and "outside the current directory" in text


# ---------------------------------------------------------------- import of a missing path


def test_import_of_a_missing_path_says_it_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-export.zip"
    assert main(["import", str(missing), "-o", str(tmp_path / "out")]) == 1  # errors in the input, like a missing --data file
    err = capsys.readouterr().err
    assert f"{missing} does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_import_of_an_impossible_path_is_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "bad\x00path", "-o", str(tmp_path / "out")]) == EXIT_USAGE
    assert "NUL byte" in capsys.readouterr().err


# ---------------------------------------------------------------- exit code 2 for bad usage, command by command


ARGPARSE_USAGE = [
    ["no-such-command"],
    ["validate", "a", "b"],
    ["lint", "--format", "xml"],
    ["compile", "--format", "pdf", "-o", "x"],
    ["compile", "--format", "yaml"],
    ["import"],
    ["converse", "--no-such-flag"],
    ["lex-serve", "--port", "http"],
    ["test", "--lex-target"],
    ["evaluate", "--data", "a.yaml", "--cross-validate", "3"],
    ["evaluate", "--cross-validate", "three"],
    ["package-fulfillment", "--no-such-flag"],
    ["publish", "--role-arn", ROLE, "--create-role"],
    ["publish", "--alias", "bad alias"],
    ["deploy", "--env", "moon"],
    ["deploy", "--env", "dev", "--param", "novalue"],
    ["serve", "--port", "eighty"],
    ["users"],
    ["users", "add", "carol"],
]


@pytest.mark.parametrize("argv", ARGPARSE_USAGE, ids=lambda a: " ".join(a)[:40])
def test_argument_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_USAGE
    assert "Traceback" not in capsys.readouterr().err


def test_usage_errors_found_after_parsing_exit_2(
    tmp_path: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What argparse cannot see: flag values checked by the command itself, flags that exclude each other."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x", encoding="utf-8")
    cases = [
        ["compile", str(seed_bot_dir), "--format", "lexjson", "-o", str(tmp_path)],
        ["compile", str(seed_bot_dir), "--format", "yaml", "-o", str(busy)],
        ["import", str(seed_bot_dir / "bot.yaml"), "-o", str(busy)],
        ["package-fulfillment", str(seed_bot_dir), "-o", str(tmp_path)],
        ["evaluate", "--cross-validate", "1"],
        ["evaluate", "--cross-validate", "51"],
        ["evaluate", "--data", "x.yaml", "--fail-under", "2"],
        ["test", "--lex-target", "aws"],
        ["converse", str(tmp_path / "nowhere")],
        ["publish", str(seed_bot_dir), "--verify", "--alias", "candidate"],
        ["publish", str(seed_bot_dir), "--locale", "xx_XX"],
        ["deploy", "--env", "dev", "--bot-dir", str(seed_bot_dir)],
        ["serve", "--store", "mysql://nope"],
        ["users", "--store", "mysql://db", "list"],
        ["users", "--store", f"sqlite:{tmp_path / 'u.db'}", "remove", "x" * 500],
        ["users", "--store", f"sqlite:{tmp_path / 'u.db'}", "add", "bob", "--email", "not-an-email", "--password-stdin"],
    ]
    for argv in cases:
        assert main(argv) == EXIT_USAGE, argv
        assert "Traceback" not in capsys.readouterr().err


def test_users_add_without_a_terminal_or_password_stdin_is_bad_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "--store", f"sqlite:{tmp_path / 'u.db'}", "add", "bob", "--email", "b@example.com"]) == EXIT_USAGE
    assert "--password-stdin" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("weak\n"))  # a weak password read is an error in the input, not usage
    assert main(["users", "--store", f"sqlite:{tmp_path / 'u.db'}", "add", "bob", "--email", "b@example.com", "--password-stdin"]) == 1
