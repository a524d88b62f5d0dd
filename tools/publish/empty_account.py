"""``--dry-run`` with no AWS credentials: plan against an account that holds nothing yet.

A dry run only reads. When boto3 finds no credentials at all (no keys, no profile, no SSO, no instance role),
reading the real account is impossible, but the plan against an empty account still answers the useful question:
what a first publish would create. Every read answers "nothing there"; anything else is a bug and says so.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError

from tools.publish.errors import PublishError
from tools.publish.pipeline import AwsClients

EMPTY_ACCOUNT_NOTICE = "no AWS credentials found: planning against an empty account (what a first publish would create)"


def has_credentials() -> bool:
    """Whether boto3's credential chain finds anything (env, files, SSO, container or instance role)."""
    try:
        return boto3.session.Session().get_credentials() is not None
    except BotoCoreError:
        return True  # a broken profile is reported by the real calls, with their fix


class _EmptyService:
    """A client whose list calls find nothing; any other call is refused (a dry run of a new bot needs none)."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, operation: str) -> Any:
        if operation.startswith("list_"):
            return lambda **_: {"nextToken": None}
        raise PublishError(
            "planning without credentials",
            f"{self._service}:{operation}",
            "this step would read an AWS account, and no credentials are configured",
            "configure AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then run again",
        )


def empty_account_clients() -> AwsClients:
    """Clients for a dry run that sees an empty account, and never opens a connection."""
    return AwsClients(
        lex=_EmptyService("lexv2-models"), iam=_EmptyService("iam"), lambda_=_EmptyService("lambda"), sts=_EmptyService("sts")
    )
