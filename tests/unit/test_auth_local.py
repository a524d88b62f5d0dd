"""The local identity provider: Cognito-shaped tokens, keys on disk, lockout, confirmation, refresh rotation, hostile input."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from runtime.auth.base import AuthError
from runtime.auth.local import LocalIdentityProvider
from runtime.auth.signing_keys import KEY_FILE, load_or_create_signing_key
from runtime.store.sqlite_store import SqliteStore

ISSUER = "http://localhost:8000/local"
PASSWORD = "Sup3r-secret"
TIMES = ("auth_time", "exp", "iat")


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "chat.db")
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def made_key(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One RSA key for the module: generating a 2048-bit key per test is the slow part."""
    folder = tmp_path_factory.mktemp("made-key")
    load_or_create_signing_key(folder)
    return (folder / KEY_FILE).read_bytes()


@pytest.fixture
def provider(store: SqliteStore, tmp_path: Path, clock: Clock, made_key: bytes) -> LocalIdentityProvider:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / KEY_FILE).write_bytes(made_key)
    (tmp_path / "keys" / KEY_FILE).chmod(0o600)
    return LocalIdentityProvider(store, tmp_path / "keys", ISSUER, "web-client", clock=clock, max_failed_logins=3, lockout_seconds=60)


async def test_tokens_have_cognito_claim_shapes(provider: LocalIdentityProvider) -> None:
    result = await provider.sign_up("alice", PASSWORD, "alice@example.com", "Alice A.")
    assert result.confirmed and result.delivery is None
    tokens = await provider.sign_in("alice", PASSWORD)
    assert tokens.token_type == "Bearer" and tokens.expires_in == 3600 and tokens.refresh_token
    header = jwt.get_unverified_header(tokens.access_token)
    assert header["alg"] == "RS256" and header["kid"] == provider.jwks()["keys"][0]["kid"]  # type: ignore[index]
    access = jwt.decode(tokens.access_token, options={"verify_signature": False})
    assert set(access) == {
        "sub",
        "iss",
        "client_id",
        "origin_jti",
        "event_id",
        "token_use",
        "scope",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "username",
    }
    assert (access["token_use"], access["scope"], access["client_id"], access["username"], access["iss"]) == (
        "access",
        "aws.cognito.signin.user.admin",
        "web-client",
        "alice",
        ISSUER,
    )
    assert access["sub"] == result.user_id and access["exp"] - access["iat"] == 3600
    id_claims = jwt.decode(tokens.id_token, options={"verify_signature": False})
    assert {
        "sub",
        "aud",
        "email",
        "email_verified",
        "cognito:username",
        "name",
        "token_use",
        "auth_time",
        "iss",
        "exp",
        "iat",
        "jti",
    } <= set(id_claims)
    assert (id_claims["aud"], id_claims["email"], id_claims["name"], id_claims["cognito:username"], id_claims["token_use"]) == (
        "web-client",
        "alice@example.com",
        "Alice A.",
        "alice",
        "id",
    )
    for token in (tokens.access_token, tokens.id_token):
        identity = await provider.verify(token)
        assert (identity.user_id, identity.username, identity.display_name, identity.email) == (
            result.user_id,
            "alice",
            "Alice A.",
            "alice@example.com",
        )


async def test_the_key_pair_is_kept_private_and_reused(store: SqliteStore, tmp_path: Path, provider: LocalIdentityProvider) -> None:
    made = LocalIdentityProvider(store, tmp_path / "fresh" / "keys", ISSUER, "web-client")
    assert stat.S_IMODE((tmp_path / "fresh" / "keys" / KEY_FILE).stat().st_mode) == 0o600
    assert made.jwks() != provider.jwks()
    await provider.sign_up("bob", PASSWORD, "bob@example.com")
    tokens = await provider.sign_in("bob", PASSWORD)
    restarted = LocalIdentityProvider(store, tmp_path / "keys", ISSUER, "web-client")
    assert restarted.jwks() == provider.jwks()
    assert (await restarted.verify(tokens.access_token)).username == "bob"
    public = provider.jwks()["keys"][0]  # type: ignore[index]
    assert set(public) == {"kty", "alg", "use", "kid", "e", "n"}  # no private parts published
    other = LocalIdentityProvider(store, tmp_path / "other-keys", ISSUER, "web-client")
    with pytest.raises(AuthError) as info:
        await other.verify(tokens.access_token)
    assert info.value.code == "InvalidToken"


async def test_other_issuer_or_client_is_refused(store: SqliteStore, tmp_path: Path, provider: LocalIdentityProvider) -> None:
    await provider.sign_up("carol", PASSWORD, "carol@example.com")
    tokens = await provider.sign_in("carol", PASSWORD)
    for issuer, client in (("http://elsewhere/local", "web-client"), (ISSUER, "other-client")):
        twin = LocalIdentityProvider(store, tmp_path / "keys", issuer, client)
        with pytest.raises(AuthError) as info:
            await twin.verify(tokens.access_token)
        assert info.value.code == "InvalidToken"


async def test_expired_token_with_leeway(provider: LocalIdentityProvider, clock: Clock) -> None:
    await provider.sign_up("dave", PASSWORD, "dave@example.com")
    tokens = await provider.sign_in("dave", PASSWORD)
    clock.now += 3600 + 30
    assert await provider.verify(tokens.access_token)  # inside the 60 s leeway
    clock.now += 60
    with pytest.raises(AuthError) as info:
        await provider.verify(tokens.access_token)
    assert info.value.code == "TokenExpired"


async def test_wrong_password_locks_out_after_repeated_failures(provider: LocalIdentityProvider, clock: Clock) -> None:
    await provider.sign_up("erin", PASSWORD, "erin@example.com")
    for _ in range(2):
        with pytest.raises(AuthError) as info:
            await provider.sign_in("erin", "Wrong-pass1")
        assert info.value.code == "NotAuthorized"
    with pytest.raises(AuthError) as info:
        await provider.sign_in("erin", "Wrong-pass1")
    assert info.value.code == "TooManyFailedAttempts"
    with pytest.raises(AuthError, match="try again in") as info:
        await provider.sign_in("erin", PASSWORD)  # even the right password waits out the lock
    clock.now += 61
    assert await provider.sign_in("ERIN", PASSWORD)  # usernames are case-insensitive
    with pytest.raises(AuthError) as info:
        await provider.sign_in("nobody", PASSWORD)
    assert (info.value.code, info.value.message) == ("NotAuthorized", "Incorrect username or password.")


async def test_sign_up_refusals(provider: LocalIdentityProvider) -> None:
    await provider.sign_up("frank", PASSWORD, "frank@example.com")
    cases = [
        (("Frank", PASSWORD, "f@example.com"), "UsernameExists"),
        (("weak", "password", "w@example.com"), "InvalidPassword"),
        (("x" * 129, PASSWORD, "x@example.com"), "InvalidParameter"),
        (("has space", PASSWORD, "x@example.com"), "InvalidParameter"),
        (("ctl\x00", PASSWORD, "x@example.com"), "InvalidParameter"),
        (("", PASSWORD, "x@example.com"), "InvalidParameter"),
        (("ok", "Aa1!" * 65, "x@example.com"), "InvalidParameter"),
        (("ok", PASSWORD, "not-an-email"), "InvalidParameter"),
        (("ok", PASSWORD, "a@" + "b" * 300 + ".com"), "InvalidParameter"),
    ]
    for args, code in cases:
        with pytest.raises(AuthError) as info:
            await provider.sign_up(*args)
        assert info.value.code == code, args
    with pytest.raises(AuthError) as info:
        await provider.sign_up("weak", "password", "w@example.com")
    assert "uppercase letter" in info.value.message and "Passwords need at least 8 characters" in info.value.message


async def test_unicode_and_sql_looking_usernames_are_just_names(provider: LocalIdentityProvider) -> None:
    for name in ("Zoë_李", "robert');DROP_TABLE_users;--", "x" * 128):
        result = await provider.sign_up(name, PASSWORD, "u@example.com")
        tokens = await provider.sign_in(name, PASSWORD)
        assert (await provider.verify(tokens.id_token)).user_id == result.user_id


async def test_confirmation_code_flow(store: SqliteStore, tmp_path: Path) -> None:
    sent: list[tuple[str, str, str]] = []
    provider = LocalIdentityProvider(
        store, tmp_path / "keys", ISSUER, "web-client", require_confirmation=True, code_sink=lambda u, e, c: sent.append((u, e, c))
    )
    result = await provider.sign_up("gina", PASSWORD, "gina@example.com")
    assert not result.confirmed and result.delivery == "EMAIL g***@e***"
    assert sent and sent[0][:2] == ("gina", "gina@example.com") and len(sent[0][2]) == 6
    with pytest.raises(AuthError) as info:
        await provider.sign_in("gina", PASSWORD)
    assert info.value.code == "UserNotConfirmed"
    wrong = "000000" if sent[0][2] != "000000" else "111111"
    with pytest.raises(AuthError) as info:
        await provider.confirm("gina", wrong)
    assert info.value.code == "CodeMismatch"
    with pytest.raises(AuthError) as info:
        await provider.confirm("gina", "9" * 10_000)
    assert info.value.code == "CodeMismatch"
    await provider.confirm("gina", sent[0][2])
    assert await provider.sign_in("gina", PASSWORD)
    with pytest.raises(AuthError) as info:
        await provider.confirm("nobody", "123456")
    assert info.value.code == "UserNotFound"


async def test_too_many_wrong_codes(store: SqliteStore, tmp_path: Path) -> None:
    sent: list[str] = []
    provider = LocalIdentityProvider(
        store, tmp_path / "keys", ISSUER, "web-client", require_confirmation=True, code_sink=lambda u, e, c: sent.append(c)
    )
    await provider.sign_up("hank", PASSWORD, "hank@example.com")
    wrong = "000000" if sent[0] != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(AuthError):
            await provider.confirm("hank", wrong)
    with pytest.raises(AuthError) as info:
        await provider.confirm("hank", sent[0])
    assert info.value.code == "TooManyFailedAttempts"
    await provider.resend_code("hank")
    await provider.confirm("hank", sent[-1])


async def test_refresh_rotates_and_reuse_revokes_the_family(provider: LocalIdentityProvider) -> None:
    await provider.sign_up("ivy", PASSWORD, "ivy@example.com")
    first = await provider.sign_in("ivy", PASSWORD)
    other_session = await provider.sign_in("ivy", PASSWORD)
    assert first.refresh_token and other_session.refresh_token
    second = await provider.refresh(first.refresh_token, "ivy")
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert (await provider.verify(second.access_token)).username == "ivy"
    with pytest.raises(AuthError) as info:
        await provider.refresh(first.refresh_token)  # replayed: the whole family is revoked
    assert info.value.code == "NotAuthorized"
    with pytest.raises(AuthError):
        await provider.refresh(second.refresh_token)
    assert await provider.refresh(other_session.refresh_token)  # another sign-in is another family
    with pytest.raises(AuthError):
        await provider.refresh(other_session.refresh_token, "someone-else")


async def test_refresh_token_expiry(provider: LocalIdentityProvider, clock: Clock) -> None:
    await provider.sign_up("jack", PASSWORD, "jack@example.com")
    tokens = await provider.sign_in("jack", PASSWORD)
    clock.now += 31 * 86400
    with pytest.raises(AuthError, match="expired"):
        await provider.refresh(tokens.refresh_token or "")


async def test_sign_out_revokes_refresh_tokens(provider: LocalIdentityProvider) -> None:
    await provider.sign_up("kim", PASSWORD, "kim@example.com")
    tokens = await provider.sign_in("kim", PASSWORD)
    await provider.sign_out(tokens.access_token, tokens.refresh_token)
    with pytest.raises(AuthError) as info:
        await provider.refresh(tokens.refresh_token or "")
    assert info.value.code == "NotAuthorized"
    with pytest.raises(AuthError) as info:
        await provider.sign_out(tokens.id_token)  # sign-out needs the access token
    assert info.value.code == "InvalidToken"


@pytest.mark.parametrize("garbage", ["", "x" * 9000, "not-a-token", "\x00" * 10, "a.b.c", "🙂" * 100])
async def test_garbage_refresh_and_verify(provider: LocalIdentityProvider, garbage: str) -> None:
    with pytest.raises(AuthError) as info:
        await provider.refresh(garbage)
    assert info.value.code in {"NotAuthorized", "InvalidToken"}
    with pytest.raises(AuthError) as info:
        await provider.verify(garbage)
    assert info.value.code == "InvalidToken"


async def test_deleted_user_tokens_stop_verifying(provider: LocalIdentityProvider, store: SqliteStore) -> None:
    await provider.sign_up("leo", PASSWORD, "leo@example.com")
    tokens = await provider.sign_in("leo", PASSWORD)
    await store.delete_user("leo")
    with pytest.raises(AuthError, match="no longer exists"):
        await provider.verify(tokens.access_token)


async def test_pending_codes_are_bounded(store: SqliteStore, tmp_path: Path, made_key: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("runtime.auth.local.MAX_PENDING_CODES", 3)
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / KEY_FILE).write_bytes(made_key)
    sent: dict[str, str] = {}
    provider = LocalIdentityProvider(
        store, tmp_path / "k", ISSUER, "web-client", require_confirmation=True, code_sink=lambda u, e, c: sent.__setitem__(u, c)
    )
    for name in ("u1", "u2", "u3", "u4"):
        await provider.sign_up(name, PASSWORD, f"{name}@example.com")
    assert len(provider._codes) == 3
    with pytest.raises(AuthError, match="expired"):
        await provider.confirm("u1", sent["u1"])  # the oldest code made room
    await provider.confirm("u4", sent["u4"])
