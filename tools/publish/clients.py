"""The boto3 clients publish and deploy use, built from --region/--endpoint-url and wrapped in retries."""

from __future__ import annotations

from typing import Any

import boto3

from tools.publish.pipeline import AwsClients
from tools.publish.retry import RetryingClient, RetryPolicy


def make_client(service: str, region: str, endpoint_url: str | None, policy: RetryPolicy) -> Any:
    """One boto3 client with our retry policy around every call.

    ``endpoint_url`` points every service at one endpoint (a moto server in tests).
    """
    client = boto3.client(service, region_name=region, endpoint_url=endpoint_url)  # type: ignore[call-overload]
    return RetryingClient(client, policy)


def default_region() -> str | None:
    """The region boto3 would pick (AWS_REGION, AWS_DEFAULT_REGION, the profile)."""
    region: str | None = boto3.session.Session().region_name
    return region


def publish_clients(region: str, endpoint_url: str | None, policy: RetryPolicy) -> AwsClients:
    """lexv2-models, IAM, Lambda and STS clients for one region."""
    return AwsClients(
        lex=make_client("lexv2-models", region, endpoint_url, policy),
        iam=make_client("iam", region, endpoint_url, policy),
        lambda_=make_client("lambda", region, endpoint_url, policy),
        sts=make_client("sts", region, endpoint_url, policy),
    )
