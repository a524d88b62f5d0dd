"""What the browser tests do over and over: make users over REST, sign in through the form, send, read history."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect

PASSWORD = "Sunny-Day-42"
_names = itertools.count(1)


def watched_page(context: BrowserContext) -> Page:
    """A page whose uncaught script errors fail the test, and on which any dialog is recorded (and dismissed)."""
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.script_errors = errors  # type: ignore[attr-defined]
    page.dialogs = dialogs  # type: ignore[attr-defined]
    return page


def unique_username(prefix: str = "user") -> str:
    return f"{prefix}{int(time.time() * 1000) % 10**9}x{next(_names)}"


def api_sign_up(base_url: str, username: str) -> dict[str, Any]:
    response = httpx.post(f"{base_url}/auth/signup", json={"username": username, "password": PASSWORD, "email": f"{username}@example.com"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def api_login(base_url: str, username: str) -> dict[str, Any]:
    response = httpx.post(f"{base_url}/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def api_messages(base_url: str, access_token: str, conversation_id: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{base_url}/api/conversations/{conversation_id}/messages",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def private_conversation_id(base_url: str, access_token: str) -> str:
    response = httpx.get(f"{base_url}/api/conversations", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 200, response.text
    return str(next(c["conversationId"] for c in response.json()["conversations"] if c["kind"] == "private"))


def sign_in_in_ui(page: Page, base_url: str, username: str) -> None:
    """Sign in through the /login form and wait until the chat is connected."""
    page.goto(f"{base_url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base_url}/")
    expect(page.locator(".status-message")).to_have_text("Connected")


def signed_in_page(page: Page, base_url: str, prefix: str = "user", fixed_name: str | None = None) -> str:
    """A new user (signed up over REST), signed in through the UI; returns the username."""
    username = fixed_name or unique_username(prefix)
    api_sign_up(base_url, username)
    sign_in_in_ui(page, base_url, username)
    # A new user is greeted first (the page sends `greet`): wait for it, so that tests start from a settled screen.
    expect(page.locator(".opening-message")).to_have_count(1)
    return username


def send_in_ui(page: Page, text: str) -> None:
    page.fill(".message-input", text)
    page.click('.message-form button[type="submit"]')


def open_conversations(page: Page) -> None:
    """On a narrow screen the conversation panel is a drawer: open it (on a wide one it is always there)."""
    toggle = page.locator(".drawer-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(page.locator(".conversation-panel")).to_be_visible()


def open_conversation(page: Page, name: str) -> None:
    open_conversations(page)
    page.locator(".conversation-button", has_text=name).click()


def create_room_in_ui(page: Page, title: str, bot_mode: str = "mention") -> str:
    """Create a room from the side panel; returns its id (shown in the room's header)."""
    open_conversations(page)
    tools = page.locator(".room-tools")
    if tools.get_attribute("open") is None:
        page.click(".room-tools summary")
    page.fill('input[name="title"]', title)
    page.select_option('select[name="botMode"]', bot_mode)
    page.click(".create-room-button")
    expect(page.locator("#conversation-title")).to_have_text(title)
    expect(page.locator(".room-id")).to_have_text(re.compile(r"\S"))
    return str(page.locator(".room-id").text_content())


def join_room_in_ui(page: Page, room_id: str) -> None:
    open_conversations(page)
    tools = page.locator(".room-tools")
    if tools.get_attribute("open") is None:
        page.click(".room-tools summary")
    page.fill('input[name="roomId"]', room_id)
    page.click(".join-room-button")
    expect(page.locator(".room-id")).to_have_text(room_id)


# Every issue-16 behaviour is checked on a desktop and on a 390 px phone.
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
