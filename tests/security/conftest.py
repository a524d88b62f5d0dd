"""Fixtures of the probes: an in-process app (the real local identity provider and SQLite store, no bot, under
Litestar's TestClient), and each store backend (SQLite, DynamoDB on moto) for the store-level probes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from moto import mock_aws

from runtime.store import open_store
from runtime.store.base import Store
from runtime.store.dynamodb_store import DynamoDbStore
from runtime.web.app import create_app
from runtime.web.settings import DEFAULT_STATIC_DIR, Settings
from tests.integration.moto_serialized import SerializedClient
from tests.integration.test_web_harness import PASSWORD


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signing key per module: generating an RSA key per test costs about a second."""
    return tmp_path_factory.mktemp("keys")


@pytest.fixture
def app(tmp_path: Path, key_dir: Path) -> Litestar:
    """The app with the packaged web UI, local sign-in and a fresh SQLite store."""
    settings = Settings(bot="none", store=f"sqlite:{tmp_path / 'chat.db'}", auth_key_dir=str(key_dir), static_dir=DEFAULT_STATIC_DIR)
    return create_app(settings, configure_logs=False)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app) as test_client:
        yield test_client


def signed_up(client: TestClient[Litestar], username: str) -> dict[str, Any]:
    """Sign ``username`` up (password PASSWORD) and log in; the token answer."""
    created = client.post("/auth/signup", json={"username": username, "password": PASSWORD, "email": f"{username}@example.com"})
    assert created.status_code == 201, created.text
    tokens = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    answer: dict[str, Any] = tokens.json()
    return answer


@pytest.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store backend, empty: SQLite in a temporary folder, DynamoDB on moto."""
    if request.param == "sqlite":
        opened = open_store(f"sqlite:{tmp_path / 'chat.db'}")
        yield opened
        await opened.close()
        return
    with mock_aws():
        # Serialized: moto applies conditional writes without DynamoDB's per-item order (see SerializedClient);
        # the lockout probes race 40 sign-ins on one user item.
        client = SerializedClient(boto3.client("dynamodb", region_name="us-east-1"))
        dynamo = DynamoDbStore(table_prefix="probe-", client=client)  # type: ignore[arg-type]
        dynamo.create_tables()
        yield dynamo
        await dynamo.close()
