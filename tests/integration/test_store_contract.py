"""The store contract: every ChatStore/UserStore implementation passes these, SQLite and DynamoDB (on moto)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from runtime.chat.protocol import message_payload
from runtime.store import open_store
from runtime.store.base import MAX_ITEM_BYTES, NewMessage, Store, UserRecord
from runtime.store.dynamodb_store import DynamoDbStore
from runtime.store.errors import ConversationNotFound, InvalidArgument, MessageTooLarge, UserExists
from runtime.store.ids import is_message_id
from tests.integration.moto_serialized import SerializedClient
from tests.integration.store_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened = open_store(f"sqlite:{tmp_path / 'nested' / 'chat.db'}", clock=clock)
        yield opened
        await opened.close()
        return
    with mock_aws():
        # Serialized: moto applies conditional writes without DynamoDB's per-item order (see SerializedClient).
        client = SerializedClient(boto3.client("dynamodb", region_name="us-east-1"))
        dynamo = DynamoDbStore(table_prefix="test-", clock=clock, client=client)  # type: ignore[arg-type]
        dynamo.create_tables()
        yield dynamo
        await dynamo.close()


def msg(text: str, *, conversation: str = "room-1", sender: str = "u1", client: str | None = None, role: str = "user") -> NewMessage:
    return NewMessage(
        conversation_id=conversation, sender_id=sender, sender_name="Alice", role=role, content=text, client_message_id=client
    )


async def test_append_then_read_back(store: Store, clock: FakeClock) -> None:
    meta = {"intent": "OrderPizza", "confidence": 0.9, "slots": {"size": "large"}}
    stored, created = await store.append_message(NewMessage("room-1", "bot", "Bot", "bot", "Hello — здравствуйте 👋", None, metadata=meta))
    assert created
    assert is_message_id(stored.message_id)
    assert stored.created_at == clock.now
    fetched = await store.get_message("room-1", stored.message_id)
    assert fetched == stored
    payload = message_payload(stored)
    assert payload["messageId"] == stored.message_id and payload["metadata"] == meta
    assert payload["createdAt"].endswith("Z") and "." in payload["createdAt"]
    assert await store.get_message("room-2", stored.message_id) is None


async def test_same_client_id_is_stored_once(store: Store) -> None:
    first, created_first = await store.append_message(msg("hi", client="c-1"))
    again, created_again = await store.append_message(msg("hi (retry)", client="c-1"))
    assert created_first and not created_again
    assert again.message_id == first.message_id and again.content == "hi"
    other_sender, created_other = await store.append_message(msg("hi", sender="u2", client="c-1"))
    assert created_other and other_sender.message_id != first.message_id
    page = await store.history("room-1")
    assert [m.message_id for m in page.messages] == [first.message_id, other_sender.message_id]


async def test_concurrent_duplicates_store_one_message(store: Store) -> None:
    results = await asyncio.gather(*(store.append_message(msg("once", client="dup")) for _ in range(10)))
    assert len({stored.message_id for stored, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len((await store.history("room-1")).messages) == 1


async def test_history_pages_backwards_without_gaps(store: Store) -> None:
    sent = [(await store.append_message(msg(f"m{i}")))[0].message_id for i in range(23)]
    pages, before = [], None
    while True:
        page = await store.history("room-1", before=before, limit=10)
        pages.append([m.message_id for m in page.messages])
        if page.next_before is None:
            break
        before = page.next_before
    assert [len(p) for p in pages] == [10, 10, 3]
    assert pages[0] == sent[-10:]  # newest page first, oldest first within it
    assert [mid for p in reversed(pages) for mid in p] == sent
    exact = await store.history("room-1", limit=23)
    assert exact.next_before is None and len(exact.messages) == 23


async def test_history_by_sender_spans_conversations(store: Store, clock: FakeClock) -> None:
    mine = []
    for i in range(7):
        stored, _ = await store.append_message(msg(f"m{i}", conversation=f"room-{i % 3}", sender="me"))
        mine.append(stored.message_id)
        await store.append_message(msg(f"other{i}", conversation=f"room-{i % 3}", sender="them"))
    newest = await store.history_by_sender("me", limit=4)
    assert [m.message_id for m in newest.messages] == mine[3:] and newest.next_before == mine[3]
    older = await store.history_by_sender("me", before=newest.next_before, limit=4)
    assert [m.message_id for m in older.messages] == mine[:3] and older.next_before is None
    clock.now += 31 * 86400
    assert (await store.history_by_sender("me")).messages == []


async def test_messages_after_resumes_with_no_gaps_or_duplicates(store: Store) -> None:
    sent = [(await store.append_message(msg(f"m{i}")))[0].message_id for i in range(12)]
    assert [m.message_id for m in await store.messages_after("room-1", None)] == sent
    assert [m.message_id for m in await store.messages_after("room-1", sent[4])] == sent[5:]
    assert [m.message_id for m in await store.messages_after("room-1", sent[4], limit=3)] == sent[5:8]
    assert await store.messages_after("room-1", sent[-1]) == []
    # a client that saw messages up to k and resumes page by page sees every later message once
    seen, cursor = [], sent[2]
    while batch := await store.messages_after("room-1", cursor, limit=4):
        seen.extend(m.message_id for m in batch)
        cursor = batch[-1].message_id
    assert seen == sent[3:]


async def test_expired_messages_are_not_read(store: Store, clock: FakeClock) -> None:
    old, _ = await store.append_message(msg("old"))
    clock.now += 29 * 86400
    young, _ = await store.append_message(msg("young"))
    clock.now += 2 * 86400  # old is now 31 days old, young 2 days
    assert [m.message_id for m in (await store.history("room-1")).messages] == [young.message_id]
    assert [m.message_id for m in await store.messages_after("room-1", None)] == [young.message_id]
    assert await store.get_message("room-1", old.message_id) is None
    assert await store.get_message("room-1", young.message_id) is not None


async def test_ttl_zero_keeps_messages(tmp_path: Path, clock: FakeClock) -> None:
    keeper = open_store(f"sqlite:{tmp_path / 'keep.db'}", message_ttl_days=0, clock=clock)
    try:
        stored, _ = await keeper.append_message(msg("forever"))
        clock.now += 10 * 365 * 86400
        assert await keeper.get_message("room-1", stored.message_id) == stored
    finally:
        await keeper.close()


async def test_concurrent_writers_all_stored_unique_and_ordered(store: Store) -> None:
    results = await asyncio.gather(*(store.append_message(msg(f"t{i}", sender=f"u{i % 7}")) for i in range(150)))
    ids = [stored.message_id for stored, _ in results]
    assert len(set(ids)) == 150
    history = await store.messages_after("room-1", None, limit=1000)
    assert [m.message_id for m in history] == sorted(ids)
    assert sorted(m.content for m in history) == sorted(f"t{i}" for i in range(150))


async def test_appends_get_ids_in_the_order_they_started(store: Store) -> None:
    # gather starts the calls in list order; each must be queued before its first suspension
    results = await asyncio.gather(*(store.append_message(msg(f"o{i}", sender=f"u{i % 5}", client=f"c{i}")) for i in range(120)))
    ids = [stored.message_id for stored, _ in results]
    assert ids == sorted(ids)
    assert [stored.content for stored, _ in results] == [f"o{i}" for i in range(120)]


async def test_message_near_400_kb_is_kept_and_over_is_refused(store: Store) -> None:
    big = "x" * (MAX_ITEM_BYTES - 2048)
    stored, _ = await store.append_message(msg(big))
    fetched = await store.get_message("room-1", stored.message_id)
    assert fetched is not None and fetched.content == big
    with pytest.raises(MessageTooLarge, match="400 KB"):
        await store.append_message(msg("y" * (MAX_ITEM_BYTES + 1)))
    # multi-byte text counts in bytes, not characters
    with pytest.raises(MessageTooLarge):
        await store.append_message(msg("é" * (MAX_ITEM_BYTES // 2 + 10)))


async def test_hostile_values_are_stored_literally_or_refused(store: Store) -> None:
    sqlish = "'; DROP TABLE messages; --"
    stored, _ = await store.append_message(msg(sqlish, conversation="room-'\"--", sender="x' OR '1'='1", client=sqlish))
    assert (await store.history("room-'\"--")).messages == [stored]
    for bad in ("", "a\x00b", "x" * 300):
        with pytest.raises(InvalidArgument):
            await store.append_message(msg("hi", conversation=bad))
    with pytest.raises(InvalidArgument, match="role"):
        await store.append_message(msg("hi", role="admin"))
    with pytest.raises(InvalidArgument, match="message id"):
        await store.history("room-1", before="' OR 1=1 --")
    with pytest.raises(InvalidArgument, match="limit"):
        await store.history("room-1", limit=0)
    with pytest.raises(InvalidArgument, match="limit"):
        await store.messages_after("room-1", None, limit=10**9)
    with pytest.raises(InvalidArgument, match="message id"):
        await store.get_message("room-1", "../../etc/passwd")
    with pytest.raises(InvalidArgument, match="after_message_id"):
        await store.messages_after("room-1", "not-an-id")
    with pytest.raises(InvalidArgument, match="sender_id"):
        await store.history_by_sender("a\nb")
    wide = "🙂" * 256  # the longest ids, four bytes a character
    first, _ = await store.append_message(msg("wide", conversation=wide, sender=wide, client=wide))
    again, created = await store.append_message(msg("wide again", conversation=wide, sender=wide, client=wide))
    assert again.message_id == first.message_id and not created
    with pytest.raises(InvalidArgument, match="JSON"):
        await store.append_message(NewMessage("room-1", "u1", "A", "user", "hi", None, metadata={"x": object()}))


async def test_private_conversation_is_one_per_user(store: Store) -> None:
    first = await store.ensure_private_conversation("user-a", "Alice")
    again = await store.ensure_private_conversation("user-a", "Alice")
    assert first == again
    assert first.conversation_id == "private-user-a"
    assert (first.kind, first.bot_mode, first.members, first.owner_id) == ("private", "always", ("user-a",), "user-a")
    with pytest.raises(InvalidArgument, match="private"):
        await store.add_member(first.conversation_id, "user-b")
    assert await store.add_member(first.conversation_id, "user-a") == first  # its own member: no change, no error


async def test_rooms_and_membership(store: Store, clock: FakeClock) -> None:
    room = await store.create_room("Pizza lovers", "user-a")
    assert (room.kind, room.bot_mode, room.members, room.title) == ("room", "mention", ("user-a",), "Pizza lovers")
    clock.now += 1
    quiet = await store.create_room("Quiet", "user-b", bot_mode="never")
    await store.ensure_private_conversation("user-a", "Alice")
    room = await store.add_member(room.conversation_id, "user-b")
    room = await store.add_member(room.conversation_id, "user-b")  # adding twice is harmless
    assert room.members == ("user-a", "user-b")
    listed = await store.list_conversations("user-b")
    assert [c.conversation_id for c in listed] == [room.conversation_id, quiet.conversation_id]
    room = await store.remove_member(room.conversation_id, "user-b")
    assert room.members == ("user-a",)
    assert [c.conversation_id for c in await store.list_conversations("user-b")] == [quiet.conversation_id]
    assert {c.kind for c in await store.list_conversations("user-a")} == {"room", "private"}
    assert await store.get_conversation("room-nope") is None
    with pytest.raises(ConversationNotFound):
        await store.add_member("room-nope", "user-a")
    with pytest.raises(ConversationNotFound):
        await store.remove_member("room-nope", "user-a")
    with pytest.raises(InvalidArgument, match="user_id"):
        await store.remove_member(room.conversation_id, "")
    with pytest.raises(InvalidArgument, match="bot_mode"):
        await store.create_room("x", "user-a", bot_mode="sometimes")


def user(username: str, user_id: str = "11111111-1111-4111-8111-111111111111") -> UserRecord:
    return UserRecord(
        user_id=user_id,
        username=username,
        email=f"{username}@example.com",
        display_name=username.title(),
        password_hash="scrypt$...",
        confirmed=False,
        created_at=1.0,
    )


async def test_users(store: Store) -> None:
    alice = user("alice")
    await store.create_user(alice)
    with pytest.raises(UserExists):
        await store.create_user(user("ALICE", user_id="22222222-2222-4222-8222-222222222222"))
    assert await store.get_user_by_username("Alice") == alice
    assert await store.get_user(alice.user_id) == alice
    locked = UserRecord(**{**alice.__dict__, "confirmed": True, "failed_logins": 3, "locked_until": 99.5})
    await store.update_user(locked)
    assert await store.get_user(alice.user_id) == locked
    bob = user("böb '; --", user_id="33333333-3333-4333-8333-333333333333")
    await store.create_user(bob)
    assert [u.username for u in await store.list_users()] == ["alice", "böb '; --"]
    assert await store.delete_user("ALICE")
    assert not await store.delete_user("alice")
    assert await store.get_user(alice.user_id) is None
    assert await store.get_user_by_username("alice") is None
    await store.create_user(user("alice", user_id="44444444-4444-4444-8444-444444444444"))  # the name is free again


async def test_refresh_tokens_are_taken_once_and_revocable(store: Store) -> None:
    await store.save_refresh_token("h1", "user-a", 2000.0, "fam-1")
    await store.save_refresh_token("h2", "user-a", 2000.0, "fam-1")
    await store.save_refresh_token("h3", "user-a", 2000.0, "fam-2")
    await store.save_refresh_token("h4", "user-b", 2000.0, "fam-3")
    assert await store.take_refresh_token("h1") == ("user-a", 2000.0, "fam-1")
    assert await store.take_refresh_token("h1") is None
    assert await store.take_refresh_token("unknown") is None
    assert await store.refresh_token_owner("h1") == ("user-a", "fam-1")
    assert await store.revoke_refresh_family("fam-1") == 2
    assert await store.take_refresh_token("h2") is None
    assert await store.revoke_refresh_tokens("user-a") == 1
    assert await store.take_refresh_token("h3") is None
    assert await store.take_refresh_token("h4") == ("user-b", 2000.0, "fam-3")


async def test_concurrent_takes_of_one_token_succeed_once(store: Store) -> None:
    await store.save_refresh_token("race", "user-a", 2000.0, "fam")
    results = await asyncio.gather(*(store.take_refresh_token("race") for _ in range(8)))
    assert sum(r is not None for r in results) == 1


async def test_ping_and_close(store: Store) -> None:
    await store.ping()


async def test_login_attempts_are_counted_atomically_and_lock_at_the_limit(store: Store) -> None:
    alice = user("alice")
    await store.create_user(alice)
    assert await store.count_login_attempt("no-such-user", now=1000.0, max_attempts=5, lockout_seconds=60) is None
    # 50 attempts at once: each gets its own count, only the first 5 may check a password, the 5th locks.
    attempts = await asyncio.gather(
        *(store.count_login_attempt(alice.user_id, now=1000.0, max_attempts=5, lockout_seconds=60) for _ in range(50))
    )
    allowed = sorted(a.count for a in attempts if a is not None and a.allowed)
    assert allowed == [1, 2, 3, 4, 5]
    assert all(a is not None and a.locked_until == 1060.0 for a in attempts if a is not None and not a.allowed)
    stored = await store.get_user(alice.user_id)
    assert stored is not None and stored.locked_until == 1060.0
    refused = await store.count_login_attempt(alice.user_id, now=1059.0, max_attempts=5, lockout_seconds=60)
    assert refused is not None and not refused.allowed
    again = await store.count_login_attempt(alice.user_id, now=1061.0, max_attempts=5, lockout_seconds=60)
    assert again is not None and (again.allowed, again.count, again.locked_until) == (True, 1, None)  # a new count after the lock
    await store.reset_login_attempts(alice.user_id)
    reset = await store.get_user(alice.user_id)
    assert reset is not None and (reset.failed_logins, reset.locked_until) == (0, None)
    one_shot = await store.count_login_attempt(alice.user_id, now=1100.0, max_attempts=1, lockout_seconds=60)
    assert one_shot is not None and (one_shot.allowed, one_shot.count, one_shot.locked_until) == (True, 1, 1160.0)


async def test_revoked_token_ids_are_shared_and_expire(store: Store, clock: FakeClock) -> None:
    assert await store.revoked_token_ids([]) == set()
    await store.revoke_token_ids(["jti-1", "session-1"], clock.now + 100)
    await store.revoke_token_ids(["session-1"], clock.now + 10)  # a shorter revocation never shortens a longer one
    ids = [f"other-{i}" for i in range(250)] + ["jti-1", "session-1", "session-2"]  # several batches
    assert await store.revoked_token_ids(ids) == {"jti-1", "session-1"}
    clock.now += 101
    assert await store.revoked_token_ids(["jti-1", "session-1"]) == set()


@pytest.mark.parametrize("bad", [[""], ["x" * 300], ["a\nb"], [5]])
async def test_revocation_refuses_malformed_ids(store: Store, bad: list[str]) -> None:
    with pytest.raises(InvalidArgument):
        await store.revoke_token_ids(bad, 2000.0)
    with pytest.raises(InvalidArgument):
        await store.revoked_token_ids(bad)
