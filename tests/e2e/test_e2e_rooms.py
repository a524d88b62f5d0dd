"""Shared rooms: two people in two browsers see each other's messages; the bot answers when mentioned; switching."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.ui_helpers import create_room_in_ui, join_room_in_ui, send_in_ui, signed_in_page, watched_page

pytestmark = pytest.mark.e2e


def test_two_users_in_one_room_see_each_others_messages(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    ana_page = watched_page(new_context())
    bo_page = watched_page(new_context())
    ana = signed_in_page(ana_page, base_url, "ana")
    bo = signed_in_page(bo_page, base_url, "bo")
    room_id = create_room_in_ui(ana_page, "Team room")
    join_room_in_ui(bo_page, room_id)
    expect(bo_page.locator("#conversation-title")).to_have_text("Team room")
    expect(ana_page.locator(".presence")).to_contain_text(bo)  # Ana sees Bo come online in the room

    send_in_ui(ana_page, "hi Bo, Ana here")
    from_ana = bo_page.locator(".other-message", has_text="hi Bo, Ana here")
    expect(from_ana).to_have_count(1)
    expect(from_ana.locator(".message-sender")).to_have_text(ana)

    send_in_ui(bo_page, "hello Ana")
    from_bo = ana_page.locator(".other-message", has_text="hello Ana")
    expect(from_bo).to_have_count(1)
    expect(from_bo.locator(".message-sender")).to_have_text(bo)
    expect(ana_page.locator(".own-message", has_text="hi Bo, Ana here")).to_have_count(1)
    expect(ana_page.locator(".bot-message:not(.opening-message)")).to_have_count(0)  # no @bot, no answer in a mention room

    send_in_ui(bo_page, "@bot help")
    expect(ana_page.locator(".bot-message:not(.opening-message)", has_text="I can help you")).to_have_count(1)
    expect(bo_page.locator(".bot-message:not(.opening-message)", has_text="I can help you")).to_have_count(1)


def test_switching_conversations_keeps_each_ones_messages_and_counts_unread(
    new_context: Callable[..., BrowserContext], base_url: str
) -> None:
    page = watched_page(new_context())
    other = watched_page(new_context())
    signed_in_page(page, base_url, "switch")
    signed_in_page(other, base_url, "poster")
    send_in_ui(page, "help")
    expect(page.locator(".bot-message:not(.opening-message)")).to_have_count(1)
    room_id = create_room_in_ui(page, "Quiet room", bot_mode="never")
    expect(page.locator(".message-bubble")).to_have_count(0)
    page.locator(".conversation-button", has_text="Chat with the bot").click()
    expect(page.locator(".bot-message:not(.opening-message)", has_text="I can help you")).to_have_count(1)

    join_room_in_ui(other, room_id)
    send_in_ui(other, "news for the room")
    room_button = page.locator(".conversation-button", has_text="Quiet room")
    expect(room_button.locator(".unread-badge")).to_have_text("1")
    room_button.click()
    expect(page.locator(".other-message", has_text="news for the room")).to_have_count(1)
    expect(room_button.locator(".unread-badge")).to_have_count(0)


def test_joining_an_unknown_room_says_why(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    page = watched_page(new_context())
    signed_in_page(page, base_url)
    page.click(".room-tools summary")
    page.fill('input[name="roomId"]', "room-that-does-not-exist")
    page.click(".join-room-button")
    expect(page.locator(".notice")).to_contain_text("Cannot join room room-that-does-not-exist")
    hostile = "<img src=x onerror=alert(2)>" + "z" * 300  # markup, and longer than an id may be
    page.fill('input[name="roomId"]', hostile)
    page.click(".join-room-button")
    expect(page.locator(".notice")).to_contain_text("Cannot join room <img src=x onerror=alert(2)>")
    assert page.locator(".notice img").count() == 0
    expect(page.locator(".conversation-button")).to_have_count(1)
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_enter_in_the_room_fields_still_creates_and_joins(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    # The room forms' buttons are plain buttons (Send is the page's one submit button); Enter must still submit them.
    page = watched_page(new_context())
    signed_in_page(page, base_url)
    page.click(".room-tools summary")
    page.fill('input[name="title"]', "Enter room")
    page.press('input[name="title"]', "Enter")
    expect(page.locator("#conversation-title")).to_have_text("Enter room")
    room_id = page.locator(".room-id").inner_text()
    page.locator(".conversation-button").first.click()  # back to the bot
    expect(page.locator(".room-info")).to_be_hidden()
    expect(page.locator(".room-tools")).not_to_have_attribute("open", "")  # it closed once the room was made
    page.click(".room-tools summary")
    page.fill('input[name="roomId"]', room_id)
    page.press('input[name="roomId"]', "Enter")
    expect(page.locator(".room-id")).to_have_text(room_id)
    expect(page.locator("#conversation-title")).to_have_text("Enter room")
