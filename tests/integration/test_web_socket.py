"""The /ws endpoint under a real uvicorn server with the websockets client: every action, every ERROR code, 4401s.

The `server` fixture runs each test on both transports: the WebSocket server's own endpoint, and the serverless
Lambda handlers behind the local API Gateway (`chat-lex serve --transport apigw`). What only one transport can do
(close codes on the socket, per-process limits) is marked `websocket_only` and says why."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from runtime.lex.errors import DependencyFailedException
from runtime.store.errors import StoreUnavailable
from runtime.store.ids import RESUME_WINDOW_SECONDS, id_floor, message_id_ms
from runtime.web.settings import Settings
from tests.integration.test_web_harness import Client, RunningServer, ScriptedLex, fake_backends

# Handshakes without a good token: (query token, subprotocols, how the refusal's reason starts), on both transports.
BAD_HANDSHAKES: list[tuple[str | None, list[str] | None, str]] = [
    (None, None, "missing token"),
    ("garbage", None, "InvalidToken"),
    ("expired", None, "TokenExpired"),
    (None, ["chat-lex"], "missing token"),
    (None, ["chat-lex", "nonsense"], "InvalidToken"),
]


@pytest.fixture
def lex() -> ScriptedLex:
    return ScriptedLex()


@pytest.fixture(params=["websocket", "apigw"])
def server(request: pytest.FixtureRequest, tmp_path: Path, lex: ScriptedLex) -> Iterator[RunningServer]:
    reason = request.node.get_closest_marker("websocket_only")
    if request.param == "apigw" and reason is not None:
        pytest.skip(f"websocket transport only: {reason.args[0]}")
    settings = Settings(static_dir=tmp_path / "static", max_message_chars=50, rate_per_minute=1000, auth_frame_seconds=0.5)
    running = RunningServer(settings, fake_backends(tmp_path, lex, timeout=0.5), transport=request.param).start()
    yield running
    running.stop()


async def test_welcome_lists_the_private_conversation_and_the_bot_answers_help(server: RunningServer) -> None:
    alice = await Client.open(server.ws_url("t.alice"))
    welcome = alice.frames[0]
    assert welcome["userId"] == "alice" and welcome["displayName"] == "Alice"
    private = welcome["conversations"][0]
    assert private["conversationId"] == "private-alice" and private["kind"] == "private" and private["botMode"] == "always"
    await alice.send({"action": "sendmessage", "conversationId": "private-alice", "message": "help", "clientMessageId": "c1"})
    ack = await alice.next()
    assert ack["type"] == "ACK" and ack["clientMessageId"] == "c1" and ack["duplicate"] is False
    mine = await alice.next()
    assert mine["type"] == "USER_MESSAGE" and mine["message"]["messageId"] == ack["messageId"]
    reply = await alice.until_type("BOT_RESPONSE")
    assert "I can help you" in reply["message"]["content"]
    assert reply["message"]["metadata"]["intent"] == "Help"
    typing = await alice.until_type("BOT_TYPING")
    assert typing["typing"] is False
    await alice.close()


async def test_token_in_subprotocol_is_accepted_and_chat_lex_echoed(server: RunningServer) -> None:
    client = await Client.open(server.ws_url(), subprotocols=["chat-lex", "t.bob"])  # type: ignore[list-item]
    assert client.ws.subprotocol == "chat-lex"
    assert client.frames[0]["userId"] == "bob"
    await client.close()


@pytest.mark.parametrize(("url_token", "subprotocols", "reason_starts"), BAD_HANDSHAKES)
@pytest.mark.websocket_only("API Gateway refuses the handshake with HTTP 401 instead (test_apigw_refuses_bad_tokens_with_401)")
async def test_bad_or_missing_tokens_close_4401_before_any_data(
    server: RunningServer, url_token: str | None, subprotocols: list[str] | None, reason_starts: str
) -> None:
    async with connect(server.ws_url(url_token), subprotocols=subprotocols) as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert closed.value.rcvd.reason.startswith(reason_starts)


async def test_retry_is_acked_with_the_same_id_and_not_delivered_twice(server: RunningServer) -> None:
    alice = await Client.open(server.ws_url("t.alice"))
    frame = {"action": "sendmessage", "conversationId": "private-alice", "message": "hi", "clientMessageId": "retry-1"}
    await alice.send(frame)
    first = await alice.until_type("ACK")
    await alice.send(frame)
    second = await alice.until_type("ACK")
    assert second["messageId"] == first["messageId"] and second["duplicate"] is True
    await alice.send({"action": "ping"})
    await alice.until_type("PONG")
    user_messages = [f for f in alice.frames if f["type"] == "USER_MESSAGE"]
    assert [m["message"]["messageId"] for m in user_messages] == [first["messageId"]]
    await alice.close()


HOSTILE_FRAMES: list[tuple[str | bytes, str]] = [
    ("{not json", "BAD_JSON"),
    ("", "BAD_JSON"),
    (b"\xff\xfe", "BAD_JSON"),
    ("[1, 2]", "BAD_FRAME"),
    ('"just a string"', "BAD_FRAME"),
    ('{"no": "action"}', "BAD_FRAME"),
    ('{"action": 5}', "BAD_FRAME"),
    ('{"action": "explode"}', "UNKNOWN_ACTION"),
    ('{"action": "sendmessage", "conversationId": 7, "message": "x", "clientMessageId": "c"}', "BAD_FRAME"),
    ('{"action": "sendmessage", "conversationId": "private-alice", "message": ["x"], "clientMessageId": "c"}', "BAD_FRAME"),
    ('{"action": "sendmessage", "conversationId": "private-alice", "message": "x"}', "BAD_FRAME"),
    ('{"action": "sendmessage", "conversationId": "private-alice", "message": "x", "clientMessageId": "c", "extra": 1}', "BAD_FRAME"),
    ('{"action": "history", "conversationId": "private-alice", "limit": "ten"}', "BAD_FRAME"),
    ('{"action": "history", "conversationId": "private-alice", "before": "not-an-id"}', "BAD_FRAME"),
    ('{"action": "resume", "conversationId": "private-alice"}', "BAD_FRAME"),
    ('{"action": "join", "conversationId": "a\\u0000b"}', "BAD_FRAME"),
    ("[" * 5000 + "]" * 5000, "BAD_JSON"),
    (
        '{"action": "sendmessage", "conversationId": "private-alice", "message": "' + "x" * 20_000 + '", "clientMessageId": "c"}',
        "FRAME_TOO_LARGE",
    ),
    ("x" * 200_000, "FRAME_TOO_LARGE"),
    (
        '{"action": "sendmessage", "conversationId": "private-alice", "message": "' + "y" * 51 + '", "clientMessageId": "c"}',
        "MESSAGE_TOO_LONG",
    ),
    ('{"action": "sendmessage", "conversationId": "private-alice", "message": " \\n\\t ", "clientMessageId": "c"}', "MESSAGE_EMPTY"),
    ('{"action": "sendmessage", "conversationId": "private-bob", "message": "hi", "clientMessageId": "c"}', "NOT_A_MEMBER"),
    ('{"action": "sendmessage", "conversationId": "room-nope", "message": "hi", "clientMessageId": "c"}', "NOT_FOUND"),
    ('{"action": "history", "conversationId": "room-nope"}', "NOT_FOUND"),
    ('{"action": "join", "conversationId": "room-nope"}', "NOT_FOUND"),
    ('{"action": "leave", "conversationId": "private-alice"}', "BAD_FRAME"),
    (
        '{"action": "sendmessage", "conversationId": "private-alice", "message": "hi", "clientMessageId": "c", "timeZone": "Mars/Base"}',
        "BAD_TIME_ZONE",
    ),
]


async def test_malformed_hostile_and_refused_frames_get_an_error_and_the_connection_stays_usable(server: RunningServer) -> None:
    await (await Client.open(server.ws_url("t.bob"))).close()  # bob's private conversation exists
    alice = await Client.open(server.ws_url("t.alice"))
    for raw, code in HOSTILE_FRAMES:
        if server.transport == "apigw" and len(raw) > 128 * 1024:
            continue  # over API Gateway's 128 KB message quota: the gateway closes with 1009 (the 1009 test below)
        await alice.send(raw)
        error = await alice.until(lambda f: f["type"] in ("ERROR", "ACK"))
        assert error["type"] == "ERROR" and error["code"] == code, (raw[:80], error)
        assert "Traceback" not in error["message"]
    await alice.send({"action": "ping", "requestId": "still-here"})
    pong = await alice.until_type("PONG")
    assert pong["requestId"] == "still-here"
    await alice.close()


async def test_error_echoes_client_message_id_and_request_id(server: RunningServer) -> None:
    alice = await Client.open(server.ws_url("t.alice"))
    await alice.send({"action": "sendmessage", "conversationId": "room-x", "message": "hi", "clientMessageId": "mine-7", "requestId": "r1"})
    error = await alice.until_type("ERROR")
    assert error == {
        "type": "ERROR",
        "code": "NOT_FOUND",
        "message": error["message"],
        "clientMessageId": "mine-7",
        "conversationId": "room-x",
        "requestId": "r1",
    }
    await alice.close()


async def test_history_and_resume_over_the_socket(server: RunningServer) -> None:
    alice = await Client.open(server.ws_url("t.alice"))
    ids = []
    for i in range(5):
        await alice.send({"action": "sendmessage", "conversationId": "private-alice", "message": f"m{i}", "clientMessageId": f"c{i}"})
        ids.append((await alice.until_type("ACK"))["messageId"])
    await server.call(server.context.service.idle())
    await alice.send({"action": "history", "conversationId": "private-alice", "limit": 3, "requestId": "h"})
    page = await alice.until_type("HISTORY")
    assert page["requestId"] == "h" and len(page["messages"]) == 3 and page["nextBefore"]
    await alice.close()
    # A new socket resumes after the second message: everything after it, bot replies included, once; and (the
    # resume window, RESUME_WINDOW_SECONDS) the messages of the seconds before it, which the client de-duplicates.
    again = await Client.open(server.ws_url("t.alice"))
    await again.send({"action": "resume", "conversationId": "private-alice", "afterMessageId": ids[1]})
    resumed = await again.until_type("RESUMED")
    assert resumed["done"] is True
    replayed = [m["messageId"] for m in resumed["messages"]]
    assert replayed == sorted(replayed) and len(set(replayed)) == len(replayed)
    user_ids = [m["messageId"] for m in resumed["messages"] if m["role"] == "user"]
    assert user_ids == ids  # all five were sent within the window, so m0 and m1 come again
    window_start = id_floor(message_id_ms(ids[1]) - round(RESUME_WINDOW_SECONDS * 1000))
    assert all(m["messageId"] > window_start for m in resumed["messages"])
    await again.close()


async def test_join_leave_and_broadcast_between_two_clients_in_a_room(server: RunningServer) -> None:
    room = await server.call(server.context.backends.store.create_room("Lobby", "alice"))
    alice = await Client.open(server.ws_url("t.alice"))
    bob = await Client.open(server.ws_url("t.bob"))
    await bob.send({"action": "join", "conversationId": room.conversation_id})
    joined = await bob.until_type("JOINED")
    assert "bob" in joined["conversation"]["members"]
    presence = await alice.until(lambda f: f["type"] == "PRESENCE" and f["userId"] == "bob")
    assert presence["status"] == "online" and presence["conversationId"] == room.conversation_id
    await alice.send({"action": "sendmessage", "conversationId": room.conversation_id, "message": "hello bob", "clientMessageId": "a1"})
    got = await bob.until_type("USER_MESSAGE")
    assert got["message"]["content"] == "hello bob" and got["message"]["senderName"] == "Alice"
    # No @bot mention: the bot stays quiet in rooms.
    await bob.send({"action": "sendmessage", "conversationId": room.conversation_id, "message": "@bot help", "clientMessageId": "b1"})
    answer = await alice.until_type("BOT_RESPONSE")
    assert "I can help you" in answer["message"]["content"]
    await bob.send({"action": "leave", "conversationId": room.conversation_id})
    await bob.until_type("LEFT")
    await alice.until(lambda f: f["type"] == "PRESENCE" and f["status"] == "offline")
    await bob.send({"action": "sendmessage", "conversationId": room.conversation_id, "message": "still?", "clientMessageId": "b2"})
    refused = await bob.until_type("ERROR")
    assert refused["code"] == "NOT_A_MEMBER"
    await alice.close()
    await bob.close()


async def test_bot_failure_gives_bot_unavailable_and_keeps_the_message(server: RunningServer, lex: ScriptedLex) -> None:
    lex.fail_with = DependencyFailedException("Invalid Lambda Response: Received invalid response from Lambda")
    alice = await Client.open(server.ws_url("t.alice"))
    await alice.send({"action": "sendmessage", "conversationId": "private-alice", "message": "help", "clientMessageId": "f1"})
    ack = await alice.until_type("ACK")
    error = await alice.until_type("ERROR")
    assert error["code"] == "BOT_UNAVAILABLE" and error["clientMessageId"] == "f1"
    lex.fail_with = None
    lex.stall = 1.0  # over the 0.5 s timeout
    await alice.send({"action": "sendmessage", "conversationId": "private-alice", "message": "help", "clientMessageId": "f2"})
    error = await alice.until(lambda f: f["type"] == "ERROR", timeout=5)
    assert error["code"] == "BOT_UNAVAILABLE" and error["clientMessageId"] == "f2"
    lex.stall = 0
    await alice.send({"action": "history", "conversationId": "private-alice"})
    page = await alice.until_type("HISTORY")
    assert [m["clientMessageId"] for m in page["messages"]] == ["f1", "f2"]
    assert page["messages"][0]["messageId"] == ack["messageId"]
    await alice.close()


@pytest.mark.websocket_only("concurrent Lambda invocations post independently; API Gateway promises no order, clients sort by messageId")
async def test_ordering_under_concurrent_senders(server: RunningServer) -> None:
    store = server.context.backends.store
    room = await server.call(store.create_room("Busy", "u0", bot_mode="never"))
    for user in ("u1", "u2", "u3"):
        await server.call(store.add_member(room.conversation_id, user))
    clients = [await Client.open(server.ws_url(f"t.u{i}")) for i in range(4)]

    async def burst(i: int) -> None:
        for n in range(10):
            await clients[i].send(
                {"action": "sendmessage", "conversationId": room.conversation_id, "message": f"u{i}-{n}", "clientMessageId": f"{i}-{n}"}
            )

    await asyncio.gather(*(burst(i) for i in range(4)))
    streams = []
    for client in clients:
        seen: list[str] = []
        while len(seen) < 40:
            frame = await client.until_type("USER_MESSAGE")
            seen.append(frame["message"]["messageId"])
        streams.append(seen)
    assert all(s == streams[0] for s in streams)
    assert streams[0] == sorted(streams[0])
    for client in clients:
        await client.close()


async def test_rate_limit_refuses_then_the_connection_still_works(tmp_path: Path) -> None:
    settings = Settings(static_dir=tmp_path, rate_per_minute=5)
    running = RunningServer(settings, fake_backends(tmp_path, None, rate=5)).start()
    try:
        alice = await Client.open(running.ws_url("t.alice"))
        codes = []
        for i in range(8):
            await alice.send({"action": "sendmessage", "conversationId": "private-alice", "message": f"m{i}", "clientMessageId": f"c{i}"})
            frame = await alice.until(lambda f: f["type"] in ("ACK", "ERROR"))
            codes.append(frame.get("code", "ACK"))
        assert codes == ["ACK"] * 5 + ["RATE_LIMITED"] * 3
        await alice.send({"action": "ping"})  # ping is free
        await alice.until_type("PONG")
        await alice.close()
    finally:
        running.stop()


async def test_bad_tz_query_is_reported_and_good_tz_reaches_lex(server: RunningServer, lex: ScriptedLex) -> None:
    bad = await Client.open(server.ws_url("t.alice", tz="Nowhere/Land"))
    error = await bad.until_type("ERROR")
    assert error["code"] == "BAD_TIME_ZONE"
    await bad.close()
    good = await Client.open(server.ws_url("t.alice", tz="America/New_York"))
    await good.send({"action": "sendmessage", "conversationId": "private-alice", "message": "hi", "clientMessageId": "tz1"})
    await good.until_type("BOT_RESPONSE")
    assert lex.calls[-1]["requestAttributes"] == {"x-amz-lex:time-zone": "America/New_York"}
    assert lex.calls[-1]["sessionState"]["sessionAttributes"]["customer"] == "Alice"
    await good.close()


@pytest.mark.websocket_only("it breaks the server process's store; each Lambda instance opens its own")
async def test_store_failures_are_internal_errors_and_retries_then_succeed(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = await Client.open(server.ws_url("t.alice"))
    store = server.context.backends.store
    real_append = store.append_message
    failures = [StoreUnavailable("disk on fire"), RuntimeError("bug")]

    async def failing_append(message: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return await real_append(message)

    monkeypatch.setattr(store, "append_message", failing_append)
    frame = {"action": "sendmessage", "conversationId": "private-alice", "message": "hi", "clientMessageId": "i1"}
    for _ in range(2):
        await alice.send(frame)
        error = await alice.until_type("ERROR")
        assert error["code"] == "INTERNAL" and "disk on fire" not in error["message"] and "bug" not in error["message"]
    await alice.send(frame)  # the retry goes through once the store is back
    ack = await alice.until_type("ACK")
    assert ack["duplicate"] is False
    await alice.close()


async def test_a_frame_over_the_transports_limit_closes_1009(server: RunningServer) -> None:
    async with connect(server.ws_url("t.alice"), max_size=None) as ws:
        await ws.send('{"action": "hello"}')
        await ws.recv()  # WELCOME
        # Over the transport's limit (the server's 1 MB, API Gateway's 128 KB), and little enough over it that the
        # write is done before the close comes back. The close may still end the send itself, hence inside.
        size = 1024 * 1024 + 64 * 1024 if server.transport == "websocket" else 192 * 1024
        with pytest.raises(ConnectionClosed) as closed:
            await ws.send("x" * size)
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_connections_per_user_are_limited(tmp_path: Path) -> None:
    running = RunningServer(Settings(static_dir=tmp_path, max_connections_per_user=2), fake_backends(tmp_path, None)).start()
    try:
        first = await Client.open(running.ws_url("t.alice"))
        second = await Client.open(running.ws_url("t.alice"))
        async with connect(running.ws_url("t.alice")) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
        other = await Client.open(running.ws_url("t.bob"))  # other users are not affected
        await first.close()
        await asyncio.sleep(0.2)
        third = await Client.open(running.ws_url("t.alice"))  # a slot is free again
        for client in (second, other, third):
            await client.close()
    finally:
        running.stop()


@pytest.mark.websocket_only("a Lambda cannot close a socket on a timer; behind API Gateway the next frame closes it (test below)")
async def test_a_socket_is_closed_4401_when_its_token_expires(server: RunningServer) -> None:
    client = await Client.open(server.ws_url("soon.alice"))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await client.next(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert closed.value.rcvd.reason.startswith("TokenExpired")
    await asyncio.sleep(0.1)
    assert server.context.fanout.connection_count == 0


@pytest.fixture
def apigw(tmp_path: Path, lex: ScriptedLex) -> Iterator[RunningServer]:
    settings = Settings(static_dir=tmp_path / "static", rate_per_minute=1000)
    running = RunningServer(settings, fake_backends(tmp_path, lex, timeout=0.5), transport="apigw").start()
    yield running
    running.stop()


@pytest.mark.parametrize(("url_token", "subprotocols", "reason_starts"), BAD_HANDSHAKES)
async def test_apigw_refuses_bad_tokens_with_401(
    apigw: RunningServer, url_token: str | None, subprotocols: list[str] | None, reason_starts: str
) -> None:
    """$connect refuses before anything is recorded: the handshake gets the handler's 401 and its reason."""
    with pytest.raises(InvalidStatus) as refused:
        await connect(apigw.ws_url(url_token), subprotocols=subprotocols)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 401
    assert refused.value.response.body.decode().startswith(reason_starts)
    assert await apigw.call(apigw.context.backends.store.connections_of_user("alice")) == []  # type: ignore[attr-defined]


async def test_apigw_closes_a_socket_whose_token_expired_on_its_next_frame(apigw: RunningServer) -> None:
    client = await Client.open(apigw.ws_url("soon.alice"))
    await asyncio.sleep(2.0)  # "soon" tokens expire half a second after they are made (the record keeps whole seconds)
    await client.send({"action": "ping"})
    with pytest.raises(ConnectionClosed):
        while True:
            await client.next(timeout=5)
    assert await apigw.call(apigw.context.backends.store.connections_of_user("alice")) == []  # type: ignore[attr-defined]
