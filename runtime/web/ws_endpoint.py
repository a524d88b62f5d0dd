"""The `/ws` endpoint: authenticate the handshake, subscribe the socket, then route each frame to the ChatService."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Coroutine
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl

from litestar import WebSocket, websocket
from litestar.types.asgi_types import WebSocketSendEvent

from runtime.auth.base import AuthError
from runtime.auth.revocation import revocation_ids
from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.events import encode, error_event, joined_event, left_event, pong_event, welcome_event
from runtime.chat.fanout import LocalConnection
from runtime.chat.lex_session import is_time_zone
from runtime.chat.log_sampling import LogSampler
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.service import Sender, announces_presence, conversation_payload
from runtime.store.errors import InvalidArgument, StoreError
from runtime.web.auth_frame import AuthFrameError, parse_auth_frame
from runtime.web.context import ChatContext
from runtime.web.frames import card_reply_of, parse_frame

log = logging.getLogger("chat_lex.ws")

SUBPROTOCOL = "chat-lex"  # the first version's name, still answered
SUBPROTOCOL_V1 = "chat-lex.v1"
BEARER_PREFIX = "bearer."  # the subprotocol "bearer.<access token>" carries the token; it is never echoed
CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_MANY_CONNECTIONS = 4429
CLOSE_INTERNAL = 1011
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
# Malformed frames (codes below) a socket may send a minute, in a burst too; one more and it is closed with 1008.
BAD_FRAMES_PER_MINUTE = 20
MALFORMED = frozenset({errors.BAD_JSON, errors.BAD_FRAME, errors.UNKNOWN_ACTION, errors.FRAME_TOO_LARGE})
# "refused" log lines per socket: the first few, then one per interval with the count of those left out.
REFUSED_LOG_BURST = 5
REFUSED_LOG_INTERVAL = 10.0
# A close handshake not finished by then is cut short (the TCP connection aborted): a peer that stopped reading
# would otherwise hold the connection, and its unsent data, open for good.
CLOSE_HANDSHAKE_SECONDS = 5.0
# Scope extension under which the server may offer its socket (runtime.web.server.ReadAheadWebSocketProtocol).
SOCKET_EXTENSION = "chat-lex.ws.socket"


class ServerSocket(Protocol):
    """What runtime.web.server's WebSocket protocol offers the app under SOCKET_EXTENSION (one per socket)."""

    def send(self, message: WebSocketSendEvent) -> Coroutine[Any, Any, None]: ...  # its ASGI send

    def write_frame(self, frame: bytes) -> bool: ...  # an already serialized text frame, if the socket is plainly open

    def abort_after(self, seconds: float) -> None: ...  # abort the TCP connection unless it is gone by then


def token_from_handshake(socket: WebSocket[Any, Any, Any]) -> tuple[str | None, str | None]:
    """(token, subprotocol to answer): from ``?token=`` (kept for old clients; it ends up in URLs), else the subprotocols.

    Subprotocols: ``chat-lex.v1, bearer.<token>`` (the web UI), or the first version's ``chat-lex, <token>``. The answer is
    only ever the protocol name, so the token is not echoed back in a response header. No token at all: the client sends
    it in an ``auth`` frame instead.
    """
    offered = [p.strip() for p in (_header(socket, b"sec-websocket-protocol") or "").split(",") if p.strip()]
    names = (SUBPROTOCOL_V1, SUBPROTOCOL)
    echo = next((name for name in names if name in offered), None)
    token = _query_param(socket, "token")
    if token:
        return token, echo
    bearer = [p[len(BEARER_PREFIX) :] for p in offered if p.startswith(BEARER_PREFIX)]
    if bearer:
        return bearer[0] or None, echo
    others = [p for p in offered if p not in names]
    return (others[0] if others else None), echo


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
    if len(context.fanout.local_connections_of(sender.user_id)) >= limit:
        await socket.close(CLOSE_TOO_MANY_CONNECTIONS, f"too many open connections for this user (limit {limit}); close another tab")
        return
    connection_id = uuid.uuid4().hex[:16]

    extensions: dict[str, Any] = socket.scope.get("extensions") or {}
    server_socket: ServerSocket | None = extensions.get(SOCKET_EXTENSION)

    def send(text: str) -> Coroutine[Any, Any, None]:
        # The send coroutine itself, not one of ours around it: this runs once per delivered frame. The server's own
        # ASGI send when it offers it (runtime.web.server), else Litestar's; both are `async def`, so coroutines.
        # Litestar's wrappers only add the disconnect check, which is kept by going through them once disconnected.
        event = WebSocketSendEvent(type="websocket.send", bytes=None, text=text)
        if server_socket is None or socket.connection_state == "disconnect":
            return cast("Coroutine[Any, Any, None]", socket.send(event))
        return server_socket.send(event)

    async def close(code: int, reason: str) -> None:
        if server_socket is not None:
            server_socket.abort_after(CLOSE_HANDSHAKE_SECONDS)
        await socket.close(code, reason)

    connection = LocalConnection(
        connection_id,
        sender.user_id,
        sender.display_name,
        send,
        close,
        max_backlog=context.settings.send_backlog,
        # Whenever Litestar would see a disconnect, the socket is no longer plainly open: write_frame declines.
        write_frame=server_socket.write_frame if server_socket is not None else None,
    )
    session = _SocketSession(context, connection, sender, _query_param(socket, "tz"))
    try:
        await session.open()
    except Exception:
        log.exception("could not open the connection", extra={"connection_id": connection_id, "user_id": sender.user_id})
        await context.fanout.unregister(connection)
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


def _close_at_expiry(exp: object, connection: LocalConnection) -> asyncio.TimerHandle | None:
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return None
    delay = max(0.0, float(exp) - time.time())
    reason = "TokenExpired: the token expired; refresh it, reconnect and resume"
    return asyncio.get_running_loop().call_later(delay, connection.close_soon, CLOSE_UNAUTHORIZED, reason)


class _SocketSession:
    """One authenticated socket: its subscriptions, its time zone, and its frame handlers.

    One per open socket, so slots, and its malformed-frame bucket and refusal log sampler are made only when a
    frame is refused.
    """

    __slots__ = ("_bad_frames", "_bad_tz", "_refusals", "connection", "context", "rooms", "sender", "time_zone")

    def __init__(self, context: ChatContext, connection: LocalConnection, sender: Sender, tz: str | None) -> None:
        self.context = context
        self.connection = connection
        self.sender = sender
        self.time_zone: str | None = None
        self._bad_tz = tz if tz and not is_time_zone(tz) else None
        if tz and self._bad_tz is None:
            self.time_zone = tz
        self.rooms: list[str] = []
        self._bad_frames: LocalTokenBucket | None = None  # this socket's budget: one bucket, key ""
        self._refusals: LogSampler | None = None

    @property
    def ids(self) -> dict[str, str]:
        return {"connection_id": self.connection.connection_id, "user_id": self.sender.user_id}

    async def open(self) -> None:
        store = self.context.backends.store
        fanout = self.context.fanout
        await store.ensure_private_conversation(self.sender.user_id, self.sender.display_name)
        conversations = await store.list_conversations(self.sender.user_id)
        fanout.register(self.connection)
        for conversation in conversations:
            fanout.subscribe(self.connection, conversation.conversation_id)
        bot = self.context.service.bot
        self.connection.offer(
            encode(
                welcome_event(
                    self.sender.user_id,
                    self.sender.display_name,
                    self.connection.connection_id,
                    [conversation_payload(c) for c in conversations],
                    locales=[{"localeId": loc.locale_id, "name": loc.name} for loc in bot.locales] if bot is not None else None,
                    default_locale=bot.target.locale_id if bot is not None else None,
                )
            )
        )
        if self._bad_tz is not None:
            self._error(ChatError(errors.BAD_TIME_ZONE, f"tz {self._bad_tz[:64]!r} is not an IANA time zone (e.g. Europe/Paris); ignored"))
        self.rooms = [c.conversation_id for c in conversations if announces_presence(c)]
        for room in self.rooms:
            await self.context.service.announce_presence(self.sender, room, "online")
        log.info("connected", extra=self.ids)

    async def shut(self) -> None:
        fanout = self.context.fanout
        await fanout.unregister(self.connection)
        if not fanout.local_connections_of(self.sender.user_id):
            for room in self.rooms:
                try:
                    await self.context.service.announce_presence(self.sender, room, "offline")
                except Exception:
                    log.debug("presence not announced", extra=self.ids, exc_info=True)
        log.info("disconnected", extra=self.ids)

    async def handle(self, raw: str | bytes) -> None:
        received_at = time.perf_counter()
        self.context.metrics.frames_in.inc()
        request_id: str | None = None
        try:
            try:
                frame = parse_frame(raw)
            except ChatError as exc:
                await self._malformed(exc, None, charged=False)
                return
            request_id = frame.get("requestId")
            action = frame["action"]
            if action == "ping":
                self._reply(pong_event(), request_id)
                return
            await self.context.service.check_rate(self.sender, frame.get("clientMessageId"))
            await self._dispatch(action, frame, request_id, received_at)
        except ChatError as exc:
            self._error(exc, request_id)
        except InvalidArgument as exc:
            await self._malformed(ChatError(errors.BAD_FRAME, str(exc)), request_id, charged=True)
        except StoreError as exc:
            log.warning("store refused a frame", extra={**self.ids, "reason": str(exc)})
            self._error(ChatError(errors.INTERNAL, "the message store failed; retry with the same clientMessageId"), request_id)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception:
            log.exception("frame handling failed", extra=self.ids)
            self._error(ChatError(errors.INTERNAL, "the server failed on this frame; retry, and report it if it persists"), request_id)

    async def _dispatch(self, action: str, frame: dict[str, Any], request_id: str | None, received_at: float) -> None:
        service = self.context.service
        conversation_id: str = frame["conversationId"]
        if action == "sendmessage":
            time_zone = frame.get("timeZone") or self.time_zone
            if time_zone is not None and not is_time_zone(time_zone):
                raise ChatError(
                    errors.BAD_TIME_ZONE,
                    f"timeZone {time_zone[:64]!r} is not an IANA time zone name (e.g. Europe/Paris)",
                    client_message_id=frame["clientMessageId"],
                )
            stored = await service.send_message(
                self.sender,
                conversation_id,
                frame["message"],
                frame["clientMessageId"],
                reply=lambda event: self.connection.offer(encode(event)),
                time_zone=time_zone,
                received_at=received_at,
                card_reply=card_reply_of(frame),
                locale_id=frame.get("localeId"),
            )
            if log.isEnabledFor(logging.DEBUG):
                extra = {**self.ids, "conversation_id": conversation_id, "message_id": stored.message_id}
                if self.context.settings.debug:
                    extra["content"] = stored.content
                log.debug("message", extra=extra)
        elif action == "history":
            self._reply(
                await service.history(self.sender, conversation_id, before=frame.get("before"), limit=frame.get("limit", 50)), request_id
            )
        elif action == "resume":
            await service.resume(self.sender, self.connection, conversation_id, frame["afterMessageId"])
        elif action == "join":
            conversation = await service.join(self.sender, conversation_id)
            if announces_presence(conversation) and conversation_id not in self.rooms:
                self.rooms.append(conversation_id)
            self._reply(joined_event(conversation_payload(conversation)), request_id)
        elif action == "greet":
            await service.greet(self.sender, conversation_id, time_zone=self.time_zone, locale_id=frame.get("localeId"))
        elif action == "leave":
            await service.leave(self.sender, conversation_id)
            if conversation_id in self.rooms:
                self.rooms.remove(conversation_id)
            self._reply(left_event(conversation_id), request_id)

    def _reply(self, frame: dict[str, Any], request_id: str | None) -> None:
        if request_id is not None:
            frame["requestId"] = request_id
        self.connection.offer(encode(frame))

    async def _malformed(self, error: ChatError, request_id: str | None, *, charged: bool) -> None:
        """A frame the protocol refuses: charged to the user's rate budget like any frame but ping, and to this
        socket's malformed-frame budget, past which the socket is closed with 1008 (a broken or hostile client)."""
        self.context.metrics.bad_frames.inc()
        if self._bad_frames is None:
            self._bad_frames = LocalTokenBucket(BAD_FRAMES_PER_MINUTE)
        if not await self._bad_frames.allow(""):
            self._close_for_bad_frames()
            return
        if not charged:
            try:
                await self.context.service.check_rate(self.sender)
            except ChatError as limited:
                error = limited
        self._error(error, request_id)

    def _close_for_bad_frames(self) -> None:
        if self.connection.closed:
            return
        log.warning("closed: too many malformed frames", extra={**self.ids, "count": BAD_FRAMES_PER_MINUTE})
        self.context.metrics.policy_closes.inc()
        reason = f"too many malformed frames (limit {BAD_FRAMES_PER_MINUTE} a minute); fix the client, then reconnect"
        self.connection.close_soon(CLOSE_POLICY_VIOLATION, reason)

    def _error(self, error: ChatError, request_id: str | None = None) -> None:
        self.context.metrics.errors_sent.inc()
        if self._refusals is None:
            self._refusals = LogSampler(burst=REFUSED_LOG_BURST, interval=REFUSED_LOG_INTERVAL)
        suppressed = self._refusals.admit()
        if suppressed is not None:
            log.info("refused", extra={**self.ids, "code": error.code, "suppressed": suppressed})
        self._reply(error_event(error), request_id)
