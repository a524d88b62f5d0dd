"""The seed's four end-to-end scenarios, ported as written.

Source: the tutorial this project comes from, `tests/e2e/chat.spec.js` (Playwright, JavaScript), quoted in full in
the seed's reference notes (seed-e2e.md) that came with the port. This is a line-by-line port to Python Playwright on Debian's Chromium (the
fixtures of tests/e2e/conftest.py): the selectors, texts and flow are the seed's, unchanged. `wait_for_selector`
raises when nothing matches in time, so each `expect(...).toBeTruthy()` is kept as an `assert`.

The one necessary change: the seed signs in as testuser/testpass, and `testpass` fails the seed's own password
policy (8+ characters, upper and lower case, a number, a symbol). The user is created over REST once, with a
compliant password, before the scenarios run; everything after that is the seed's.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from conversation_tests.targets_chat import RuntimeSubprocess
from tests.e2e.ui_helpers import PASSWORD

pytestmark = pytest.mark.e2e

USERNAME = "testuser"


@pytest.fixture(scope="module")
def seed_user(runtime: RuntimeSubprocess) -> str:
    """testuser, signed up once for the four scenarios (the runtime's store is fresh for each test session)."""
    response = httpx.post(
        f"{runtime.base_url}/auth/signup",
        json={"username": USERNAME, "password": PASSWORD, "email": f"{USERNAME}@example.com"},
    )
    assert response.status_code == 201, response.text
    return PASSWORD


@pytest.fixture(autouse=True)
def before_each(page: Page, base_url: str, seed_user: str) -> None:
    """test.beforeEach: log in through the form and wait for the chat to load."""
    # Login
    page.goto(f"{base_url}/login")
    page.fill('input[name="username"]', USERNAME)
    page.fill('input[name="password"]', seed_user)  # the seed: 'testpass'
    page.click('button[type="submit"]')

    # Wait for chat to load
    page.wait_for_selector(".chat-container")


def test_should_send_and_receive_messages(page: Page) -> None:
    test_message = "Hello from E2E test"

    # Send message
    page.fill(".message-input", test_message)
    page.click('button[type="submit"]')

    # Wait for message to appear
    message = page.wait_for_selector(f'.message-bubble:has-text("{test_message}")')
    assert message


def test_should_handle_bot_responses(page: Page) -> None:
    # Send help command
    page.fill(".message-input", "help")
    page.click('button[type="submit"]')

    # Wait for bot response
    bot_response = page.wait_for_selector('.bot-message:has-text("I can help you")')
    assert bot_response


def test_should_handle_connection_issues(page: Page, context: BrowserContext) -> None:
    # Simulate offline mode
    context.set_offline(True)

    # Try to send message
    page.fill(".message-input", "Test offline")
    page.click('button[type="submit"]')

    # Check for error message
    error = page.wait_for_selector('.error-message:has-text("Connection lost")')
    assert error

    # Restore connection
    context.set_offline(False)

    # Wait for reconnection message
    reconnected = page.wait_for_selector('.status-message:has-text("Connected")')
    assert reconnected


def test_should_persist_chat_history(page: Page) -> None:
    # Send multiple messages
    messages = ["Message 1", "Message 2", "Message 3"]

    for message in messages:
        page.fill(".message-input", message)
        page.click('button[type="submit"]')
        page.wait_for_selector(f'.message-bubble:has-text("{message}")')

    # Reload page
    page.reload()

    # Verify messages are still present
    for message in messages:
        message_element = page.wait_for_selector(f'.message-bubble:has-text("{message}")')
        assert message_element


@pytest.fixture
def context(page: Page) -> BrowserContext:
    """The seed's `context` fixture: the browser context of `page`."""
    return page.context
