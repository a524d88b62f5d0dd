"""The bot's language: picked in the header (remembered across reloads), defaulting from the browser's language;
the bot answers and greets in it. Desktop and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.ui_helpers import VIEWPORTS, send_in_ui, signed_in_page, watched_page

pytestmark = pytest.mark.e2e

SPANISH_GREETING = re.compile(r"^¡(Buenos días|Buenas tardes|Buenas noches), \w+! ¿En qué puedo ayudarte\?$")
ENGLISH_GREETING = re.compile(r"^Good (morning|afternoon|evening), \w+! How can I help you today\?$")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_pick_spanish_and_the_bot_answers_in_spanish_after_a_reload_too(
    new_context: Callable[..., BrowserContext], base_url: str, viewport: str
) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport], locale="en-US"))
    signed_in_page(page, base_url, "hablante")
    expect(page.locator(".opening-message .message-text")).to_have_text(ENGLISH_GREETING)  # the browser speaks English
    picker = page.get_by_label("Bot language")
    expect(picker).to_be_visible()
    expect(picker).to_have_value("en_US")
    # The languages by name; on a phone by code (the name is the option's title), so that the header stays one line.
    names = ["English (US)", "Español (España)"]
    expect(picker.locator("option")).to_have_text(["EN", "ES"] if viewport == "phone" else names)
    assert [o.get_attribute("title") for o in picker.locator("option").all()] == names
    # On the header's line, inside the screen, next to Sign out.
    box, sign_out = picker.bounding_box(), page.locator("button.sign-out").bounding_box()
    assert box and sign_out
    assert abs((box["y"] + box["height"] / 2) - (sign_out["y"] + sign_out["height"] / 2)) < sign_out["height"] / 2
    assert sign_out["x"] + sign_out["width"] <= VIEWPORTS[viewport]["width"]
    picker.select_option("es_ES")
    send_in_ui(page, "hola")
    expect(page.locator(".bot-message .message-text").last).to_have_text(SPANISH_GREETING)
    page.reload()
    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.get_by_label("Bot language")).to_have_value("es_ES")
    send_in_ui(page, "ayuda")
    expect(page.locator(".bot-message .message-text").last).to_have_text(re.compile(r"^Puedo ayudarte con:"))
    assert page.script_errors == []  # type: ignore[attr-defined]


def test_a_spanish_browser_is_greeted_in_spanish(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    page = watched_page(new_context(locale="es-ES"))
    signed_in_page(page, base_url, "nueva")
    expect(page.get_by_label("Bot language")).to_have_value("es_ES")
    greeting = page.locator(".opening-message")
    expect(greeting.locator(".message-text")).to_have_text(SPANISH_GREETING)
    suggestions = greeting.get_by_role("group", name="Prueba a preguntar:")
    expect(suggestions.locator(".card-button")).to_have_text(["Ayuda", "Consultar mi estado"])
