"""ChatService with the real SQLite store, the in-process fan-out and a fake Lex client (Lex itself is AWS)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from runtime.chat import errors
from runtime.chat.bot_participant import BotParticipant, BotTarget
from runtime.chat.channels import MemoryChannel
from runtime.chat.errors import ChatError
from runtime.chat.fanout import MEMBERSHIP_CHANNEL, Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import Envelope, conversation_payload, encode, message_event
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.service import ChatService, Sender
from runtime.lex.errors import DependencyFailedException, ThrottlingException
from runtime.store import open_store
from runtime.store.base import NewMessage, Store
from runtime.store.errors import StoreError
from runtime.web.socket_writer import SocketWriter

ALICE = Sender("user-alice", "Alice")
BOB = Sender("user-bob", "Bob")
CAROL = Sender("user-carol", "Carol")


def lex_response(text: str, intent: str = "Help", score: float = 1.0) -> dict[str, Any]:
    return {
        "messages": [{"contentType": "PlainText", "content": text}],
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": {"name": intent, "slots": {"Kind": {"value": {"interpretedValue": "order"}}, "Other": None}, "state": "Fulfilled"},
            "sessionAttributes": {"customer": "x", "seen": "1"},
        },
        "interpretations": [{"intent": {"name": intent}, "nluConfidence": {"score": score}}],
    }


class FakeLex:
    """Records RecognizeText calls; answers "echo: <text>", or raises / stalls on request."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_with: Exception | None = None
        self.stall = 0.0
        self.release = threading.Event()

    def recognize_text(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.stall:
            self.release.wait(self.stall)
        if self.fail_with is not None:
            raise self.fail_with
        return lex_response(f"echo: {kwargs['text']}")


class Socket:
    """A SocketWriter whose frames land in a list."""

    def __init__(self, fanout: Fanout, sender: Sender, backlog: int = 256) -> None:
        self.frames: list[dict[str, Any]] = []
        self.texts: list[str] = []
        self.closed_with: tuple[int, str] | None = None
        self.connection = SocketWriter(
            f"c-{sender.user_id}-{id(self)}", sender.user_id, sender.display_name, self._send, self._close, max_backlog=backlog
        )
        fanout.register(self.connection)

    async def _send(self, text: str) -> None:
        self.texts.append(text)
        self.frames.append(json.loads(text))

    async def _close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


class Harness:
    def __init__(self, store: Store, bot: FakeLex, *, rate: int = 1000, timeout: float = 2.0) -> None:
        self.store = store
        self.lex = bot
        self.metrics = ChatMetrics()
        self.fanout = Fanout(MemoryChannel(), self.metrics)
        participant = BotParticipant(bot, BotTarget("BOT", "ALIAS", "en_US"), timeout=timeout)
        self.service = ChatService(store, self.fanout, participant, self.metrics, LocalTokenBucket(rate), max_message_chars=20)

    def socket(self, sender: Sender, conversation_id: str, backlog: int = 256) -> Socket:
        s = Socket(self.fanout, sender, backlog)
        self.fanout.subscribe(s.connection, conversation_id)
        return s

    async def send(
        self, sender: Sender, conversation_id: str, text: str, cmid: str, sock: Socket | None = None, tz: str | None = None
    ) -> str:
        acks: list[dict[str, Any]] = []
        stored = await self.service.send_message(sender, conversation_id, text, cmid, reply=acks.append, time_zone=tz)
        assert acks and acks[0]["messageId"] == stored.message_id
        return stored.message_id


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    await asyncio.sleep(0)
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    await h.fanout.start()
    yield h
    await h.service.close()
    await store.close()


async def test_private_message_is_acked_fanned_out_then_answered_with_metadata(harness: Harness) -> None:
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    sock = harness.socket(ALICE, private.conversation_id)
    acks: list[dict[str, Any]] = []
    stored = await harness.service.send_message(
        ALICE, private.conversation_id, "  help  ", "c1", reply=acks.append, time_zone="Europe/Paris"
    )
    assert acks == [
        {
            "type": "ACK",
            "clientMessageId": "c1",
            "messageId": stored.message_id,
            "conversationId": private.conversation_id,
            "duplicate": False,
        }
    ]
    await settle()
    # The sender sees its own message before the bot has answered.
    assert sock.frames[0]["type"] == "USER_MESSAGE"
    assert sock.frames[0]["message"]["content"] == "help"
    await harness.service.idle()
    await settle()
    kinds = [f["type"] for f in sock.frames]
    assert kinds == ["USER_MESSAGE", "BOT_TYPING", "BOT_RESPONSE", "BOT_TYPING"]
    reply = sock.of_type("BOT_RESPONSE")[0]["message"]
    assert reply["content"] == "echo: help"
    assert reply["role"] == "bot" and reply["senderId"] == "bot"
    meta = reply["metadata"]
    assert meta["intent"] == "Help" and meta["confidence"] == 1.0
    assert meta["dialogAction"] == {"type": "Close"}
    assert meta["slots"] == {"Kind": "order", "Other": None}
    assert meta["inReplyTo"] == stored.message_id
    call = harness.lex.calls[0]
    assert call["sessionState"]["sessionAttributes"]["customer"] == "Alice"
    assert call["requestAttributes"] == {"x-amz-lex:time-zone": "Europe/Paris"}
    assert call["text"] == "help"
    # The bot reply is stored after the user's message.
    page = await harness.store.history(private.conversation_id)
    assert [m.role for m in page.messages] == ["user", "bot"]


async def test_retry_with_same_client_message_id_acks_same_id_without_second_fanout(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    sock = harness.socket(ALICE, room.conversation_id)
    acks: list[dict[str, Any]] = []
    first = await harness.service.send_message(ALICE, room.conversation_id, "hello", "same", reply=acks.append)
    second = await harness.service.send_message(ALICE, room.conversation_id, "hello", "same", reply=acks.append)
    await settle()
    assert first.message_id == second.message_id
    assert [a["duplicate"] for a in acks] == [False, True]
    assert len(sock.of_type("USER_MESSAGE")) == 1


async def test_session_attributes_set_by_the_bot_are_sent_back_next_turn(harness: Harness) -> None:
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    await harness.send(ALICE, private.conversation_id, "one", "a1")
    await harness.service.idle()
    await harness.send(ALICE, private.conversation_id, "two", "a2")
    await harness.service.idle()
    assert harness.lex.calls[1]["sessionState"]["sessionAttributes"] == {"customer": "Alice", "seen": "1"}
    assert harness.lex.calls[0]["sessionId"] == harness.lex.calls[1]["sessionId"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("   ", errors.MESSAGE_EMPTY), ("x" * 21, errors.MESSAGE_TOO_LONG)],
)
async def test_empty_and_too_long_messages_are_refused_and_not_stored(harness: Harness, text: str, code: str) -> None:
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    with pytest.raises(ChatError) as caught:
        await harness.service.send_message(ALICE, private.conversation_id, text, "c", reply=lambda e: None)
    assert caught.value.code == code and caught.value.client_message_id == "c"
    assert (await harness.store.history(private.conversation_id)).messages == []


async def test_trimmed_length_is_what_counts(harness: Harness) -> None:
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    await harness.send(ALICE, private.conversation_id, "   " + "x" * 20 + "   ", "c")


async def test_unknown_conversation_and_non_member_are_refused(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id)
    with pytest.raises(ChatError) as missing:
        await harness.service.send_message(BOB, "room-nope", "hi", "c", reply=lambda e: None)
    assert missing.value.code == errors.NOT_FOUND
    with pytest.raises(ChatError) as outsider:
        await harness.service.send_message(BOB, room.conversation_id, "hi", "c", reply=lambda e: None)
    assert outsider.value.code == errors.NOT_A_MEMBER
    with pytest.raises(ChatError) as private:
        await harness.service.join(BOB, f"private-{ALICE.user_id}")
    assert private.value.code in (errors.NOT_A_MEMBER, errors.NOT_FOUND)


async def test_room_bot_answers_only_mentions(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="mention")
    await harness.service.join(BOB, room.conversation_id)
    alice = harness.socket(ALICE, room.conversation_id)
    bob = harness.socket(BOB, room.conversation_id)
    await harness.send(BOB, room.conversation_id, "no bot here", "b1")
    await harness.send(ALICE, room.conversation_id, "@bot help", "a1")
    await harness.service.idle()
    await settle()
    assert [c["text"] for c in harness.lex.calls] == ["help"]
    for sock in (alice, bob):
        assert [m["message"]["content"] for m in sock.of_type("USER_MESSAGE")] == ["no bot here", "@bot help"]
        assert [m["message"]["content"] for m in sock.of_type("BOT_RESPONSE")] == ["echo: help"]
    # each user talks to the bot in their own Lex session
    await harness.send(BOB, room.conversation_id, "hi @BOT", "b2")
    await harness.service.idle()
    assert harness.lex.calls[0]["sessionId"] != harness.lex.calls[1]["sessionId"]


@pytest.mark.parametrize("failure", [DependencyFailedException("Invalid Lambda Response"), ThrottlingException("slow down"), "timeout"])
async def test_bot_failure_is_a_friendly_error_and_the_message_is_kept(tmp_path: Path, failure: Any) -> None:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    lex = FakeLex()
    h = Harness(store, lex, timeout=0.05)
    await h.fanout.start()
    if failure == "timeout":
        lex.stall = 5.0
    else:
        lex.fail_with = failure
    private = await store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    sock = h.socket(ALICE, private.conversation_id)
    message_id = await h.send(ALICE, private.conversation_id, "help", "c9")
    await h.service.idle()
    lex.release.set()
    await settle()
    assert [f["type"] for f in sock.frames] == ["USER_MESSAGE", "BOT_TYPING", "ERROR", "BOT_TYPING"]
    error = sock.of_type("ERROR")[0]
    assert error["code"] == errors.BOT_UNAVAILABLE and error["clientMessageId"] == "c9"
    assert "Lambda" not in error["message"]  # internal details stay in the logs
    page = await store.history(private.conversation_id)
    assert [m.message_id for m in page.messages] == [message_id]
    assert h.metrics.bot_failures.value == 1
    await store.close()


async def test_concurrent_senders_are_delivered_in_store_order_to_everyone(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    for s in (BOB, CAROL):
        await harness.service.join(s, room.conversation_id)
    socks = [harness.socket(s, room.conversation_id) for s in (ALICE, BOB, CAROL)]

    async def burst(sender: Sender) -> None:
        for i in range(15):
            await harness.send(sender, room.conversation_id, f"{sender.display_name} {i}", f"{sender.user_id}-{i}")

    await asyncio.gather(*(burst(s) for s in (ALICE, BOB, CAROL)))
    await settle()
    stored = await harness.store.messages_after(room.conversation_id, None, limit=500)
    expected = [m.message_id for m in stored]
    assert len(expected) == 45
    for sock in socks:
        assert [f["message"]["messageId"] for f in sock.of_type("USER_MESSAGE")] == expected


class SlowChannel(MemoryChannel):
    """An event channel whose publish suspends for a varying time, as a network hop (Redis) does."""

    in_process = False

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def publish(self, envelope: Envelope) -> None:
        self.calls += 1
        await asyncio.sleep((self.calls * 7 % 5) / 1000)  # 0-4 ms, not in call order
        await super().publish(envelope)


async def room_of(harness: Harness, senders: list[Sender]) -> str:
    room = await harness.store.create_room("busy", senders[0].user_id, bot_mode="never")
    for s in senders[1:]:
        await harness.service.join(s, room.conversation_id)
    return room.conversation_id


async def test_one_rooms_concurrent_messages_share_commits_and_publish_in_store_order(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    h.fanout = Fanout(SlowChannel(), h.metrics)
    h.service = ChatService(store, h.fanout, None, h.metrics, LocalTokenBucket(1000))
    await h.fanout.start()
    senders = [Sender(f"user-{i}", f"User {i}") for i in range(40)]
    room = await room_of(h, senders)
    watcher = h.socket(senders[0], room)
    batches_before = store.writer.batches  # type: ignore[attr-defined]

    acked: list[str] = []
    await asyncio.gather(
        *(h.service.send_message(s, room, f"hello {s.user_id}", "c1", reply=lambda e: acked.append(e["messageId"])) for s in senders)
    )
    await settle()

    stored = [m.message_id for m in await store.messages_after(room, None, limit=500)]
    assert len(stored) == 40
    assert [f["message"]["messageId"] for f in watcher.of_type("USER_MESSAGE")] == stored  # despite the channel's jitter
    assert acked == stored  # ACKs go out in store order too
    # The appends of one room overlapped: far fewer commits than messages (a lock per room would make it 40).
    assert store.writer.batches - batches_before < 20  # type: ignore[attr-defined]
    assert h.service._turns.active == 0
    await store.close()


class FailingStore:
    """The real store, except that appends of one content fail as a broken disk would."""

    def __init__(self, store: Store, poison: str) -> None:
        self._store = store
        self._poison = poison

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def append_message(self, message: Any) -> Any:
        if message.content == self._poison:
            await asyncio.sleep(0.01)
            raise StoreError("disk I/O error")
        return await self._store.append_message(message)


async def test_a_failed_append_does_not_hold_up_the_rooms_later_messages(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    failing = FailingStore(store, "boom")
    h.service = ChatService(failing, h.fanout, None, h.metrics, LocalTokenBucket(1000))  # type: ignore[arg-type]
    await h.fanout.start()
    room = await room_of(h, [ALICE, BOB])
    sock = h.socket(BOB, room)

    outcomes = await asyncio.gather(
        h.service.send_message(ALICE, room, "boom", "a1", reply=lambda e: None),
        h.service.send_message(BOB, room, "after", "b1", reply=lambda e: None),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], StoreError)
    await settle()
    assert [f["message"]["content"] for f in sock.of_type("USER_MESSAGE")] == ["after"]
    assert h.service._turns.active == 0
    await store.close()


def delivered_ids(frames: list[dict[str, Any]]) -> list[str]:
    """The message ids a socket received, in arrival order: replayed in RESUMED frames or live as USER_MESSAGE."""
    seen: list[str] = []
    for frame in frames:
        if frame["type"] == "RESUMED":
            seen.extend(m["messageId"] for m in frame["messages"])
        elif frame["type"] == "USER_MESSAGE":
            seen.append(frame["message"]["messageId"])
    return seen


async def test_without_a_resume_window_resume_replays_missed_messages_once_and_in_order(harness: Harness) -> None:
    harness.service.resume_window = 0.0  # one process: ids are made in commit order, so no window is needed
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    ids = [await harness.send(ALICE, room.conversation_id, f"m{i}", f"c{i}") for i in range(6)]
    # Bob reconnects having seen m1; m4 and m5 also reached his new socket live before he resumed.
    await harness.service.join(BOB, room.conversation_id)
    bob = Socket(harness.fanout, BOB)
    harness.fanout.subscribe(bob.connection, room.conversation_id)
    live = [await harness.send(ALICE, room.conversation_id, f"live{i}", f"l{i}") for i in range(2)]
    await settle()
    await harness.service.resume(BOB, bob.connection, room.conversation_id, ids[1])
    await harness.send(ALICE, room.conversation_id, "after", "after")
    await settle()
    seen = delivered_ids(bob.frames)
    stored = [m.message_id for m in await harness.store.messages_after(room.conversation_id, ids[1])]
    assert sorted(seen) == stored  # no gaps, no duplicates
    assert len(seen) == len(set(seen)) == len(ids) - 2 + len(live) + 1


async def test_resume_replays_every_missed_message_and_repeats_only_what_the_client_had(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    ids = [await harness.send(ALICE, room.conversation_id, f"m{i}", f"c{i}") for i in range(6)]
    await harness.service.join(BOB, room.conversation_id)
    bob = Socket(harness.fanout, BOB)
    harness.fanout.subscribe(bob.connection, room.conversation_id)
    live = [await harness.send(ALICE, room.conversation_id, f"live{i}", f"l{i}") for i in range(2)]
    await settle()
    await harness.service.resume(BOB, bob.connection, room.conversation_id, ids[1])
    await harness.send(ALICE, room.conversation_id, "after", "after")
    await settle()
    seen = delivered_ids(bob.frames)
    stored = [m.message_id for m in await harness.store.messages_after(room.conversation_id, None)]
    assert sorted(set(seen)) == stored  # no gaps: the window (5 s) also re-sent m0 and m1, which Bob had
    assert [i for i in seen if seen.count(i) > 1] == live * 2  # repeated: only what reached this socket live


async def test_resume_holds_live_events_arriving_during_the_replay(harness: Harness) -> None:
    harness.service.resume_window = 0.0
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    first = await harness.send(ALICE, room.conversation_id, "m0", "c0")
    for i in range(1, 4):
        await harness.send(ALICE, room.conversation_id, f"m{i}", f"c{i}")
    bob = Socket(harness.fanout, ALICE)
    resume = asyncio.create_task(harness.service.resume(ALICE, bob.connection, room.conversation_id, first))
    sends = asyncio.create_task(harness.send(ALICE, room.conversation_id, "during", "d"))
    await asyncio.gather(resume, sends)
    await settle()
    seen = delivered_ids(bob.frames)
    stored = [m.message_id for m in await harness.store.messages_after(room.conversation_id, first)]
    assert seen == stored


async def test_join_and_leave_change_membership_and_announce_presence(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id)
    alice = harness.socket(ALICE, room.conversation_id)
    bob = Socket(harness.fanout, BOB)
    joined = await harness.service.join(BOB, room.conversation_id)
    assert BOB.user_id in joined.members
    assert room.conversation_id in bob.connection.subscriptions
    await harness.service.leave(BOB, room.conversation_id)
    await settle()
    presence = [(p["userId"], p["status"]) for p in alice.of_type("PRESENCE")]
    assert presence == [(BOB.user_id, "online"), (BOB.user_id, "offline")]
    assert room.conversation_id not in bob.connection.subscriptions
    with pytest.raises(ChatError) as not_member:
        await harness.service.send_message(BOB, room.conversation_id, "hi", "x", reply=lambda e: None)
    assert not_member.value.code == errors.NOT_A_MEMBER
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    with pytest.raises(ChatError):
        await harness.service.leave(ALICE, private.conversation_id)


async def test_rate_limit_refuses_after_the_budget(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex(), rate=3)
    results = []
    for _ in range(5):
        try:
            await h.service.check_rate(ALICE, "c")
            results.append("ok")
        except ChatError as exc:
            results.append(exc.code)
    assert results == ["ok", "ok", "ok", errors.RATE_LIMITED, errors.RATE_LIMITED]
    await h.service.check_rate(BOB)  # budgets are per user
    await store.close()


async def test_history_pages_and_checks_limit(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    ids = [await harness.send(ALICE, room.conversation_id, f"m{i}", f"c{i}") for i in range(5)]
    page = await harness.service.history(ALICE, room.conversation_id, before=None, limit=2)
    assert [m.message_id for m in page.messages] == ids[3:]
    older = await harness.service.history(ALICE, room.conversation_id, before=page.next_before, limit=2)
    assert [m.message_id for m in older.messages] == ids[1:3]
    for limit in (0, -1, 201):
        with pytest.raises(ChatError) as refused:
            await harness.service.history(ALICE, room.conversation_id, before=None, limit=limit)
        assert refused.value.code == errors.BAD_FRAME and "1 to 200" in refused.value.message


async def test_presence_is_not_announced_in_large_rooms(harness: Harness) -> None:
    room = await harness.store.create_room("big", ALICE.user_id)
    for i in range(100):
        await harness.store.add_member(room.conversation_id, f"member-{i}")
    alice = harness.socket(ALICE, room.conversation_id)
    await harness.service.join(BOB, room.conversation_id)  # 102 members now
    await harness.service.leave(BOB, room.conversation_id)
    await settle()
    assert alice.of_type("PRESENCE") == []


async def test_big_rooms_list_only_their_first_members(harness: Harness) -> None:
    room = await harness.store.create_room("big", ALICE.user_id)
    for i in range(150):
        await harness.store.add_member(room.conversation_id, f"member-{i:03d}")
    payload = conversation_payload(await harness.store.get_conversation(room.conversation_id))  # type: ignore[arg-type]
    assert payload["memberCount"] == 151 and len(payload["members"]) == 100


async def test_a_leave_on_another_process_takes_effect_at_once_despite_the_cache(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    await harness.service.join(BOB, room.conversation_id)
    await harness.send(BOB, room.conversation_id, "cached now", "b1")  # membership is now cached
    # Another process removes Bob and announces it on the channel.
    await harness.store.remove_member(room.conversation_id, BOB.user_id)
    harness.fanout.deliver_local(
        Envelope(MEMBERSHIP_CHANNEL, json.dumps({"userId": BOB.user_id, "conversationId": room.conversation_id, "member": False}))
    )
    with pytest.raises(ChatError) as refused:
        await harness.service.send_message(BOB, room.conversation_id, "still here?", "b2", reply=lambda e: None)
    assert refused.value.code == errors.NOT_A_MEMBER


class FailingBotStore(FailingStore):
    """The real store, except that the bot's replies cannot be stored (or fail as `error` says)."""

    def __init__(self, store: Store, error: Exception) -> None:
        super().__init__(store, "")
        self._error = error

    async def append_message(self, message: Any) -> Any:
        if message.role == "bot":
            raise self._error
        return await self._store.append_message(message)


@pytest.mark.parametrize("error", [StoreError("disk I/O error"), RuntimeError("a bug")])
async def test_typing_is_switched_off_when_the_bots_reply_cannot_be_stored(tmp_path: Path, error: Exception) -> None:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    participant = BotParticipant(h.lex, BotTarget("BOT", "ALIAS", "en_US"), timeout=2.0)
    h.service = ChatService(FailingBotStore(store, error), h.fanout, participant, h.metrics, LocalTokenBucket(1000))  # type: ignore[arg-type]
    await h.fanout.start()
    private = await store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    sock = h.socket(ALICE, private.conversation_id)
    message_id = await h.send(ALICE, private.conversation_id, "help", "c1")
    await h.service.idle()
    await settle()
    typing = [f["typing"] for f in sock.of_type("BOT_TYPING")]
    assert typing == [True, False]
    assert sock.frames[-1]["type"] == "BOT_TYPING"
    if isinstance(error, StoreError):  # the room hears why no answer comes
        failure = sock.of_type("ERROR")[0]
        assert failure["code"] == errors.BOT_UNAVAILABLE and failure["clientMessageId"] == "c1"
    assert [m.message_id for m in (await store.history(private.conversation_id)).messages] == [message_id]
    await store.close()


async def test_a_newer_message_published_before_the_socket_subscribed_is_replayed_despite_the_first_live_one(
    harness: Harness,
) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="never")
    await harness.service.join(BOB, room.conversation_id)
    # Another process made `late` first but published it last; `early` (a newer id) was published before Bob's new
    # socket subscribed, so it never reached that socket live.
    late, _ = await harness.store.append_message(NewMessage(room.conversation_id, "x", "X", "user", "late", "c-late"))
    early, _ = await harness.store.append_message(NewMessage(room.conversation_id, "y", "Y", "user", "early", "c-early"))
    assert late.message_id < early.message_id
    bob = harness.socket(BOB, room.conversation_id)
    harness.fanout.deliver_local(Envelope(room.conversation_id, encode(message_event("USER_MESSAGE", late)), late.message_id))
    await harness.service.resume(BOB, bob.connection, room.conversation_id, None)
    await settle()
    assert set(delivered_ids(bob.frames)) == {late.message_id, early.message_id}
