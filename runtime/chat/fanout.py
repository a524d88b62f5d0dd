"""Local fan-out: each event is encoded once and its text queued to every local socket of the conversation.

Delivering an event is one loop over the local subscribers that writes the same text to each socket inline;
a socket that cannot take it at once queues it in its bounded backlog, never a task per recipient. A connection whose backlog overflows is
closed with 1008 so that it reconnects and resumes from the store; it is counted and logged once, when it overflows
(the web layer then aborts its TCP connection if the close handshake does not finish: a peer that stopped reading
never takes the close frame queued behind its unsent data).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

from runtime.chat.channels import EventChannel
from runtime.chat.events import Envelope, encode, presence_event
from runtime.chat.log_sampling import LogSampler
from runtime.chat.metrics import ChatMetrics

log = logging.getLogger("chat_lex.fanout")

SendText = Callable[[str], Coroutine[Any, Any, None]]
CloseSocket = Callable[[int, str], Awaitable[None]]
# Writes an already serialized WebSocket text frame at once and returns True, or returns False (nothing written)
# when the socket is not plainly open and writable; the frame then goes through SendText as usual.
WriteFrame = Callable[[bytes], bool]

# Envelopes on this pseudo-conversation carry membership changes to every process, not frames for clients.
MEMBERSHIP_CHANNEL = "\x00membership"
# Presence is symmetric: whoever comes online in a room asks (on this pseudo-conversation) who is there already;
# every process answers with PRESENCE frames of its own online members, addressed (on DIRECT_CHANNEL) to the asker's
# sockets only, so a join costs one frame per member online, not one per member pair.
PRESENCE_QUERY_CHANNEL = "\x00presence-query"
DIRECT_CHANNEL = "\x00direct"
CLOSE_SLOW_CONSUMER = 1008
CLOSE_GOING_AWAY = 1001


class LocalConnection:
    """One socket in this process, as the fan-out sees it.

    A frame is written at once when the socket is idle: the ASGI send runs inline and, unless the transport is
    paused by flow control, finishes without suspending, so no task is scheduled. When a send does suspend, the
    rest of it and any frames queued meanwhile (the backlog, bounded) are written by one task for this socket.

    One per open socket, so it is kept small while idle: slots, and no backlog deque (a deque allocates 64 slots,
    about 0.6 KB) until a frame has to wait.
    """

    __slots__ = (
        "_backlog",
        "_busy",
        "_close",
        "_closer",
        "_held",
        "_max_backlog",
        "_send",
        "_write_frame",
        "_writer",
        "closed",
        "connection_id",
        "display_name",
        "first_live",
        "on_overflow",
        "subscriptions",
        "user_id",
    )

    def __init__(
        self,
        connection_id: str,
        user_id: str,
        display_name: str,
        send: SendText,
        close: CloseSocket,
        *,
        max_backlog: int = 256,
        write_frame: WriteFrame | None = None,
    ) -> None:
        self.connection_id = connection_id
        self.user_id = user_id
        self.display_name = display_name
        self.subscriptions: set[str] = set()
        self.closed = False
        self._send = send
        self._write_frame = write_frame
        self._close = close
        self._max_backlog = max_backlog
        self._backlog: deque[str] | None = None  # made when a frame first has to wait
        self._busy = False
        # conversation id -> live envelopes held back while a resume replays the store
        self._held: dict[str, list[Envelope]] = {}
        # conversation id -> the first message id delivered live; resume replays only what came before it
        self.first_live: dict[str, str] = {}
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        # Told once, when this connection's backlog overflows (the fan-out counts and logs it there).
        self.on_overflow: Callable[[LocalConnection, int], None] | None = None

    @property
    def backlog(self) -> int:
        return len(self._backlog) if self._backlog is not None else 0

    def offer(self, text: str) -> bool:
        """Write or queue a frame; on backlog overflow, close the connection (1008) and return False."""
        if self.closed:
            return False
        if self._busy:
            if self._backlog is None:
                self._backlog = deque()
            if len(self._backlog) >= self._max_backlog:
                backlog = len(self._backlog)
                self.close_soon(CLOSE_SLOW_CONSUMER, "send backlog overflow: reconnect and resume")
                if self.on_overflow is not None:
                    self.on_overflow(self, backlog)
                return False
            self._backlog.append(text)
            return True
        if self._write_frame is not None and self._write_frame(ws_text_frame(text)):
            return True  # written whole at once (ACKs and other replies to this socket alone)
        self._write_now(text)
        return True

    def deliver(self, envelope: Envelope, frame: bytes | None = None) -> bool:
        """Deliver an event; `frame`, when given, is its text already serialized as a WebSocket frame."""
        held = self._held.get(envelope.conversation_id)
        if held is not None:
            held.append(envelope)
            return True
        if envelope.message_id is not None and envelope.conversation_id not in self.first_live:
            self.first_live[envelope.conversation_id] = envelope.message_id
        if frame is not None and self._write_frame is not None and not self._busy and not self.closed and self._write_frame(frame):
            return True  # written whole, in order (nothing of this socket's is queued)
        return self.offer(envelope.text)

    def hold(self, conversation_id: str) -> None:
        """Start holding live events of a conversation while its history is replayed."""
        self._held.setdefault(conversation_id, [])

    def release(self, conversation_id: str, replayed_ids: set[str]) -> None:
        """Stop holding: send what arrived meanwhile, minus what the replay already sent."""
        for envelope in self._held.pop(conversation_id, []):
            if envelope.message_id is None or envelope.message_id not in replayed_ids:
                self.deliver(envelope)

    def close_soon(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._backlog = None
        self._closer = asyncio.create_task(self._close_quietly(code, reason))

    async def drain_and_close(self, code: int, reason: str, *, timeout: float = 2.0) -> None:
        """Flush what is queued (bounded by `timeout`), then close."""
        if self.closed:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self._busy:
                    await asyncio.sleep(0.005)
        self.closed = True
        await self._close_quietly(code, reason)

    async def stop(self) -> None:
        self.closed = True
        self._backlog = None
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        if self._closer is not None and not self._closer.done():
            # Let a close begun by close_soon get its frame out before the socket's handler returns (the server
            # aborts the connection if that takes too long).
            with contextlib.suppress(Exception):
                await self._closer

    def _write_now(self, text: str) -> None:
        coroutine = self._send(text)
        try:
            pending = coroutine.send(None)
        except StopIteration:
            return  # written without suspending: the common case
        except Exception:  # the peer went away; the reader side unregisters us
            self.closed = True
            return
        self._busy = True
        self._writer = asyncio.create_task(self._finish_then_drain(coroutine, pending), name=f"ws-writer-{self.connection_id}")

    async def _finish_then_drain(self, coroutine: Coroutine[Any, Any, None], pending: Any) -> None:
        try:
            await _Resumed(coroutine, pending)
            while self._backlog and not self.closed:
                await self._send(self._backlog.popleft())
            self._backlog = None  # drained: an idle socket holds no deque
        except asyncio.CancelledError:
            raise
        except Exception:
            self.closed = True
        finally:
            self._busy = False

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._close(code, reason)


def ws_text_frame(text: str) -> bytes:
    """The RFC 6455 frame a server sends for a text message: FIN, opcode 1, unmasked, no extensions."""
    payload = text.encode("utf-8")
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 0x10000:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class _Resumed:
    """Awaitable that finishes a coroutine already started by hand: it yields to the running task exactly what
    the coroutine yields (the future it waits on), and resumes the coroutine when the task resumes it."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], pending: Any) -> None:
        self._coroutine = coroutine
        self._pending = pending

    def __await__(self) -> Generator[Any, None, None]:
        pending = self._pending
        while True:
            try:
                yield pending
            except BaseException as exc:  # cancellation and errors go into the coroutine, as a Task would send them
                try:
                    pending = self._coroutine.throw(exc)
                except StopIteration:
                    return
                continue
            try:
                pending = self._coroutine.send(None)
            except StopIteration:
                return


class Fanout:
    """Routes envelopes from the event channel to local connections subscribed to their conversation."""

    def __init__(self, channel: EventChannel, metrics: ChatMetrics) -> None:
        self._channel = channel
        self._metrics = metrics
        self._by_conversation: dict[str, set[LocalConnection]] = {}
        self._connections: dict[str, LocalConnection] = {}
        self._by_user: dict[str, set[LocalConnection]] = {}
        # Called with a conversation id whenever its membership changes on any process.
        self.membership_listeners: list[Callable[[str], None]] = []
        self._channel_log = LogSampler(burst=1, interval=60.0)
        self._answers: set[asyncio.Task[None]] = set()

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def connections(self) -> list[LocalConnection]:
        return list(self._connections.values())

    async def start(self) -> None:
        await self._channel.start(self.deliver_local)

    async def close(self, *, code: int = CLOSE_GOING_AWAY, reason: str = "server shutting down") -> None:
        """Drain and close every local connection, then stop listening."""
        await asyncio.gather(*(c.drain_and_close(code, reason) for c in self.connections()), return_exceptions=True)
        await self._channel.close()

    def register(self, connection: LocalConnection) -> None:
        connection.on_overflow = self._slow_consumer
        self._connections[connection.connection_id] = connection
        self._by_user.setdefault(connection.user_id, set()).add(connection)
        self._metrics.connections.set(len(self._connections))

    async def unregister(self, connection: LocalConnection) -> None:
        self._connections.pop(connection.connection_id, None)
        mine = self._by_user.get(connection.user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del self._by_user[connection.user_id]
        for conversation_id in list(connection.subscriptions):
            self.unsubscribe(connection, conversation_id)
        self._metrics.connections.set(len(self._connections))
        await connection.stop()

    def subscribe(self, connection: LocalConnection, conversation_id: str) -> None:
        connection.subscriptions.add(conversation_id)
        self._by_conversation.setdefault(conversation_id, set()).add(connection)

    def unsubscribe(self, connection: LocalConnection, conversation_id: str) -> None:
        connection.subscriptions.discard(conversation_id)
        members = self._by_conversation.get(conversation_id)
        if members is not None:
            members.discard(connection)
            if not members:
                del self._by_conversation[conversation_id]

    async def change_membership(self, user_id: str, conversation_id: str, *, member: bool) -> None:
        """(Un)subscribe every socket of `user_id`: here at once, on other processes through the channel."""
        self._apply_membership(user_id, conversation_id, member)
        text = json.dumps({"userId": user_id, "conversationId": conversation_id, "member": member})
        try:
            await self._channel.publish(Envelope(MEMBERSHIP_CHANNEL, text))
        except Exception as exc:  # applied here; other processes see it when the user's sockets there reconnect
            self._channel_failed("membership change", exc)

    def _channel_failed(self, what: str, exc: Exception) -> None:
        """Log a failed publish, sampled: while Redis is down every event fails the same way."""
        self._metrics.channel_failures.inc()
        suppressed = self._channel_log.admit()
        if suppressed is not None:
            log.warning(
                f"event channel publish failed; {what} applied locally only", extra={"reason": repr(exc)[:200], "suppressed": suppressed}
            )

    def _apply_membership(self, user_id: str, conversation_id: str, member: bool) -> None:
        for listener in self.membership_listeners:
            listener(conversation_id)
        for connection in self.local_connections_of(user_id):
            if member:
                self.subscribe(connection, conversation_id)
            else:
                self.unsubscribe(connection, conversation_id)

    def local_connections_of(self, user_id: str) -> list[LocalConnection]:
        return list(self._by_user.get(user_id, ()))

    async def publish(self, envelope: Envelope) -> None:
        """Hand an event to every process (including this one) through the channel.

        If the channel fails (Redis down), the event is still delivered to this process's sockets; the others
        get it when their clients resume. The message itself is already stored.
        """
        try:
            await self._channel.publish(envelope)
        except Exception as exc:
            self._channel_failed("event", exc)
            self.deliver_local(envelope)

    async def ask_presence(self, user_id: str, conversation_id: str) -> None:
        """Ask every process to tell `user_id`'s sockets who else is online in the room `conversation_id`."""
        text = json.dumps({"userId": user_id, "conversationId": conversation_id})
        await self.publish(Envelope(PRESENCE_QUERY_CHANNEL, text))

    def _answer_presence(self, asker: str, conversation_id: str) -> None:
        online = {c.user_id: c.display_name for c in self._by_conversation.get(conversation_id, ()) if c.user_id != asker and not c.closed}
        if not online:
            return
        frames = [encode(presence_event(conversation_id, user_id, name, "online")) for user_id, name in sorted(online.items())]
        text = json.dumps({"userId": asker, "conversationId": conversation_id, "frames": frames})
        task = asyncio.get_running_loop().create_task(self.publish(Envelope(DIRECT_CHANNEL, text)))
        self._answers.add(task)  # a reference, so the task is not collected before it runs
        task.add_done_callback(self._answers.discard)

    def _deliver_direct(self, text: str) -> None:
        addressed = json.loads(text)
        conversation_id = str(addressed["conversationId"])
        for connection in self.local_connections_of(str(addressed["userId"])):
            if conversation_id in connection.subscriptions and not connection.closed:
                for frame in addressed["frames"]:
                    connection.offer(str(frame))

    def deliver_local(self, envelope: Envelope) -> None:
        """Write the envelope's text to every local subscriber; synchronous, so one event is delivered atomically."""
        if envelope.conversation_id == MEMBERSHIP_CHANNEL:
            change = json.loads(envelope.text)
            self._apply_membership(str(change["userId"]), str(change["conversationId"]), bool(change["member"]))
            return
        if envelope.conversation_id == PRESENCE_QUERY_CHANNEL:
            query = json.loads(envelope.text)
            self._answer_presence(str(query["userId"]), str(query["conversationId"]))
            return
        if envelope.conversation_id == DIRECT_CHANNEL:
            self._deliver_direct(envelope.text)
            return
        subscribers = self._by_conversation.get(envelope.conversation_id)
        if not subscribers:
            return
        delivered = 0
        frame = ws_text_frame(envelope.text)  # serialized once for every socket that can take it as is
        for connection in tuple(subscribers):
            # A closed socket stays subscribed until its reader unregisters it; it was counted when it overflowed.
            if not connection.closed and connection.deliver(envelope, frame):
                delivered += 1
        self._metrics.deliveries.inc(delivered)

    def _slow_consumer(self, connection: LocalConnection, backlog: int) -> None:
        """Once per connection: its backlog overflowed and it is being closed with 1008."""
        self._metrics.dropped.inc()
        log.warning(
            "slow consumer closed",
            extra={"connection_id": connection.connection_id, "user_id": connection.user_id, "count": backlog},
        )
