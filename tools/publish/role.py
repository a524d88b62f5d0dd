"""The IAM role a Lex bot runs as: trusted by lexv2.amazonaws.com, allowed only what Lex does for it."""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from tools.publish.errors import aws_step

POLICY_NAME = "chat-lex-lex-runtime"


def role_name(bot_name: str) -> str:
    """The role's name (IAM: up to 64 of [\\w+=,.@-])."""
    return re.sub(r"[^\w+=,.@-]", "-", f"chat-lex-{bot_name}-lex")[:64]


def trust_policy() -> dict[str, Any]:
    """Only the Lex V2 service may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lexv2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }


def permissions_policy(*, sentiment: bool) -> dict[str, Any]:
    """Polly for spoken prompts; Comprehend only when sentiment analysis is on.

    Both actions take ``*``: SynthesizeSpeech only scopes to lexicons (none here) and
    DetectSentiment has no resource type at all (IAM service authorization reference).
    """
    statements: list[dict[str, Any]] = [{"Sid": "Polly", "Effect": "Allow", "Action": "polly:SynthesizeSpeech", "Resource": "*"}]
    if sentiment:
        statements.append({"Sid": "Sentiment", "Effect": "Allow", "Action": "comprehend:DetectSentiment", "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def _inline_policy(iam: Any, name: str) -> Any:
    try:
        document = iam.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        return None
    # boto3 hands back the document already URL-decoded and parsed; some emulators return a string.
    return json.loads(document) if isinstance(document, str) else document


def ensure_bot_role(iam: Any, bot_name: str, *, sentiment: bool) -> str:
    """Create the role (or reuse it) and set its inline policy; returns the role ARN."""
    name = role_name(bot_name)
    with aws_step("creating the bot role", name, "iam"):
        try:
            arn = str(iam.get_role(RoleName=name)["Role"]["Arn"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
                raise
            created = iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(trust_policy()),
                Description=f"Amazon Lex V2 runtime role of bot {bot_name} (chat-lex)",
            )
            arn = str(created["Role"]["Arn"])
        wanted = permissions_policy(sentiment=sentiment)
        if _inline_policy(iam, name) != wanted:
            iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(wanted))
    return arn
