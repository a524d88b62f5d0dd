"""infrastructure/websocket-api.yaml: the serverless transport's routes, functions, roles, logs and alarms.

cfn-lint and the wildcard check run over it with the other templates in test_infra_templates.py;
these tests pin down the design: the route keys, which function each route reaches, and that every
grant names this API, its tables and its bot alias and nothing wider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot_spec.formats.cloudformation import load_template
from runtime.web.settings import Settings, env_name
from tests.unit.test_infra_templates import _listify, _statements, _text

TEMPLATE = Path(__file__).resolve().parents[2] / "infrastructure" / "websocket-api.yaml"
ACTION_ROUTES = ("sendmessage", "history", "resume", "join", "leave", "ping", "greet", "hello")
ROUTE_FUNCTIONS = {"$connect": "ConnectFunction", "$disconnect": "DisconnectFunction", "$default": "MessageFunction"} | {
    route: "MessageFunction" for route in ACTION_ROUTES
}
HANDLERS = {
    "ConnectFunction": "runtime.serverless.lambda_entry.on_connect",
    "DisconnectFunction": "runtime.serverless.lambda_entry.on_disconnect",
    "MessageFunction": "runtime.serverless.lambda_entry.on_message",
}
TABLE_PARAMETERS = {"MessagesTableArn", "ConversationsTableArn", "ConnectionsTableArn", "UsersTableArn", "RateLimitsTableArn"}
OWN_CONNECTIONS = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE.read_text(encoding="utf-8"), "websocket-api")


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {rid: r for rid, r in template["Resources"].items() if r["Type"] == kind}


def _ref_or_getatt(value: Any) -> str:
    """The logical id a Ref / GetAtt / ${X.Arn} points at."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else target.split(".")[0])
    raise AssertionError(f"not a reference: {value!r}")


def _resources(value: Any) -> list[Any]:
    """Resource entries with a conditional entry's value branch taken (its other branch is AWS::NoValue)."""
    found = []
    for item in _listify(value):
        if isinstance(item, dict) and "Fn::If" in item:
            found += [b for b in item["Fn::If"][1:] if b != {"Ref": "AWS::NoValue"}]
        else:
            found.append(item)
    return found


def test_the_api_is_a_websocket_api_routing_on_the_action_field(template: dict[str, Any]) -> None:
    api = template["Resources"]["WebSocketApi"]["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"


def test_route_keys_are_exactly_the_agreed_ones(template: dict[str, Any]) -> None:
    routes = _of_type(template, "AWS::ApiGatewayV2::Route")
    keys = sorted(r["Properties"]["RouteKey"] for r in routes.values())
    assert keys == sorted(ROUTE_FUNCTIONS)
    for route in routes.values():
        # The handler verifies the Cognito token itself; no API Gateway authorizer in front.
        assert route["Properties"]["AuthorizationType"] == "NONE"
        assert route["Properties"]["ApiId"] == {"Ref": "WebSocketApi"}


def test_each_route_reaches_its_function_through_a_lambda_proxy_integration(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for route in _of_type(template, "AWS::ApiGatewayV2::Route").values():
        props = route["Properties"]
        target = _text(props["Target"])
        assert target.startswith("integrations/${") and target.endswith("}"), target
        integration = resources[target[len("integrations/${") : -1]]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        uri = _text(integration["IntegrationUri"])
        assert uri.endswith(f"/functions/${{{ROUTE_FUNCTIONS[props['RouteKey']]}.Arn}}/invocations"), (props["RouteKey"], uri)


def test_functions_run_the_agreed_handlers_from_the_code_bucket(template: dict[str, Any]) -> None:
    functions = _of_type(template, "AWS::Lambda::Function")
    assert {rid: f["Properties"]["Handler"] for rid, f in functions.items()} == HANDLERS
    params = template["Parameters"]
    assert params["LambdaArchitecture"]["AllowedValues"] == ["x86_64", "arm64"]
    for fn in functions.values():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.11"
        assert props["Architectures"] == [{"Ref": "LambdaArchitecture"}]
        assert props["MemorySize"] == {"Ref": "MemorySize"}
        assert _ref_or_getatt(props["Timeout"]) in params
        assert props["Code"] == {"S3Bucket": {"Ref": "RuntimeCodeBucket"}, "S3Key": {"Ref": "RuntimeCodeKey"}}
    # API Gateway gives an integration at most 29 s.
    assert params["MessageTimeoutSeconds"]["Default"] <= 29 and params["ConnectionTimeoutSeconds"]["MaxValue"] <= 29


def test_functions_get_the_container_settings_names_and_the_management_endpoint(template: dict[str, Any]) -> None:
    for fn in _of_type(template, "AWS::Lambda::Function").values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["CHAT_LEX_STORE"] == "dynamodb" and env["CHAT_LEX_AUTH"] == "cognito"
        assert env["CHAT_LEX_TABLE_PREFIX"] == {"Ref": "TablePrefix"}
        assert env["CHAT_LEX_COGNITO_USER_POOL_ID"] == {"Ref": "UserPoolId"}
        assert env["CHAT_LEX_COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClientId"}
        assert _text(env["CHAT_LEX_BOT"]) == "aws:${BotId}/${BotAliasId}/${BotLocaleId}"
        assert _text(env["CHAT_LEX_APIGW_ENDPOINT"]) == "https://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StageName}"
        # Every name is one Settings reads (runtime/web/settings.py), or the endpoint the handlers add.
        known = {env_name(f) for f in Settings.__dataclass_fields__} | {"CHAT_LEX_APIGW_ENDPOINT"}
        assert set(env) <= known, set(env) - known


def test_every_function_logs_to_its_own_group_with_retention(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for fn in _of_type(template, "AWS::Lambda::Function").values():
        group_id = _ref_or_getatt(fn["Properties"]["LoggingConfig"]["LogGroup"])
        group = resources[group_id]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert _text(group["Properties"]["LogGroupName"]) == "/aws/lambda/" + _text(fn["Properties"]["FunctionName"])
        # The role writes to that group's streams only, and cannot create groups.
        role = _ref_or_getatt(fn["Properties"]["Role"])
        logs = [st for r, st in _statements(template) if r == role and any(str(a).startswith("logs:") for a in _listify(st["Action"]))]
        assert [sorted(_listify(st["Action"])) for st in logs] == [["logs:CreateLogStream", "logs:PutLogEvents"]]
        assert _text(logs[0]["Resource"]).endswith(":log-group:" + _text(group["Properties"]["LogGroupName"]) + ":*")


def test_each_function_has_its_own_role(template: dict[str, Any]) -> None:
    roles = [_ref_or_getatt(fn["Properties"]["Role"]) for fn in _of_type(template, "AWS::Lambda::Function").values()]
    assert len(set(roles)) == 3
    for role in roles:
        trust = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        assert "ManagedPolicyArns" not in template["Resources"][role]["Properties"]  # no AWSLambdaBasicExecutionRole


def test_dynamodb_grants_name_the_stack_tables_and_their_indexes_only(template: dict[str, Any]) -> None:
    dynamo = [st for _, st in _statements(template) if any(str(a).startswith("dynamodb:") for a in _listify(st["Action"]))]
    assert dynamo
    for st in dynamo:
        for resource in _resources(st["Resource"]):
            text = _text(resource)
            assert "*" not in text, text
            table, _, index = text.partition("/index/")
            assert table.startswith("${") and table.endswith("}") and table[2:-1] in TABLE_PARAMETERS, text
            assert index in ("", "bySender", "byMember", "UserIdIndex", "refreshByUser", "refreshByFamily"), text
    # $disconnect deletes connection items only, and otherwise only reads (the presence audience).
    disconnect = [
        st for r, st in _statements(template) if r == "DisconnectRole" and any(a.startswith("dynamodb:") for a in _listify(st["Action"]))
    ]
    writes = [st for st in disconnect if set(_listify(st["Action"])) - {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}]
    assert [_resources(st["Resource"]) for st in writes] == [[{"Ref": "ConnectionsTableArn"}]]
    assert sorted(_listify(writes[0]["Action"])) == ["dynamodb:DeleteItem", "dynamodb:GetItem"]


def test_manage_connections_is_granted_on_this_api_stage_only(template: dict[str, Any]) -> None:
    grants = [(r, st) for r, st in _statements(template) if "execute-api:ManageConnections" in _listify(st["Action"])]
    assert [r for r, _ in grants] == ["DisconnectRole", "MessageRole"]  # connect never posts (API Gateway would refuse it)
    disconnect = [st for r, st in grants if r == "DisconnectRole"]
    assert all("/POST/" in _text(r) for st in disconnect for r in _listify(st["Resource"]))  # PRESENCE offline, no DELETE
    for _, st in grants:
        assert _listify(st["Action"]) == ["execute-api:ManageConnections"]
        resources = [_text(r) for r in _listify(st["Resource"])]
        assert resources and all(r != "*" for r in resources)
        for resource in resources:
            method = resource.removeprefix(OWN_CONNECTIONS).removesuffix("/@connections/*")
            assert resource.startswith(OWN_CONNECTIONS) and method in ("POST", "GET", "DELETE"), resource


def test_lex_is_recognize_text_on_the_bot_alias_only(template: dict[str, Any]) -> None:
    lex = [(r, st) for r, st in _statements(template) if any(str(a).startswith("lex:") for a in _listify(st["Action"]))]
    assert [(r, st["Action"], _text(st["Resource"])) for r, st in lex] == [
        ("MessageRole", "lex:RecognizeText", "arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot-alias/${BotId}/${BotAliasId}")
    ]


def test_api_gateway_may_invoke_each_function_from_this_api_only(template: dict[str, Any]) -> None:
    permissions = _of_type(template, "AWS::Lambda::Permission")
    by_function = {_ref_or_getatt(p["Properties"]["FunctionName"]): p["Properties"] for p in permissions.values()}
    assert set(by_function) == set(HANDLERS)
    expected_route = {"ConnectFunction": "$connect", "DisconnectFunction": "$disconnect", "MessageFunction": "*"}
    for function, props in by_function.items():
        assert props["Principal"] == "apigateway.amazonaws.com" and props["Action"] == "lambda:InvokeFunction"
        assert props["SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert _text(props["SourceArn"]) == (
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/" + expected_route[function]
        )


def test_stage_throttles_the_default_route_by_parameter(template: dict[str, Any]) -> None:
    stage = template["Resources"]["Stage"]["Properties"]
    assert stage["DeploymentId"] == {"Ref": "Deployment"}
    settings = stage["DefaultRouteSettings"]
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert settings["DataTraceEnabled"] is False  # frames carry chat text
    routes = set(_of_type(template, "AWS::ApiGatewayV2::Route"))
    assert set(template["Resources"]["Deployment"]["DependsOn"]) == routes


def test_alarms_watch_the_api_and_every_function(template: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in _of_type(template, "AWS::CloudWatch::Alarm").values()]
    stage = [{"Name": "ApiId", "Value": {"Ref": "WebSocketApi"}}, {"Name": "Stage", "Value": {"Ref": "StageName"}}]
    api = {a["MetricName"] for a in alarms if a["Namespace"] == "AWS/ApiGateway" and a["Dimensions"] == stage}
    assert api == {"IntegrationError", "ExecutionError"}
    lambdas = {(_ref_or_getatt(a["Dimensions"][0]["Value"]), a["MetricName"]) for a in alarms if a["Namespace"] == "AWS/Lambda"}
    assert lambdas == {(fn, metric) for fn in HANDLERS for metric in ("Errors", "Throttles")}
    for alarm in alarms:
        assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""


def test_outputs_give_the_wss_url_and_the_management_endpoint(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert _text(outputs["WebSocketUrl"]["Value"]) == "wss://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StageName}"
    assert _text(outputs["ApiGatewayManagementEndpoint"]["Value"]).startswith("https://${WebSocketApi}.execute-api.")
