"""The identity-provider contract: Local (SQLite) and Cognito (moto server mode) behave alike for the chat runtime.

Where they differ by design: Cognito (without rotation enabled) returns no new refresh token
on refresh, so the old one stays valid; the local provider rotates on every refresh.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.auth.base import AuthError, IdentityProvider
from runtime.auth.cognito import CognitoIdentityProvider
from runtime.auth.local import LocalIdentityProvider
from runtime.auth.signing_keys import load_or_create_signing_key
from runtime.store.sqlite_store import SqliteStore
from tests.fakes.moto_cognito import SEED_POLICY, admin, make_pool, moto_endpoint

PASSWORD = "Sup3r-secret"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_endpoint() as url:
        yield url


@pytest.fixture(scope="module")
def cognito_pool(endpoint: str) -> tuple[str, str, Any]:
    """One pool for the module (each test signs up its own usernames) and one client: both are slow to make."""
    pool, app = make_pool(endpoint, SEED_POLICY)
    return pool, app, admin(endpoint)


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    load_or_create_signing_key(folder)  # made once: RSA key generation is the slow part of a local provider
    return folder


@pytest.fixture(params=["local", "cognito"])
async def provider(request: pytest.FixtureRequest, tmp_path: Path, key_dir: Path) -> AsyncIterator[IdentityProvider]:
    if request.param == "local":
        store = SqliteStore(tmp_path / "chat.db")
        yield LocalIdentityProvider(store, key_dir, "urn:chat-lex:test", "web")
        await store.close()
        return
    pool, app, client = request.getfixturevalue("cognito_pool")
    yield CognitoIdentityProvider(pool, app, "us-east-1", endpoint_url=request.getfixturevalue("endpoint"), client=client)


async def register(provider: IdentityProvider, username: str) -> str:
    result = await provider.sign_up(username, PASSWORD, f"{username}@example.com")
    if not result.confirmed:
        await provider.confirm(username, "123456")  # moto accepts any code; local confirms at sign-up here
    return result.user_id


async def expect(code: str, call: Any) -> AuthError:
    with pytest.raises(AuthError) as info:
        await call
    assert info.value.code == code, info.value
    return info.value


async def test_sign_up_sign_in_verify(provider: IdentityProvider) -> None:
    user_id = await register(provider, "alice")
    tokens = await provider.sign_in("alice", PASSWORD)
    assert tokens.token_type == "Bearer" and tokens.expires_in > 0 and tokens.refresh_token
    for token in (tokens.access_token, tokens.id_token):
        identity = await provider.verify(token)
        assert (identity.user_id, identity.username) == (user_id, "alice")
        assert identity.claims["sub"] == user_id


async def test_refresh_gives_working_tokens_and_old_rotated_tokens_die(provider: IdentityProvider) -> None:
    user_id = await register(provider, "bob")
    tokens = await provider.sign_in("bob", PASSWORD)
    assert tokens.refresh_token
    refreshed = await provider.refresh(tokens.refresh_token, "bob")
    assert (await provider.verify(refreshed.access_token)).user_id == user_id
    assert refreshed.refresh_token
    if refreshed.refresh_token != tokens.refresh_token:  # rotated: the old one is spent
        await expect("NotAuthorized", provider.refresh(tokens.refresh_token))


async def test_sign_out_then_refresh_fails(provider: IdentityProvider) -> None:
    await register(provider, "carol")
    tokens = await provider.sign_in("carol", PASSWORD)
    assert tokens.refresh_token
    await provider.sign_out(tokens.access_token, tokens.refresh_token)
    await expect("NotAuthorized", provider.refresh(tokens.refresh_token))


async def test_wrong_password_and_unknown_user_look_the_same(provider: IdentityProvider) -> None:
    await register(provider, "dave")
    wrong = await expect("NotAuthorized", provider.sign_in("dave", "Wrong-pass1"))
    unknown = await expect("NotAuthorized", provider.sign_in("nobody", PASSWORD))
    assert wrong.message == unknown.message


async def test_weak_password_is_refused_with_the_policy(provider: IdentityProvider) -> None:
    error = await expect("InvalidPassword", provider.sign_up("erin", "password", "erin@example.com"))
    assert "Passwords need at least 8 characters" in error.message
    await register(provider, "frank")
    await expect("UsernameExists", provider.sign_up("frank", PASSWORD, "f@example.com"))


async def test_garbage_tokens(provider: IdentityProvider) -> None:
    for garbage in ("", "a.b.c", "x" * 9000, "eyJhbGciOiJub25lIn0.e30."):
        await expect("InvalidToken", provider.verify(garbage))
