"""The API Gateway handlers (runtime/serverless/chat_handlers.py) on moto: DynamoDB is the store and
`apigatewaymanagementapi` takes the posts, the tokens are the local provider's, the bot is the seed on the local engine.

moto's management API keeps what was posted to a connection as one byte string (frames concatenated) and never
answers GoneException (any id exists), so the Gone path runs against the project's local gateway instead, whose
management API answers 410 for an id it has no socket for.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
from moto import mock_aws
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from websockets.asyncio.client import connect

from bot_spec import SEED_BOT_DIR
from runtime.auth.local import LocalIdentityProvider
from runtime.auth.signing_keys import load_or_create_signing_key
from runtime.chat.bot_participant import BotParticipant, BotTarget
from runtime.lex.engine import local_runtime_for
from runtime.serverless.chat_connections import Boto3ManagementApi, ManagementApi
from runtime.serverless.chat_handlers import ServerlessChat, ServerlessSettings, ServerlessStore
from runtime.serverless.lambda_entry import endpoint_of
from runtime.store import open_store
from runtime.store.dynamodb_store import DynamoDbStore
from runtime.web.handshake import token_and_subprotocol
from tests.integration.apigw_harness import GatewayServer, Recorder, management_client, toy_routes

ISSUER = "http://localhost:8000/local"
PASSWORD = "Sup3r-secret"
REGION = "us-east-1"
DOMAIN = "abc123.execute-api.us-east-1.amazonaws.com"  # moto serves the management API of any execute-api host
PREFIX = "sls-"


class Timeline:
    """What happened, in order: each PostToConnection (connection, frame type) and each Lex RecognizeText."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str]] = []

    def types_to(self, connection_id: str) -> list[str]:
        return [kind for what, cid, kind in self.entries if what == "post" and cid == connection_id]

    def lex_calls(self) -> list[str]:
        return [text for what, _, text in self.entries if what == "lex"]


class RecordingManagementClient:
    """The real moto-backed boto3 client; every post is recorded on the timeline before it is made."""

    def __init__(self, client: Any, timeline: Timeline) -> None:
        self._client = client
        self._timeline = timeline

    def post_to_connection(self, *, ConnectionId: str, Data: bytes) -> Any:
        self._timeline.entries.append(("post", ConnectionId, json.loads(Data)["type"]))
        return self._client.post_to_connection(ConnectionId=ConnectionId, Data=Data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class RecordingEngine:
    """The seed bot's local engine; every RecognizeText is recorded on the timeline."""

    def __init__(self, engine: Any, timeline: Timeline) -> None:
        self._engine = engine
        self._timeline = timeline

    def recognize_text(self, **request: Any) -> Any:
        self._timeline.entries.append(("lex", request["sessionId"], request["text"]))
        return self._engine.recognize_text(**request)


def moto_frames(connection_id: str) -> list[dict[str, Any]]:
    """What moto's management API received for a connection, split back into frames."""
    data = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION].connections[connection_id].data.decode()
    decoder, frames, at = json.JSONDecoder(), [], 0
    while at < len(data):
        frame, at = decoder.raw_decode(data, at)
        frames.append(frame)
    return frames


def request_context(connection_id: str, route_key: str, event_type: str, domain: str = DOMAIN) -> dict[str, Any]:
    return {"routeKey": route_key, "eventType": event_type, "connectionId": connection_id, "domainName": domain, "stage": "prod"}


def connect_event(connection_id: str, *, query: dict[str, str] | None = None, protocols: str | None = None) -> dict[str, Any]:
    headers = {"Host": DOMAIN}
    if protocols is not None:
        headers["Sec-WebSocket-Protocol"] = protocols
    return {
        "headers": headers,
        "queryStringParameters": query,
        "requestContext": request_context(connection_id, "$connect", "CONNECT"),
        "isBase64Encoded": False,
    }


def message_event(connection_id: str, body: str | dict[str, Any], *, binary: bool = False, domain: str = DOMAIN) -> dict[str, Any]:
    return {
        "requestContext": request_context(connection_id, "$default", "MESSAGE", domain),
        "body": body if isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": binary,
    }


def disconnect_event(connection_id: str) -> dict[str, Any]:
    return {"requestContext": request_context(connection_id, "$disconnect", "DISCONNECT")}


def settle_in_minute(margin: float = 5.0) -> None:
    """The store's rate counters use fixed one-minute windows: start a counting test well inside one."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.1)


class World:
    """DynamoDB tables, the identity provider and the seed bot on moto; `chat()` makes a Lambda instance over them."""

    def __init__(self, key_dir: Path) -> None:
        self.timeline = Timeline()
        self.key_dir = key_dir
        self.store = cast(ServerlessStore, open_store("dynamodb", table_prefix=PREFIX, region=REGION))
        assert isinstance(self.store, DynamoDbStore)
        self.store.create_tables()
        self.stores: list[ServerlessStore] = [self.store]
        self.identity = LocalIdentityProvider(self.store, key_dir, ISSUER, "web-client")
        engine, deployment = local_runtime_for(SEED_BOT_DIR)
        self.target = BotTarget(deployment.bot_id, deployment.alias_id, sorted(deployment.locale_ids)[0])
        self.engine = RecordingEngine(engine, self.timeline)
        self._apis: dict[str, ManagementApi] = {}

    def api_for(self, event: dict[str, Any]) -> ManagementApi:
        endpoint = endpoint_of(event)
        if endpoint not in self._apis:
            client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, region_name=REGION)
            self._apis[endpoint] = Boto3ManagementApi(RecordingManagementClient(client, self.timeline))
        return self._apis[endpoint]

    def chat(self, *, separate_store: bool = False, bot: bool = True, **settings: Any) -> ServerlessChat:
        store = self.store
        if separate_store:  # another Lambda instance: its own store client over the same tables
            store = cast(ServerlessStore, open_store("dynamodb", table_prefix=PREFIX, region=REGION))
            self.stores.append(store)
        participant = BotParticipant(self.engine, self.target, timeout=10) if bot else None
        return ServerlessChat(store, self.identity, participant, self.api_for, token_and_subprotocol, ServerlessSettings(**settings))

    async def token(self, username: str, *, issued_ago: float = 0.0) -> str:
        """An access token of `username` (signed up on first use), issued `issued_ago` seconds ago (1 h lifetime)."""
        past = LocalIdentityProvider(self.store, self.key_dir, ISSUER, "web-client", clock=lambda: time.time() - issued_ago)
        if await self.store.get_user_by_username(username) is None:
            await past.sign_up(username, PASSWORD, f"{username}@example.com", username.capitalize())
        return (await past.sign_in(username, PASSWORD)).access_token

    async def connected(self, chat: ServerlessChat, connection_id: str, username: str, *, hello: bool = True) -> None:
        answer = await chat.connect(connect_event(connection_id, query={"token": await self.token(username)}))
        assert answer["statusCode"] == 200, answer
        if hello:
            await chat.message(message_event(connection_id, {"action": "hello"}))


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One key pair for the module (making an RSA key per test is the slow part); providers only read it."""
    folder = tmp_path_factory.mktemp("keys")
    load_or_create_signing_key(folder)
    return folder


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield


@pytest.fixture
async def world(aws: None, key_dir: Path) -> AsyncIterator[World]:
    made = World(key_dir)
    yield made
    for store in made.stores:
        await store.close()


def private_of(frames: list[dict[str, Any]]) -> str:
    [welcome] = [f for f in frames if f["type"] == "WELCOME"]
    return str(next(c["conversationId"] for c in welcome["conversations"] if c["kind"] == "private"))


def errors_of(frames: list[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in frames if f["type"] == "ERROR"]


# -- $connect -----------------------------------------------------------------------------------------------------


async def test_connect_takes_the_token_from_the_query_and_records_the_connection(world: World) -> None:
    chat = world.chat()
    answer = await chat.connect(connect_event("c-query", query={"token": await world.token("alice"), "tz": "Europe/Paris"}))
    assert answer["statusCode"] == 200 and "headers" not in answer
    record = await world.store.get_connection("c-query")
    assert record is not None and record.display_name == "Alice"
    assert record.attributes["tz"] == "Europe/Paris" and int(record.attributes["exp"]) > time.time()


async def test_connect_takes_the_token_from_the_subprotocols_and_answers_only_the_protocol_name(world: World) -> None:
    chat = world.chat()
    token = await world.token("alice")
    answer = await chat.connect(connect_event("c-proto", protocols=f"chat-lex.v1, bearer.{token}"))
    assert answer["statusCode"] == 200
    assert answer["headers"] == {"Sec-WebSocket-Protocol": "chat-lex.v1"}  # never the bearer entry
    assert await world.store.get_connection("c-proto") is not None


@pytest.mark.parametrize("case", ["missing", "garbage", "expired", "tampered", "empty-bearer"])
async def test_connect_refuses_a_bad_token_with_401_and_records_nothing(world: World, case: str) -> None:
    chat = world.chat()
    good = await world.token("alice")
    event = {
        "missing": connect_event("c-bad", protocols="chat-lex.v1"),
        "garbage": connect_event("c-bad", query={"token": "not.a.jwt"}),
        "expired": connect_event("c-bad", query={"token": await world.token("alice", issued_ago=3700)}),
        "tampered": connect_event("c-bad", query={"token": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")}),
        "empty-bearer": connect_event("c-bad", protocols="chat-lex.v1, bearer."),
    }[case]
    answer = await chat.connect(event)
    assert answer["statusCode"] == 401 and answer["body"]
    if case == "expired":
        assert answer["body"].startswith("TokenExpired")
    assert await world.store.get_connection("c-bad") is None
    assert await world.store.connections_of_user((await world.identity.verify(good)).user_id) == []


async def test_connect_refuses_a_user_over_the_connection_limit_with_429(world: World) -> None:
    chat = world.chat(max_connections_per_user=2)
    token = await world.token("alice")
    for n in range(2):
        assert (await chat.connect(connect_event(f"c-{n}", query={"token": token})))["statusCode"] == 200
    answer = await chat.connect(connect_event("c-2", query={"token": token}))
    assert answer["statusCode"] == 429 and "limit 2" in answer["body"]
    assert await world.store.get_connection("c-2") is None
    assert (await chat.connect(connect_event("c-bob", query={"token": await world.token("bob")})))["statusCode"] == 200  # per user


async def test_an_event_without_request_context_is_refused_clearly(world: World) -> None:
    chat = world.chat()
    for route in (chat.connect, chat.disconnect, chat.message):
        with pytest.raises(ValueError, match=r"requestContext\.connectionId is missing"):
            await route({"body": "{}"})
        with pytest.raises(ValueError, match="not an API Gateway WebSocket event"):
            await route({"requestContext": {"connectionId": 42}})


# -- $disconnect --------------------------------------------------------------------------------------------------


async def test_disconnect_forgets_the_connection_and_is_idempotent(world: World) -> None:
    chat = world.chat()
    await world.connected(chat, "c-1", "alice")
    assert (await chat.disconnect(disconnect_event("c-1")))["statusCode"] == 200
    assert await world.store.get_connection("c-1") is None
    assert (await chat.disconnect(disconnect_event("c-1")))["statusCode"] == 200  # API Gateway may deliver it twice
    assert (await chat.disconnect(disconnect_event("never-seen")))["statusCode"] == 200
    assert (await chat.message(message_event("c-1", {"action": "ping"})))["statusCode"] == 410


# -- messages -----------------------------------------------------------------------------------------------------


async def test_hello_gets_welcome_once(world: World) -> None:
    chat = world.chat()
    await world.connected(chat, "c-1", "alice", hello=False)
    assert moto_frames("c-1") == []  # nothing can be posted during $connect: WELCOME answers hello
    await chat.message(message_event("c-1", {"action": "hello"}))
    [welcome] = moto_frames("c-1")
    assert welcome["type"] == "WELCOME" and welcome["connectionId"] == "c-1" and welcome["displayName"] == "Alice"
    assert [loc["localeId"] for loc in welcome["locales"]] and welcome["defaultLocale"] == world.target.locale_id
    await world.chat(separate_store=True).message(message_event("c-1", {"action": "hello"}))  # another instance knows
    await chat.message(message_event("c-1", {"action": "hello"}))
    assert len(moto_frames("c-1")) == 1


async def test_help_is_acked_and_delivered_before_the_bot_is_asked(world: World) -> None:
    chat = world.chat()
    await world.connected(chat, "c-1", "alice")
    conversation = private_of(moto_frames("c-1"))
    world.timeline.entries.clear()
    send = {"action": "sendmessage", "conversationId": conversation, "message": "help", "clientMessageId": "m-1"}
    assert (await chat.message(message_event("c-1", send)))["statusCode"] == 200
    assert world.timeline.types_to("c-1") == ["ACK", "USER_MESSAGE", "BOT_TYPING", "BOT_RESPONSE", "BOT_TYPING"]
    kinds = [what if what == "lex" else kind for what, _, kind in world.timeline.entries]
    assert kinds.index("ACK") < kinds.index("lex") and kinds.index("USER_MESSAGE") < kinds.index("lex")
    assert world.timeline.lex_calls() == ["help"]
    frames = moto_frames("c-1")[1:]  # after WELCOME
    ack, user, typing, answer, done = frames
    assert ack["clientMessageId"] == "m-1" and ack["duplicate"] is False
    assert user["message"]["messageId"] == ack["messageId"] and user["message"]["content"] == "help"
    assert typing["typing"] is True and done["typing"] is False
    assert answer["message"]["content"].startswith("I can help you") and answer["message"]["metadata"]["intent"] == "Help"
    stored = (await world.store.history(conversation, limit=10)).messages
    assert [m.content for m in stored] == ["help", answer["message"]["content"]]


async def test_status_answers_with_a_response_card(world: World) -> None:
    chat = world.chat()
    await world.connected(chat, "c-1", "alice")
    conversation = private_of(moto_frames("c-1"))
    send = {"action": "sendmessage", "conversationId": conversation, "message": "Status", "clientMessageId": "m-s"}
    await chat.message(message_event("c-1", send))
    cards = [f["message"]["metadata"].get("responseCard") for f in moto_frames("c-1") if f["type"] == "BOT_RESPONSE"]
    assert any(card and card["buttons"] for card in cards), cards


async def test_room_messages_fan_out_to_every_members_connections(world: World) -> None:
    chat = world.chat()
    await world.connected(chat, "a-1", "alice")
    await world.connected(chat, "a-2", "alice")
    await world.connected(chat, "b-1", "bob")
    alice = moto_frames("a-1")[0]["userId"]
    room = await world.store.create_room("Team", alice, bot_mode="never")  # as POST /api/rooms does; the owner is a member
    await chat.message(message_event("b-1", {"action": "join", "conversationId": room.conversation_id, "requestId": "j"}))
    assert [f["type"] for f in moto_frames("b-1")][-1] == "JOINED"
    send = {"action": "sendmessage", "conversationId": room.conversation_id, "message": "hi all", "clientMessageId": "r-1"}
    await chat.message(message_event("a-1", send))
    for connection_id in ("a-1", "a-2", "b-1"):
        delivered = [f for f in moto_frames(connection_id) if f["type"] == "USER_MESSAGE"]
        assert [f["message"]["content"] for f in delivered] == ["hi all"], connection_id
    assert [f["type"] for f in moto_frames("a-1")].count("ACK") == 1
    assert "ACK" not in [f["type"] for f in moto_frames("a-2") + moto_frames("b-1")]
    assert world.timeline.lex_calls() == []  # botMode never


async def test_idempotency_holds_across_two_lambda_instances(world: World) -> None:
    first, second = world.chat(bot=False), world.chat(separate_store=True, bot=False)
    await world.connected(first, "c-1", "alice")
    conversation = private_of(moto_frames("c-1"))
    send = {"action": "sendmessage", "conversationId": conversation, "message": "once", "clientMessageId": "same"}
    await first.message(message_event("c-1", send))
    await second.message(message_event("c-1", send))
    acks = [f for f in moto_frames("c-1") if f["type"] == "ACK"]
    assert [a["duplicate"] for a in acks] == [False, True] and acks[0]["messageId"] == acks[1]["messageId"]
    assert [f["type"] for f in moto_frames("c-1")].count("USER_MESSAGE") == 1  # nothing delivered twice
    assert [m.content for m in (await world.store.history(conversation, limit=10)).messages] == ["once"]


async def test_the_rate_limit_counts_frames_from_both_instances(world: World) -> None:
    first, second = world.chat(bot=False, rate_per_minute=4), world.chat(separate_store=True, bot=False, rate_per_minute=4)
    await world.connected(first, "c-1", "alice")
    conversation = private_of(moto_frames("c-1"))
    settle_in_minute()
    history = {"action": "history", "conversationId": conversation}
    for chat in (first, second, first, second):
        await chat.message(message_event("c-1", history))
    assert errors_of(moto_frames("c-1")) == []
    await second.message(message_event("c-1", {"action": "ping"}))  # not counted
    await first.message(message_event("c-1", history))
    frames = moto_frames("c-1")
    assert [f["type"] for f in frames].count("HISTORY") == 4 and frames[-2]["type"] == "PONG"
    assert errors_of(frames) == ["RATE_LIMITED"]


@pytest.mark.parametrize(
    ("body", "binary", "code"),
    [
        ("not json", False, "BAD_JSON"),
        ("[1, 2]", False, "BAD_FRAME"),
        ('{"message": "no action"}', False, "BAD_FRAME"),
        ('{"action": "$connect"}', False, "UNKNOWN_ACTION"),
        ('{"action": "sendmessage", "conversationId": "x", "message": "m", "clientMessageId": "c", "admin": true}', False, "BAD_FRAME"),
        ('{"action": "history", "conversationId": {"$gt": ""}}', False, "BAD_FRAME"),
        ('{"action": "ping", "requestId": "' + "r" * 65 + '"}', False, "BAD_FRAME"),
        ("[" * 10_000 + "]" * 10_000, False, "FRAME_TOO_LARGE"),
        ('{"action": "ping", "pad": "' + "x" * 16_400 + '"}', False, "FRAME_TOO_LARGE"),
        ("eyJhY3Rpb24iOiAicGluZyJ9", True, "BAD_JSON"),  # base64 of a ping, but binary frames are refused
        ("", False, "BAD_JSON"),
    ],
)
async def test_malformed_oversized_binary_and_hostile_frames_get_the_protocols_error(
    world: World, body: str, binary: bool, code: str
) -> None:
    chat = world.chat(bot=False)
    await world.connected(chat, "c-1", "alice")
    assert (await chat.message(message_event("c-1", body, binary=binary)))["statusCode"] == 200
    assert errors_of(moto_frames("c-1")) == [code]
    assert await world.store.get_connection("c-1") is not None  # an ERROR does not close


async def test_deep_nesting_under_the_size_limit_is_a_clean_error(world: World) -> None:
    chat = world.chat(bot=False)
    await world.connected(chat, "c-1", "alice")
    await chat.message(message_event("c-1", "[" * 5000 + "]" * 5000))
    assert errors_of(moto_frames("c-1")) in (["BAD_JSON"], ["BAD_FRAME"])


async def test_the_21st_malformed_frame_in_a_minute_closes_the_connection(world: World) -> None:
    first, second = world.chat(bot=False), world.chat(separate_store=True, bot=False)
    await world.connected(first, "c-1", "alice")
    settle_in_minute(15)
    for n in range(20):
        await (first if n % 2 else second).message(message_event("c-1", "{bad"))
        assert await world.store.get_connection("c-1") is not None, n
    assert errors_of(moto_frames("c-1")) == ["BAD_JSON"] * 20
    await first.message(message_event("c-1", "{bad"))
    assert await world.store.get_connection("c-1") is None  # closed: DeleteConnection, record gone
    assert (await first.message(message_event("c-1", {"action": "ping"})))["statusCode"] == 410


async def test_an_unknown_connection_gets_410(world: World) -> None:
    answer = await world.chat().message(message_event("nobody", {"action": "ping"}))
    assert answer["statusCode"] == 410 and "reconnect" in answer["body"]
    assert world.timeline.entries == []


async def test_an_expired_token_closes_the_connection_on_the_next_frame(world: World) -> None:
    chat = world.chat()
    token = await world.token("alice", issued_ago=3600 - 4)  # 4 s left
    assert (await chat.connect(connect_event("c-1", query={"token": token})))["statusCode"] == 200
    await chat.message(message_event("c-1", {"action": "hello"}))
    conversation = private_of(moto_frames("c-1"))
    record = await world.store.get_connection("c-1")
    assert record is not None
    await asyncio.sleep(max(0.0, int(record.attributes["exp"]) - time.time() + 0.5))  # past the token's expiry
    send = {"action": "sendmessage", "conversationId": conversation, "message": "help", "clientMessageId": "late"}
    assert (await chat.message(message_event("c-1", send)))["statusCode"] == 200
    assert await world.store.get_connection("c-1") is None
    assert world.timeline.lex_calls() == [] and (await world.store.history(conversation, limit=10)).messages == []


async def test_a_signed_out_session_closes_the_connection_on_the_next_frame(world: World) -> None:
    chat = world.chat(bot=False)
    token = await world.token("alice")
    assert (await chat.connect(connect_event("c-1", query={"token": token})))["statusCode"] == 200
    await world.identity.sign_out(token)
    await chat.message(message_event("c-1", {"action": "ping"}))
    assert await world.store.get_connection("c-1") is None


# -- GoneException, against the local gateway (moto has no Gone) ---------------------------------------------------


async def test_gone_connections_are_deleted_but_not_those_still_in_connect(world: World) -> None:
    """API Gateway answers Gone for a closed connection and for one whose $connect has not returned yet: the first is
    forgotten; the second is kept, or its client would never be known (its hello answered 410, no WELCOME)."""
    gateway = GatewayServer(toy_routes(Recorder())).start()
    try:
        domain = f"127.0.0.1:{gateway.port}"
        local_api = Boto3ManagementApi(management_client(f"http://{domain}/local"))
        chat = ServerlessChat(world.store, world.identity, None, lambda event: local_api, token_and_subprotocol)
        async with connect(gateway.ws_url("token=good")) as ws:
            await asyncio.sleep(0.05)
            live = str(gateway.gateway.table.all()[0].connection_id)
            token = await world.token("alice")
            assert (await chat.connect(connect_event(live, query={"token": token})))["statusCode"] == 200
            alice = (await world.identity.verify(token)).user_id
            # stale-1: its client left an hour ago without $disconnect reaching us; nothing swept it yet.
            await world.store.put_connection("stale-1", alice, "Alice", connected_at=time.time() - 3600, ttl_seconds=86400)
            # bob-1: bob's $connect has just recorded it; the gateway does not know it yet (Gone, as API Gateway answers).
            assert (await chat.connect(connect_event("bob-1", query={"token": await world.token("bob")})))["statusCode"] == 200
            bob = (await world.store.get_connection("bob-1")).user_id  # type: ignore[union-attr]
            room = await world.store.create_room("Team", alice, bot_mode="never")
            await world.store.add_member(room.conversation_id, bob)
            send = {"action": "sendmessage", "conversationId": room.conversation_id, "message": "hi", "clientMessageId": "g-1"}
            await chat.message(message_event(live, send, domain=domain))
            received = [json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] for _ in range(2)]
            assert received == ["ACK", "USER_MESSAGE"]
            assert await world.store.get_connection("stale-1") is None  # Gone: forgotten
            assert await world.store.get_connection(live) is not None
            assert await world.store.get_connection("bob-1") is not None  # still connecting: kept
            assert (await chat.message(message_event("bob-1", {"action": "hello"}, domain=domain)))["statusCode"] == 200
    finally:
        gateway.stop()
