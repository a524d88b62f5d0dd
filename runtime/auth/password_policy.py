"""The password policy (the seed pool's: at least 8 characters with upper, lower, number and symbol)."""

from __future__ import annotations

from dataclasses import dataclass

# Cognito's special characters; moto checks the same list, so both providers agree.
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


@dataclass(frozen=True)
class PasswordPolicy:
    """Which rules a password must meet; ``describe`` spells them out for people."""

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True

    def check(self, password: str) -> list[str]:
        """The rules ``password`` does not meet, in words; empty when it is acceptable."""
        unmet = []
        if len(password) < self.minimum_length:
            unmet.append(f"at least {self.minimum_length} characters")
        if self.require_uppercase and not any("A" <= ch <= "Z" for ch in password):
            unmet.append("an uppercase letter (A-Z)")
        if self.require_lowercase and not any("a" <= ch <= "z" for ch in password):
            unmet.append("a lowercase letter (a-z)")
        if self.require_numbers and not any("0" <= ch <= "9" for ch in password):
            unmet.append("a number (0-9)")
        if self.require_symbols and not any(ch in SYMBOLS for ch in password):
            unmet.append("a symbol such as ! @ # $ % ^ & *")
        return unmet

    def describe(self) -> str:
        """``Passwords need at least 8 characters, an uppercase letter (A-Z), ...``."""
        return "Passwords need " + _join(self.check(""))

    def explain(self, password: str) -> str:
        """Why ``password`` is refused, with the whole policy for context."""
        return f"The password is missing {_join(self.check(password))}. {self.describe()}."


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


PASSWORD_POLICY = PasswordPolicy()


def check_password(password: str) -> list[str]:
    """The seed policy's unmet rules for ``password``."""
    return PASSWORD_POLICY.check(password)


def describe() -> str:
    """The seed policy in one sentence."""
    return PASSWORD_POLICY.describe()
