"""The Cognito provider against moto in server mode, with a pool made with the seed's password policy.

What moto (5.2) does not do, so these tests cannot show it (see docs/auth.md):
- SRP is not checked (any proof passes); we use USER_PASSWORD_AUTH only.
- ExplicitAuthFlows are not enforced: a client without ALLOW_USER_PASSWORD_AUTH still signs in here.
- any confirmation code is accepted by confirm_sign_up, so CodeMismatch is never raised.
- one RSA key (kid "dummy") signs tokens for every pool, so a token of another pool has a valid
  signature: only the ``iss`` check refuses it (tested below).
- ``iss`` names the real AWS host (https://cognito-idp.<region>.amazonaws.com/<pool>) while the
  JWKS is served locally at ``{endpoint}/{poolId}/.well-known/jwks.json``.
- the id token carries no ``email`` or ``name`` claims unless the client lists ReadAttributes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import moto
import pytest
from jwt.algorithms import RSAAlgorithm

from runtime.auth.base import AuthError
from runtime.auth.cognito import CognitoIdentityProvider
from tests.fakes import moto_cognito
from tests.fakes.moto_cognito import SEED_POLICY, admin, moto_endpoint

PASSWORD = "Sup3r-secret"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_endpoint() as url:
        yield url


def make_pool(endpoint: str, policy: dict[str, Any] | None = None) -> tuple[str, str]:
    return moto_cognito.make_pool(endpoint, policy or SEED_POLICY, auto_verify_email=True, read_attributes=["email", "name"])


@pytest.fixture
def pool(endpoint: str) -> tuple[str, str]:
    return make_pool(endpoint)


@pytest.fixture
def provider(endpoint: str, pool: tuple[str, str]) -> CognitoIdentityProvider:
    return CognitoIdentityProvider(pool[0], pool[1], "us-east-1", endpoint_url=endpoint)


async def signed_in(provider: CognitoIdentityProvider, username: str = "alice") -> Any:
    await provider.sign_up(username, PASSWORD, f"{username}@example.com", username.title())
    await provider.confirm(username, "123456")
    return await provider.sign_in(username, PASSWORD)


def moto_key() -> Any:
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return RSAAlgorithm.from_jwk(json.loads(gzip.decompress(path.read_bytes())))


def b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


async def test_sign_up_confirm_sign_in_verify(provider: CognitoIdentityProvider) -> None:
    result = await provider.sign_up("alice", PASSWORD, "alice@example.com", "Alice A.")
    assert not result.confirmed
    with pytest.raises(AuthError) as info:
        await provider.sign_in("alice", PASSWORD)
    assert info.value.code == "UserNotConfirmed"
    await provider.confirm("alice", "123456")
    tokens = await provider.sign_in("alice", PASSWORD)
    assert tokens.refresh_token and tokens.expires_in == 3600
    access = await provider.verify(tokens.access_token)
    assert (access.user_id, access.username) == (result.user_id, "alice")
    identity = await provider.verify(tokens.id_token)
    assert (identity.user_id, identity.username, identity.email, identity.display_name) == (
        result.user_id,
        "alice",
        "alice@example.com",
        "Alice A.",
    )
    assert provider.jwks() is None


async def test_wrong_password_unknown_user_and_duplicate(provider: CognitoIdentityProvider) -> None:
    await signed_in(provider)
    for username, password in (("alice", "Wrong-pass1"), ("nobody", PASSWORD)):
        with pytest.raises(AuthError) as info:
            await provider.sign_in(username, password)
        assert (info.value.code, info.value.message) == ("NotAuthorized", "Incorrect username or password.")
    with pytest.raises(AuthError) as info:
        await provider.sign_up("alice", PASSWORD, "a@example.com")
    assert info.value.code == "UsernameExists"


async def test_weak_password_spells_out_the_policy(provider: CognitoIdentityProvider, endpoint: str) -> None:
    with pytest.raises(AuthError) as info:
        await provider.sign_up("bob", "password", "bob@example.com")
    assert info.value.code == "InvalidPassword"
    assert "an uppercase letter (A-Z), a number (0-9) and a symbol" in info.value.message
    # a pool stricter than the seed policy: Cognito itself refuses, and we pass its words on
    strict_pool, strict_client = make_pool(endpoint, {**SEED_POLICY, "MinimumLength": 16})
    strict = CognitoIdentityProvider(strict_pool, strict_client, "us-east-1", endpoint_url=endpoint)
    with pytest.raises(AuthError) as info:
        await strict.sign_up("bob", PASSWORD, "bob@example.com")
    assert info.value.code == "InvalidPassword" and "user pool's policy" in info.value.message


async def test_refresh_then_sign_out_revokes(provider: CognitoIdentityProvider) -> None:
    tokens = await signed_in(provider)
    refreshed = await provider.refresh(tokens.refresh_token)
    assert refreshed.refresh_token == tokens.refresh_token  # Cognito does not rotate unless the client enables it
    assert (await provider.verify(refreshed.access_token)).username == "alice"
    await provider.sign_out(tokens.access_token, tokens.refresh_token)
    with pytest.raises(AuthError) as info:
        await provider.refresh(tokens.refresh_token)
    assert info.value.code == "NotAuthorized" and "sign in again" in info.value.message
    with pytest.raises(AuthError):
        await provider.refresh("x" * 9000)


async def test_tokens_of_another_pool_or_client_are_refused(
    provider: CognitoIdentityProvider, endpoint: str, pool: tuple[str, str]
) -> None:
    other_pool, other_client = make_pool(endpoint)
    foreign = CognitoIdentityProvider(other_pool, other_client, "us-east-1", endpoint_url=endpoint)
    foreign_tokens = await signed_in(foreign, "mallory")
    with pytest.raises(AuthError, match="another identity provider") as info:
        await provider.verify(foreign_tokens.access_token)  # same key (moto shares one), other iss
    assert info.value.code == "InvalidToken"
    second_client = admin(endpoint).create_user_pool_client(
        UserPoolId=pool[0], ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    other_app = CognitoIdentityProvider(pool[0], second_client, "us-east-1", endpoint_url=endpoint)
    tokens = await signed_in(provider)
    for token in (tokens.access_token, tokens.id_token):
        with pytest.raises(AuthError, match="another app client"):
            await other_app.verify(token)


async def test_expired_tampered_and_forged_tokens(provider: CognitoIdentityProvider) -> None:
    tokens = await signed_in(provider)
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, moto_key(), algorithm="RS256", headers={"kid": "dummy"})
    with pytest.raises(AuthError) as info:
        await provider.verify(expired)
    assert info.value.code == "TokenExpired"
    head, _, sig = tokens.access_token.split(".")
    tampered = f"{head}.{b64({**claims, 'username': 'admin'})}.{sig}"
    unsigned = f"{b64({'alg': 'none', 'kid': 'dummy'})}.{b64(claims)}."
    jwks = json.loads(gzip.decompress((Path(moto.__file__).parent / "cognitoidp/resources/jwks-public.json.gz").read_bytes()))
    secret = json.dumps(jwks).encode()  # HS256 "keyed" with the public key material an attacker can fetch
    hs_head = b64({"alg": "HS256", "kid": "dummy"})
    mac = hmac.new(secret, f"{hs_head}.{b64(claims)}".encode(), hashlib.sha256).digest()
    hs256 = f"{hs_head}.{b64(claims)}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    for forged in (tampered, unsigned, hs256, "a.b", "x" * 9000, tokens.refresh_token):
        with pytest.raises(AuthError) as info:
            await provider.verify(forged)
        assert info.value.code == "InvalidToken", forged[:40]


async def test_unreachable_cognito_is_a_service_error() -> None:
    gone = CognitoIdentityProvider("us-east-1_gone", "client", "us-east-1", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(AuthError) as info:
        await gone.sign_in("alice", PASSWORD)
    assert info.value.code == "ServiceUnavailable"
    token = jwt.encode({"sub": "x"}, moto_key(), algorithm="RS256", headers={"kid": "dummy"})
    with pytest.raises(AuthError) as info:
        await gone.verify(token)
    assert info.value.code == "ServiceUnavailable"


async def test_hostile_input_is_refused_before_the_call(provider: CognitoIdentityProvider) -> None:
    for args in (("u" * 129, PASSWORD, "a@example.com"), ("ok", "Aa1!" * 65, "a@example.com"), ("a b", PASSWORD, "a@example.com")):
        with pytest.raises(AuthError) as info:
            await provider.sign_up(*args)
        assert info.value.code == "InvalidParameter"
    with pytest.raises(AuthError) as info:
        await provider.confirm("alice", "1" * 1000)
    assert info.value.code == "CodeMismatch"
    result = await provider.sign_up("Zoë_李';--", PASSWORD, "z@example.com")
    await provider.confirm("Zoë_李';--", "000000")
    tokens = await provider.sign_in("Zoë_李';--", PASSWORD)
    assert (await provider.verify(tokens.access_token)).user_id == result.user_id


async def test_moto_looseness_we_rely_on_knowing(endpoint: str) -> None:
    """Pins the moto facts in the module docstring: if moto tightens, this fails and the docs and tests can follow."""
    pool, _ = make_pool(endpoint)
    srp_only = admin(endpoint).create_user_pool_client(UserPoolId=pool, ClientName="srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])[
        "UserPoolClient"
    ]["ClientId"]
    provider = CognitoIdentityProvider(pool, srp_only, "us-east-1", endpoint_url=endpoint)
    await provider.sign_up("nina", PASSWORD, "nina@example.com")
    await provider.confirm("nina", "not-the-code")  # any confirmation code passes
    assert await provider.sign_in("nina", PASSWORD)  # USER_PASSWORD_AUTH though the client allows only SRP
    other_pool, _ = make_pool(endpoint)
    jwks = [json.loads(urllib.request.urlopen(f"{endpoint}/{p}/.well-known/jwks.json").read()) for p in (pool, other_pool)]
    assert jwks[0] == jwks[1]  # one key for every pool
