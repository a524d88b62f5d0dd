"""The sign-in lockout holds against parallel guesses: attempts are counted atomically before a password is checked.

Before the fix, sign_in read the failure count, checked the password, then wrote count+1: 100 parallel wrong
passwords all read 0, so the account never locked, and 39 wrong guesses sent together with the right one signed in.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime.auth import local as local_auth
from runtime.auth.base import AuthError, Tokens
from runtime.auth.local import LocalIdentityProvider
from runtime.auth.password_hashing import DUMMY_HASH
from runtime.auth.signing_keys import KEY_FILE, load_or_create_signing_key
from runtime.store.base import Store
from runtime.web.settings import Settings
from tests.integration.test_web_harness import PASSWORD, RunningServer, sign_up

MAX_FAILED = 5
WRONG = "Wrong-pass1"


class PasswordChecks:
    """Counts the real password checks (not the dummy one an unknown user costs), from any thread."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._real = local_auth.verify_password

    def __call__(self, password: str, stored: str) -> bool:
        if stored != DUMMY_HASH:
            with self._lock:
                self.count += 1
        return self._real(password, stored)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> PasswordChecks:
    spy = PasswordChecks()
    monkeypatch.setattr(local_auth, "verify_password", spy)
    return spy


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    load_or_create_signing_key(folder)
    assert (folder / KEY_FILE).is_file()
    return folder


@pytest.fixture
def provider(store: Store, key_dir: Path) -> LocalIdentityProvider:
    return LocalIdentityProvider(store, key_dir, "urn:test", "web", max_failed_logins=MAX_FAILED, lockout_seconds=300)


async def attempt(provider: LocalIdentityProvider, username: str, password: str) -> Tokens | str:
    """The tokens, or the AuthError code."""
    try:
        return await provider.sign_in(username, password)
    except AuthError as exc:
        return exc.code


async def test_100_parallel_wrong_passwords_lock_the_account(provider: LocalIdentityProvider, store: Store, checks: PasswordChecks) -> None:
    await provider.sign_up("victim", PASSWORD, "victim@example.com")
    results = await asyncio.gather(*(attempt(provider, "victim", WRONG) for _ in range(100)))
    assert checks.count <= MAX_FAILED  # at most max_failed guesses were ever compared with the password
    assert results.count("NotAuthorized") == MAX_FAILED - 1
    assert results.count("TooManyFailedAttempts") == 100 - (MAX_FAILED - 1)
    user = await store.get_user_by_username("victim")
    assert user is not None and user.locked_until is not None
    assert await attempt(provider, "victim", PASSWORD) == "TooManyFailedAttempts"  # even the right password waits
    assert checks.count <= MAX_FAILED


async def test_39_wrong_and_the_right_password_in_parallel_do_not_sign_in(provider: LocalIdentityProvider, checks: PasswordChecks) -> None:
    await provider.sign_up("target", PASSWORD, "target@example.com")
    guesses = [WRONG + str(i) for i in range(39)] + [PASSWORD]  # the right one last, as a guessing script would reach it
    results = await asyncio.gather(*(attempt(provider, "target", guess) for guess in guesses))
    assert not any(isinstance(r, Tokens) for r in results)
    assert checks.count <= MAX_FAILED
    assert await attempt(provider, "target", PASSWORD) == "TooManyFailedAttempts"


async def test_a_success_resets_the_count(provider: LocalIdentityProvider, store: Store) -> None:
    await provider.sign_up("owner", PASSWORD, "owner@example.com")
    for _ in range(MAX_FAILED - 1):
        assert await attempt(provider, "owner", WRONG) == "NotAuthorized"
    assert isinstance(await attempt(provider, "owner", PASSWORD), Tokens)
    user = await store.get_user_by_username("owner")
    assert user is not None and (user.failed_logins, user.locked_until) == (0, None)
    for _ in range(MAX_FAILED - 1):  # a fresh allowance, not one guess left
        assert await attempt(provider, "owner", WRONG) == "NotAuthorized"


@pytest.fixture
def server(tmp_path: Path, key_dir: Path) -> Iterator[RunningServer]:
    # A high /auth rate so the lockout alone is what stops the guesses here (the rate limit has its own tests).
    settings = Settings(
        bot="none",
        store=f"sqlite:{tmp_path / 'chat.db'}",
        auth_key_dir=str(key_dir),
        static_dir=tmp_path,
        auth_rate_per_minute=10_000,
    )
    running = RunningServer(settings).start()
    yield running
    running.stop()


async def test_100_parallel_wrong_logins_over_http_lock_the_account(server: RunningServer, checks: PasswordChecks) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        await sign_up(http, "remote")

        async def login(password: str) -> Any:
            answer = await http.post("/auth/login", json={"username": "remote", "password": password})
            return answer.status_code, answer.json().get("error")

        results = await asyncio.gather(*(login(WRONG) for _ in range(100)))
        assert checks.count <= MAX_FAILED
        assert {status for status, _ in results} == {401}
        assert [code for _, code in results].count("TooManyFailedAttempts") >= 100 - MAX_FAILED
        assert await login(PASSWORD) == (401, "TooManyFailedAttempts")
        await sign_up(http, "remote2")

        async def login2(password: str) -> int:
            return (await http.post("/auth/login", json={"username": "remote2", "password": password})).status_code

        mixed = await asyncio.gather(*(login2(g) for g in [WRONG + str(i) for i in range(39)] + [PASSWORD]))
        assert set(mixed) == {401}
        assert checks.count <= 2 * MAX_FAILED
