"""ChatService: one use case per method. A message is validated, stored idempotently, acknowledged and
fanned out; then the bot is asked, in the background, and its reply is stored and fanned out.

Delivery order within a conversation is store order: each append takes a turn in its conversation before it
starts, and is acknowledged and published only after the turns before it (runtime/chat/turns.py), so appends of
one room share group commits while their publication stays in id order. Bot turns of a conversation run one
after another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.chat import errors
from runtime.chat.bot_participant import BotParticipant, BotUnavailable, mentions_bot, strip_mention
from runtime.chat.errors import ChatError
from runtime.chat.fanout import Router
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import (
    CardReply,
    Envelope,
    ack_event,
    encode,
    error_event,
    message_event,
    presence_event,
    resumed_event,
    typing_event,
    welcome_event,
)
from runtime.chat.rate_limit import RateLimiter
from runtime.chat.subscriber import Subscriber
from runtime.chat.turns import Turns
from runtime.store.base import BOT_MODES, ChatStore, Conversation, NewMessage, Page, StoredMessage
from runtime.store.errors import StoreError
from runtime.store.ids import RESUME_WINDOW_SECONDS, id_floor, message_id_ms

log = logging.getLogger("chat_lex.chat")

BOT_SENDER_ID = "bot"
BOT_DISPLAY_NAME = "Bot"
RESUME_PAGE = 500
RESUME_MAX_MESSAGES = 10_000
HISTORY_MAX_LIMIT = 200
# Presence is announced only in rooms up to this size: in a room of N members, N sockets connecting would
# otherwise cost N*N frames (a million for a 1000-member room).
PRESENCE_MAX_MEMBERS = 100
# Membership checks read conversations from a short-lived cache: a message into a room of 1000 would otherwise
# read 1000 member rows. Joins and leaves on any process evict the entry at once (through the channel).
CONVERSATION_CACHE_SECONDS = 5.0
CONVERSATION_CACHE_SIZE = 10_000

Reply = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class Sender:
    """Who sent a frame, as the identity provider vouched for it."""

    user_id: str
    display_name: str


@dataclass(frozen=True)
class _BotTurn:
    message: StoredMessage
    sender: Sender
    time_zone: str | None
    text: str  # what the bot is asked: the message without its @bot mention, or the card button's value
    locale_id: str | None = None  # the bot locale the sender picked; None: the bot's default


def announces_presence(conversation: Conversation) -> bool:
    return conversation.kind == "room" and len(conversation.members) <= PRESENCE_MAX_MEMBERS


class ChatService:
    """Every chat use case, for any transport: connect, list conversations, create, join and leave a room, send,
    history and resume. Transports turn frames into these calls and deliver what the fan-out routes to them."""

    def __init__(
        self,
        store: ChatStore,
        fanout: Router,
        bot: BotParticipant | None,
        metrics: ChatMetrics,
        rate_limiter: RateLimiter,
        *,
        max_message_chars: int = 1000,
        resume_window: float = RESUME_WINDOW_SECONDS,
    ) -> None:
        self.store = store
        self.resume_window = resume_window
        self.fanout = fanout
        self.bot = bot
        self.metrics = metrics
        self.rate_limiter = rate_limiter
        self.max_message_chars = max_message_chars
        self._turns = Turns()  # publication in store order, per conversation
        self._bot_queues: dict[str, asyncio.Queue[_BotTurn]] = {}
        self._bot_workers: set[asyncio.Task[None]] = set()
        self._conversations: dict[str, tuple[float, Conversation]] = {}
        fanout.membership_listeners.append(self.forget_conversation)

    # -- the use cases ---------------------------------------------------------------------------

    def open_connections(self, user_id: str) -> int:
        """How many connections `user_id` has open on this process."""
        return len(self.fanout.local_connections_of(user_id))

    async def connect(self, sender: Sender, subscriber: Subscriber) -> list[str]:
        """Subscribe a new connection to every conversation of its user, send it WELCOME, and announce the user
        online in its rooms. Returns those rooms (the transport announces the user offline there on disconnect)."""
        conversations = await self.list_conversations(sender)
        self.fanout.register(subscriber)
        for conversation in conversations:
            self.fanout.subscribe(subscriber, conversation.conversation_id)
        bot = self.bot
        subscriber.offer(
            encode(
                welcome_event(
                    sender.user_id,
                    sender.display_name,
                    subscriber.connection_id,
                    conversations,
                    locales=[{"localeId": loc.locale_id, "name": loc.name} for loc in bot.locales] if bot is not None else None,
                    default_locale=bot.target.locale_id if bot is not None else None,
                )
            )
        )
        rooms = [c.conversation_id for c in conversations if announces_presence(c)]
        for room in rooms:
            await self.announce_presence(sender, room, "online")
        return rooms

    async def disconnect(self, sender: Sender, subscriber: Subscriber, rooms: list[str]) -> None:
        """Unregister a connection; when it was the user's last one here, announce the user offline in `rooms`."""
        await self.fanout.unregister(subscriber)
        if self.fanout.local_connections_of(sender.user_id):
            return
        for room in rooms:
            try:
                await self.announce_presence(sender, room, "offline")
            except Exception:
                log.debug("presence not announced", extra={"user_id": sender.user_id, "conversation_id": room}, exc_info=True)

    async def presence_rooms(self, sender: Sender) -> list[str]:
        """The rooms where the sender's presence is announced (read only: for a connection ending elsewhere)."""
        return [c.conversation_id for c in await self.store.list_conversations(sender.user_id) if announces_presence(c)]

    async def list_conversations(self, sender: Sender) -> list[Conversation]:
        """The sender's private conversation with the bot (made on first use) and the rooms they are in."""
        await self.store.ensure_private_conversation(sender.user_id, sender.display_name)
        return await self.store.list_conversations(sender.user_id)

    async def create_room(self, sender: Sender, title: str, *, bot_mode: str = "mention") -> Conversation:
        """A new room owned by the sender, who joins it at once (their open connections receive its events)."""
        title = title.strip()
        if not title:
            raise ChatError(errors.BAD_FRAME, "title must not be blank")
        if bot_mode not in BOT_MODES:
            raise ChatError(errors.BAD_FRAME, f"botMode must be one of {', '.join(sorted(BOT_MODES))}")
        room = await self.store.create_room(title, sender.user_id, bot_mode=bot_mode)
        return await self.join(sender, room.conversation_id)

    async def check_rate(self, sender: Sender, client_message_id: str | None = None) -> None:
        if not await self.rate_limiter.allow(sender.user_id):
            raise ChatError(
                errors.RATE_LIMITED, "too many frames: slow down and retry in a few seconds", client_message_id=client_message_id
            )

    async def send_message(
        self,
        sender: Sender,
        conversation_id: str,
        text: str,
        client_message_id: str | None,
        *,
        reply: Reply,
        time_zone: str | None = None,
        received_at: float | None = None,
        card_reply: CardReply | None = None,
        locale_id: str | None = None,
    ) -> StoredMessage:
        """Store, ACK (through `reply`), fan out, and queue the bot's turn. Retries ACK the same message again.

        With `card_reply`, `text` is the button's label (what people read) and the bot is asked the button's value,
        whatever the conversation's bot mode: the bot sent the card, so the press is addressed to it.
        `locale_id` is the bot locale to ask in; one the bot does not offer is refused before anything is stored.
        """
        started = received_at if received_at is not None else time.perf_counter()
        content = text.strip()
        if not content:
            raise ChatError(
                errors.MESSAGE_EMPTY, "the message is empty", client_message_id=client_message_id, conversation_id=conversation_id
            )
        if len(content) > self.max_message_chars:
            raise ChatError(
                errors.MESSAGE_TOO_LONG,
                f"the message has {len(content)} characters; the limit is {self.max_message_chars}",
                client_message_id=client_message_id,
                conversation_id=conversation_id,
            )
        self.check_locale(locale_id, client_message_id=client_message_id, conversation_id=conversation_id)
        conversation = await self.member_conversation(sender, conversation_id, client_message_id=client_message_id)
        metadata: dict[str, Any] = {}
        if card_reply is not None:
            await self._check_card_reply(conversation_id, card_reply, client_message_id)
            metadata = {"replyTo": card_reply.message_id, "cardValue": card_reply.value}
        new = NewMessage(
            conversation_id=conversation_id,
            sender_id=sender.user_id,
            sender_name=sender.display_name,
            role="user",
            content=content,
            client_message_id=client_message_id,
            metadata=metadata,
        )
        append_started = time.perf_counter()
        turn = self._turns.take(conversation_id)
        try:
            stored, created = await self.store.append_message(new)
            self.metrics.store_latency.observe(time.perf_counter() - append_started)
            await turn.wait()
            reply(ack_event(client_message_id, stored.message_id, conversation_id, duplicate=not created))
            if not created:
                return stored
            self.metrics.messages_in.inc()
            await self._publish_message("USER_MESSAGE", stored)
        finally:
            turn.finish()
        self.metrics.end_to_end.observe(time.perf_counter() - started)
        if self.bot is None:
            return stored
        if card_reply is not None:
            self._queue_bot_turn(_BotTurn(stored, sender, time_zone, card_reply.value, locale_id))
        elif self._bot_answers(conversation, content):
            self._queue_bot_turn(_BotTurn(stored, sender, time_zone, strip_mention(content), locale_id))
        return stored

    async def _check_card_reply(self, conversation_id: str, card_reply: CardReply, client_message_id: str | None) -> None:
        """The card must be a bot message of this conversation, and the value one of its buttons'."""
        card = await self.store.get_message(conversation_id, card_reply.message_id)
        response_card = card.metadata.get("responseCard") if card is not None and card.role == "bot" else None
        if not isinstance(response_card, dict):
            raise ChatError(
                errors.NOT_FOUND,
                f"no bot card {card_reply.message_id[:64]!r} in this conversation",
                client_message_id=client_message_id,
                conversation_id=conversation_id,
            )
        buttons = response_card.get("buttons") or []
        if not any(isinstance(b, dict) and b.get("value") == card_reply.value for b in buttons):
            raise ChatError(
                errors.BAD_FRAME,
                "that card has no button with this value",
                client_message_id=client_message_id,
                conversation_id=conversation_id,
            )

    def check_locale(self, locale_id: str | None, *, client_message_id: str | None = None, conversation_id: str | None = None) -> None:
        """A BAD_FRAME unless `locale_id` is None or a locale the bot offers (WELCOME lists them)."""
        if locale_id is None:
            return
        offered = [loc.locale_id for loc in self.bot.locales] if self.bot is not None else []
        if locale_id not in offered:
            raise ChatError(
                errors.BAD_FRAME,
                f"localeId {locale_id[:16]!r} is not offered by the bot; use one of: {', '.join(offered) or '(no bot)'}",
                client_message_id=client_message_id,
                conversation_id=conversation_id,
            )

    async def greet(self, sender: Sender, conversation_id: str, *, time_zone: str | None = None, locale_id: str | None = None) -> bool:
        """The bot speaks first in an empty private conversation: its Greeting reply, then suggested prompts as a
        card (runtime/chat/opening.py). Once: the replies' client ids are fixed, so a second socket racing this one
        stores nothing twice. Returns whether it greeted; an unavailable bot just does not greet. `locale_id`: the
        language of the greeting and suggestions (one the bot offers; None: its default)."""
        self.check_locale(locale_id, conversation_id=conversation_id)
        conversation = await self.member_conversation(sender, conversation_id)
        if conversation.kind != "private":
            raise ChatError(errors.BAD_FRAME, "only your private conversation with the bot is greeted", conversation_id=conversation_id)
        opening = self.bot.opening_for(locale_id) if self.bot is not None else None
        if self.bot is None or opening is None:
            return False
        if (await self.store.history(conversation_id, limit=1)).messages:
            return False
        try:
            replies = await self.bot.ask(
                conversation_id=conversation_id,
                user_id=sender.user_id,
                display_name=sender.display_name,
                text=opening.greeting_utterance,
                time_zone=time_zone,
                locale_id=locale_id,
            )
        except BotUnavailable as exc:
            log.warning("bot unavailable for the greeting", extra={"conversation_id": conversation_id, "reason": exc.reason})
            return False
        card = opening.card()
        for index, bot_reply in enumerate(replies):
            metadata: dict[str, Any] = {**bot_reply.metadata, "opening": True}
            if card is not None and index == len(replies) - 1 and not metadata.get("responseCard"):
                metadata["responseCard"] = card
            new = NewMessage(conversation_id, BOT_SENDER_ID, BOT_DISPLAY_NAME, "bot", bot_reply.content, f"opening:{index}", metadata)
            await self._store_and_publish_bot_reply(new)
        return bool(replies)

    async def history(self, sender: Sender, conversation_id: str, *, before: str | None, limit: int) -> Page:
        """One page of the conversation, oldest first, `limit` (1 to HISTORY_MAX_LIMIT) messages before `before`."""
        if not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise ChatError(
                errors.BAD_FRAME, f"limit must be a whole number from 1 to {HISTORY_MAX_LIMIT}", conversation_id=conversation_id
            )
        await self.member_conversation(sender, conversation_id)
        return await self.store.history(conversation_id, before=before, limit=limit)

    async def resume(self, sender: Sender, connection: Subscriber, conversation_id: str, after_message_id: str | None) -> None:
        """Replay what the connection missed after `after_message_id`, then let live events through again.

        Live events are held while the store is read, and anything the replay already sent is dropped
        from them. The replay starts `resume_window` seconds before `after_message_id`: with several processes a
        message can be committed, or delivered, after a newer one (ids are made before the commit, on each
        process's clock), and the client's last id may be that newer one. So the replay repeats some messages the
        client has; clients de-duplicate by messageId (the web UI does). Likewise only messages made
        `resume_window` after the first one delivered live on this connection are surely delivered already.
        """
        await self.member_conversation(sender, conversation_id)
        self.fanout.subscribe(connection, conversation_id)
        connection.hold(conversation_id)
        replayed: set[str] = set()
        window_ms = round(self.resume_window * 1000)
        try:
            first_live = connection.first_live(conversation_id)
            live_from, cursor = first_live, after_message_id
            if window_ms > 0:
                live_from = None if first_live is None else id_floor(message_id_ms(first_live) + window_ms)
                cursor = None if after_message_id is None else id_floor(message_id_ms(after_message_id) - window_ms)
            total = 0
            while True:
                batch = await self.store.messages_after(conversation_id, cursor, limit=RESUME_PAGE)
                if live_from is not None:
                    # Everything from there on was delivered live on this connection: it was subscribed before.
                    batch = [m for m in batch if m.message_id < live_from]
                total += len(batch)
                done = len(batch) < RESUME_PAGE or total >= RESUME_MAX_MESSAGES
                replayed.update(m.message_id for m in batch)
                connection.offer(encode(resumed_event(conversation_id, batch, done=done)))
                if done:
                    break
                cursor = batch[-1].message_id
        finally:
            connection.release(conversation_id, replayed)

    async def join(self, sender: Sender, conversation_id: str) -> Conversation:
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            raise ChatError(errors.NOT_FOUND, f"no conversation {conversation_id!r}", conversation_id=conversation_id)
        if conversation.kind == "private" and sender.user_id not in conversation.members:
            raise ChatError(errors.NOT_A_MEMBER, "private conversations cannot be joined", conversation_id=conversation_id)
        if sender.user_id not in conversation.members:
            conversation = await self.store.add_member(conversation_id, sender.user_id)
        # Every socket of this user, on every process, starts receiving the room's events.
        await self.fanout.change_membership(sender.user_id, conversation_id, member=True)
        if announces_presence(conversation):
            await self.announce_presence(sender, conversation_id, "online")
        return conversation

    async def leave(self, sender: Sender, conversation_id: str) -> None:
        conversation = await self.member_conversation(sender, conversation_id)
        if conversation.kind == "private":
            raise ChatError(errors.BAD_FRAME, "you cannot leave your private conversation with the bot", conversation_id=conversation_id)
        await self.store.remove_member(conversation_id, sender.user_id)
        if announces_presence(conversation):
            await self.announce_presence(sender, conversation_id, "offline")
        await self.fanout.change_membership(sender.user_id, conversation_id, member=False)

    async def announce_presence(self, sender: Sender, conversation_id: str, status: str) -> None:
        frame = presence_event(conversation_id, sender.user_id, sender.display_name, status)
        await self.fanout.publish(Envelope(conversation_id, encode(frame)))
        if status == "online":
            await self.fanout.ask_presence(sender.user_id, conversation_id)  # and hear who is here already

    def forget_conversation(self, conversation_id: str) -> None:
        self._conversations.pop(conversation_id, None)

    async def _cached_conversation(self, conversation_id: str) -> Conversation | None:
        now = time.monotonic()
        hit = self._conversations.get(conversation_id)
        if hit is not None and now - hit[0] < CONVERSATION_CACHE_SECONDS:
            return hit[1]
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is not None:
            if len(self._conversations) >= CONVERSATION_CACHE_SIZE:
                self._conversations.clear()
            self._conversations[conversation_id] = (now, conversation)
        return conversation

    async def member_conversation(self, sender: Sender, conversation_id: str, *, client_message_id: str | None = None) -> Conversation:
        conversation = await self._cached_conversation(conversation_id)
        if conversation is None:
            raise ChatError(
                errors.NOT_FOUND,
                f"no conversation {conversation_id!r}",
                client_message_id=client_message_id,
                conversation_id=conversation_id,
            )
        if sender.user_id not in conversation.members:
            raise ChatError(
                errors.NOT_A_MEMBER,
                "you are not a member of this conversation; join it first",
                client_message_id=client_message_id,
                conversation_id=conversation_id,
            )
        return conversation

    async def close(self) -> None:
        """Stop bot turns in flight (their user messages are already stored and delivered)."""
        for task in list(self._bot_workers):
            task.cancel()
        for task in list(self._bot_workers):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def idle(self) -> None:
        """Wait until every queued bot turn has finished (tests and shutdown)."""
        while self._bot_workers:
            await asyncio.gather(*list(self._bot_workers), return_exceptions=True)

    # -- internals -------------------------------------------------------------------------------

    async def _publish_message(self, event_type: str, stored: StoredMessage) -> None:
        text = encode(message_event(event_type, stored))
        await self.fanout.publish(Envelope(stored.conversation_id, text, stored.message_id))

    @staticmethod
    def _bot_answers(conversation: Conversation, content: str) -> bool:
        if conversation.bot_mode == "always":
            return True
        if conversation.bot_mode == "mention":
            return mentions_bot(content)
        return False

    def _queue_bot_turn(self, turn: _BotTurn) -> None:
        conversation_id = turn.message.conversation_id
        queue = self._bot_queues.get(conversation_id)
        if queue is None:
            queue = self._bot_queues[conversation_id] = asyncio.Queue()
            task = asyncio.create_task(self._bot_worker(conversation_id, queue), name=f"bot-{conversation_id}")
            self._bot_workers.add(task)
            task.add_done_callback(self._bot_workers.discard)
        queue.put_nowait(turn)

    async def _bot_worker(self, conversation_id: str, queue: asyncio.Queue[_BotTurn]) -> None:
        try:
            while not queue.empty():
                turn = queue.get_nowait()
                try:
                    await self._bot_turn(turn)
                except Exception:
                    log.exception("bot turn failed", extra={"conversation_id": conversation_id, "message_id": turn.message.message_id})
        finally:
            if self._bot_queues.get(conversation_id) is queue:
                del self._bot_queues[conversation_id]

    async def _bot_turn(self, turn: _BotTurn) -> None:
        """Typing on, ask the bot, store and publish its replies; typing off whatever happens (a failed store too)."""
        conversation_id = turn.message.conversation_id
        await self.fanout.publish(Envelope(conversation_id, encode(typing_event(conversation_id, typing=True))))
        try:
            await self._answer(turn)
        except StoreError:
            # The bot answered but its reply could not be kept: tell the room (the worker logs the failure).
            await self._bot_unavailable(turn, "the bot's answer could not be saved; please ask again in a moment")
            raise
        finally:
            await self.fanout.publish(Envelope(conversation_id, encode(typing_event(conversation_id, typing=False))))

    async def _store_and_publish_bot_reply(self, new: NewMessage) -> None:
        """Store one bot message in its conversation's turn, then publish it (once: a replayed id is not sent again)."""
        place = self._turns.take(new.conversation_id)
        try:
            stored, created = await self.store.append_message(new)
            await place.wait()
            if created:
                self.metrics.messages_out.inc()
                await self._publish_message("BOT_RESPONSE", stored)
        finally:
            place.finish()

    async def _bot_unavailable(self, turn: _BotTurn, message: str) -> None:
        """Tell the conversation that no answer is coming for this message, and why."""
        conversation_id = turn.message.conversation_id
        failure = ChatError(
            errors.BOT_UNAVAILABLE, message, client_message_id=turn.message.client_message_id, conversation_id=conversation_id
        )
        await self.fanout.publish(Envelope(conversation_id, encode(error_event(failure))))

    async def _answer(self, turn: _BotTurn) -> None:
        assert self.bot is not None
        conversation_id = turn.message.conversation_id
        started = time.perf_counter()
        try:
            replies = await self.bot.ask(
                conversation_id=conversation_id,
                user_id=turn.sender.user_id,
                display_name=turn.sender.display_name,
                text=turn.text,
                time_zone=turn.time_zone,
                locale_id=turn.locale_id,
            )
        except BotUnavailable as exc:
            self.metrics.bot_failures.inc()
            log.warning(
                "bot unavailable",
                extra={"conversation_id": conversation_id, "message_id": turn.message.message_id, "reason": exc.reason},
            )
            await self._bot_unavailable(
                turn, "the bot is not available right now; your message was delivered, please try again in a moment"
            )
            return
        self.metrics.bot_latency.observe(time.perf_counter() - started)
        for index, bot_reply in enumerate(replies):
            new = NewMessage(
                conversation_id=conversation_id,
                sender_id=BOT_SENDER_ID,
                sender_name=BOT_DISPLAY_NAME,
                role="bot",
                content=bot_reply.content,
                # Derived from the user's message so a replayed turn cannot store the reply twice.
                client_message_id=f"reply:{turn.message.message_id}:{index}",
                metadata={**bot_reply.metadata, "inReplyTo": turn.message.message_id},
            )
            await self._store_and_publish_bot_reply(new)
