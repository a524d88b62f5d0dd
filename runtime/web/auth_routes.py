"""`/auth/*`: sign-up, confirm, login, refresh, logout, and the local provider's JWKS."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from runtime.auth.base import AuthError, Tokens
from runtime.web.context import ChatContext
from runtime.web.rest_bodies import ApiError, bearer_token, read_body

# AuthError codes that mean "who are you?" rather than "fix your input".
UNAUTHORIZED_CODES = frozenset(
    {"NotAuthorized", "UserNotFound", "UserNotConfirmed", "TooManyFailedAttempts", "TokenExpired", "InvalidToken"}
)

USERNAME_MAX = 128
PASSWORD_MAX = 256
EMAIL_MAX = 254
TOKEN_MAX = 8192


def auth_error(exc: AuthError) -> ApiError:
    if exc.code == "ServiceUnavailable":
        return ApiError(503, exc.code, exc.message)
    return ApiError(401 if exc.code in UNAUTHORIZED_CODES else 400, exc.code, exc.message)


def tokens_body(tokens: Tokens) -> dict[str, Any]:
    return {
        "accessToken": tokens.access_token,
        "idToken": tokens.id_token,
        "refreshToken": tokens.refresh_token,
        "expiresIn": tokens.expires_in,
        "tokenType": tokens.token_type,
    }


def _context(request: Request[Any, Any, Any]) -> ChatContext:
    context: ChatContext = request.app.state.chat
    return context


@post("/auth/signup", status_code=201, summary="Create an account")
async def signup(request: Request[Any, Any, Any]) -> dict[str, Any]:
    limits = _context(request).auth_limits
    await limits.check_address(request)
    body = await read_body(
        request,
        required={"username": USERNAME_MAX, "password": PASSWORD_MAX, "email": EMAIL_MAX},
        optional={"displayName": 100},
    )
    await limits.check_username(body["username"])
    try:
        result = await _context(request).backends.identity.sign_up(
            body["username"], body["password"], body["email"], body.get("displayName")
        )
    except AuthError as exc:
        raise auth_error(exc) from None
    return {"userId": result.user_id, "confirmed": result.confirmed, "delivery": result.delivery}


@post("/auth/confirm", status_code=200, summary="Confirm an account with the code sent at sign-up")
async def confirm(request: Request[Any, Any, Any]) -> dict[str, Any]:
    limits = _context(request).auth_limits
    await limits.check_address(request)
    body = await read_body(request, required={"username": USERNAME_MAX, "code": 64})
    await limits.check_username(body["username"])
    try:
        await _context(request).backends.identity.confirm(body["username"], body["code"])
    except AuthError as exc:
        raise auth_error(exc) from None
    return {"confirmed": True}


@post("/auth/login", status_code=200, summary="Sign in: tokens for a username and password")
async def login(request: Request[Any, Any, Any]) -> dict[str, Any]:
    limits = _context(request).auth_limits
    await limits.check_address(request)
    body = await read_body(request, required={"username": USERNAME_MAX, "password": PASSWORD_MAX})
    await limits.check_username(body["username"])
    try:
        tokens = await _context(request).backends.identity.sign_in(body["username"], body["password"])
    except AuthError as exc:
        raise auth_error(exc) from None
    return tokens_body(tokens)


@post("/auth/refresh", status_code=200, summary="New tokens for a refresh token")
async def refresh(request: Request[Any, Any, Any]) -> dict[str, Any]:
    limits = _context(request).auth_limits
    await limits.check_address(request)
    body = await read_body(request, required={"refreshToken": TOKEN_MAX}, optional={"username": USERNAME_MAX})
    await limits.check_username(body.get("username"))
    try:
        tokens = await _context(request).backends.identity.refresh(body["refreshToken"], body.get("username"))
    except AuthError as exc:
        raise auth_error(exc) from None
    return tokens_body(tokens)


@post("/auth/logout", status_code=200, summary="Sign out: revoke the refresh token (Authorization: Bearer <access token>)")
async def logout(request: Request[Any, Any, Any]) -> dict[str, Any]:
    context = _context(request)
    await context.auth_limits.check_address(request)
    access = bearer_token(request)
    raw = await request.body()
    body = await read_body(request, required={}, optional={"refreshToken": TOKEN_MAX}) if raw.strip() else {}
    try:
        await context.backends.identity.sign_out(access, body.get("refreshToken"))
    except AuthError as exc:
        raise auth_error(exc) from None
    context.session_watch.check_soon()  # this process's sockets of the session close now; others' at their next check
    return {"signedOut": True}


@get("/.well-known/jwks.json", summary="The local identity provider's public keys")
async def jwks(request: Request[Any, Any, Any]) -> Response[Any]:
    keys = _context(request).backends.identity.jwks()
    if keys is None:
        raise ApiError(404, "NotFound", "this server uses Cognito; its keys are published by the user pool")
    return Response(keys, headers={"cache-control": "public, max-age=300"})
