"""Layout at 390 px and on a desktop: a one-line header, the conversations in a drawer on phones, room space for
messages, placeholders and selects not cut off, Send only with text, the rooms panel closing after create/join."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.ui_helpers import (
    VIEWPORTS,
    create_room_in_ui,
    join_room_in_ui,
    open_conversation,
    open_conversations,
    signed_in_page,
    watched_page,
)

pytestmark = pytest.mark.e2e

# The placeholder's text width (canvas, the textarea's own font) against the room the textarea gives it.
PLACEHOLDER_FITS = """box => {
  const style = getComputedStyle(box);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [context.measureText(box.placeholder).width, room];
}"""


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sized(viewport: str, new_context: Callable[..., BrowserContext]) -> Page:
    return watched_page(new_context(viewport=VIEWPORTS[viewport]))


def test_the_header_is_one_line_and_the_room_leaves_the_screen_to_messages(sized: Page, base_url: str, viewport: str) -> None:
    signed_in_page(sized, base_url, "averyveryverylongusername")
    create_room_in_ui(sized, "Layout room")
    header = sized.locator(".app-header").bounding_box()
    sign_out = sized.locator("button.sign-out").bounding_box()
    name = sized.locator(".app-name").bounding_box()
    assert header and sign_out and name
    assert abs(sign_out["y"] - name["y"]) < name["height"]  # Sign out on the header's line, not wrapped below
    assert sign_out["x"] + sign_out["width"] <= VIEWPORTS[viewport]["width"]
    height = VIEWPORTS[viewport]["height"]
    scroller = sized.locator(".message-scroller").bounding_box()
    assert scroller is not None and scroller["height"] >= 0.6 * height, scroller  # header, room header and form: < 40 %
    if viewport == "phone":
        expect(sized.locator(".conversation-panel")).to_be_hidden()  # a drawer, closed
        expect(sized.locator(".drawer-toggle")).to_be_visible()
    else:
        expect(sized.locator(".conversation-panel")).to_be_visible()
        expect(sized.locator(".drawer-toggle")).to_be_hidden()
    assert sized.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


@pytest.mark.parametrize("bot_mode", ["mention", "always", "never"])
def test_placeholders_and_the_bot_mode_select_are_not_cut_off(sized: Page, base_url: str, bot_mode: str) -> None:
    signed_in_page(sized, base_url, "fit")
    text_width, room = sized.locator(".message-input").evaluate(PLACEHOLDER_FITS)
    assert text_width <= room
    open_conversations(sized)
    sized.click(".room-tools summary")
    select = sized.locator('select[name="botMode"]')
    select.select_option(bot_mode)
    # The selected option's text fits the select (its arrow takes about 1.5rem).
    fits = select.evaluate(
        """s => { const c = document.createElement("canvas").getContext("2d"); const st = getComputedStyle(s);
                  c.font = `${st.fontSize} ${st.fontFamily}`;
                  return c.measureText(s.options[s.selectedIndex].text).width + 24 <= s.clientWidth; }"""
    )
    assert fits
    panel = sized.locator(".conversation-panel")
    assert panel.evaluate("p => p.scrollWidth <= p.clientWidth")
    sized.fill('input[name="title"]', f"{bot_mode} room")
    sized.click(".create-room-button")
    expect(sized.locator("#conversation-title")).to_have_text(f"{bot_mode} room")
    text_width, room = sized.locator(".message-input").evaluate(PLACEHOLDER_FITS)
    assert text_width <= room, sized.locator(".message-input").get_attribute("placeholder")


def test_send_is_disabled_on_an_empty_box(sized: Page, base_url: str) -> None:
    signed_in_page(sized, base_url, "empty")
    send = sized.locator('.message-form button[type="submit"]')
    expect(send).to_be_disabled()
    sized.fill(".message-input", "   ")
    expect(send).to_be_disabled()
    sized.fill(".message-input", "help")
    expect(send).to_be_enabled()
    send.click()
    expect(sized.locator(".bot-message:not(.opening-message)")).to_have_count(1)
    expect(sized.locator(".message-input")).to_have_value("")
    expect(send).to_be_disabled()


def test_the_rooms_panel_closes_after_create_and_after_join(
    viewport: str, new_context: Callable[..., BrowserContext], base_url: str
) -> None:
    owner = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    guest = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    signed_in_page(owner, base_url, "owner")
    signed_in_page(guest, base_url, "guest")
    room_id = create_room_in_ui(owner, "Closing room")
    expect(owner.locator(".room-tools")).not_to_have_attribute("open", "")
    join_room_in_ui(guest, room_id)
    expect(guest.locator(".room-tools")).not_to_have_attribute("open", "")
    if viewport == "phone":  # and the drawer is closed, the room in view
        expect(guest.locator(".conversation-panel")).to_be_hidden()
        expect(guest.locator(".message-input")).to_be_visible()
    open_conversation(guest, "Chat with the bot")
    expect(guest.locator("#conversation-title")).to_have_text("Chat with the bot")
    if viewport == "phone":
        expect(guest.locator(".conversation-panel")).to_be_hidden()


def test_the_drawer_opens_and_closes_from_the_keyboard_on_a_phone(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS["phone"]))
    signed_in_page(page, base_url, "drawer")
    toggle = page.locator(".drawer-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".conversation-panel")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.locator(".conversation-panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('drawer-toggle')")
