"""The UI's pure modules, run in Chromium as the page loads them: backoff bounds, de-duplication and order, password rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page

from runtime.auth.password_policy import PasswordPolicy

pytestmark = pytest.mark.e2e


def run_module(page: Page, base_url: str, script: str) -> Any:
    page.goto(f"{base_url}/login")  # an origin that serves /static/js
    return page.evaluate(script)


def test_reconnect_delays_grow_exponentially_with_bounded_jitter(page: Page, base_url: str) -> None:
    delays = run_module(
        page,
        base_url,
        """async () => {
          const { reconnectDelay } = await import('/static/js/backoff.js');
          const options = { baseMs: 500, maxMs: 30000 };
          return [0, 1, 2, 3, 10, 60].map(a => [
            reconnectDelay(a, { ...options, random: () => 0 }),
            reconnectDelay(a, { ...options, random: () => 0.999999 }),
          ]);
        }""",
    )
    assert delays == [[250, 500], [500, 1000], [1000, 2000], [2000, 4000], [15000, 30000], [15000, 30000]]


def test_a_message_is_shown_once_whichever_way_it_comes_back(page: Page, base_url: str) -> None:
    result = run_module(
        page,
        base_url,
        """async () => {
          const { ConversationLog } = await import('/static/js/conversation-log.js');
          const me = { userId: 'u-me', displayName: 'Me' };
          const log = new ConversationLog({ conversationId: 'c1', kind: 'private' });
          const stored = (id, sender, clientId, content) => ({ messageId: id, conversationId: 'c1', senderId: sender,
            senderName: sender, role: sender === 'bot' ? 'bot' : 'user', content, clientMessageId: clientId,
            createdAt: '2026-01-01T00:00:00.000Z', metadata: {} });
          const a = '01900000-0000-7000-8000-00000000000a';
          const b = '01900000-0000-7000-8000-00000000000b';
          const c = '01900000-0000-7000-8000-00000000000c';
          log.addLocal('cm-1', 'queued', me);           // written offline
          log.upsert(stored(b, 'bot', null, 'reply'), me.userId);
          log.acknowledge('cm-1', c);                    // ACK after reconnect
          log.upsert(stored(c, 'u-me', 'cm-1', 'queued'), me.userId);   // USER_MESSAGE
          log.upsert(stored(c, 'u-me', 'cm-1', 'queued'), me.userId);   // and again in a RESUMED batch
          log.upsert(stored(a, 'u-other', 'cm-1', 'same client id, other person'), me.userId);
          log.addLocal('cm-2', 'still pending', me);
          return { order: log.ordered().map(e => e.content), last: log.lastMessageId(),
                   statuses: log.ordered().map(e => e.status) };
        }""",
    )
    assert result["order"] == ["same client id, other person", "reply", "queued", "still pending"]
    assert result["statuses"] == ["sent", "sent", "sent", "pending"]
    assert result["last"] == "01900000-0000-7000-8000-00000000000c"


def python_rules_met(password: str) -> list[str]:
    """The server's policy, one rule at a time, named as the page names them."""
    off = {"minimum_length": 0, "require_uppercase": False, "require_lowercase": False, "require_numbers": False, "require_symbols": False}
    single = {
        "length": {**off, "minimum_length": 8},
        "upper": {**off, "require_uppercase": True},
        "lower": {**off, "require_lowercase": True},
        "number": {**off, "require_numbers": True},
        "symbol": {**off, "require_symbols": True},
    }
    return [name for name, rules in single.items() if not PasswordPolicy(**rules).check(password)]


def test_password_rules_match_the_servers_policy(page: Page, base_url: str) -> None:
    passwords = ["", "abc", "Abcdefg1", "Abcdefg1!", "ABCDEFG1~", "ümlaut-Ü1x", "sevenCh", "😀😀😀😀aA1!", " ^$*.[]{}"]
    met = run_module(
        page,
        base_url,
        f"""async () => {{
          const {{ rulesMet }} = await import('/static/js/password-rules.js');
          return {json.dumps(passwords)}.map(p => rulesMet(p));
        }}""",
    )
    assert met == [python_rules_met(p) for p in passwords]
    assert met[5] == ["length", "lower", "number", "symbol"]  # only A-Z counts as uppercase, as on Cognito


def test_invite_paths_accept_one_well_formed_room_id_and_sign_in_goes_nowhere_else(page: Page, base_url: str) -> None:
    result = run_module(
        page,
        base_url,
        """async () => {
          const { inviteRoomId, inviteUrl, afterSignIn } = await import('/static/js/invite.js');
          const ids = ['/join/room-1', '/join/a%20b', '/join/', '/join/a/b', '/joinx/a', '/join/%E0%A4%A', '/join/%00',
                       '/join/' + 'x'.repeat(257), '/join/%2F..%2F', '/other'].map(inviteRoomId);
          const nexts = ['?next=%2Fjoin%2Froom-1', '?next=https%3A%2F%2Fevil.example', '?next=%2F%2Fevil.example',
                         '?next=%2Fjoin%2Froom-1%3Fx%3D1', '?next=javascript%3Aalert(1)', ''].map(afterSignIn);
          return { ids, nexts, url: inviteUrl('http://h', 'room/1 ?') };
        }""",
    )
    assert result["ids"] == ["room-1", "a b", None, None, None, None, None, None, "/../", None]
    assert result["nexts"] == ["/join/room-1", "/", "/", "/", "/", "/"]
    assert result["url"] == "http://h/join/room%2F1%20%3F"
