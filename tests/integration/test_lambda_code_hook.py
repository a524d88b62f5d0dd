"""A ``lambda:`` code hook: the engine calls a deployed function through boto3 ``Invoke`` (moto, no AWS).

moto runs Lambda code only in Docker, which tests may not use. So moto's Docker-free
Lambda backend (``mock_aws(config={"lambda": {"use_docker": False}})``) serves the Lambda
API for real: CreateFunction, the ARN, Invoke's wire format, unknown functions. Only the
function's execution is emulated: its ``invoke`` is patched to run the OrderFlowers Python
port on the payload it received, in this process. Everything the engine does (event JSON,
boto3 call, response parsing and validation) is the production path.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda_simple.models import LambdaSimpleBackend

from bot_spec.code_hook import parse_cli
from runtime.lex.clock import ManualClock
from runtime.lex.codehooks import lambda_invoker
from runtime.lex.endpoints import DEFAULT_START
from runtime.lex.engine import local_runtime_for
from runtime.lex.errors import DependencyFailedException

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orderflowers"
REGION = "us-east-1"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, list[dict[str, Any]]]]:
    """A Lambda client, the ARN of a deployed OrderFlowers function, and the events it received."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    sys.modules.pop("orderflowers_hooks", None)
    import orderflowers_hooks

    port = orderflowers_hooks.build(ManualClock(DEFAULT_START))
    received: list[dict[str, Any]] = []

    def run_the_function(
        self: LambdaSimpleBackend, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        self.get_function(function_name, qualifier)  # moto's own lookup: unknown functions still fail as on AWS
        event = json.loads(body)
        received.append(event)
        return json.dumps(port(event)).encode("utf-8")

    with mock_aws(config={"lambda": {"use_docker": False}}):
        iam = boto3.client("iam", region_name=REGION)
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        role = iam.create_role(RoleName="flowers-hook", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.write(EXAMPLE / "orderflowers_hooks.py", "orderflowers_hooks.py")
        client = boto3.client("lambda", region_name=REGION)
        arn = client.create_function(
            FunctionName="OrderFlowersHook",
            Runtime="python3.11",
            Role=role,
            Handler="orderflowers_hooks.handler",
            Code={"ZipFile": code.getvalue()},
        )["FunctionArn"]
        monkeypatch.setattr(LambdaSimpleBackend, "invoke", run_the_function)
        yield client, arn, received


def test_a_dialogue_runs_on_the_deployed_function(deployed: tuple[Any, str, list[dict[str, Any]]]) -> None:
    client, arn, received = deployed
    runtime, deployment = local_runtime_for(
        EXAMPLE / "bot", clock=ManualClock(DEFAULT_START), code_hook=parse_cli(f"lambda:{arn}"), lambda_client=client
    )
    ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "en_US", "sessionId": "lambda-1"}
    texts = ["I would like to order some flowers", "daisies", "roses", "tomorrow", "at 3 pm", "yes"]
    replies = [runtime.recognize_text(**ids, text=text) for text in texts]
    assert replies[1]["messages"][0]["content"].startswith("We do not have daisies")
    assert (
        replies[5]["messages"][0]["content"]
        == "Thanks, your order for roses has been placed and will be ready for pickup by 15:00 on 2027-01-16"
    )
    assert replies[5]["sessionState"]["intent"]["state"] == "Fulfilled"
    # What went over the wire is the Lex V2 event: one per code-hook call, in order.
    assert [e["invocationSource"] for e in received] == ["DialogCodeHook"] * 6 + ["FulfillmentCodeHook"]
    assert all(e["messageVersion"] == "1.0" and e["bot"]["name"] == "OrderFlowersWithCFN" for e in received)
    assert received[1]["inputTranscript"] == "daisies"
    assert received[-1]["sessionState"]["intent"]["confirmationState"] == "Confirmed"


def test_an_unknown_function_is_dependency_failed(deployed: tuple[Any, str, list[dict[str, Any]]]) -> None:
    client, arn, _ = deployed
    with pytest.raises(DependencyFailedException, match=r"ResourceNotFoundException|not found"):
        lambda_invoker(client, arn.replace("OrderFlowersHook", "NoSuchFunction"))({"messageVersion": "1.0"})


def test_moto_echo_shows_the_payload_arrives_unchanged() -> None:
    """Without the patch, moto's Docker-free backend answers with the payload it was given."""
    event = {"messageVersion": "1.0", "inputTranscript": "ünïcode ✓", "sessionState": {"sessionAttributes": {"a": "b"}}}
    with mock_aws(config={"lambda": {"use_docker": False}}):
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="echo", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        client = boto3.client("lambda", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        arn = client.create_function(
            FunctionName="Echo", Runtime="python3.11", Role=role, Handler="x.h", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18}
        )["FunctionArn"]
        assert lambda_invoker(client, arn)(event) == event
