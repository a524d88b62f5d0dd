"""``chat-lex deploy --architecture serverless``: the plan without AWS, bad flags, and the real path on moto.

moto 5.2's CloudFormation creates the DynamoDB tables, the IAM roles and policies, the Lambda
functions (their code read from moto's S3) and their permissions. It has no
``AWS::ApiGatewayV2::*``, and skips the log groups and alarms of this template, so the API,
routes, stage and alarms are covered by cfn-lint and tests/unit/test_infra_websocket_api.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import runtime_package_commands as rp
from tools.publish import deploy_command, serverless
from tools.publish.waiters import WaitSettings

# moto says so for each API Gateway v2 and CloudWatch resource; the module docstring says how those are covered.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+ not supported by moto:UserWarning")
REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:chat-lex-native:1"
BOT = ["BotId=BOTID12345", "BotAliasId=ALIAS12345"]
POOL = ["UserPoolId=us-east-1_TEST", "UserPoolClientId=client123"]


class _NoAws:
    """Any attribute access fails the test: the dry run must not reach AWS."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the dry run called AWS ({name})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chat-lex")
    deploy_command.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str], **injected: Any) -> tuple[int, str]:
    out = io.StringIO()
    args = _parser().parse_args(["deploy", *argv])
    code = deploy_command.run_deploy(args, wait=WaitSettings(sleep=lambda _: None), out=out, **injected)
    return code, out.getvalue()


def _params(values: list[str]) -> list[str]:
    return [arg for value in values for arg in ("--param", value)]


def _serverless(*extra: str) -> list[str]:
    return ["--env", "dev", "--architecture", "serverless", "--lambda-arch", rp.host_architecture(), *extra]


@pytest.fixture
def one_native_library_needs_a_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same answer on every machine: cryptography cannot be vendored, msgspec can."""
    monkeypatch.setattr(serverless, "native_plan", lambda arch: (("msgspec",), ("cryptography",)))


# ---------------------------------------------------------------- the plan, without AWS


def test_default_architecture_is_container(seed_bot_dir: Path) -> None:
    args = _parser().parse_args(["deploy", "--env", "dev"])
    assert args.architecture == "container"


def test_dry_run_plans_the_zip_the_tables_and_the_websocket_api(seed_bot_dir: Path) -> None:
    code, out = _run(
        _serverless(
            "--dry-run", "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir), *_params([*BOT, f"DependencyLayerArns={LAYER}"])
        ),
        cfn=_NoAws(),
        s3=_NoAws(),
    )

    assert code == 0, out
    steps = [line for line in out.splitlines() if line[:1].isdigit()]
    assert steps[0].startswith(f"0. chat-lex package-runtime --lambda-arch {rp.host_architecture()}, then upload to s3://artifacts/")
    assert [s.split(" ")[1] for s in steps[1:]] == ["chat-lex-dev-dynamodb", "chat-lex-dev-websocket-api"]
    for line in (
        "TablePrefix = <TablePrefix from chat-lex-dev-dynamodb>",
        "ConnectionsTableArn = <ConnectionsTableArn from chat-lex-dev-dynamodb>",
        "UserPoolId = <UserPoolId from chat-lex-dev-cognito>",
        "RuntimeCodeBucket = artifacts",
        "RuntimeCodeKey = <RuntimeCodeKey from chat-lex package-runtime>",
        f"LambdaArchitecture = {rp.host_architecture()}",
        "BotAliasId = ALIAS12345",
    ):
        assert "     " + line in out, line
    assert "publish" not in out.split("dry run:")[0].lower().replace("chat-lex package-runtime", "")
    assert "dry run: no stack was created or changed" in out


def test_dry_run_without_a_bucket_says_which_flag(seed_bot_dir: Path) -> None:
    code, out = _run(_serverless("--dry-run", "--bot-dir", str(seed_bot_dir), *_params(BOT)), cfn=_NoAws(), s3=_NoAws())
    assert code == 2
    assert "pass --code-bucket BUCKET (or --template-bucket BUCKET)" in out


def test_dry_run_names_the_missing_bot(seed_bot_dir: Path) -> None:
    code, out = _run(
        _serverless("--dry-run", "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir), *_params([f"DependencyLayerArns={LAYER}"])),
        cfn=_NoAws(),
        s3=_NoAws(),
    )
    assert code == 2
    assert "BotId = MISSING (pass --param BotId=...)" in out and "BotAliasId = MISSING" in out


def test_a_library_that_cannot_be_vendored_needs_a_layer(seed_bot_dir: Path, one_native_library_needs_a_layer: None) -> None:
    code, out = _run(
        _serverless("--dry-run", "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir), *_params(BOT)), cfn=_NoAws(), s3=_NoAws()
    )
    assert code == 2
    assert "cryptography installed here cannot load on the python3.11 Lambda" in out
    assert "--param DependencyLayerArns=<layer ARN>" in out
    code, out = _run(
        _serverless(
            "--dry-run", "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir), *_params([*BOT, f"DependencyLayerArns={LAYER}"])
        ),
        cfn=_NoAws(),
        s3=_NoAws(),
    )
    assert code == 0, out


def test_a_given_zip_is_neither_built_nor_checked(seed_bot_dir: Path, one_native_library_needs_a_layer: None) -> None:
    given = ["RuntimeCodeBucket=b", "RuntimeCodeKey=builds/7.zip"]
    code, out = _run(_serverless("--dry-run", "--bot-dir", str(seed_bot_dir), *_params([*BOT, *given])), cfn=_NoAws(), s3=_NoAws())
    assert code == 0, out
    assert "0. runtime zip: s3://b/builds/7.zip (given)" in out and "RuntimeCodeKey = builds/7.zip" in out


def test_a_lambda_architecture_parameter_must_match_the_zip(seed_bot_dir: Path) -> None:
    other = "arm64" if rp.host_architecture() == "x86_64" else "x86_64"
    argv = _serverless(
        "--dry-run", "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir), *_params([*BOT, f"LambdaArchitecture={other}"])
    )
    code, out = _run(argv, cfn=_NoAws(), s3=_NoAws())
    assert code == 2 and f"pass --lambda-arch {other} instead" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--env", "dev", "--architecture", "lambda"], "invalid choice: 'lambda' (choose from 'container', 'serverless')"),
        (["--env", "dev", "--architecture", ""], "invalid choice: ''"),
        (["--env", "dev", "--architecture", "SERVERLESS"], "invalid choice: 'SERVERLESS'"),
        (["--env", "dev", "--architecture"], "expected one argument"),
        (["--env", "dev", "--architecture", "serverless;rm -rf /"], "invalid choice"),
        (["--env", "dev", "--lambda-arch", "sparc"], "invalid choice: 'sparc'"),
        (["--env", "dev", "--stacks", "websocket-api,nope"], "unknown stack nope"),
        (["--env", "dev", "--code-bucket", "Bad_Bucket"], "is not an S3 bucket name"),
        (["--env", "dev", "--code-bucket", "a"], "is not an S3 bucket name"),
        (["--env", "dev", "--code-bucket", "b" * 64], "is not an S3 bucket name"),
        (["--env", "dev", "--code-bucket", "../etc"], "is not an S3 bucket name"),
        (["--env", "dev", "--code-bucket", "my..bucket"], "is not an S3 bucket name"),
        (["--env", "dev", "--code-bucket", "s3://my-bucket"], "is not an S3 bucket name"),
    ],
)
def test_bad_flags_are_usage_errors_with_a_clear_message(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["deploy", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("architecture", "stacks", "message"),
    [
        ("serverless", "dynamodb,runtime", "runtime is not part of the serverless architecture"),
        ("container", "websocket-api", "websocket-api is not part of the container architecture"),
    ],
)
def test_stacks_of_the_other_architecture_are_usage_errors(architecture: str, stacks: str, message: str, seed_bot_dir: Path) -> None:
    argv = ["--env", "dev", "--architecture", architecture, "--stacks", stacks, "--dry-run", "--bot-dir", str(seed_bot_dir)]
    code, out = _run(argv, cfn=_NoAws(), s3=_NoAws())
    assert code == 2 and message in out


# ---------------------------------------------------------------- the real path on moto


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="artifacts")
        yield


def test_deploy_uploads_the_zip_and_creates_tables_roles_and_functions_then_is_idempotent(
    aws: None, seed_bot_dir: Path, tmp_path: Path
) -> None:
    argv = _serverless("--region", REGION, "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir))
    argv += _params([*BOT, *POOL, f"DependencyLayerArns={LAYER}"])
    code, out = _run(argv)

    assert code == 0, out
    s3 = boto3.client("s3", region_name=REGION)
    [uploaded] = s3.list_objects_v2(Bucket="artifacts")["Contents"]
    body = s3.get_object(Bucket="artifacts", Key=uploaded["Key"])["Body"].read()
    assert uploaded["Key"] == f"chat-lex/runtime-lambda-{hashlib.sha256(body).hexdigest()[:32]}.zip"
    assert body == rp.build_runtime_zip(tmp_path / "same.zip", rp.host_architecture()).path.read_bytes()  # deterministic

    tables = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert "chat-lex-dev-connections" in tables
    cfn = boto3.client("cloudformation", region_name=REGION)
    stack = cfn.describe_stacks(StackName="chat-lex-dev-websocket-api")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["RuntimeCodeKey"] == uploaded["Key"] and params["TablePrefix"] == "chat-lex-dev-"
    assert params["UserPoolId"] == "us-east-1_TEST" and params["LambdaArchitecture"] == rp.host_architecture()
    assert LAYER in params["DependencyLayerArns"]  # (moto shows the list as its repr, and its functions drop unknown layers)

    lam = boto3.client("lambda", region_name=REGION)
    for name, handler in (("connect", "on_connect"), ("disconnect", "on_disconnect"), ("message", "on_message")):
        fn = lam.get_function(FunctionName=f"chat-lex-dev-ws-{name}")["Configuration"]
        assert (fn["Runtime"], fn["Handler"]) == ("python3.11", f"runtime.serverless.lambda_entry.{handler}")
        assert fn["Architectures"] == [rp.host_architecture()]
        assert fn["Role"].endswith(f":role/chat-lex-dev-ws-{name}")
        env = fn["Environment"]["Variables"]
        assert env["CHAT_LEX_TABLE_PREFIX"] == "chat-lex-dev-" and env["CHAT_LEX_BOT"] == "aws:BOTID12345/ALIAS12345/en_US"
        policy = json.loads(lam.get_policy(FunctionName=f"chat-lex-dev-ws-{name}")["Policy"])
        [grant] = policy["Statement"]
        assert grant["Principal"] == {"Service": "apigateway.amazonaws.com"}
    iam = boto3.client("iam", region_name=REGION)
    # moto returns the document as Python's repr of it; the dynamodb stack's real ARN is in it, and nothing wider.
    document = str(iam.get_role_policy(RoleName="chat-lex-dev-ws-disconnect", PolicyName="tables")["PolicyDocument"])
    assert "arn:aws:dynamodb:us-east-1:123456789012:table/chat-lex-dev-connections" in document and "*" not in document

    code, again = _run(argv)

    assert code == 0, again
    assert "is already there" in again and "stack chat-lex-dev-dynamodb is up to date" in again
    # (moto re-applies the websocket-api stack, whose API Gateway resources it cannot compare.)
    stack = cfn.describe_stacks(StackName="chat-lex-dev-websocket-api")["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["RuntimeCodeKey"] == uploaded["Key"]
    assert len(s3.list_objects_v2(Bucket="artifacts")["Contents"]) == 1


def test_deploy_refuses_a_checkout_without_the_handlers_before_changing_anything(
    aws: None, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rp, "ENTRY_MODULE", "runtime.serverless.not_there")
    argv = _serverless("--region", REGION, "--code-bucket", "artifacts", "--bot-dir", str(seed_bot_dir))
    code, out = _run(argv + _params([*BOT, *POOL, f"DependencyLayerArns={LAYER}"]))

    assert code == 2
    assert "runtime/serverless/not_there.py is not in this checkout" in out
    assert "Contents" not in boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="artifacts")
    assert boto3.client("cloudformation", region_name=REGION).list_stacks()["StackSummaries"] == []


def test_deploy_to_a_bucket_that_does_not_exist_names_the_step(aws: None, seed_bot_dir: Path) -> None:
    argv = _serverless("--region", REGION, "--code-bucket", "no-such-bucket", "--bot-dir", str(seed_bot_dir))
    code, out = _run(argv + _params([*BOT, *POOL, f"DependencyLayerArns={LAYER}"]))

    assert code == 3
    assert "uploading the runtime zip failed for s3://no-such-bucket/chat-lex/runtime-lambda-" in out and "Traceback" not in out
