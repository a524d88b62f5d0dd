"""Identity behind one interface: local (default) and cognito."""

from runtime.auth.base import AuthError, Identity, IdentityProvider, SignUpResult, Tokens

__all__ = ["AuthError", "Identity", "IdentityProvider", "SignUpResult", "Tokens"]
