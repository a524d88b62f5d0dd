"""Presence is symmetric: the person who joins a room sees who was online before them, and they see the newcomer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.ui_helpers import VIEWPORTS, create_room_in_ui, join_room_in_ui, signed_in_page, watched_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_both_members_see_each_other_online(new_context: Callable[..., BrowserContext], base_url: str, viewport: str) -> None:
    first = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    second = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    ana = signed_in_page(first, base_url, "pres")
    bo = signed_in_page(second, base_url, "pres")
    room_id = create_room_in_ui(first, "Presence room")
    join_room_in_ui(second, room_id)
    for page in (first, second):
        expect(page.locator(".presence")).to_contain_text(ana)
        expect(page.locator(".presence")).to_contain_text(bo)
    second.reload()  # connecting again: the returning member hears who is there too
    expect(second.locator("#conversation-title")).to_have_text("Presence room")
    expect(second.locator(".presence")).to_contain_text(ana)
