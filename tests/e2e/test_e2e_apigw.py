"""The seed's journey in a browser over the serverless transport: `chat-lex serve --transport apigw --store dynamodb`,
so the socket is a local API Gateway running the Lambda handlers, and the store is DynamoDB served by moto's server.

Issue 15's done-when: sign in, "help" gets "I can help you", "Status" gets a response card, and after a reload the
conversation comes back from the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from playwright.sync_api import Page, expect

from bot_spec import SEED_BOT_DIR
from conversation_tests.targets_chat import RuntimeSubprocess
from runtime.store.dynamodb_tables import create_tables
from tests.e2e.ui_helpers import send_in_ui, signed_in_page
from tests.integration.test_web_harness import free_socket

pytestmark = pytest.mark.e2e

TABLE_PREFIX = "e2e-apigw-"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def dynamodb_endpoint() -> Iterator[str]:
    """moto's server on a free loopback port, with the store's tables made as the CloudFormation stack makes them."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {name: os.environ.get(name) for name in AWS_ENV}
    os.environ.update(AWS_ENV)  # the runtime subprocess inherits them: moto takes any credentials, boto3 wants some
    try:
        create_tables(boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1"), TABLE_PREFIX)
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


@pytest.fixture(scope="module")
def apigw_runtime(dynamodb_endpoint: str) -> Iterator[RuntimeSubprocess]:
    flags = ["--transport", "apigw", "--store", "dynamodb", "--dynamodb-endpoint", dynamodb_endpoint, "--table-prefix", TABLE_PREFIX]
    process = RuntimeSubprocess(SEED_BOT_DIR, flags)  # the later --store wins over the target's SQLite file
    yield process
    process.close()


def test_the_seed_journey_over_api_gateway_and_dynamodb(page: Page, apigw_runtime: RuntimeSubprocess, dynamodb_endpoint: str) -> None:
    base_url = apigw_runtime.base_url
    signed_in_page(page, base_url, "apigw")  # signed in, connected, greeted: WELCOME came as the answer to hello

    send_in_ui(page, "help")
    expect(page.locator(".bot-message", has_text="I can help you")).to_have_count(1)

    send_in_ui(page, "Status")
    card = page.locator(".bot-message:not(.opening-message) .response-card")
    expect(card).to_have_count(1)
    expect(card.locator("button")).to_have_text(["Order", "Account", "Delivery"])

    page.reload()
    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".own-message .message-text", has_text="help")).to_have_count(1)
    expect(page.locator(".bot-message", has_text="I can help you")).to_have_count(1)
    expect(page.locator(".own-message .message-text", has_text="Status")).to_have_count(1)
    expect(page.locator(".bot-message:not(.opening-message) .response-card")).to_have_count(1)

    # The history the page rebuilt is DynamoDB's: the messages are in moto's tables, not in any SQLite file.
    table = boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint, region_name="us-east-1").Table(f"{TABLE_PREFIX}messages")
    contents = [item.get("content") for item in table.scan()["Items"]]
    assert "help" in contents and "Status" in contents
