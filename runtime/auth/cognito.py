"""The Cognito identity provider: boto3 ``cognito-idp`` in worker threads, tokens verified against the pool's JWKS.

The JWKS URL is configurable apart from the issuer because an emulator (moto) serves
the keys locally while its tokens name the real AWS host as ``iss``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from runtime.auth.base import AuthError, Identity, SignUpResult, Tokens
from runtime.auth.input_limits import check_code, check_display_name, check_email, check_password_size, check_token_size, check_username
from runtime.auth.jwt_verify import JwtVerifier, fetch_jwks_url
from runtime.auth.password_policy import PASSWORD_POLICY
from runtime.auth.revocation import check_not_revoked, revoke
from runtime.store.base import RevocationStore

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.client import CognitoIdentityProviderClient

T = TypeVar("T")

# Cognito's exception names, and the code and words we give people for each.
_ERRORS: dict[str, tuple[str, str]] = {
    "NotAuthorizedException": ("NotAuthorized", "Incorrect username or password."),
    "UserNotFoundException": ("UserNotFound", "No user has that username."),
    "UserNotConfirmedException": ("UserNotConfirmed", "The account is not confirmed yet; enter the code we sent."),
    "UsernameExistsException": ("UsernameExists", "That username is taken; choose another."),
    "InvalidPasswordException": ("InvalidPassword", PASSWORD_POLICY.describe() + "."),
    "InvalidParameterException": ("InvalidParameter", "A value was not accepted by Cognito."),
    "CodeMismatchException": ("CodeMismatch", "The confirmation code is wrong; check the code we sent."),
    "ExpiredCodeException": ("CodeMismatch", "The confirmation code has expired; ask for a new one."),
    "TooManyFailedAttemptsException": ("TooManyFailedAttempts", "Too many failed attempts; wait a while and try again."),
    "TooManyRequestsException": ("TooManyFailedAttempts", "Too many requests; wait a moment and try again."),
    "LimitExceededException": ("TooManyFailedAttempts", "Too many attempts; wait a while and try again."),
    "PasswordResetRequiredException": ("NotAuthorized", "The password must be reset before signing in."),
}


def _map_error(exc: ClientError, *, password: str | None = None) -> AuthError:
    error = exc.response.get("Error", {})
    name = error.get("Code", "")
    code, words = _ERRORS.get(name, ("ServiceUnavailable", f"Cognito failed ({name or 'unknown error'}); try again later."))
    if name == "InvalidPasswordException":
        if password is not None and PASSWORD_POLICY.check(password):
            words = PASSWORD_POLICY.explain(password)
        else:  # the pool's policy is stricter than ours: pass on what Cognito says
            words = f"The password does not meet the user pool's policy: {error.get('Message', '')}. {PASSWORD_POLICY.describe()}."
    elif name == "InvalidParameterException" and error.get("Message"):
        words = f"Cognito did not accept a value: {error['Message']}"
    return AuthError(code, words)


class CognitoIdentityProvider:
    """``IdentityProvider`` backed by an Amazon Cognito user pool and a public app client (no secret)."""

    name = "cognito"

    def __init__(
        self,
        user_pool_id: str,
        client_id: str,
        region: str,
        *,
        endpoint_url: str | None = None,
        jwks_url: str | None = None,
        issuer: str | None = None,
        fetch: Callable[[str], dict[str, Any]] = fetch_jwks_url,
        client: CognitoIdentityProviderClient | None = None,
        revocations: RevocationStore | None = None,
    ) -> None:
        if not user_pool_id or not client_id:
            raise AuthError("InvalidParameter", "Cognito needs a user pool id and an app client id.")
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self.issuer = issuer or f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        if jwks_url is None:
            jwks_url = f"{endpoint_url.rstrip('/')}/{user_pool_id}" if endpoint_url else self.issuer
            jwks_url += "/.well-known/jwks.json"
        self._client: CognitoIdentityProviderClient = client or boto3.client(
            "cognito-idp", region_name=region, endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 3, "mode": "standard"})
        )
        self._verifier = JwtVerifier(issuer=self.issuer, client_id=client_id, jwks_url=jwks_url, fetch=fetch)
        # Cognito's own revocation is seen only by Cognito's APIs; JWTs verified here need our list (shared via the store).
        self._revocations = revocations

    async def _call(self, fn: Callable[[], T], *, password: str | None = None) -> T:
        try:
            return await asyncio.to_thread(fn)
        except ClientError as exc:
            raise _map_error(exc, password=password) from exc
        except BotoCoreError as exc:
            raise AuthError("ServiceUnavailable", f"Cannot reach Cognito: {exc}.") from exc

    async def sign_up(self, username: str, password: str, email: str, display_name: str | None = None) -> SignUpResult:
        username = check_username(username)
        check_password_size(password)
        email = check_email(email)
        name = check_display_name(display_name if display_name is not None else username)
        if PASSWORD_POLICY.check(password):  # say it before the round trip; Cognito enforces the pool's own policy too
            raise AuthError("InvalidPassword", PASSWORD_POLICY.explain(password))
        response = await self._call(
            lambda: self._client.sign_up(
                ClientId=self.client_id,
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
            ),
            password=password,
        )
        delivery = response.get("CodeDeliveryDetails")
        where = f"{delivery.get('DeliveryMedium', '')} {delivery.get('Destination', '')}".strip() if delivery else None
        return SignUpResult(user_id=response["UserSub"], confirmed=bool(response.get("UserConfirmed")), delivery=where or None)

    async def confirm(self, username: str, code: str) -> None:
        username = check_username(username)
        code = check_code(code)
        await self._call(lambda: self._client.confirm_sign_up(ClientId=self.client_id, Username=username, ConfirmationCode=code))

    def _tokens(self, response: Any, refresh_token: str | None) -> Tokens:
        result = response.get("AuthenticationResult")
        if not result:
            challenge = response.get("ChallengeName", "an unknown challenge")
            raise AuthError("NotAuthorized", f"Cognito asks for {challenge}, which this app does not support; ask an administrator.")
        return Tokens(
            access_token=result["AccessToken"],
            id_token=result["IdToken"],
            refresh_token=result.get("RefreshToken", refresh_token),
            expires_in=int(result.get("ExpiresIn", 3600)),
            token_type=result.get("TokenType", "Bearer"),
        )

    async def sign_in(self, username: str, password: str) -> Tokens:
        username = check_username(username)
        check_password_size(password)
        try:
            response = await self._call(
                lambda: self._client.initiate_auth(
                    ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}
                )
            )
        except AuthError as exc:
            if exc.code == "UserNotFound":  # say no more than for a wrong password: usernames are not to be probed
                raise AuthError("NotAuthorized", "Incorrect username or password.") from exc
            raise
        return self._tokens(response, None)

    async def refresh(self, refresh_token: str, username: str | None = None) -> Tokens:
        check_token_size(refresh_token, "refresh token")
        try:
            response = await self._call(
                lambda: self._client.initiate_auth(
                    ClientId=self.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
                )
            )
        except AuthError as exc:
            if exc.code == "NotAuthorized":
                raise AuthError("NotAuthorized", "The refresh token is invalid, expired or revoked; sign in again.") from exc
            raise
        # Without refresh-token rotation Cognito returns no new refresh token: the one given stays valid.
        return self._tokens(response, refresh_token)

    async def sign_out(self, access_token: str, refresh_token: str | None = None) -> None:
        """Global sign-out in Cognito (every refresh token of the user), and this session's tokens revoked here at once."""
        check_token_size(access_token, "access token")
        claims = await self._claims(access_token)
        await self._call(lambda: self._client.global_sign_out(AccessToken=access_token))
        if self._revocations is not None:
            lifetime = max(0.0, float(claims["exp"]) - float(claims["iat"]))  # the pool's access-token validity
            await revoke(claims, self._revocations, until=max(float(claims["exp"]), time.time() + lifetime) + 60)

    async def _claims(self, token: str) -> dict[str, Any]:
        # May fetch the JWKS over the network, so it runs in a worker thread.
        claims = await asyncio.to_thread(self._verifier.verify, token)
        if self._revocations is not None:
            await check_not_revoked(claims, self._revocations)
        return claims

    async def verify(self, token: str) -> Identity:
        claims = await self._claims(token)
        username = str(claims.get("username") or claims.get("cognito:username") or claims["sub"])
        return Identity(
            user_id=str(claims["sub"]),
            username=username,
            display_name=str(claims.get("name") or username),
            email=str(claims.get("email") or ""),
            claims=claims,
        )

    def jwks(self) -> dict[str, Any] | None:
        return None
