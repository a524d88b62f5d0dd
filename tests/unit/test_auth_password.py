"""The password policy in words, and scrypt hashes."""

from __future__ import annotations

import pytest

from runtime.auth.password_hashing import DUMMY_HASH, hash_password, verify_password
from runtime.auth.password_policy import PASSWORD_POLICY, check_password, describe

ALL_RULES = (
    "at least 8 characters",
    "an uppercase letter (A-Z)",
    "a lowercase letter (a-z)",
    "a number (0-9)",
    "a symbol such as ! @ # $ % ^ & *",
)


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Passw0rd!", []),
        ("Pa0!", ["at least 8 characters"]),
        ("password0!", ["an uppercase letter (A-Z)"]),
        ("PASSWORD0!", ["a lowercase letter (a-z)"]),
        ("Password!!", ["a number (0-9)"]),
        ("Password00", ["a symbol such as ! @ # $ % ^ & *"]),
        ("Пароль123!", ["an uppercase letter (A-Z)", "a lowercase letter (a-z)"]),  # Cyrillic letters are not A-Z
        (
            "",
            [
                "at least 8 characters",
                "an uppercase letter (A-Z)",
                "a lowercase letter (a-z)",
                "a number (0-9)",
                "a symbol such as ! @ # $ % ^ & *",
            ],
        ),
    ],
)
def test_unmet_rules_are_named(password: str, missing: list[str]) -> None:
    assert check_password(password) == missing


def test_the_policy_is_spelled_out() -> None:
    text = describe()
    for words in ("8 characters", "uppercase", "lowercase", "number", "symbol"):
        assert words in text
    explained = PASSWORD_POLICY.explain("password")
    assert explained.startswith("The password is missing an uppercase letter (A-Z), a number (0-9) and a symbol")
    assert "Passwords need at least 8 characters" in explained


def test_hash_round_trip_and_format() -> None:
    encoded = hash_password("Correct-Horse-1")
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(salt) == 22 and len(digest) == 43  # 16 and 32 bytes, base64 without padding
    assert verify_password("Correct-Horse-1", encoded)
    assert not verify_password("correct-Horse-1", encoded)
    assert hash_password("Correct-Horse-1") != encoded  # salted


@pytest.mark.parametrize("garbage", ["", "plain", "scrypt$x$8$1$AA$AA", "bcrypt$1$2$3$4$5", DUMMY_HASH, "scrypt$16384$8$1$!!$!!"])
def test_malformed_hashes_never_match(garbage: str) -> None:
    assert not verify_password("anything", garbage)
