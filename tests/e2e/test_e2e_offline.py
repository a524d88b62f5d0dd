"""Losing the connection: "Connection lost", a queued message sent exactly once on reconnect, and resume without gaps."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, WebSocketRoute, expect
from websockets.sync.client import ClientConnection, connect

from conversation_tests.targets_chat import RuntimeSubprocess
from tests.e2e.tcp_proxy import TcpProxy
from tests.e2e.ui_helpers import (
    PASSWORD,
    api_login,
    api_messages,
    api_sign_up,
    create_room_in_ui,
    private_conversation_id,
    send_in_ui,
    signed_in_page,
    unique_username,
)

pytestmark = pytest.mark.e2e

PENDING = re.compile(r"\bpending\b")


def test_offline_shows_connection_lost_queues_the_message_and_delivers_it_once(page: Page, base_url: str, proxy: TcpProxy) -> None:
    username = signed_in_page(page, base_url)
    send_in_ui(page, "before the outage")
    expect(page.locator(".bot-message:not(.opening-message)")).to_have_count(2)  # the fallback: apology and suggestions

    # The browser goes offline, and the network under the open socket dies without a close (set_offline alone may not close it).
    page.context.set_offline(True)
    proxy.blackhole()
    expect(page.locator(".error-message", has_text="Connection lost")).to_be_visible()
    expect(page.locator(".status-message")).not_to_have_text("Connected")

    send_in_ui(page, "written while offline")
    queued = page.locator(".own-message", has_text="written while offline")
    expect(queued).to_have_class(PENDING)
    expect(queued.locator(".message-state")).to_have_text("Sending…")

    page.context.set_offline(False)
    proxy.restore()
    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".connection-banner")).to_be_hidden()
    expect(queued).not_to_have_class(PENDING)
    expect(page.locator(".bot-message:not(.opening-message)")).to_have_count(4)  # the bot answered the queued message too
    expect(page.locator(".own-message", has_text="written while offline")).to_have_count(1)

    token = api_login(base_url, username)["accessToken"]
    stored = api_messages(base_url, token, private_conversation_id(base_url, token))
    assert [m["content"] for m in stored if m["role"] == "user"] == ["before the outage", "written while offline"]
    page.reload()  # and the server's history agrees with what was shown
    expect(page.locator(".own-message", has_text="written while offline")).to_have_count(1)


def test_a_silently_dead_socket_is_found_by_the_heartbeat_and_replaced(page: Page, base_url: str, proxy: TcpProxy) -> None:
    signed_in_page(page, base_url)
    proxy.blackhole()  # no offline event, no close frame: only unanswered pings tell
    expect(page.locator(".status-message")).to_have_text(re.compile("Reconnecting…|Connection lost"))
    expect(page.locator(".error-message", has_text="Connection lost")).to_be_visible()
    proxy.restore()
    expect(page.locator(".status-message")).to_have_text("Connected")
    send_in_ui(page, "help")
    expect(page.locator(".bot-message:not(.opening-message)", has_text="I can help you")).to_have_count(1)


def test_messages_sent_while_away_arrive_by_resume_in_order(page: Page, base_url: str, proxy: TcpProxy, runtime: RuntimeSubprocess) -> None:
    signed_in_page(page, base_url, "away")
    room_id = create_room_in_ui(page, "resume room", bot_mode="never")

    # The other member talks to the runtime directly, not through the proxy, so it stays connected throughout.
    other = unique_username("present")
    api_sign_up(runtime.base_url, other)
    token = api_login(runtime.base_url, other)["accessToken"]
    joined = httpx.post(f"{runtime.base_url}/api/rooms/{room_id}/members", headers={"Authorization": f"Bearer {token}"})
    assert joined.status_code == 200, joined.text
    with connect(f"ws://127.0.0.1:{runtime.port}/ws?token={token}") as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "WELCOME"
        send_over_socket(socket, room_id, "while you were here")
        expect(page.locator(".other-message", has_text="while you were here")).to_have_count(1)

        proxy.blackhole()
        expect(page.locator(".error-message", has_text="Connection lost")).to_be_visible()
        for number in range(3):
            send_over_socket(socket, room_id, f"missed {number}")
        proxy.restore()

    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".other-message .message-text")).to_have_text(["while you were here", "missed 0", "missed 1", "missed 2"])
    expect(page.locator(".other-message .message-sender").first).to_have_text(other)


def send_over_socket(socket: ClientConnection, conversation_id: str, text: str) -> None:
    """Send as the other user and wait for the ACK (the message is stored)."""
    client_id = f"py-{text.replace(' ', '-')}"
    socket.send(json.dumps({"action": "sendmessage", "conversationId": conversation_id, "message": text, "clientMessageId": client_id}))
    while True:
        frame = json.loads(socket.recv(timeout=5))
        if frame["type"] == "ACK" and frame["clientMessageId"] == client_id:
            return
        assert frame["type"] != "ERROR", frame


def test_a_message_queued_offline_survives_closing_the_tab(page: Page, base_url: str, proxy: TcpProxy) -> None:
    username = signed_in_page(page, base_url)
    page.context.set_offline(True)
    proxy.blackhole()
    expect(page.locator(".error-message", has_text="Connection lost")).to_be_visible()
    send_in_ui(page, "queued, then the tab closed")
    expect(page.locator(".own-message.pending")).to_have_count(1)
    context = page.context
    page.close()  # never sent: it waits in this browser's storage

    context.set_offline(False)
    proxy.restore()
    later = context.new_page()
    later.goto(f"{base_url}/")
    expect(later.locator(".status-message")).to_have_text("Connected")
    delivered = later.locator(".own-message", has_text="queued, then the tab closed")
    expect(delivered).to_have_count(1)
    expect(delivered).not_to_have_class(PENDING)
    token = api_login(base_url, username)["accessToken"]
    stored = api_messages(base_url, token, private_conversation_id(base_url, token))
    assert [m["content"] for m in stored if m["role"] == "user"] == ["queued, then the tab closed"]


def test_a_message_sent_before_the_first_connection_goes_out_once_connected(page: Page, base_url: str) -> None:
    # The first socket opens but never says WELCOME (as when the network dies right after the page loads); the page's
    # connect timeout replaces it with a real one. Send must work meanwhile, and the text must go out once, afterwards.
    sockets: list[WebSocketRoute] = []

    def first_one_silent(route: WebSocketRoute) -> None:
        sockets.append(route)
        if len(sockets) > 1:
            route.connect_to_server()

    page.route_web_socket(re.compile(r"/ws(\?|$)"), first_one_silent)
    username = unique_username()
    api_sign_up(base_url, username)
    page.goto(f"{base_url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base_url}/")
    expect(page.locator(".status-message")).not_to_have_text("Connected")

    page.fill(".message-input", "help")
    page.click('.message-form button[type="submit"]')
    expect(page.locator(".notice")).to_contain_text("sent as soon as the chat is connected")
    expect(page.locator(".message-input")).to_have_value("")

    expect(page.locator(".status-message")).to_have_text("Connected")
    expect(page.locator(".own-message", has_text="help")).to_have_count(1)
    expect(page.locator(".bot-message:not(.opening-message)", has_text="I can help you")).to_have_count(1)
    assert len(sockets) >= 2
    token = api_login(base_url, username)["accessToken"]
    stored = api_messages(base_url, token, private_conversation_id(base_url, token))
    assert [m["content"] for m in stored if m["role"] == "user"] == ["help"]
