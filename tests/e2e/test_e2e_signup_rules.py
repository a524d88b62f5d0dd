"""Sign-up: unmet password rules read as unmet, in colour and in words, and the refusal names what is missing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.ui_helpers import VIEWPORTS, watched_page

pytestmark = pytest.mark.e2e
ERROR_RED = "rgb(179, 38, 30)"
OK_GREEN = "rgb(30, 122, 61)"


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_missing_rules_are_marked_missing_and_named_in_the_refusal(
    new_context: Callable[..., BrowserContext], base_url: str, viewport: str
) -> None:
    page = watched_page(new_context(viewport=VIEWPORTS[viewport]))
    page.goto(f"{base_url}/login")
    page.click("button.show-signup")
    page.fill('input[name="username"]', "rules-user")
    page.fill('input[name="email"]', "rules@example.com")
    upper = page.locator('.password-rule[data-rule="upper"]')
    expect(upper).not_to_contain_text("(missing)")  # nothing typed yet: neutral, not an error
    page.locator('input[name="password"]').press_sequentially("abc1")
    for rule in ("length", "upper", "symbol"):
        item = page.locator(f'.password-rule[data-rule="{rule}"]')
        expect(item).to_have_class("password-rule missing")
        expect(item).to_contain_text("✗")
        expect(item.locator(".rule-state")).to_have_text("(missing)")
        expect(item.locator(".rule-state")).to_be_visible()
        assert item.evaluate("n => getComputedStyle(n).color") == ERROR_RED
    lower = page.locator('.password-rule[data-rule="lower"]')
    expect(lower).to_contain_text("✓")
    assert lower.evaluate("n => getComputedStyle(n).color") == OK_GREEN
    page.click('button[type="submit"]')
    error = page.locator(".signup-form .error-message")
    expect(error).to_have_text(
        "The password is missing: at least 8 characters; an uppercase letter (A-Z); a symbol such as ! @ # $ % ^ & * "
        "(see the rules marked ✗ above)."
    )
    # The refusal is under the rules it points to.
    rules_box = page.locator(".password-rules").bounding_box()
    error_box = error.bounding_box()
    assert rules_box is not None and error_box is not None and error_box["y"] >= rules_box["y"] + rules_box["height"]
    page.locator('input[name="password"]').press_sequentially("DEF!")
    expect(page.locator(".password-rule.missing")).to_have_count(0)
    expect(page.locator(".password-rule.met")).to_have_count(5)
