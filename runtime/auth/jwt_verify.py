"""RS256 JWT verification against a JWKS (a dict, or a URL fetched and cached by kid).

Only RS256 is accepted: ``alg: none`` and HS256 (even keyed with the public key) are
refused before any signature check. An unknown kid triggers at most one JWKS refetch
per ``refetch_interval`` seconds, so a flood of forged kids cannot hammer the issuer.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from runtime.auth.base import AuthError
from runtime.auth.input_limits import check_token_size

MAX_JWKS_BYTES = 256 * 1024


def fetch_jwks_url(url: str, timeout: float = 5.0) -> dict[str, Any]:
    """GET a JWKS document (blocking: call from a worker thread)."""
    if not url.startswith(("https://", "http://")):
        raise AuthError("ServiceUnavailable", f"the JWKS URL {url!r} must be http(s)")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(MAX_JWKS_BYTES + 1)
    except OSError as exc:
        raise AuthError("ServiceUnavailable", f"cannot fetch the signing keys from {url}: {exc}") from exc
    if len(body) > MAX_JWKS_BYTES:
        raise AuthError("ServiceUnavailable", f"the JWKS at {url} is larger than {MAX_JWKS_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise AuthError("ServiceUnavailable", f"the JWKS at {url} is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise AuthError("ServiceUnavailable", f"the JWKS at {url} has no keys list")
    return document


def _invalid(message: str) -> AuthError:
    return AuthError("InvalidToken", message)


class JwtVerifier:
    """Verify RS256 JWTs: signature, kid, issuer, token_use, client (access) or audience (id), expiry."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: dict[str, Any] | None = None,
        jwks_url: str | None = None,
        fetch: Callable[[str], dict[str, Any]] = fetch_jwks_url,
        leeway: float = 60.0,
        refetch_interval: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if jwks is None and jwks_url is None:
            raise ValueError("give a JWKS or a JWKS URL")
        self.issuer = issuer
        self.client_id = client_id
        self._jwks_url = jwks_url
        self._fetch = fetch
        self._leeway = leeway
        self._refetch_interval = refetch_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._last_fetch: float | None = None
        self.fetches = 0
        if jwks is not None:
            self._load(jwks)

    def _load(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, Any] = {}
        for jwk in jwks.get("keys", []):
            if isinstance(jwk, dict) and jwk.get("kty") == "RSA" and isinstance(jwk.get("kid"), str) and jwk.get("alg", "RS256") == "RS256":
                try:
                    keys[jwk["kid"]] = RSAAlgorithm.from_jwk(jwk)
                except (jwt.InvalidKeyError, ValueError, KeyError):
                    continue  # one broken key must not hide the others
        self._keys = keys

    def _key(self, kid: str) -> Any:
        with self._lock:
            key = self._keys.get(kid)
            if key is not None or self._jwks_url is None:
                return key
            now = self._clock()
            if self._last_fetch is not None and now - self._last_fetch < self._refetch_interval:
                return None
            self._last_fetch = now
            self.fetches += 1
            self._load(self._fetch(self._jwks_url))
            return self._keys.get(kid)

    def verify(self, token: str, *, token_use: str | None = None) -> dict[str, Any]:
        """The verified claims; raises ``AuthError`` TokenExpired or InvalidToken. May fetch the JWKS (blocking)."""
        check_token_size(token)
        if token.count(".") != 2:
            raise _invalid("The token is not a JWT (it needs three dot-separated parts).")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _invalid("The token's header cannot be read.") from exc
        if header.get("alg") != "RS256":
            raise _invalid(f"The token is signed with {header.get('alg')!r}; only RS256 is accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _invalid("The token names no signing key (kid).")
        key = self._key(kid)
        if key is None:
            raise _invalid("The token was signed with a key this server does not know.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=self._leeway,
                # Times are checked below against our clock (injectable), not PyJWT's.
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidIssuerError as exc:
            raise _invalid("The token was issued by another identity provider.") from exc
        except jwt.PyJWTError as exc:
            raise _invalid(f"The token is not valid: {exc}.") from exc
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float) or isinstance(exp, bool) or isinstance(iat, bool):
            raise _invalid("The token's exp and iat must be numbers.")
        now = self._clock()
        if now > exp + self._leeway:
            raise AuthError("TokenExpired", "The token has expired; refresh it or sign in again.")
        if iat > now + self._leeway:
            raise _invalid("The token was issued in the future; check the clocks.")
        use = claims.get("token_use")
        if use not in ("access", "id") or (token_use is not None and use != token_use):
            raise _invalid(f"An {token_use or 'access or id'} token is needed here, not {use!r}.")
        client = claims.get("client_id") if use == "access" else claims.get("aud")
        if client != self.client_id:
            raise _invalid("The token was issued to another app client.")
        return claims
