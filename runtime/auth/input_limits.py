"""Limits on what a person may send to sign-up, sign-in and verify, checked before any work is done."""

from __future__ import annotations

import re
import unicodedata

from runtime.auth.base import AuthError

MAX_USERNAME = 128
MAX_PASSWORD = 256
MAX_EMAIL = 254
MAX_DISPLAY_NAME = 128
MAX_TOKEN = 8192
MAX_CODE = 32

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text)


def check_username(username: object) -> str:
    """Letters, marks, numbers, symbols and punctuation of any script, no spaces, 1-128 characters (Cognito's rule)."""
    if not isinstance(username, str) or not username:
        raise AuthError("InvalidParameter", "A username is required.")
    if len(username) > MAX_USERNAME:
        raise AuthError("InvalidParameter", f"The username is {len(username)} characters long; the limit is {MAX_USERNAME}.")
    if any(ch.isspace() for ch in username) or _has_control(username):
        raise AuthError("InvalidParameter", "The username may not contain spaces or control characters.")
    return unicodedata.normalize("NFC", username)


def check_password_size(password: object) -> str:
    if not isinstance(password, str) or not password:
        raise AuthError("InvalidParameter", "A password is required.")
    if len(password) > MAX_PASSWORD:
        raise AuthError("InvalidParameter", f"The password is {len(password)} characters long; the limit is {MAX_PASSWORD}.")
    # A lone surrogate (JSON "\ud800", or undecodable bytes piped to `users add`) cannot be
    # encoded for hashing; refuse it here rather than fail inside scrypt.
    if any("\ud800" <= ch <= "\udfff" for ch in password):
        raise AuthError("InvalidParameter", "The password holds bytes that are not valid UTF-8 text; type it again.")
    return password


def check_email(email: object) -> str:
    if not isinstance(email, str) or len(email) > MAX_EMAIL or not _EMAIL.match(email) or _has_control(email):
        raise AuthError("InvalidParameter", "Give a valid email address, like name@example.com.")
    return email


def check_display_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise AuthError("InvalidParameter", "The display name may not be empty.")
    if len(name) > MAX_DISPLAY_NAME or _has_control(name):
        raise AuthError("InvalidParameter", f"The display name must be printable text of at most {MAX_DISPLAY_NAME} characters.")
    return name.strip()


def check_token_size(token: object, what: str = "token") -> str:
    if not isinstance(token, str) or not token:
        raise AuthError("InvalidToken", f"No {what} was given.")
    if len(token) > MAX_TOKEN:
        raise AuthError("InvalidToken", f"The {what} is {len(token)} characters long; tokens are at most {MAX_TOKEN}.")
    return token


def check_code(code: object) -> str:
    if not isinstance(code, str) or not code or len(code) > MAX_CODE:
        raise AuthError("CodeMismatch", "The confirmation code is not valid; use the code we sent.")
    return code
