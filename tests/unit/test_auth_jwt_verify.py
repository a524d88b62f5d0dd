"""RS256 verification: what is accepted, every way a token is refused, and the JWKS refetch limit."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from runtime.auth.base import AuthError
from runtime.auth.jwt_verify import JwtVerifier
from runtime.auth.signing_keys import _from_private

ISSUER = "https://issuer.example/pool"
CLIENT = "client-1"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, Any]:
    one = _from_private(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    two = _from_private(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return one, two


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"sub": "u1", "iss": ISSUER, "iat": now, "exp": now + 600, "token_use": "access", "client_id": CLIENT, "username": "alice"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: Any, payload: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})


def b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_valid_access_and_id_tokens(keys: tuple[Any, Any]) -> None:
    key, _ = keys
    verifier = JwtVerifier(issuer=ISSUER, client_id=CLIENT, jwks=key.jwks())
    assert verifier.verify(sign(key, claims()))["username"] == "alice"
    id_token = sign(key, claims(token_use="id", client_id=None, aud=CLIENT))
    assert verifier.verify(id_token, token_use="id")["sub"] == "u1"
    with pytest.raises(AuthError, match="access token is needed"):
        verifier.verify(id_token, token_use="access")


@pytest.mark.parametrize(
    ("overrides", "code", "words"),
    [
        ({"exp": int(time.time()) - 61}, "TokenExpired", "expired"),
        ({"iss": "https://other.example/pool"}, "InvalidToken", "another identity provider"),
        ({"client_id": "other-client"}, "InvalidToken", "another app client"),
        ({"token_use": "refresh"}, "InvalidToken", "not 'refresh'"),
        ({"token_use": None}, "InvalidToken", "token_use"),
        ({"exp": None}, "InvalidToken", "exp"),
        ({"iat": int(time.time()) + 3600}, "InvalidToken", "future"),
        ({"exp": "soon"}, "InvalidToken", "numbers"),
    ],
)
def test_claims_are_checked(keys: tuple[Any, Any], overrides: dict[str, Any], code: str, words: str) -> None:
    key, _ = keys
    verifier = JwtVerifier(issuer=ISSUER, client_id=CLIENT, jwks=key.jwks())
    with pytest.raises(AuthError, match=words) as info:
        verifier.verify(sign(key, claims(**overrides)))
    assert info.value.code == code


def test_leeway_is_sixty_seconds(keys: tuple[Any, Any]) -> None:
    key, _ = keys
    verifier = JwtVerifier(issuer=ISSUER, client_id=CLIENT, jwks=key.jwks())
    assert verifier.verify(sign(key, claims(exp=int(time.time()) - 30)))


def test_forgeries_are_refused(keys: tuple[Any, Any]) -> None:
    key, other = keys
    verifier = JwtVerifier(issuer=ISSUER, client_id=CLIENT, jwks=key.jwks())
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': key.kid})}.{b64(claims())}."
    public_pem = key.private_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    # HS256 keyed with the public key: the classic algorithm-confusion forgery (PyJWT refuses PEM as an HMAC key, so sign by hand).
    import hashlib
    import hmac

    head, body = b64({"alg": "HS256", "typ": "JWT", "kid": key.kid}), b64(claims())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    hs256 = f"{head}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    wrong_key = sign(other, claims(), kid=key.kid)  # right kid, another key's signature
    unknown_kid = sign(other, claims())
    tampered = sign(key, claims())
    head, body, sig = tampered.split(".")
    tampered = f"{head}.{b64(claims(sub='admin'))}.{sig}"
    for forged, words in [
        (unsigned, "only RS256"),
        (hs256, "only RS256"),
        (wrong_key, "not valid"),
        (unknown_kid, "does not know"),
        (tampered, "not valid"),
    ]:
        with pytest.raises(AuthError, match=words) as info:
            verifier.verify(forged)
        assert info.value.code == "InvalidToken"


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b", "a.b.c.d", "x" * 9000, "....", "eyJhbGciOiJSUzI1NiJ9.e30.", "%%%.%%%.%%%", "\x00.\x00.\x00", "ä.ö.ü"],
)
def test_garbage_tokens_are_invalid_not_crashes(keys: tuple[Any, Any], garbage: str) -> None:
    key, _ = keys
    verifier = JwtVerifier(issuer=ISSUER, client_id=CLIENT, jwks=key.jwks())
    with pytest.raises(AuthError) as info:
        verifier.verify(garbage)
    assert info.value.code == "InvalidToken"


def test_unknown_kid_refetches_at_most_once_per_interval(keys: tuple[Any, Any]) -> None:
    key, other = keys
    now = [1000.0]
    served = [key.jwks()]
    calls: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        return served[0]

    verifier = JwtVerifier(
        issuer=ISSUER, client_id=CLIENT, jwks_url="http://jwks.local/keys", fetch=fetch, refetch_interval=300, clock=lambda: now[0]
    )
    token = jwt.encode(claims(iat=int(now[0]), exp=int(now[0]) + 600), key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert verifier.verify(token)["sub"] == "u1"
    assert verifier.verify(token) and calls == ["http://jwks.local/keys"]  # cached by kid
    rotated = jwt.encode(claims(iat=int(now[0]), exp=int(now[0]) + 600), other.private_key, algorithm="RS256", headers={"kid": other.kid})
    for _ in range(20):  # within the interval of the last fetch, unknown kids cost no fetch at all
        with pytest.raises(AuthError, match="does not know"):
            verifier.verify(rotated)
    assert len(calls) == 1
    served[0] = {"keys": [*key.jwks()["keys"], *other.jwks()["keys"]]}
    now[0] += 301
    rotated = jwt.encode(claims(iat=int(now[0]), exp=int(now[0]) + 600), other.private_key, algorithm="RS256", headers={"kid": other.kid})
    assert verifier.verify(rotated)["sub"] == "u1"  # the key rotation is picked up after the interval
    assert len(calls) == 2
    forged = jwt.encode(claims(iat=int(now[0]), exp=int(now[0]) + 600), other.private_key, algorithm="RS256", headers={"kid": "nope"})
    for _ in range(20):
        with pytest.raises(AuthError, match="does not know"):
            verifier.verify(forged)
    assert len(calls) == 2


def test_broken_keys_in_a_jwks_are_skipped(keys: tuple[Any, Any]) -> None:
    key, _ = keys
    jwks = {
        "keys": [{"kty": "RSA", "kid": "bad", "n": "!!", "e": "AQAB"}, {"kty": "oct", "kid": "sym", "k": "c2VjcmV0"}, *key.jwks()["keys"]]
    }
    verifier = JwtVerifier(issuer=ISSUER, client_id=CLIENT, jwks=jwks)
    assert verifier.verify(sign(key, claims()))
    with pytest.raises(AuthError, match="does not know"):
        verifier.verify(f"{b64({'alg': 'RS256', 'kid': 'sym'})}.{b64(claims())}.c2ln")
