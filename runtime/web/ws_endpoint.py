"""The `/ws` endpoint: authenticate the handshake, subscribe the socket, then route each frame to the ChatService."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from litestar import WebSocket, websocket

from runtime.auth.base import AuthError
from runtime.auth.revocation import revocation_ids
from runtime.chat.service import Sender
from runtime.chat.session import ChatSession
from runtime.chat.subscriber import Subscriber
from runtime.web.auth_frame import AuthFrameError, parse_auth_frame
from runtime.web.context import ChatContext
from runtime.web.handshake import token_and_subprotocol
from runtime.web.socket_writer import socket_writer

log = logging.getLogger("chat_lex.ws")

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_MANY_CONNECTIONS = 4429
CLOSE_INTERNAL = 1011
CLOSE_GOING_AWAY = 1001


def token_from_handshake(socket: WebSocket[Any, Any, Any]) -> tuple[str | None, str | None]:
    """(token, subprotocol to answer) of a socket's handshake: see `token_and_subprotocol`."""
    return token_and_subprotocol(_query_param(socket, "token"), _header(socket, b"sec-websocket-protocol") or "")


# Read from the scope each time, not through Litestar's `headers` and `query_params`: those keep their parsed copy
# (the token with it) in the scope for as long as the socket is open, about 2 KB per idle socket.
def _header(socket: WebSocket[Any, Any, Any], name: bytes) -> str | None:
    """The first value of the header `name` (lower case), as Litestar's ``headers.get`` gives it."""
    for key, value in socket.scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _query_param(socket: WebSocket[Any, Any, Any], name: str) -> str | None:
    """The first value of the query parameter `name`, as Litestar's ``query_params.get`` gives it."""
    query: bytes = socket.scope.get("query_string", b"")
    return next((v for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True, separator="&") if k == name), None)


async def _token_from_auth_frame(socket: WebSocket[Any, Any, Any], seconds: float) -> str | None:
    """The token of the socket's first frame if it is an auth frame arriving within ``seconds``; else close 4401, None."""
    try:
        async with asyncio.timeout(seconds):
            event = await socket.receive()
    except TimeoutError:
        await socket.close(
            CLOSE_UNAUTHORIZED, f"missing token: send an auth frame within {seconds:g} s, or subprotocols chat-lex.v1, bearer.<token>"
        )
        return None
    except Exception:  # the client went away before authenticating
        return None
    if event["type"] != "websocket.receive":
        return None
    raw = event.get("text")
    try:
        return parse_auth_frame(raw if raw is not None else (event.get("bytes") or b""))
    except AuthFrameError as exc:
        await socket.close(CLOSE_UNAUTHORIZED, str(exc)[:120])
        return None


@websocket("/ws", name="ws")
async def chat_socket(socket: WebSocket[Any, Any, Any]) -> None:
    context: ChatContext = socket.app.state.chat
    await serve_socket(socket, context)


async def serve_socket(socket: WebSocket[Any, Any, Any], context: ChatContext) -> None:
    token, subprotocol = token_from_handshake(socket)
    await socket.accept(subprotocols=subprotocol)
    if context.draining:
        await socket.close(CLOSE_GOING_AWAY, "server shutting down; reconnect")
        return
    if not token:
        token = await _token_from_auth_frame(socket, context.settings.auth_frame_seconds)
        if token is None:
            return
    try:
        identity = await context.backends.identity.verify(token)
    except AuthError as exc:
        await socket.close(CLOSE_UNAUTHORIZED, f"{exc.code}: {exc.message}"[:120])
        return
    except Exception:
        log.exception("token verification failed")
        await socket.close(CLOSE_INTERNAL, "could not verify the token; try again")
        return
    sender = Sender(identity.user_id, identity.display_name or identity.username)
    # Keep what the socket needs of its token, not the token and its claims: this frame lives as long as the socket.
    expires_at, token_ids = identity.claims.get("exp"), revocation_ids(identity.claims)
    del token, identity
    limit = context.settings.max_connections_per_user
    if context.service.open_connections(sender.user_id) >= limit:
        await socket.close(CLOSE_TOO_MANY_CONNECTIONS, f"too many open connections for this user (limit {limit}); close another tab")
        return
    connection_id = uuid.uuid4().hex[:16]

    connection = socket_writer(socket, connection_id, sender.user_id, sender.display_name, max_backlog=context.settings.send_backlog)
    session = ChatSession(
        context.service,
        connection,
        sender,
        bad_frames=context.bad_frames,
        time_zone=_query_param(socket, "tz"),
        log_content=context.settings.debug,
    )
    try:
        await session.open()
    except Exception:
        log.exception("could not open the connection", extra={"connection_id": connection_id, "user_id": sender.user_id})
        await context.service.disconnect(sender, connection, [])
        await socket.close(CLOSE_INTERNAL, "the server could not load your conversations; reconnect")
        return
    # The socket lives no longer than its token: at `exp` it is closed with 4401 and the client reconnects with a fresh one;
    # nor than its session: a sign-out (on any process) closes it within the revocation check interval.
    expiry = _close_at_expiry(expires_at, connection)
    context.session_watch.watch(connection, token_ids)
    try:
        while True:
            event = await socket.receive()
            if event["type"] != "websocket.receive":
                break
            text = event.get("text")
            await session.handle(text if text is not None else (event.get("bytes") or b""))
            if connection.closed:
                break
    except Exception:
        log.debug("socket receive ended", extra={"connection_id": connection_id}, exc_info=True)
    finally:
        if expiry is not None:
            expiry.cancel()
        context.session_watch.forget(connection)
        await session.shut()


def _close_at_expiry(exp: object, connection: Subscriber) -> asyncio.TimerHandle | None:
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return None
    delay = max(0.0, float(exp) - time.time())
    reason = "TokenExpired: the token expired; refresh it, reconnect and resume"
    return asyncio.get_running_loop().call_later(delay, connection.close_soon, CLOSE_UNAUTHORIZED, reason)
