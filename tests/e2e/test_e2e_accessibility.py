"""axe-core (package.json, `make node-deps`) finds no serious or critical issue on /login and on the chat page,
on a desktop and at 390 px: sign-in and sign-up forms, the private chat with the greeting and a card, a room,
and the open drawer on a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.ui_helpers import VIEWPORTS, create_room_in_ui, open_conversations, send_in_ui, signed_in_page, watched_page

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is; the serious and critical violations, each with where it is."""
    if not AXE.is_file():
        pytest.fail(f"no {AXE}; run `make node-deps` (npm ci installs axe-core from package-lock.json)", pytrace=False)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_login_page_has_no_serious_accessibility_issue(
    viewport: str, new_context: Callable[..., BrowserContext], base_url: str
) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport], bypass_csp=True))  # axe is injected inline
    page.goto(f"{base_url}/login")
    expect(page.locator(".signin-form")).to_be_visible()
    assert axe_violations(page) == []
    page.click("button.show-signup")
    page.fill('input[name="username"]', "a11y-user")
    page.fill('input[name="email"]', "a11y@example.com")
    page.locator('input[name="password"]').press_sequentially("abc")  # rules both met and missing
    page.click('button[type="submit"]')
    expect(page.locator(".signup-form .error-message")).to_be_visible()
    assert axe_violations(page) == []


def test_the_chat_page_has_no_serious_accessibility_issue(viewport: str, new_context: Callable[..., BrowserContext], base_url: str) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport], bypass_csp=True))  # axe is injected inline
    signed_in_page(page, base_url, "a11y")
    expect(page.locator(".opening-message .card-button").first).to_be_visible()  # the greeting and its suggestions
    send_in_ui(page, "check my status")
    expect(page.locator(".bot-message .response-card")).to_have_count(2)
    assert axe_violations(page) == []
    create_room_in_ui(page, "Accessible room")
    assert axe_violations(page) == []
    if viewport == "phone":
        open_conversations(page)
        assert axe_violations(page) == []
