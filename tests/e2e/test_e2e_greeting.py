"""A new user is greeted first: the Greeting intent's reply, with suggested prompts from the spec's utterances
(pressable, answered by the bot); once only, not again after a reload. Desktop and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.ui_helpers import VIEWPORTS, signed_in_page, watched_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_new_user_is_greeted_with_suggestions_from_the_spec(
    new_context: Callable[..., BrowserContext], base_url: str, viewport: str
) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    username = signed_in_page(page, base_url, "newcomer")
    greeting = page.locator(".opening-message")
    expect(greeting).to_have_count(1)
    # The Greeting intent's reply as its code hook renders it: the time of day and the user's name.
    expect(greeting.locator(".message-text")).to_have_text(
        re.compile(rf"^Good (morning|afternoon|evening), {username}! How can I help you today\?$")
    )
    # The first plain utterance of each other intent of bot_spec/chatbot (not the fallback's, none with a {slot}).
    expect(greeting.locator(".card-button")).to_have_text(["Help", "Check my status"])
    greeting.locator(".card-button", has_text="Check my status").click()
    expect(page.locator(".own-message .message-text")).to_have_text(["Check my status"])
    expect(page.locator(".bot-message .response-card")).to_have_count(2)  # the Status intent asks with its own card
    expect(greeting.locator(".card-button").first).to_be_disabled()
    page.reload()
    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".own-message")).to_have_count(1)
    expect(page.locator(".opening-message")).to_have_count(1)  # greeted once, not on every visit
    expect(page.locator(".history-start")).to_be_visible()
    assert page.locator(".opening-message .card-button").first.is_disabled()
