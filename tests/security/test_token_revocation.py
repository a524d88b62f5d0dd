"""Sign-out revokes the session's tokens at once: REST and WebSocket connect refuse them, open sockets close.

A token names its session with ``origin_jti`` (as in Cognito); sign-out puts the token's ``jti`` and its
``origin_jti`` on a revocation list in the store, so every process sees it, and each process checks its open
sockets against the list every ``revocation_check_seconds``. Other sessions of the same user go on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto import mock_aws
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from runtime.auth.base import AuthError
from runtime.auth.cognito import CognitoIdentityProvider
from runtime.auth.local import LocalIdentityProvider
from runtime.chat.channels import MemoryChannel
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.store import open_store
from runtime.store.base import Store
from runtime.store.dynamodb_store import DynamoDbStore
from runtime.store.errors import StoreError
from runtime.web.backends import Backends
from runtime.web.settings import Settings
from tests.fakes import moto_cognito
from tests.fakes.moto_cognito import SEED_POLICY, moto_endpoint
from tests.integration.test_web_harness import PASSWORD, Client, RunningServer, log_in, sign_up

ISSUER = "urn:chat-lex:local"
CLIENT_ID = "chat-lex-web"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


async def code_of(call: Any) -> str | None:
    try:
        await call
    except AuthError as exc:
        return exc.code
    return None


async def test_sign_out_revokes_every_token_of_the_session_and_no_other(store: Store, key_dir: Path) -> None:
    provider = LocalIdentityProvider(store, key_dir, ISSUER, CLIENT_ID)
    await provider.sign_up("erin", PASSWORD, "erin@example.com")
    laptop = await provider.sign_in("erin", PASSWORD)
    phone = await provider.sign_in("erin", PASSWORD)
    refreshed = await provider.refresh(laptop.refresh_token or "")  # the same session: the same origin_jti
    laptop_claims = (await provider.verify(laptop.access_token)).claims
    assert (await provider.verify(refreshed.access_token)).claims["origin_jti"] == laptop_claims["origin_jti"]
    assert (await provider.verify(phone.access_token)).claims["origin_jti"] != laptop_claims["origin_jti"]

    await provider.sign_out(refreshed.access_token)
    for token in (laptop.access_token, laptop.id_token, refreshed.access_token, refreshed.id_token):
        assert await code_of(provider.verify(token)) == "InvalidToken"
    assert await code_of(provider.refresh(refreshed.refresh_token or "")) == "NotAuthorized"
    assert await code_of(provider.sign_out(laptop.access_token)) == "InvalidToken"  # a revoked token cannot sign out again
    # The other session is untouched: its tokens verify and its refresh token works.
    assert (await provider.verify(phone.access_token)).username == "erin"
    assert await provider.refresh(phone.refresh_token or "")


async def test_reused_refresh_token_revokes_the_sessions_access_tokens(store: Store, key_dir: Path) -> None:
    provider = LocalIdentityProvider(store, key_dir, ISSUER, CLIENT_ID)
    await provider.sign_up("fred", PASSWORD, "fred@example.com")
    tokens = await provider.sign_in("fred", PASSWORD)
    await provider.refresh(tokens.refresh_token or "")
    assert await code_of(provider.refresh(tokens.refresh_token or "")) == "NotAuthorized"  # reuse: the family is burnt
    assert await code_of(provider.verify(tokens.access_token)) == "InvalidToken"


def settings(tmp_path: Path, key_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "bot": "none",
        "store": f"sqlite:{tmp_path / 'chat.db'}",
        "auth_key_dir": str(key_dir),
        "static_dir": tmp_path,
        "revocation_check_seconds": 0.5,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def two_processes(tmp_path: Path, key_dir: Path) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two app instances sharing one SQLite store, with in-memory channels: no Redis links them."""
    first = RunningServer(settings(tmp_path, key_dir)).start()
    second = RunningServer(settings(tmp_path, key_dir)).start()
    yield first, second
    first.stop()
    second.stop()


async def closed_within(client: Client, seconds: float) -> tuple[int, str, float]:
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(client.ws.recv(), seconds)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason, time.monotonic() - started


async def still_open(client: Client) -> None:
    await client.send({"action": "ping", "requestId": "alive"})
    assert (await client.until_type("PONG"))["requestId"] == "alive"


async def check_revocation_over_the_app(first: RunningServer, second: RunningServer, username: str) -> None:
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as http:
        await sign_up(http, username)
        laptop = await log_in(http, username)
        phone = await log_in(http, username)
        bearer = {"authorization": f"Bearer {laptop['accessToken']}"}
        laptop_here = await Client.open(first.ws_url(), subprotocols=["chat-lex.v1", f"bearer.{laptop['accessToken']}"])
        laptop_there = await Client.open(second.ws_url(laptop["accessToken"]))
        phone_there = await Client.open(second.ws_url(phone["accessToken"]))

        assert (await http.post("/auth/logout", headers=bearer)).status_code == 200
        # This process closes at once; the other finds the revocation in the shared store at its next check.
        here = await closed_within(laptop_here, 5)
        there = await closed_within(laptop_there, 5)
        for code, reason, _ in (here, there):
            assert (code, reason.split(":")[0]) == (4401, "TokenRevoked")
        assert here[2] < 1.0 and there[2] < 3.0
        await still_open(phone_there)  # the user's other session keeps its socket

        for server in (first, second):
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as other:
                refused = await other.get("/api/conversations", headers=bearer)
                assert refused.status_code == 401 and refused.json()["error"] == "InvalidToken"
                ok = await other.get("/api/conversations", headers={"authorization": f"Bearer {phone['accessToken']}"})
                assert ok.status_code == 200
            async with connect(server.ws_url(laptop["accessToken"])) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
            assert closed.value.rcvd.reason.startswith("InvalidToken")
        assert (await http.post("/auth/refresh", json={"refreshToken": laptop["refreshToken"]})).status_code == 401
        assert (await http.post("/auth/refresh", json={"refreshToken": phone["refreshToken"]})).status_code == 200
        await phone_there.close()


async def test_sign_out_closes_the_sessions_sockets_on_every_process_sqlite(two_processes: tuple[RunningServer, RunningServer]) -> None:
    await check_revocation_over_the_app(*two_processes, "gina")


async def test_sign_out_closes_the_sessions_sockets_on_every_process_dynamodb(tmp_path: Path, key_dir: Path) -> None:
    with mock_aws():
        servers: list[RunningServer] = []
        stores: list[DynamoDbStore] = []
        for _ in range(2):
            dynamo = open_store("dynamodb", table_prefix="revocation-app-")
            assert isinstance(dynamo, DynamoDbStore)
            dynamo.create_tables()
            stores.append(dynamo)
            identity = LocalIdentityProvider(dynamo, key_dir, ISSUER, CLIENT_ID)
            backends = Backends(dynamo, identity, None, MemoryChannel(), LocalTokenBucket(1000), {"store": "dynamodb"})
            servers.append(RunningServer(settings(tmp_path, key_dir, store="dynamodb"), backends).start())
        try:
            await check_revocation_over_the_app(servers[0], servers[1], "hank")
        finally:
            for server in servers:
                server.stop()


async def test_a_failing_revocation_check_keeps_trying_and_fails_closed(tmp_path: Path, key_dir: Path) -> None:
    server = RunningServer(settings(tmp_path, key_dir)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await sign_up(http, "ivan")
            tokens = await log_in(http, "ivan")
            client = await Client.open(server.ws_url(tokens["accessToken"]))
            watch = server.context.session_watch
            checks = watch.checks
            store = server.context.backends.store
            real = store.revoked_token_ids

            async def down(ids: list[str], *, consistent: bool = True) -> set[str]:
                raise StoreError("the store is down")

            store.revoked_token_ids = down  # type: ignore[method-assign]
            try:
                refused = await http.get("/api/conversations", headers={"authorization": f"Bearer {tokens['accessToken']}"})
                assert refused.status_code == 503 and refused.json()["error"] == "ServiceUnavailable"
                deadline = time.monotonic() + 5
                while watch.checks < checks + 2 and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                assert watch.checks >= checks + 2  # the watch survived the failures
                await still_open(client)  # a store outage does not drop everyone's sockets
            finally:
                store.revoked_token_ids = real  # type: ignore[method-assign]
            assert (await http.post("/auth/logout", headers={"authorization": f"Bearer {tokens['accessToken']}"})).status_code == 200
            code, reason, _ = await closed_within(client, 5)
            assert code == 4401 and reason.startswith("TokenRevoked")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cognito_endpoint() -> Iterator[str]:
    with moto_endpoint() as url:
        yield url


async def test_cognito_sign_out_revokes_the_token_here_too(cognito_endpoint: str, tmp_path: Path) -> None:
    pool_id, client_id = moto_cognito.make_pool(cognito_endpoint, SEED_POLICY, auto_verify_email=True, read_attributes=["email", "name"])
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    try:
        provider = CognitoIdentityProvider(pool_id, client_id, "us-east-1", endpoint_url=cognito_endpoint, revocations=store)
        await provider.sign_up("judy", PASSWORD, "judy@example.com", "Judy")
        await provider.confirm("judy", "123456")
        tokens = await provider.sign_in("judy", PASSWORD)
        claims = (await provider.verify(tokens.access_token)).claims
        await provider.sign_out(tokens.access_token, tokens.refresh_token)
        assert await code_of(provider.verify(tokens.access_token)) == "InvalidToken"
        assert await code_of(provider.verify(tokens.id_token)) == "InvalidToken"  # same origin_jti
        # The list is in the store: another process (another provider on the same store) refuses it too.
        other = CognitoIdentityProvider(pool_id, client_id, "us-east-1", endpoint_url=cognito_endpoint, revocations=store)
        assert await code_of(other.verify(tokens.access_token)) == "InvalidToken"
        assert await store.revoked_token_ids([claims["jti"], claims["origin_jti"]]) == {claims["jti"], claims["origin_jti"]}
    finally:
        await store.close()


async def test_a_version_1_database_gains_the_revocation_table_and_keeps_its_users(tmp_path: Path) -> None:
    import sqlite3

    from runtime.store.sqlite_schema import MIGRATIONS, _statements

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at REAL NOT NULL)")
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1, 0)")
    conn.execute(
        "INSERT INTO users (user_id, username, username_key, email, display_name, password_hash, confirmed, created_at, failed_logins) "
        "VALUES ('u1', 'kate', 'kate', 'k@example.com', 'Kate', 'h', 1, 0, 2)"
    )
    conn.close()
    store = open_store(f"sqlite:{path}")
    try:
        assert await store.revoked_token_ids(["x"]) == set()
        attempt = await store.count_login_attempt("u1", now=10.0, max_attempts=5, lockout_seconds=60)
        assert attempt is not None and (attempt.allowed, attempt.count) == (True, 3)  # the old count goes on
    finally:
        await store.close()


async def test_sign_out_with_a_token_from_before_sessions_had_ids_finds_the_session_by_refresh_token(store: Store, key_dir: Path) -> None:
    import uuid

    import jwt

    provider = LocalIdentityProvider(store, key_dir, ISSUER, CLIENT_ID)
    await provider.sign_up("liam", PASSWORD, "liam@example.com")
    tokens = await provider.sign_in("liam", PASSWORD)
    claims = (await provider.verify(tokens.access_token)).claims
    # Earlier versions gave each token a random origin_jti, not the session's: re-sign such a token.
    old_style = {**claims, "origin_jti": str(uuid.uuid4()), "jti": str(uuid.uuid4())}
    key = provider._key  # the provider's own signing key, as an earlier version of it would have used
    legacy = jwt.encode(old_style, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    await provider.sign_out(legacy, tokens.refresh_token)
    assert await code_of(provider.refresh(tokens.refresh_token or "")) == "NotAuthorized"
    assert await code_of(provider.verify(legacy)) == "InvalidToken"
