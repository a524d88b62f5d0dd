"""The local identity provider (the default): users in the chat store, RS256 tokens shaped like Cognito's.

Confirmation codes, when ``require_confirmation`` is on, live in this process's memory
for 24 hours and go to ``code_sink`` (by default the log); a restart forgets them, and
``chat-lex users add`` makes users that are confirmed already.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt

from runtime.auth.base import AuthError, Identity, SignUpResult, Tokens
from runtime.auth.input_limits import (
    check_code,
    check_display_name,
    check_email,
    check_password_size,
    check_token_size,
    check_username,
)
from runtime.auth.jwt_verify import JwtVerifier
from runtime.auth.password_hashing import DUMMY_HASH, hash_password, verify_password
from runtime.auth.password_policy import PASSWORD_POLICY, PasswordPolicy
from runtime.auth.revocation import check_not_revoked, revoke
from runtime.auth.signing_keys import load_or_create_signing_key
from runtime.store.base import IdentityStore, UserRecord
from runtime.store.errors import UserExists

log = logging.getLogger(__name__)

CodeSink = Callable[[str, str, str], None]  # (username, email, code)
CODE_TTL = 24 * 3600.0
MAX_CODE_ATTEMPTS = 5
MAX_PENDING_CODES = 10_000
SCOPE = "aws.cognito.signin.user.admin"


def log_code(username: str, email: str, code: str) -> None:
    """The default code sink: there is no mail server locally, so the code goes to the log."""
    log.warning("confirmation code for %s (%s): %s", username, email, code)


def _mask(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain[:1]}***"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class _PendingCode:
    code: str
    expires_at: float
    attempts: int = 0


def check_new_password(password: str, policy: PasswordPolicy = PASSWORD_POLICY) -> str:
    """The password, if it may be set: sized, valid text, and meeting the policy; else ``AuthError``."""
    check_password_size(password)
    if policy.check(password):
        raise AuthError("InvalidPassword", policy.explain(password))
    return password


async def create_user(
    store: IdentityStore,
    username: str,
    password: str,
    email: str,
    display_name: str | None = None,
    *,
    confirmed: bool,
    policy: PasswordPolicy = PASSWORD_POLICY,
    now: float | None = None,
) -> UserRecord:
    """Check the new user's fields and password, hash it and store the user (sign-up and ``chat-lex users add``).

    Raises ``AuthError``: ``InvalidParameter`` for a malformed field, ``InvalidPassword`` for a weak password,
    ``UsernameExists`` when the name (compared as the store folds it) is taken.
    """
    username = check_username(username)
    email = check_email(email)
    name = check_display_name(display_name if display_name is not None else username)
    check_new_password(password, policy)
    if await store.get_user_by_username(username) is not None:
        raise AuthError("UsernameExists", f"The username {username!r} is taken; choose another.")
    user = UserRecord(
        user_id=str(uuid.uuid4()),
        username=username,
        email=email,
        display_name=name,
        password_hash=await asyncio.to_thread(hash_password, password),
        confirmed=confirmed,
        created_at=time.time() if now is None else now,
    )
    try:
        await store.create_user(user)
    except UserExists as exc:  # lost a race with another sign-up of the same name
        raise AuthError("UsernameExists", f"The username {username!r} is taken; choose another.") from exc
    return user


class LocalIdentityProvider:
    """``IdentityProvider`` backed by an ``IdentityStore`` and a key pair in ``key_dir``."""

    name = "local"

    def __init__(
        self,
        store: IdentityStore,
        key_dir: Path,
        issuer: str,
        client_id: str,
        *,
        clock: Callable[[], float] = time.time,
        access_ttl: int = 3600,
        refresh_ttl: int = 30 * 86400,
        require_confirmation: bool = False,
        max_failed_logins: int = 5,
        lockout_seconds: int = 300,
        code_sink: CodeSink = log_code,
        policy: PasswordPolicy = PASSWORD_POLICY,
    ) -> None:
        self._store = store
        self._key = load_or_create_signing_key(Path(key_dir))
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._clock = clock
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl
        self._require_confirmation = require_confirmation
        self._max_failed = max_failed_logins
        self._lockout = lockout_seconds
        self._code_sink = code_sink
        self._policy = policy
        self._codes: dict[str, _PendingCode] = {}
        self._verifier = JwtVerifier(issuer=self.issuer, client_id=client_id, jwks=self._key.jwks(), clock=clock)

    # -- sign-up and confirmation -------------------------------------------------------------

    def check_new_password(self, password: str) -> None:
        check_new_password(password, self._policy)

    async def sign_up(self, username: str, password: str, email: str, display_name: str | None = None) -> SignUpResult:
        user = await create_user(
            self._store,
            username,
            password,
            email,
            display_name,
            confirmed=not self._require_confirmation,
            policy=self._policy,
            now=self._clock(),
        )
        if user.confirmed:
            return SignUpResult(user.user_id, True, None)
        self._send_code(user)
        return SignUpResult(user.user_id, False, f"EMAIL {_mask(email)}")

    def _send_code(self, user: UserRecord) -> None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        now = self._clock()
        if len(self._codes) >= MAX_PENDING_CODES:  # sign-up floods must not grow memory without bound
            self._codes = {k: v for k, v in self._codes.items() if v.expires_at > now}
            while len(self._codes) >= MAX_PENDING_CODES:
                del self._codes[next(iter(self._codes))]  # the oldest first: dicts keep insertion order
        self._codes[user.user_id] = _PendingCode(code, now + CODE_TTL)
        self._code_sink(user.username, user.email, code)

    async def resend_code(self, username: str) -> None:
        """Send a fresh confirmation code to an unconfirmed user."""
        user = await self._store.get_user_by_username(check_username(username))
        if user is None:
            raise AuthError("UserNotFound", "No user has that username.")
        if not user.confirmed:
            self._send_code(user)

    async def confirm(self, username: str, code: str) -> None:
        user = await self._store.get_user_by_username(check_username(username))
        if user is None:
            raise AuthError("UserNotFound", "No user has that username.")
        if user.confirmed:
            return
        code = check_code(code)
        pending = self._codes.get(user.user_id)
        if pending is None or pending.expires_at <= self._clock():
            raise AuthError("CodeMismatch", "The confirmation code has expired; ask for a new one.")
        if pending.attempts >= MAX_CODE_ATTEMPTS:
            raise AuthError("TooManyFailedAttempts", "Too many wrong codes; ask for a new one.")
        if not hmac.compare_digest(pending.code.encode(), code.encode()):
            pending.attempts += 1
            raise AuthError("CodeMismatch", "The confirmation code is wrong; check the code we sent.")
        del self._codes[user.user_id]
        await self._store.update_user(replace(user, confirmed=True))

    # -- sign-in, tokens ---------------------------------------------------------------------

    async def sign_in(self, username: str, password: str) -> Tokens:
        username = check_username(username)
        check_password_size(password)
        user = await self._store.get_user_by_username(username)
        now = self._clock()
        if user is None:
            await asyncio.to_thread(verify_password, password, DUMMY_HASH)  # a miss costs what a wrong password costs
            raise AuthError("NotAuthorized", "Incorrect username or password.")
        # Counted before the password is checked, atomically in the store: parallel guesses cannot all read the
        # same count, so no more than max_failed_logins passwords are ever checked per lockout period.
        attempt = await self._store.count_login_attempt(user.user_id, now=now, max_attempts=self._max_failed, lockout_seconds=self._lockout)
        if attempt is None:  # deleted meanwhile
            raise AuthError("NotAuthorized", "Incorrect username or password.")
        if not attempt.allowed:
            wait = int((attempt.locked_until or now + self._lockout) - now) + 1
            raise AuthError("TooManyFailedAttempts", f"Too many failed sign-ins; try again in {wait} seconds.")
        if not await asyncio.to_thread(verify_password, password, user.password_hash):
            if attempt.count >= self._max_failed:
                raise AuthError("TooManyFailedAttempts", f"Too many failed sign-ins; try again in {self._lockout} seconds.")
            raise AuthError("NotAuthorized", "Incorrect username or password.")
        await self._store.reset_login_attempts(user.user_id)
        if not user.confirmed:
            raise AuthError("UserNotConfirmed", "The account is not confirmed yet; enter the code we sent.")
        return await self._issue(user, family=str(uuid.uuid4()), auth_time=int(now))

    async def _issue(self, user: UserRecord, *, family: str, auth_time: int) -> Tokens:
        now = int(self._clock())
        # origin_jti names the sign-in session (the refresh family), as in Cognito: sign-out revokes it, and with it
        # every token issued from that sign-in or its refreshes, not the user's other sessions.
        origin_jti, event_id = family, str(uuid.uuid4())
        common = {"sub": user.user_id, "iss": self.issuer, "auth_time": auth_time, "iat": now, "exp": now + self._access_ttl}
        access = {
            **common,
            "client_id": self.client_id,
            "origin_jti": origin_jti,
            "event_id": event_id,
            "token_use": "access",
            "scope": SCOPE,
            "jti": str(uuid.uuid4()),
            "username": user.username,
        }
        id_claims = {
            **common,
            "aud": self.client_id,
            "email": user.email,
            "email_verified": user.confirmed,
            "cognito:username": user.username,
            "name": user.display_name,
            "origin_jti": origin_jti,
            "event_id": event_id,
            "token_use": "id",
            "jti": str(uuid.uuid4()),
        }
        headers = {"kid": self._key.kid}
        refresh_token = secrets.token_urlsafe(48)
        await self._store.save_refresh_token(_token_hash(refresh_token), user.user_id, now + self._refresh_ttl, family)
        return Tokens(
            access_token=jwt.encode(access, self._key.private_key, algorithm="RS256", headers=headers),
            id_token=jwt.encode(id_claims, self._key.private_key, algorithm="RS256", headers=headers),
            refresh_token=refresh_token,
            expires_in=self._access_ttl,
        )

    async def refresh(self, refresh_token: str, username: str | None = None) -> Tokens:
        check_token_size(refresh_token, "refresh token")
        token_hash = _token_hash(refresh_token)
        taken = await self._store.take_refresh_token(token_hash)
        if taken is None:
            owner = await self._store.refresh_token_owner(token_hash)
            if owner is not None:
                # A used token came back: someone holds a copy. End the whole sign-in session.
                await self._store.revoke_refresh_family(owner[1])
                await self._store.revoke_token_ids([owner[1]], self._clock() + self._access_ttl + 60)
                log.warning("refresh token reuse for user %s; family revoked", owner[0])
            raise AuthError("NotAuthorized", "The refresh token is invalid or was already used; sign in again.")
        user_id, expires_at, family = taken
        if expires_at <= self._clock():
            raise AuthError("NotAuthorized", "The refresh token has expired; sign in again.")
        user = await self._store.get_user(user_id)
        if user is None or not user.confirmed:
            raise AuthError("NotAuthorized", "The user no longer exists or is not confirmed; sign in again.")
        if username is not None and username.casefold() != user.username.casefold():
            raise AuthError("NotAuthorized", "The refresh token belongs to another user.")
        return await self._issue(user, family=family, auth_time=int(self._clock()))

    async def sign_out(self, access_token: str, refresh_token: str | None = None) -> None:
        """Sign this session out: its refresh tokens and every token issued from it stop working at once.

        The user's other sessions (other browsers, other devices) stay signed in.
        """
        claims = await self._verified(access_token, token_use="access")
        session = claims.get("origin_jti")
        if isinstance(session, str) and session:
            await self._store.revoke_refresh_family(session)
        if refresh_token:  # tokens issued before origin_jti named the session: find it through the refresh token
            check_token_size(refresh_token, "refresh token")
            owner = await self._store.refresh_token_owner(_token_hash(refresh_token))
            if owner is not None and owner[0] == claims["sub"]:
                await self._store.revoke_refresh_family(owner[1])
        # No token of the session outlives the last one issued before its refresh tokens were revoked.
        until = max(float(claims["exp"]), self._clock() + self._access_ttl) + 60
        await revoke(claims, self._store, until=until)

    async def _verified(self, token: str, *, token_use: str | None = None) -> dict[str, Any]:
        claims = self._verifier.verify(token, token_use=token_use)
        await check_not_revoked(claims, self._store)
        return claims

    async def verify(self, token: str) -> Identity:
        claims = await self._verified(token)
        user = await self._store.get_user(str(claims["sub"]))
        if user is None:
            raise AuthError("InvalidToken", "The token's user no longer exists.")
        return Identity(user_id=user.user_id, username=user.username, display_name=user.display_name, email=user.email, claims=claims)

    def jwks(self) -> dict[str, Any] | None:
        return self._key.jwks()
