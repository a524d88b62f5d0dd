"""Sign-up, sign-in, the confirmation step, staying signed in, token refresh and sign-out, in a real Chromium."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, WebSocket, expect

from tests.e2e.ui_helpers import PASSWORD, api_sign_up, send_in_ui, sign_in_in_ui, signed_in_page, unique_username

pytestmark = pytest.mark.e2e


def open_sign_up(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.wait_for_url(f"{base_url}/login")  # not signed in: the chat sends you to sign in
    page.click("button.show-signup")
    expect(page.locator('input[name="email"]')).to_be_visible()


def test_sign_up_ticks_the_password_rules_as_typed_then_signs_in(page: Page, base_url: str) -> None:
    open_sign_up(page, base_url)
    username = unique_username("new")
    page.fill('input[name="username"]', username)
    page.fill('input[name="email"]', f"{username}@example.com")
    rules = page.locator(".password-rule")
    expect(rules).to_have_count(5)
    expect(page.locator(".password-rule.met")).to_have_count(0)
    page.locator('input[name="password"]').press_sequentially("abc")
    expect(page.locator(".password-rule.met")).to_have_count(1)  # lowercase only
    expect(page.locator('.password-rule[data-rule="lower"]')).to_have_class("password-rule met")
    page.locator('input[name="password"]').press_sequentially("DEF12!")
    expect(page.locator(".password-rule.met")).to_have_count(5)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base_url}/")
    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".user-name")).to_have_text(username)
    assert page.script_errors == []  # type: ignore[attr-defined]


def test_sign_up_refuses_a_weak_password_before_sending_and_a_taken_name_with_the_servers_reason(page: Page, base_url: str) -> None:
    taken = unique_username("taken")
    api_sign_up(base_url, taken)
    open_sign_up(page, base_url)
    page.fill('input[name="username"]', taken)
    page.fill('input[name="email"]', "someone@example.com")
    page.fill('input[name="password"]', "short")
    page.click('button[type="submit"]')
    expect(page.locator(".error-message")).to_contain_text("The password is missing: at least 8 characters")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator(".error-message")).to_contain_text("is taken")
    assert page.url == f"{base_url}/login"


def test_wrong_password_is_refused_with_a_reason_and_no_traceback(page: Page, base_url: str) -> None:
    username = unique_username()
    api_sign_up(base_url, username)
    page.goto(f"{base_url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', "Wrong-password-1")
    page.click('button[type="submit"]')
    error = page.locator(".error-message")
    expect(error).to_have_text("Incorrect username or password.")
    assert "Traceback" not in page.content()


def test_the_confirmation_step_appears_when_the_provider_asks_for_it(page: Page, base_url: str) -> None:
    # The local provider confirms at once; Cognito answers confirmed: false. Play Cognito's part for these two calls.
    calls: list[dict[str, str]] = []

    def unconfirmed_sign_up(route: Route) -> None:
        calls.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=201, json={"userId": "u-1", "confirmed": False, "delivery": "EMAIL a***@e***"})

    def confirm(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        calls.append(body)
        # The account is created for real (unconfirmed accounts cannot sign in on the local provider) once the code is right.
        if body["code"] != "123456":
            route.fulfill(status=400, json={"error": "CodeMismatch", "message": "The confirmation code is wrong; check the code we sent."})
            return
        api_sign_up(base_url, body["username"])
        route.fulfill(status=200, json={"confirmed": True})

    page.route("**/auth/signup", unconfirmed_sign_up)
    page.route("**/auth/confirm", confirm)
    open_sign_up(page, base_url)
    username = unique_username("conf")
    page.fill('input[name="username"]', username)
    page.fill('input[name="email"]', f"{username}@example.com")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator(".confirm-delivery")).to_contain_text("EMAIL a***@e***")
    page.fill('input[name="code"]', "000000")
    page.click('button[type="submit"]')
    expect(page.locator(".error-message")).to_contain_text("code is wrong")
    page.fill('input[name="code"]', "123456")
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base_url}/")
    expect(page.locator(".status-message")).to_have_text("Connected")
    assert [c.get("code") for c in calls] == [None, "000000", "123456"]


def test_a_reload_keeps_you_signed_in(page: Page, base_url: str) -> None:
    username = signed_in_page(page, base_url)
    page.reload()
    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".user-name")).to_have_text(username)
    page.goto(f"{base_url}/login")
    page.wait_for_url(f"{base_url}/")  # signed in already: the sign-in page sends you to the chat


def test_tokens_are_refreshed_before_they_expire(page: Page, base_url: str) -> None:
    signed_in_page(page, base_url)
    before = page.evaluate("JSON.parse(localStorage.getItem('chat-lex.session'))")
    # Make the stored access token look 30 s from expiry: inside the refresh margin, so the page refreshes it on load.
    page.evaluate(
        "s => localStorage.setItem('chat-lex.session', JSON.stringify({...s, expiresAt: Date.now() + 30000}))",
        before,
    )
    with page.expect_request("**/auth/refresh") as refresh:
        page.reload()
    assert json.loads(refresh.value.post_data or "{}")["refreshToken"] == before["refreshToken"]
    expect(page.locator(".status-message")).to_have_text("Connected")
    after = page.evaluate("JSON.parse(localStorage.getItem('chat-lex.session'))")
    assert after["expiresAt"] > time.time() * 1000 + 600_000  # a fresh hour, not the 30 s we left
    assert after["refreshToken"]  # the local provider rotates refresh tokens; Cognito keeps the old one (kept by the page)


def test_an_ended_session_goes_back_to_sign_in(page: Page, base_url: str) -> None:
    signed_in_page(page, base_url)
    page.evaluate(
        "localStorage.setItem('chat-lex.session', JSON.stringify({username: 'x', accessToken: 'garbage', refreshToken: 'garbage',"
        " expiresAt: Date.now() + 3600000}))"
    )
    page.reload()  # the socket is refused (4401), the refresh token too: back to the sign-in form
    page.wait_for_url(f"{base_url}/login")
    assert page.evaluate("localStorage.getItem('chat-lex.session')") is None


def test_sign_out_closes_the_socket_and_revokes_the_refresh_token(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    context = new_context()
    page = context.new_page()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    username = signed_in_page(page, base_url)
    session = page.evaluate("JSON.parse(localStorage.getItem('chat-lex.session'))")
    live = [s for s in sockets if not s.is_closed()]
    assert len(live) == 1
    with live[0].expect_event("close"):
        page.click("button.sign-out")
    page.wait_for_url(f"{base_url}/login?signedOut=1")
    expect(page.locator(".auth-notice")).to_have_text("You are signed out.")
    assert page.evaluate("localStorage.getItem('chat-lex.session')") is None
    refused = httpx.post(f"{base_url}/auth/refresh", json={"refreshToken": session["refreshToken"], "username": username})
    assert refused.status_code == 401
    page.goto(f"{base_url}/")
    page.wait_for_url(f"{base_url}/login")
    sign_in_in_ui(page, base_url, username)  # and back in with the password


def test_damaged_browser_storage_means_signing_in_again_not_a_broken_page(page: Page, base_url: str) -> None:
    username = signed_in_page(page, base_url)
    page.evaluate(
        "user => { localStorage.setItem('chat-lex.session', '{not json');"
        " localStorage.setItem('chat-lex.outbox.' + user, '[{\"clientMessageId\": 5}, \"x\", null]'); }",
        username,
    )
    page.goto(f"{base_url}/")
    page.wait_for_url(f"{base_url}/login")
    sign_in_in_ui(page, base_url, username)  # the damaged outbox is dropped, the chat works
    send_in_ui(page, "still fine")
    expect(page.locator(".own-message", has_text="still fine")).to_have_count(1)
    assert page.script_errors == []  # type: ignore[attr-defined]


def test_the_ui_sends_the_token_as_a_subprotocol_never_in_the_url(new_context: Callable[..., BrowserContext], base_url: str) -> None:
    context = new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    handshakes: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    cdp.on("Network.webSocketWillSendHandshakeRequest", lambda event: handshakes.append(event))
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda event: answers.append(event))
    urls: list[str] = []
    page.on("websocket", lambda socket: urls.append(socket.url))
    signed_in_page(page, base_url)
    expect(page.locator(".status-message")).to_have_text("Connected")
    access = page.evaluate("JSON.parse(localStorage.getItem('chat-lex.session')).accessToken")
    assert urls and all("token" not in url and access not in url and "eyJ" not in url for url in urls)
    offered = {str(k).lower(): v for k, v in handshakes[-1]["request"]["headers"].items()}  # type: ignore[index, union-attr]
    assert offered["sec-websocket-protocol"] == f"chat-lex.v1, bearer.{access}"
    answered = {str(k).lower(): v for k, v in answers[-1]["response"]["headers"].items()}  # type: ignore[index, union-attr]
    assert answered["sec-websocket-protocol"] == "chat-lex.v1"  # the token is not echoed back
