"""Invite links: /join/<room id> lands in the room after sign-in; Copy link copies it; broken links and foreign
`next` targets go nowhere. Two users, desktop and 390 px."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.ui_helpers import (
    PASSWORD,
    VIEWPORTS,
    api_sign_up,
    create_room_in_ui,
    signed_in_page,
    unique_username,
    watched_page,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def sign_in_here(page: Page, username: str) -> None:
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')


def test_an_invite_link_lands_a_signed_out_user_in_the_room_after_sign_in(
    viewport: str, new_context: Callable[..., BrowserContext], base_url: str
) -> None:
    owner = watched_page(new_context(viewport=VIEWPORTS[viewport], permissions=["clipboard-read", "clipboard-write"]))
    owner_name = signed_in_page(owner, base_url, "inviter")
    room_id = create_room_in_ui(owner, "Invited room")
    owner.click(".copy-invite")
    expect(owner.locator(".notice")).to_contain_text("Invite link copied")
    link = owner.evaluate("navigator.clipboard.readText()")
    assert link == f"{base_url}/join/{quote(room_id, safe='')}"
    assert owner.locator(".invite-link").get_attribute("href") == link

    guest = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    guest_name = unique_username("invitee")
    api_sign_up(base_url, guest_name)
    guest.goto(link)
    guest.wait_for_url(f"{base_url}/login?next=%2Fjoin%2F{quote(room_id, safe='')}")
    sign_in_here(guest, guest_name)
    expect(guest.locator("#conversation-title")).to_have_text("Invited room")
    expect(guest.locator(".room-id")).to_have_text(room_id)
    assert guest.evaluate("location.pathname") == "/"  # a reload stays in the chat
    expect(owner.locator(".presence")).to_contain_text(guest_name)
    guest.fill(".message-input", "joined by link")
    guest.click('.message-form button[type="submit"]')
    expect(owner.locator(".other-message", has_text="joined by link")).to_have_count(1)
    # Signed in already: the link goes straight to the room.
    guest.goto(f"{base_url}/")
    expect(guest.locator(".status-message")).to_have_text("Connected")
    guest.goto(link)
    expect(guest.locator("#conversation-title")).to_have_text("Invited room")
    assert owner_name != guest_name
    assert owner.script_errors == guest.script_errors == []  # type: ignore[attr-defined]


def test_broken_invites_and_foreign_next_targets_go_nowhere(
    viewport: str, new_context: Callable[..., BrowserContext], base_url: str
) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    username = unique_username("nexter")
    api_sign_up(base_url, username)
    page.goto(f"{base_url}/login?next=https%3A%2F%2Fevil.example%2F")
    sign_in_here(page, username)
    page.wait_for_url(f"{base_url}/")
    expect(page.locator(".status-message")).to_have_text("Connected")
    for broken in ("/join/%E0%A4%A", "/join/" + "x" * 300):
        page.goto(base_url + broken)
        expect(page.locator(".notice")).to_contain_text("That invite link is broken")
        expect(page.locator("#conversation-title")).to_have_text("Chat with the bot")
    page.goto(f"{base_url}/join/room-does-not-exist")
    expect(page.locator(".notice")).to_contain_text("Cannot join room room-does-not-exist")
    expect(page.locator("#conversation-title")).to_have_text("Chat with the bot")
    assert page.script_errors == []  # type: ignore[attr-defined]
    for path in ("/join/a%2Fb", "/join/%00", "/join/" + "%F0" * 400):
        assert httpx.get(base_url + path).status_code < 500, path
