"""The CloudFormation templates under infrastructure/: cfn-lint clean, least-privilege IAM, the agreed designs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot_spec.formats.cloudformation import load_template
from bot_spec.formats.yaml_spec import load_spec
from tools.publish.stacks import template_text

INFRA = Path(__file__).resolve().parents[2] / "infrastructure"
TEMPLATES = ("dynamodb", "cognito", "iam", "fulfillment", "runtime", "websocket-api")
CFN_LINT = Path(sys.executable).parent / "cfn-lint"

# Wildcard resources allowed, and why (IAM service authorization reference):
ALLOWED_STAR_RESOURCES = {
    "polly:SynthesizeSpeech": "scopes only to Polly lexicons, which the bot does not use",
    "comprehend:DetectSentiment": "has no resource type",
    "ecr:GetAuthorizationToken": "has no resource type (registry login)",
}
# Log stream names are made at run time, so log writers get "<their log group>:*".
LOG_STREAM_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
LOG_STREAM_RESOURCE = re.compile(r":log-group:[A-Za-z0-9/_${}.-]+:\*$")
# Connection ids are made at run time, so posting to them needs "<this API>/<this stage>/<method>/@connections/*".
CONNECTIONS_ACTION = "execute-api:ManageConnections"
CONNECTIONS_RESOURCE = re.compile(
    r"^arn:\$\{AWS::Partition\}:execute-api:\$\{AWS::Region\}:\$\{AWS::AccountId\}:\$\{WebSocketApi\}/\$\{StageName\}/(POST|GET|DELETE)/@connections/\*$"
)


def _template(name: str) -> dict[str, Any]:
    return load_template((INFRA / f"{name}.yaml").read_text(encoding="utf-8"), name)


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(resource id, statement) for every IAM statement, both branches of any Fn::If included."""
    found: list[tuple[str, dict[str, Any]]] = []

    def documents(node: Any) -> list[Any]:
        if isinstance(node, dict) and "Fn::If" in node:
            return [d for branch in node["Fn::If"][1:] for d in documents(branch)]
        return [node]

    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        policy_nodes = [p.get("PolicyDocument") for p in _listify(props.get("Policies", [])) for p in documents(p) if isinstance(p, dict)]
        policy_nodes.append(props.get("PolicyDocument"))
        for node in policy_nodes:
            for doc in documents(node):
                if not isinstance(doc, dict):
                    continue
                for statement in _listify(doc.get("Statement", [])):
                    for st in documents(statement):
                        if isinstance(st, dict) and "Effect" in st:
                            found.append((logical_id, st))
    return found


def _text(value: Any) -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    if isinstance(value, dict) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    return str(value)


def wildcard_violations(template: dict[str, Any]) -> list[str]:
    """Every IAM action or resource wildcard the allow-lists above do not justify."""
    problems: list[str] = []
    for logical_id, st in _statements(template):
        if st.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _listify(st.get("Action", []))]
        if "NotAction" in st or "NotResource" in st:
            problems.append(f"{logical_id}: NotAction/NotResource grants everything else")
        problems += [f"{logical_id}: wildcard action {a}" for a in actions if "*" in a]
        for resource in (_text(r) for r in _listify(st.get("Resource", []))):
            if "*" not in resource:
                continue
            if resource == "*" and all(a in ALLOWED_STAR_RESOURCES for a in actions):
                continue
            if set(actions) <= LOG_STREAM_ACTIONS and LOG_STREAM_RESOURCE.search(resource):
                continue
            if actions == [CONNECTIONS_ACTION] and CONNECTIONS_RESOURCE.match(resource):
                continue
            problems.append(f"{logical_id}: wildcard resource {resource} for {', '.join(actions)}")
    return problems


# ---------------------------------------------------------------- lint and least privilege


def test_every_template_passes_cfn_lint_which_does_catch_errors(tmp_path: Path, seed_bot_dir: Path) -> None:
    # One cfn-lint run (it takes seconds to start) over our templates, the bot template deploy
    # generates, and a broken one, so the check is shown to fail on errors.
    generated = tmp_path / "lexbot.json"
    generated.write_text(template_text("lexbot", load_spec(seed_bot_dir)), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: FREE\n", encoding="utf-8")
    files = [str(INFRA / f"{name}.yaml") for name in TEMPLATES] + [str(generated)]
    done = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *files, str(broken)], capture_output=True, text=True, timeout=300, check=False
    )
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 a crash.
    assert done.returncode != 1, done.stderr
    errors = [line for line in done.stdout.splitlines() if ":E" in line]
    assert [e for e in errors if not e.startswith(str(broken))] == []
    assert any(e.startswith(str(broken)) for e in errors), done.stdout


@pytest.mark.parametrize("name", TEMPLATES)
def test_iam_policies_have_no_unjustified_wildcards(name: str) -> None:
    assert wildcard_violations(_template(name)) == []


def test_the_wildcard_check_finds_wildcards() -> None:
    template = {
        "Resources": {
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {
                                "Statement": [
                                    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:::table/t"},
                                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:*"},
                                ]
                            },
                        }
                    ]
                },
            }
        }
    }
    assert len(wildcard_violations(template)) == 3


def test_the_wildcard_check_allows_connections_of_this_api_stage_only() -> None:
    def role(resource: str) -> dict[str, Any]:
        statement = {"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": {"Fn::Sub": resource}}
        policies = [{"PolicyDocument": {"Statement": [statement]}}]
        return {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": policies}}}}

    own = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/POST/@connections/*"
    assert wildcard_violations(role(own)) == []
    for wider in (
        "*",
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/POST/@connections/*",
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/*",
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/*/@connections/*",
    ):
        assert len(wildcard_violations(role(wider))) == 1, wider


def test_runtime_role_reaches_only_its_tables_indexes_pool_and_bot_alias() -> None:
    iam = _template("iam")
    runtime = [st for rid, st in _statements(iam) if rid in ("RuntimeTaskRole", "RuntimeLexPolicy")]
    resources = {_text(r) for st in runtime for r in _listify(st["Resource"])}
    assert resources == {
        "${MessagesTableArn}",
        "${ConversationsTableArn}",
        "${ConnectionsTableArn}",
        "${UsersTableArn}",
        "${MessagesTableArn}/index/bySender",
        "${ConversationsTableArn}/index/byMember",
        "${UsersTableArn}/index/refreshByUser",
        "${UsersTableArn}/index/refreshByFamily",
        "${RateLimitsTableArn}",
        "${ConnectionsTableArn}/index/UserIdIndex",
        "${UserPoolArn}",
        "arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot-alias/${BotId}/${BotAliasId}",
    }
    lex = [st for rid, st in _statements(iam) if rid == "RuntimeLexPolicy"]
    assert [st["Action"] for st in lex] == ["lex:RecognizeText"]


def test_fulfillment_role_may_only_write_its_logs() -> None:
    fulfillment = [st for rid, st in _statements(_template("iam")) if rid == "FulfillmentRole"]
    assert [sorted(_listify(st["Action"])) for st in fulfillment] == [["logs:CreateLogStream", "logs:PutLogEvents"]]
    assert "/aws/lambda/chat-lex-${Env}-fulfillment:*" in _text(fulfillment[0]["Resource"])


def test_bot_role_is_trusted_by_lex_and_gets_comprehend_only_with_sentiment() -> None:
    iam = _template("iam")
    role = iam["Resources"]["BotRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lexv2.amazonaws.com"}
    assert [st["Action"] for rid, st in _statements(iam) if rid == "BotRole"] == ["polly:SynthesizeSpeech"]
    assert iam["Resources"]["BotSentimentPolicy"]["Condition"] == "WithSentiment"


# ---------------------------------------------------------------- designs


def _keys(table: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]]


def test_tables_use_the_agreed_key_design() -> None:
    resources = _template("dynamodb")["Resources"]
    messages = resources["MessagesTable"]
    assert messages["DeletionPolicy"] == "Retain" and messages["UpdateReplacePolicy"] == "Retain"
    m = messages["Properties"]
    assert _keys(m) == [("conversationId", "HASH"), ("messageId", "RANGE")]
    assert [(g["IndexName"], _keys(g)) for g in m["GlobalSecondaryIndexes"]] == [
        ("bySender", [("senderId", "HASH"), ("messageId", "RANGE")])
    ]
    c = resources["ConversationsTable"]["Properties"]
    assert _keys(c) == [("conversationId", "HASH"), ("sk", "RANGE")]
    assert [(g["IndexName"], _keys(g)) for g in c["GlobalSecondaryIndexes"]] == [
        ("byMember", [("memberId", "HASH"), ("conversationId", "RANGE")])
    ]
    connections = resources["ConnectionsTable"]["Properties"]
    assert _keys(connections) == [("connectionId", "HASH")]
    assert [(g["IndexName"], _keys(g)) for g in connections["GlobalSecondaryIndexes"]] == [("UserIdIndex", [("userId", "HASH")])]
    rate_limits = resources["RateLimitsTable"]["Properties"]
    assert _keys(rate_limits) == [("counterKey", "HASH")]
    u = resources["UsersTable"]["Properties"]
    assert _keys(u) == [("pk", "HASH")]
    assert [(g["IndexName"], _keys(g)) for g in u["GlobalSecondaryIndexes"]] == [
        ("refreshByUser", [("tokenUser", "HASH")]),
        ("refreshByFamily", [("tokenFamily", "HASH")]),
    ]
    for table in resources.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}


def test_user_pool_matches_the_seed_password_policy_and_protects_prod() -> None:
    cognito = _template("cognito")
    pool = cognito["Resources"]["UserPool"]["Properties"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert (policy["MinimumLength"], policy["RequireUppercase"], policy["RequireLowercase"]) == (8, True, True)
    assert (policy["RequireNumbers"], policy["RequireSymbols"]) == (True, True)
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["DeletionProtection"] == {"Fn::If": ["IsProd", "ACTIVE", "INACTIVE"]}
    assert cognito["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Env"}, "prod"]}
    client = cognito["Resources"]["WebClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert set(client["TokenValidityUnits"]) == {"AccessToken", "IdToken", "RefreshToken"}


def test_fulfillment_lambda_runs_the_handler_from_s3_with_log_retention() -> None:
    resources = _template("fulfillment")["Resources"]
    fn = resources["Function"]["Properties"]
    assert (fn["Runtime"], fn["Handler"]) == ("python3.11", "fulfillment.handler")
    assert fn["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    assert fn["Timeout"] <= 30  # Lex waits at most 30 s for a code hook
    assert resources["LogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_runtime_keeps_websockets_open_and_fans_out_through_redis() -> None:
    runtime = _template("runtime")
    resources = runtime["Resources"]
    attributes = {a["Key"]: a["Value"] for a in resources["LoadBalancer"]["Properties"]["LoadBalancerAttributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == {"Ref": "IdleTimeoutSeconds"}
    assert runtime["Parameters"]["IdleTimeoutSeconds"]["Default"] >= 300
    assert resources["Redis"]["Properties"]["Engine"] == "redis"
    service = resources["Service"]["Properties"]
    assert service["LaunchType"] == "FARGATE"
    env = {e["Name"]: e["Value"] for e in resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert env["CHAT_LEX_STORE"] == "dynamodb" and env["CHAT_LEX_AUTH"] == "cognito"
    assert "redis://" in _text(env["CHAT_LEX_CHANNELS"])
    assert {"Image", "Cpu", "Memory", "DesiredCount"} <= set(runtime["Parameters"])
    assert {"Url", "WebSocketUrl"} <= set(runtime["Outputs"])
