"""The Lambda resource policy that lets one bot alias invoke the fulfillment function."""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from tools.publish.errors import aws_step

LEX_PRINCIPAL = "lexv2.amazonaws.com"


def statement_id(bot_id: str, alias_id: str) -> str:
    """A stable statement id per bot alias (Lambda allows [a-zA-Z0-9-_], up to 100)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"chat-lex-{bot_id}-{alias_id}")[:100]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants_invoke(statement: dict[str, Any], source_arn: str) -> bool:
    """Whether one policy statement lets Lex invoke the function from ``source_arn``."""
    if statement.get("Effect") != "Allow":
        return False
    actions = _as_list(statement.get("Action", []))
    if not any(a in ("lambda:InvokeFunction", "lambda:*") for a in actions):
        return False
    principal = statement.get("Principal", {})
    services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
    if LEX_PRINCIPAL not in services:
        return False
    condition = statement.get("Condition", {})
    arns = [v for test in ("ArnLike", "ArnEquals", "StringEquals") for v in _as_list(condition.get(test, {}).get("AWS:SourceArn", []))]
    return source_arn in arns


def current_statements(lambda_client: Any, function_arn: str) -> list[dict[str, Any]]:
    """The function's resource policy statements (none when it has no policy)."""
    with aws_step("reading the Lambda policy", function_arn, "lambda"):
        try:
            policy = lambda_client.get_policy(FunctionName=function_arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []  # no policy yet
            raise
    statements: list[dict[str, Any]] = json.loads(policy["Policy"]).get("Statement", [])
    return statements


def needs_permission(lambda_client: Any, function_arn: str, source_arn: str) -> bool:
    """Whether the function's policy lacks the grant for ``source_arn``."""
    return not any(grants_invoke(s, source_arn) for s in current_statements(lambda_client, function_arn))


def ensure_invoke_permission(lambda_client: Any, function_arn: str, bot_id: str, alias_id: str, source_arn: str) -> bool:
    """Add ``lambda:InvokeFunction`` for Lex scoped to ``source_arn`` unless present; True when added."""
    statements = current_statements(lambda_client, function_arn)
    if any(grants_invoke(s, source_arn) for s in statements):
        return False
    sid = statement_id(bot_id, alias_id)
    with aws_step("granting Lex the Lambda invoke permission", function_arn, "lambda"):
        if any(s.get("Sid") == sid for s in statements):
            # Our statement id with other content (edited by hand): replace it.
            lambda_client.remove_permission(FunctionName=function_arn, StatementId=sid)
        lambda_client.add_permission(
            FunctionName=function_arn,
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal=LEX_PRINCIPAL,
            SourceArn=source_arn,
        )
    return True
