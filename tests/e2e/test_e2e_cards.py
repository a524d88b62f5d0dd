"""Response cards: a press reaches the bot that sent the card (in rooms too, without @bot), the label is shown,
the value goes to the bot, and an answered card is disabled, also after a reload. Desktop and 390 px."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.ui_helpers import VIEWPORTS, api_login, api_messages, create_room_in_ui, send_in_ui, signed_in_page, watched_page

pytestmark = pytest.mark.e2e


@pytest.fixture(params=sorted(VIEWPORTS))
def sized(request: pytest.FixtureRequest, new_context: Callable[..., BrowserContext]) -> Page:
    return watched_page(new_context(viewport=VIEWPORTS[request.param]))


def press_delivery_and_check(page: Page) -> None:
    card = page.locator(".bot-message:not(.opening-message) .response-card")
    expect(card.locator("button")).to_have_text(["Order", "Account", "Delivery"])
    expect(card.locator("button").first).to_be_enabled()
    card.locator("button", has_text="Delivery").click()
    # The label is what the conversation shows; the bot got the value and answers it.
    expect(page.locator(".own-message .message-text").last).to_have_text("Delivery")
    expect(page.locator(".bot-message:not(.opening-message)", has_text="Your delivery is scheduled for tomorrow")).to_have_count(1)
    for button in card.locator("button").all():
        expect(button).to_be_disabled()
    expect(card.locator('button[aria-pressed="true"]')).to_have_text("Delivery")


def test_a_card_press_in_a_mention_room_reaches_the_bot_and_disables_the_card(sized: Page, base_url: str) -> None:
    username = signed_in_page(sized, base_url, "cardroom")
    room_id = create_room_in_ui(sized, "Card room", bot_mode="mention")
    send_in_ui(sized, "@bot check my status")
    press_delivery_and_check(sized)
    token = api_login(base_url, username)["accessToken"]
    stored = api_messages(base_url, token, room_id)
    pressed = next(m for m in stored if m["content"] == "Delivery")
    card = next(m for m in stored if m["metadata"].get("responseCard"))
    assert pressed["metadata"] == {"replyTo": card["messageId"], "cardValue": "delivery"}
    sized.reload()  # answered cards stay disabled when the page is rebuilt from the server's history
    expect(sized.locator("#conversation-title")).to_have_text("Card room")
    expect(sized.locator(".bot-message:not(.opening-message)", has_text="Your delivery is scheduled")).to_have_count(1)
    card_buttons = sized.locator(".bot-message:not(.opening-message) .response-card button")
    expect(card_buttons).to_have_count(3)
    for button in card_buttons.all():
        expect(button).to_be_disabled()


def test_a_card_press_in_the_private_chat_shows_the_label_and_stays_answered(sized: Page, base_url: str) -> None:
    signed_in_page(sized, base_url, "cardprivate")
    send_in_ui(sized, "check my status")
    press_delivery_and_check(sized)
    sized.reload()
    expect(sized.locator(".own-message .message-text", has_text="Delivery")).to_have_count(1)
    expect(sized.locator(".bot-message:not(.opening-message) .card-button").first).to_be_disabled()
    # A new card in the same conversation is live again.
    send_in_ui(sized, "check my status")
    expect(sized.locator(".bot-message:not(.opening-message) .response-card")).to_have_count(2)
    expect(sized.locator(".bot-message:not(.opening-message) .response-card").nth(1).locator("button").first).to_be_enabled()
