"""One authenticated connection's frames, whatever carries them: parse and check each frame, spend the user's
rate budget, call the ChatService use case it names, and answer the connection with the protocol's events.

The WebSocket endpoint (runtime/web/ws_endpoint.py) and the API Gateway handlers (runtime/serverless/) both hand
their frames to a ChatSession, so a frame is validated and answered the same way on every transport.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.lex_session import is_time_zone
from runtime.chat.log_sampling import LogSampler
from runtime.chat.protocol import card_reply_of, encode, error_event, history_event, joined_event, left_event, parse_frame, pong_event
from runtime.chat.rate_limit import RateLimiter
from runtime.chat.service import ChatService, Sender, announces_presence
from runtime.chat.subscriber import Subscriber
from runtime.store.errors import InvalidArgument, StoreError

log = logging.getLogger("chat_lex.ws")

CLOSE_POLICY_VIOLATION = 1008
# Malformed frames (codes below) a connection may send a minute, in a burst too; one more and it is closed with 1008.
BAD_FRAMES_PER_MINUTE = 20
MALFORMED = frozenset({errors.BAD_JSON, errors.BAD_FRAME, errors.UNKNOWN_ACTION, errors.FRAME_TOO_LARGE})
# "refused" log lines per connection: the first few, then one per interval with the count of those left out.
REFUSED_LOG_BURST = 5
REFUSED_LOG_INTERVAL = 10.0


class ChatSession:
    """One authenticated connection: its sender, time zone and presence rooms, and its frame handlers.

    `bad_frames` is the malformed-frame budget (BAD_FRAMES_PER_MINUTE, keyed by connection id): a bucket of this
    process for a socket, a shared counter for API Gateway connections whose frames reach many Lambda instances.
    One per open socket, so slots, and its refusal log sampler is made only when a frame is refused.
    """

    __slots__ = ("_bad_frames", "_bad_tz", "_log_content", "_refusals", "connection", "rooms", "sender", "service", "time_zone", "welcomed")

    def __init__(
        self,
        service: ChatService,
        connection: Subscriber,
        sender: Sender,
        *,
        bad_frames: RateLimiter,
        time_zone: str | None = None,
        rooms: list[str] | None = None,
        log_content: bool = False,
    ) -> None:
        self.service = service
        self.connection = connection
        self.sender = sender
        self.time_zone = time_zone if time_zone and is_time_zone(time_zone) else None
        self._bad_tz = time_zone if time_zone and self.time_zone is None else None
        self.rooms: list[str] = rooms if rooms is not None else []
        self._bad_frames = bad_frames
        self._log_content = log_content
        self._refusals: LogSampler | None = None
        self.welcomed = False  # WELCOME sent on this connection (by `open`)

    @property
    def ids(self) -> dict[str, str]:
        return {"connection_id": self.connection.connection_id, "user_id": self.sender.user_id}

    async def open(self) -> None:
        """Subscribe, send WELCOME, announce presence; then say if the handshake's time zone was refused."""
        self.rooms = await self.service.connect(self.sender, self.connection)
        self.welcomed = True
        self.refuse_bad_time_zone()
        log.info("connected", extra=self.ids)

    def refuse_bad_time_zone(self) -> None:
        if self._bad_tz is not None:
            self._error(ChatError(errors.BAD_TIME_ZONE, f"tz {self._bad_tz[:64]!r} is not an IANA time zone (e.g. Europe/Paris); ignored"))

    async def shut(self) -> None:
        await self.service.disconnect(self.sender, self.connection, self.rooms)
        log.info("disconnected", extra=self.ids)

    async def handle(self, raw: str | bytes) -> None:
        received_at = time.perf_counter()
        metrics = self.service.metrics
        metrics.frames_in.inc()
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
            if action == "hello":  # WELCOME once per connection, wherever it was asked first (not rate limited)
                if not self.welcomed:
                    await self.open()
                return
            await self.service.check_rate(self.sender, frame.get("clientMessageId"))
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
        service = self.service
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
                if self._log_content:
                    extra["content"] = stored.content
                log.debug("message", extra=extra)
        elif action == "history":
            page = await service.history(self.sender, conversation_id, before=frame.get("before"), limit=frame.get("limit", 50))
            self._reply(history_event(conversation_id, page.messages, page.next_before), request_id)
        elif action == "resume":
            await service.resume(self.sender, self.connection, conversation_id, frame["afterMessageId"])
        elif action == "join":
            conversation = await service.join(self.sender, conversation_id)
            if announces_presence(conversation) and conversation_id not in self.rooms:
                self.rooms.append(conversation_id)
            self._reply(joined_event(conversation), request_id)
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
        connection's malformed-frame budget, past which it is closed with 1008 (a broken or hostile client)."""
        self.service.metrics.bad_frames.inc()
        if not await self._bad_frames.allow(self.connection.connection_id):
            self._close_for_bad_frames()
            return
        if not charged:
            try:
                await self.service.check_rate(self.sender)
            except ChatError as limited:
                error = limited
        self._error(error, request_id)

    def _close_for_bad_frames(self) -> None:
        if self.connection.closed:
            return
        log.warning("closed: too many malformed frames", extra={**self.ids, "count": BAD_FRAMES_PER_MINUTE})
        self.service.metrics.policy_closes.inc()
        reason = f"too many malformed frames (limit {BAD_FRAMES_PER_MINUTE} a minute); fix the client, then reconnect"
        self.connection.close_soon(CLOSE_POLICY_VIOLATION, reason)

    def _error(self, error: ChatError, request_id: str | None = None) -> None:
        self.service.metrics.errors_sent.inc()
        if self._refusals is None:
            self._refusals = LogSampler(burst=REFUSED_LOG_BURST, interval=REFUSED_LOG_INTERVAL)
        suppressed = self._refusals.admit()
        if suppressed is not None:
            log.info("refused", extra={**self.ids, "code": error.code, "suppressed": suppressed})
        self._reply(error_event(error), request_id)
