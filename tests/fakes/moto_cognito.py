"""moto's Cognito in server mode for the auth tests: a local endpoint under fake credentials, and user pools on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
# The seed's password policy (infrastructure's user pool).
SEED_POLICY = {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": True}
_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port, its URL yielded; fake AWS credentials are set meanwhile, then restored."""
    saved = {k: os.environ.get(k) for k in _CREDENTIALS}
    os.environ.update(dict.fromkeys(_CREDENTIALS, "testing"))  # never real ones
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_CLIENTS: dict[str, Any] = {}


def admin(endpoint: str) -> Any:
    """One boto3 ``cognito-idp`` client per endpoint: making one costs more than most calls."""
    if endpoint not in _CLIENTS:
        _CLIENTS[endpoint] = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    return _CLIENTS[endpoint]


def make_pool(
    endpoint: str,
    policy: dict[str, Any] | None = None,
    *,
    auto_verify_email: bool = False,
    read_attributes: Sequence[str] = (),
) -> tuple[str, str]:
    """A fresh user pool (moto's default password policy unless ``policy``) and its ``web`` app client with password sign-in."""
    pool_args: dict[str, Any] = {"PoolName": f"pool-{uuid.uuid4().hex[:8]}"}
    if policy is not None:
        pool_args["Policies"] = {"PasswordPolicy": policy}
    if auto_verify_email:
        pool_args["AutoVerifiedAttributes"] = ["email"]
    pool = admin(endpoint).create_user_pool(**pool_args)["UserPool"]["Id"]
    client_args: dict[str, Any] = {"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
    if read_attributes:
        client_args["ReadAttributes"] = list(read_attributes)
    app = admin(endpoint).create_user_pool_client(UserPoolId=pool, ClientName="web", **client_args)["UserPoolClient"]["ClientId"]
    return pool, app
