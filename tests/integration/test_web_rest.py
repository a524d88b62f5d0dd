"""REST routes and socket auth with the real local identity provider and SQLite store, over a real uvicorn server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from runtime.auth.local import LocalIdentityProvider
from runtime.store import open_store
from runtime.web.settings import Settings
from tests.integration.test_web_harness import PASSWORD, Client, RunningServer, log_in, sign_up


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signing key for the module: generating an RSA key per test costs about a second."""
    return tmp_path_factory.mktemp("keys")


def settings_for(tmp_path: Path, key_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "bot": "none",
        "store": f"sqlite:{tmp_path / 'chat.db'}",
        "auth_key_dir": str(key_dir),
        "static_dir": tmp_path / "static",
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def server(tmp_path: Path, key_dir: Path) -> Iterator[RunningServer]:
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>chat-lex</title>", encoding="utf-8")
    (static / "app.js").write_text("export const ok = true;\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not serve me", encoding="utf-8")
    running = RunningServer(settings_for(tmp_path, key_dir)).start()
    yield running
    running.stop()


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client


async def sign_up_and_login(http: httpx.AsyncClient, username: str) -> dict[str, Any]:
    created = await sign_up(http, username)
    assert created["confirmed"] is True
    tokens = await log_in(http, username)
    assert tokens["tokenType"] == "Bearer" and tokens["expiresIn"] > 0
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens['accessToken']}"}


async def test_signup_login_refresh_logout_and_jwks(http: httpx.AsyncClient) -> None:
    tokens = await sign_up_and_login(http, "alice")
    refreshed = await http.post("/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200 and refreshed.json()["accessToken"]
    jwks = await http.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.json()["keys"][0]["kty"] == "RSA"
    out = await http.post("/auth/logout", headers=bearer(tokens), json={"refreshToken": refreshed.json()["refreshToken"]})
    assert out.status_code == 200
    again = await http.post("/auth/refresh", json={"refreshToken": refreshed.json()["refreshToken"]})
    assert again.status_code == 401


async def test_auth_errors_carry_the_code_and_a_message(http: httpx.AsyncClient) -> None:
    weak = await http.post("/auth/signup", json={"username": "bob", "password": "short", "email": "bob@example.com"})
    assert weak.status_code == 400 and weak.json()["error"] == "InvalidPassword" and weak.json()["message"]
    await sign_up_and_login(http, "bob")
    taken = await http.post("/auth/signup", json={"username": "bob", "password": PASSWORD, "email": "b@example.com"})
    assert taken.status_code == 400 and taken.json()["error"] == "UsernameExists"
    wrong = await http.post("/auth/login", json={"username": "bob", "password": "Wrong-Password-1"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "NotAuthorized"


HOSTILE_BODIES: list[tuple[bytes, int, str]] = [
    (b"", 400, "empty"),
    (b"{not json", 400, "not valid JSON"),
    (b"[1]", 400, "JSON object"),
    (b'"x"', 400, "JSON object"),
    (b'{"username": "a"}', 400, "is required"),
    (b'{"username": 5, "password": "x"}', 400, "must be a string"),
    (b'{"username": "a", "password": "x", "admin": true}', 400, "field"),
    (json.dumps({"username": "a" * 500, "password": "x"}).encode(), 400, "limit is 128"),
    (json.dumps({"username": "a\u0000b", "password": "x"}).encode(), 400, "control characters"),
    (b"[" * 3000 + b"]" * 3000, 400, "not valid JSON"),
    (json.dumps({"username": "a", "password": "x" * 20_000}).encode(), 413, "limit"),
    (b"x" * 200_000, 413, ""),
]


async def test_malformed_oversized_and_hostile_bodies_get_clear_errors(http: httpx.AsyncClient) -> None:
    for path in ("/auth/login", "/auth/signup", "/api/rooms"):
        for body, status, fragment in HOSTILE_BODIES:
            response = await http.post(path, content=body, headers={"content-type": "application/json"})
            if path == "/api/rooms":  # no token: refused before the body is read
                assert response.status_code in (401, 413), response.text
                continue
            assert response.status_code == status, (path, body[:60], response.text)
            payload = response.json()
            assert "error" in payload and fragment in payload["message"], (path, body[:60], payload)
            assert "Traceback" not in response.text


async def test_conversations_rooms_membership_and_paged_history(server: RunningServer, http: httpx.AsyncClient) -> None:
    alice = await sign_up_and_login(http, "alice")
    bob = await sign_up_and_login(http, "bob")
    listed = await http.get("/api/conversations", headers=bearer(alice))
    assert listed.status_code == 200
    assert [c["kind"] for c in listed.json()["conversations"]] == ["private"]
    room = await http.post("/api/rooms", headers=bearer(alice), json={"title": "Lobby", "botMode": "never"})
    assert room.status_code == 201 and room.json()["botMode"] == "never"
    room_id = room.json()["conversationId"]
    outsider = await http.get(f"/api/conversations/{room_id}/messages", headers=bearer(bob))
    assert outsider.status_code == 403 and outsider.json()["error"] == "NOT_A_MEMBER"
    joined = await http.post(f"/api/rooms/{room_id}/members", headers=bearer(bob))
    assert joined.status_code == 200 and len(joined.json()["members"]) == 2
    missing = await http.post("/api/rooms/room-nope/members", headers=bearer(bob))
    assert missing.status_code == 404
    client = await Client.open(server.ws_url(alice["accessToken"]))
    ids = []
    for i in range(5):
        await client.send({"action": "sendmessage", "conversationId": room_id, "message": f"m{i}", "clientMessageId": f"c{i}"})
        ids.append((await client.until_type("ACK"))["messageId"])
    await client.close()
    first = await http.get(f"/api/conversations/{room_id}/messages", params={"limit": 2}, headers=bearer(bob))
    assert first.status_code == 200
    assert [m["messageId"] for m in first.json()["messages"]] == ids[3:]
    older = await http.get(
        f"/api/conversations/{room_id}/messages", params={"limit": 3, "before": first.json()["nextBefore"]}, headers=bearer(bob)
    )
    assert [m["messageId"] for m in older.json()["messages"]] == ids[:3]
    for params in ({"limit": "0"}, {"limit": "x"}, {"limit": "10000"}, {"before": "../../etc"}):
        bad = await http.get(f"/api/conversations/{room_id}/messages", params=params, headers=bearer(bob))
        assert bad.status_code == 400, params
    for bad_room in ({"title": "  "}, {"title": "x", "botMode": "sometimes"}, {"title": 3}):
        refused = await http.post("/api/rooms", headers=bearer(alice), json=bad_room)
        assert refused.status_code == 400


async def test_api_refuses_missing_and_bad_tokens(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/conversations")).status_code == 401
    bad = await http.get("/api/conversations", headers={"authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and bad.json()["error"] == "InvalidToken"
    assert (await http.get("/api/conversations", headers={"authorization": "Basic abc"})).status_code == 401


async def close_code(url: str) -> tuple[int, str]:
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_socket_refuses_expired_and_foreign_tokens_with_4401(server: RunningServer, http: httpx.AsyncClient, tmp_path: Path) -> None:
    await sign_up_and_login(http, "carol")
    settings = server.settings
    store = open_store(settings.store)
    # Same key, same issuer, but minted two hours ago: expired.
    past = LocalIdentityProvider(
        store, Path(settings.auth_key_dir), settings.auth_issuer, settings.auth_client_id, clock=lambda: 1_000_000.0
    )
    old = await past.sign_in("carol", PASSWORD)
    code, reason = await close_code(server.ws_url(old.access_token))
    assert code == 4401 and reason.startswith("TokenExpired")
    # Another key pair, same issuer and claims: the signature does not verify.
    foreign = LocalIdentityProvider(store, tmp_path / "other-keys", settings.auth_issuer, settings.auth_client_id)
    forged = await foreign.sign_in("carol", PASSWORD)
    code, reason = await close_code(server.ws_url(forged.access_token))
    assert code == 4401 and reason.startswith("InvalidToken")
    await store.close()


async def test_health_ready_metrics_openapi(http: httpx.AsyncClient, server: RunningServer) -> None:
    assert (await http.get("/health")).json() == {"status": "ok"}
    ready = await http.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"store": "ok", "channels": "ok", "bot": "off"}
    tokens = await sign_up_and_login(http, "dave")
    client = await Client.open(server.ws_url(tokens["accessToken"]))
    await client.send(
        {
            "action": "sendmessage",
            "conversationId": client.frames[0]["conversations"][0]["conversationId"],
            "message": "x",
            "clientMessageId": "1",
        }
    )
    await client.until_type("USER_MESSAGE")
    metrics = (await http.get("/metrics")).text
    assert "chatlex_connections 1" in metrics
    assert "chatlex_messages_in_total 1" in metrics
    assert "chatlex_fanout_deliveries_total 1" in metrics
    assert 'chatlex_store_append_seconds_bucket{le="+Inf"} 1' in metrics
    await client.close()
    schema = await http.get("/schema/openapi.json")
    assert schema.status_code == 200 and "/api/rooms" in schema.json()["paths"]


async def test_static_pages_and_assets_without_path_traversal(http: httpx.AsyncClient) -> None:
    index = await http.get("/")
    assert index.status_code == 200 and "<title>chat-lex</title>" in index.text
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert (await http.get("/login")).status_code == 200  # falls back to index.html
    asset = await http.get("/static/app.js")
    assert asset.status_code == 200 and "export const ok" in asset.text
    assert "javascript" in asset.headers["content-type"]  # browsers refuse ES modules served otherwise
    for path in ("/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/..%2Fsecret.txt", "/static/nope.js"):
        response = await http.get(path)
        assert response.status_code == 404, path
        assert "do not serve me" not in response.text


async def test_ready_reports_a_failing_store(server: RunningServer, http: httpx.AsyncClient) -> None:
    await server.call(server.context.backends.store.close())
    ready = await http.get("/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["store"].startswith("failing")
