"""The revocation list: sign-out revokes a token's ``jti`` and its session's ``origin_jti``, and verification checks both.

``origin_jti`` names the sign-in session (as in Cognito): every access and id token issued from that sign-in or
its refresh tokens carries it, so revoking it ends all of them at once while other sessions of the user go on.
The list lives in the store (shared by every process) and each entry expires with the tokens it names.
"""

from __future__ import annotations

from typing import Any

from runtime.auth.base import AuthError
from runtime.store.base import MAX_ID_LENGTH, RevocationStore
from runtime.store.errors import StoreError

REVOKED_MESSAGE = "The token was revoked (its session signed out); sign in again."


def revocation_ids(claims: dict[str, Any]) -> list[str]:
    """The ids under which the token may be revoked: its own ``jti`` and its session's ``origin_jti``."""
    ids = [claims.get("jti"), claims.get("origin_jti")]
    return [i for i in ids if isinstance(i, str) and 0 < len(i) <= MAX_ID_LENGTH and i.isprintable()]


async def check_not_revoked(claims: dict[str, Any], store: RevocationStore) -> None:
    """Raise ``InvalidToken`` when the token or its session was revoked; ``ServiceUnavailable`` when the list cannot be read."""
    ids = revocation_ids(claims)
    if not ids:
        return
    try:
        revoked = await store.revoked_token_ids(ids)
    except StoreError as exc:  # fail closed: a token we cannot check is not accepted
        raise AuthError("ServiceUnavailable", "The token cannot be checked right now; try again.") from exc
    if revoked:
        raise AuthError("InvalidToken", REVOKED_MESSAGE)


async def revoke(claims: dict[str, Any], store: RevocationStore, *, until: float) -> list[str]:
    """Revoke the token and its session until ``until`` (when the last token of the session expires); returns the ids."""
    ids = revocation_ids(claims)
    if ids:
        await store.revoke_token_ids(ids, until)
    return ids
