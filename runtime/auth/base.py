"""The identity interface: what every provider (local, cognito) offers the chat runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# Codes a caller may branch on; the message is for people.
AUTH_ERROR_CODES = frozenset(
    {
        "NotAuthorized",
        "UserNotFound",
        "UserNotConfirmed",
        "UsernameExists",
        "InvalidPassword",
        "InvalidParameter",
        "CodeMismatch",
        "TooManyFailedAttempts",
        "TokenExpired",
        "InvalidToken",
        "ServiceUnavailable",
    }
)


@dataclass(frozen=True)
class Tokens:
    """What a sign-in or refresh returns, in Cognito's shape."""

    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str = "Bearer"


@dataclass(frozen=True)
class Identity:
    """Who a verified token names."""

    user_id: str
    username: str
    display_name: str
    email: str
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignUpResult:
    """A new user's id, whether it may sign in yet, and where a confirmation code went."""

    user_id: str
    confirmed: bool
    delivery: str | None = None


class AuthError(Exception):
    """An identity failure with a stable ``code`` and a human ``message``."""

    def __init__(self, code: str, message: str) -> None:
        if code not in AUTH_ERROR_CODES:
            raise ValueError(f"unknown auth error code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class IdentityProvider(Protocol):
    """Sign-up, sign-in, refresh, sign-out and token verification."""

    name: str

    async def sign_up(self, username: str, password: str, email: str, display_name: str | None = None) -> SignUpResult: ...
    async def confirm(self, username: str, code: str) -> None: ...
    async def sign_in(self, username: str, password: str) -> Tokens: ...
    async def refresh(self, refresh_token: str, username: str | None = None) -> Tokens: ...
    async def sign_out(self, access_token: str, refresh_token: str | None = None) -> None: ...
    async def verify(self, token: str) -> Identity: ...
    def jwks(self) -> dict[str, Any] | None: ...
