"""The fallback is no dead end: after "I'm sorry, I couldn't understand that." come the Help intent's suggestions
(bot_spec/chatbot/intents/FallbackIntent.yaml) as buttons that the bot understands. Desktop and 390 px."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.ui_helpers import VIEWPORTS, send_in_ui, signed_in_page, watched_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_fallback_offers_suggestions_that_lead_somewhere(
    new_context: Callable[..., BrowserContext], base_url: str, viewport: str
) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    signed_in_page(page, base_url, "lost")
    send_in_ui(page, "purple elephants dance quietly")
    answers = page.locator(".bot-message:not(.opening-message)")
    expect(answers.locator(".message-text")).to_have_text(["I'm sorry, I couldn't understand that.", "I can help with these:"])
    card = answers.nth(1).locator(".card-button")
    expect(card).to_have_text(["Order status", "Account information", "Delivery tracking", "What can you do?"])
    card.filter(has_text="Account information").click()
    expect(page.locator(".own-message .message-text").last).to_have_text("Account information")
    expect(page.locator(".bot-message", has_text="Your account is active and in good standing.")).to_have_count(1)
    expect(card.first).to_be_disabled()
