"""``chat-lex deploy``: the dry-run plan, and the real path against moto's CloudFormation.

moto 5.2's CloudFormation creates DynamoDB tables, IAM roles and policies and Lambda
functions, so the dynamodb, iam and fulfillment stacks are deployed for real here. It has no
support for AWS::Cognito::UserPool, AWS::ElastiCache::* or AWS::Lex::Bot, so the cognito,
runtime and lexbot stacks are covered by cfn-lint and the structural tests in
tests/unit/test_infra_templates.py, and the dry run below.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.publish import deploy_command
from tools.publish.stacks import STACK_ORDER, Stack
from tools.publish.waiters import WaitSettings

REGION = "us-east-1"
POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_TEST"
FULL_PARAMS = [
    "CodeBucket=code",
    "CodeKey=fulfillment.zip",
    "VpcId=vpc-0abc",
    "PublicSubnetIds=subnet-1,subnet-2",
    "PrivateSubnetIds=subnet-3,subnet-4",
    "Image=123456789012.dkr.ecr.us-east-1.amazonaws.com/chat-lex:1.0",
]


class _NoAws:
    """Any attribute access fails the test: the dry run must not reach AWS."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the dry run called AWS ({name})")


def _run(argv: list[str], **injected: Any) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="chat-lex")
    deploy_command.register(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    code = deploy_command.run_deploy(parser.parse_args(["deploy", *argv]), wait=WaitSettings(sleep=lambda _: None), out=out, **injected)
    return code, out.getvalue()


def _params(values: list[str]) -> list[str]:
    return [arg for value in values for arg in ("--param", value)]


# ---------------------------------------------------------------- dry run


def test_dry_run_prints_the_order_and_wired_parameters_without_calling_aws(seed_bot_dir: Path) -> None:
    code, out = _run(["--env", "stg", "--dry-run", "--bot-dir", str(seed_bot_dir), *_params(FULL_PARAMS)], cfn=_NoAws(), s3=_NoAws())

    assert code == 0, out
    order = [line.split(" ")[1] for line in out.splitlines() if line[:1].isdigit()]
    assert order == [f"chat-lex-stg-{part}" for part in STACK_ORDER]
    assert "     Env = stg" in out
    assert "MessagesTableArn = <MessagesTableArn from chat-lex-stg-dynamodb>" in out
    assert "UserPoolArn = <UserPoolArn from chat-lex-stg-cognito>" in out
    assert "BotRoleArn = <BotRoleArn from chat-lex-stg-iam>" in out
    assert "LambdaArn = <LambdaArn from chat-lex-stg-fulfillment>" in out
    assert "BotAliasId = <BotAliasId from chat-lex publish>" in out
    assert "(generated from the bot spec)" in out
    lines = out.splitlines()
    publish_line = lines.index("   then: chat-lex publish (build, version, alias live, Lambda permission)")
    assert lines[publish_line + 1].startswith("   then: chat-lex-stg-iam again with BotId and BotAliasId")
    assert "dry run: no stack was created or changed" in out


def test_dry_run_names_every_missing_parameter(seed_bot_dir: Path) -> None:
    code, out = _run(["--env", "dev", "--dry-run", "--bot-dir", str(seed_bot_dir)], cfn=_NoAws(), s3=_NoAws())

    assert code == 2  # bad usage: required --param values not given
    for name in ("CodeBucket", "CodeKey", "VpcId", "Image"):
        assert f"{name} = MISSING (pass --param {name}=...)" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--env", "qa"],
        ["--env", "dev", "--param", "novalue"],
        ["--env", "dev", "--param", "bad name=1"],
        ["--env", "dev", "--param", "Image=" + "x" * 5000],
        ["--env", "dev", "--stacks", "dynamodb,nope"],
    ],
)
def test_bad_arguments_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="chat-lex")
    deploy_command.register(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["deploy", *argv])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_templates_too_big_to_inline_need_a_bucket(seed_bot_dir: Path) -> None:
    deployer = deploy_command.Deployer(
        "dev",
        None,
        REGION,
        _NoAws(),
        _NoAws(),
        None,
        progress=None,
        wait=WaitSettings(),
        template_bucket=None,  # type: ignore[arg-type]
    )
    big = Stack("lexbot", "chat-lex-dev-lexbot", "x" * 60_000, {}, {}, [])
    with pytest.raises(deploy_command.PublishError, match="template-bucket"):
        deployer._template_argument(big)


# ---------------------------------------------------------------- the real path on moto


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="code")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("fulfillment.py", "def handler(event, context):\n    return event\n")
        s3.put_object(Bucket="code", Key="fulfillment.zip", Body=buffer.getvalue())
        yield


def test_deploy_creates_tables_roles_and_the_lambda_then_is_idempotent(aws: None, seed_bot_dir: Path) -> None:
    argv = [
        "--env",
        "dev",
        "--region",
        REGION,
        "--stacks",
        "dynamodb,iam,fulfillment",
        "--skip-publish",
        "--bot-dir",
        str(seed_bot_dir),
        *_params([*FULL_PARAMS, f"UserPoolArn={POOL_ARN}"]),
    ]
    code, out = _run(argv)

    assert code == 0, out
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    messages = dynamodb.describe_table(TableName="chat-lex-dev-messages")["Table"]
    assert [(k["AttributeName"], k["KeyType"]) for k in messages["KeySchema"]] == [("conversationId", "HASH"), ("messageId", "RANGE")]
    assert [g["IndexName"] for g in messages["GlobalSecondaryIndexes"]] == ["bySender"]
    assert messages["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert set(dynamodb.list_tables()["TableNames"]) == {
        f"chat-lex-dev-{t}" for t in ("messages", "conversations", "connections", "users", "rate_limits")
    }
    iam = boto3.client("iam", region_name=REGION)
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert {"chat-lex-dev-runtime", "chat-lex-dev-fulfillment", "chat-lex-dev-lex-bot"} <= roles
    fn = boto3.client("lambda", region_name=REGION).get_function(FunctionName="chat-lex-dev-fulfillment")["Configuration"]
    assert (fn["Runtime"], fn["Handler"]) == ("python3.11", "fulfillment.handler")
    assert fn["Role"].endswith(":role/chat-lex-dev-fulfillment")  # wired from the iam stack's output
    outputs = boto3.client("cloudformation", region_name=REGION).describe_stacks(StackName="chat-lex-dev-iam")["Stacks"][0]["Outputs"]
    assert "BotRoleArn" in {o["OutputKey"] for o in outputs}

    code, out = _run(argv)

    assert code == 0, out
    assert "stack chat-lex-dev-dynamodb is up to date" in out


def test_a_stack_whose_inputs_are_not_deployed_is_refused_with_the_fix(aws: None, seed_bot_dir: Path) -> None:
    code, out = _run(
        [
            "--env",
            "dev",
            "--region",
            REGION,
            "--stacks",
            "fulfillment",
            "--skip-publish",
            "--bot-dir",
            str(seed_bot_dir),
            *_params(FULL_PARAMS),
        ]
    )

    assert code == 3
    assert "FulfillmentRoleArn should come from chat-lex-dev-iam" in out
    assert "--param FulfillmentRoleArn=" in out and "Traceback" not in out


def test_publish_after_the_bot_stack_feeds_the_alias_into_the_iam_refresh(aws: None, seed_bot_dir: Path) -> None:
    from bot_spec.formats.yaml_spec import load_spec
    from tests.fakes.lexv2_models import FakeLexModelsV2
    from tools.publish.pipeline import AwsClients
    from tools.publish.progress import Progress
    from tools.publish.stacks import plan_stacks

    defn = load_spec(seed_bot_dir)
    lex = FakeLexModelsV2()
    clients = AwsClients(lex=lex, iam=boto3.client("iam"), lambda_=boto3.client("lambda"), sts=boto3.client("sts"))
    cfn = boto3.client("cloudformation", region_name=REGION)
    out = io.StringIO()
    deployer = deploy_command.Deployer(
        "dev", defn, REGION, cfn, boto3.client("s3"), clients, progress=Progress(out, tty=False), wait=WaitSettings(sleep=lambda _: None)
    )
    explicit = dict(p.split("=", 1) for p in [*FULL_PARAMS, f"UserPoolArn={POOL_ARN}"])
    stacks = {s.part: s for s in plan_stacks("dev", defn, explicit, ["dynamodb", "iam"])}
    deployer.deploy(stacks["dynamodb"])
    deployer.deploy(stacks["iam"])
    assert "chat-lex-dev-runtime" in {r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]}
    assert sorted(boto3.client("iam").list_role_policies(RoleName="chat-lex-dev-runtime")["PolicyNames"]) == ["cognito", "tables"]

    deployer.publish()  # the bot role comes from the iam stack's BotRoleArn output
    deployer.deploy(stacks["iam"], extra={k: deployer.outputs[k] for k in ("BotId", "BotAliasId")})

    bot_id = lex.bot_id_by_name("ChatBot")
    assert bot_id is not None and deployer.outputs["BotId"] == bot_id
    assert lex.describe_bot(botId=bot_id)["roleArn"] == deployer.outputs["BotRoleArn"]
    alias_id = deployer.outputs["BotAliasId"]
    params = cfn.describe_stacks(StackName="chat-lex-dev-iam")["Stacks"][0]["Parameters"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in params if p["ParameterKey"] in ("BotId", "BotAliasId")} == {
        "BotId": bot_id,
        "BotAliasId": alias_id,
    }
    # moto does not create a conditional resource whose condition turns true on update, so the
    # policy those parameters produce is checked on a stack created with them.
    stg = {s.part: s for s in plan_stacks("stg", defn, explicit, ["dynamodb", "iam"])}
    deployer.env = "stg"
    deployer.outputs = {}
    deployer.deploy(stg["dynamodb"])
    deployer.deploy(stg["iam"], extra={"BotId": bot_id, "BotAliasId": alias_id})
    policy = boto3.client("iam").get_role_policy(RoleName="chat-lex-stg-runtime", PolicyName="lex")["PolicyDocument"]
    [statement] = policy["Statement"]
    assert statement["Action"] == "lex:RecognizeText"
    assert statement["Resource"].endswith(f":bot-alias/{bot_id}/{alias_id}")


def test_a_large_template_goes_through_the_template_bucket(aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="templates")
    deployer = deploy_command.Deployer(
        "dev",
        None,
        REGION,
        _NoAws(),
        s3,
        None,
        progress=None,
        wait=WaitSettings(),
        template_bucket="templates",  # type: ignore[arg-type]
    )
    body = "Resources: {}\n" + "#" * 60_000
    argument = deployer._template_argument(Stack("lexbot", "chat-lex-dev-lexbot", body, {}, {}, []))

    assert argument == {"TemplateURL": f"https://templates.s3.{REGION}.amazonaws.com/chat-lex/chat-lex-dev-lexbot.template"}
    assert s3.get_object(Bucket="templates", Key="chat-lex/chat-lex-dev-lexbot.template")["Body"].read().decode() == body
