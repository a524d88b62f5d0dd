"""The local API Gateway WebSocket gateway under uvicorn: a real websockets client, boto3's management API, toy handlers."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from runtime.serverless.local_gateway import GatewaySettings
from tests.integration.apigw_harness import GatewayServer, Recorder, management_client, toy_routes

CONNECTION_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[GatewayServer]:
    running = GatewayServer(toy_routes(recorder)).start()
    yield running
    running.stop()


async def receive_json(ws: ClientConnection) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def connection_id_of(ws: ClientConnection, recorder: Recorder) -> str:
    """The id of the newest connection, from the frame `whoami` makes the handler answer and the $connect event."""
    await asyncio.sleep(0)
    return str(recorder.of("$connect")[-1]["requestContext"]["connectionId"])


async def test_connect_event_has_api_gateways_shape_and_the_echoed_subprotocol_is_accepted(
    server: GatewayServer, recorder: Recorder
) -> None:
    async with connect(
        server.ws_url("token=good&x=1&x=2"), subprotocols=["chat-lex.v1", "bearer.abc"], user_agent_header="toy-agent/1"
    ) as ws:
        assert ws.subprotocol == "chat-lex.v1"
        await ws.send(json.dumps({"action": "whoami"}))
        assert await receive_json(ws) == {"sourceIp": "127.0.0.1", "userAgent": "toy-agent/1"}
    [event] = recorder.of("$connect")
    context = event["requestContext"]
    assert context["eventType"] == "CONNECT" and context["routeKey"] == "$connect"
    assert CONNECTION_ID.match(context["connectionId"]) and CONNECTION_ID.match(context["requestId"])
    assert context["extendedRequestId"] == context["requestId"]
    assert context["stage"] == "local" and context["apiId"] == "localapigw" and context["messageDirection"] == "IN"
    assert context["domainName"] == f"127.0.0.1:{server.port}"
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "toy-agent/1"}
    assert isinstance(context["connectedAt"], int) and context["requestTimeEpoch"] >= context["connectedAt"]
    assert re.match(r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$", context["requestTime"])
    assert event["queryStringParameters"] == {"token": "good", "x": "2"}
    assert event["multiValueQueryStringParameters"] == {"token": ["good"], "x": ["1", "2"]}
    assert event["headers"]["Sec-WebSocket-Protocol"] == "chat-lex.v1, bearer.abc"
    assert event["multiValueHeaders"]["Sec-WebSocket-Key"] == [event["headers"]["Sec-WebSocket-Key"]]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1" and event["isBase64Encoded"] is False
    message = recorder.of("whoami")[0]["requestContext"]
    assert message["eventType"] == "MESSAGE" and message["connectionId"] == context["connectionId"]
    assert CONNECTION_ID.match(message["messageId"]) and message["connectedAt"] == context["connectedAt"]
    [ctx] = [c for c, e in zip(recorder.contexts, recorder.events, strict=True) if e is recorder.of("whoami")[0]]
    assert ctx["function_name"] == "chat-lex-whoami" and 0 < ctx["remaining_ms"] <= 5000
    assert ctx["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:chat-lex-whoami"
    disconnect = recorder.wait_for("$disconnect")[0]
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000


async def test_connect_without_query_string_gives_null_query_maps(server: GatewayServer, recorder: Recorder) -> None:
    async with connect(server.ws_url()) as ws:
        assert ws.subprotocol is None  # the handler echoed no subprotocol, none was offered
    event = recorder.of("$connect")[0]
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        ("bad", 401, b"Unauthorized"),
        ("boom", 502, b"Internal server error"),
        ("slow", 504, b"Internal server error"),
        ("weird", 502, b"Internal server error"),
    ],
)
async def test_connect_refusal_is_a_real_http_status_and_disconnect_is_not_called(
    server: GatewayServer, recorder: Recorder, token: str, status: int, body: bytes
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(server.ws_url(f"token={token}")):
            pass
    assert refused.value.response.status_code == status
    assert body in refused.value.response.body
    await asyncio.sleep(0.3)
    assert recorder.of("$disconnect") == []
    assert len(server.gateway.table) == 0


@pytest.mark.parametrize(
    ("frame", "route"),
    [
        ('{"action": "reply"}', "reply"),
        ("not json at all", "$default"),
        ('{"action": 5}', "$default"),
        ('{"action": ["reply"]}', "$default"),
        ('{"action": null}', "$default"),
        ('{"action": "__proto__"}', "$default"),
        ('{"action": "constructor"}', "$default"),
        ('{"action": "$disconnect"}', "$default"),
        ('{"action": "$connect"}', "$default"),
        ('{"action": "nosuchroute"}', "$default"),
        ('[{"action": "reply"}]', "$default"),
        ('"reply"', "$default"),
        ("[" * 10_000 + "]" * 10_000, "$default"),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, "$default"),
        ('{"action": "reply", "action": "nosuchroute"}', "$default"),  # the last duplicate key wins, as in JSON parsers
        ('{"action": "re\\u0070ly"}', "reply"),
    ],
)
async def test_route_selection_on_request_body_action(server: GatewayServer, recorder: Recorder, frame: str, route: str) -> None:
    async with connect(server.ws_url()) as ws:
        await ws.send(frame)
        answer = await asyncio.wait_for(ws.recv(), 5)
        assert answer == ("replied" if route == "reply" else json.dumps({"route": "$default", "isBase64Encoded": False}))
    [event] = recorder.of(route)
    assert event["body"] == frame and event["isBase64Encoded"] is False
    assert event["requestContext"]["routeKey"] == route


async def test_binary_frames_go_to_default_base64_encoded(server: GatewayServer, recorder: Recorder) -> None:
    payload = b'{"action": "reply"}\x00\xff'
    async with connect(server.ws_url()) as ws:
        await ws.send(payload)
        assert await receive_json(ws) == {"route": "$default", "isBase64Encoded": True}
    [event] = recorder.of("$default")
    assert base64.b64decode(event["body"]) == payload and event["isBase64Encoded"] is True


async def test_without_default_route_the_client_gets_forbidden(recorder: Recorder) -> None:
    running = GatewayServer(toy_routes(recorder, with_default=False)).start()
    try:
        async with connect(running.ws_url()) as ws:
            await ws.send("hello")
            forbidden = await receive_json(ws)
            connection_id = recorder.of("$connect")[0]["requestContext"]["connectionId"]
            assert forbidden["message"] == "Forbidden" and forbidden["connectionId"] == connection_id
            assert CONNECTION_ID.match(forbidden["requestId"])
            await ws.send(json.dumps({"action": "reply"}))  # a configured route still works
            assert await asyncio.wait_for(ws.recv(), 5) == "replied"
    finally:
        running.stop()


@pytest.mark.parametrize("action", ["fail", "slow", "marshal"])
async def test_integration_errors_give_internal_server_error_and_the_socket_stays_open(
    server: GatewayServer, recorder: Recorder, action: str
) -> None:
    async with connect(server.ws_url()) as ws:
        await ws.send(json.dumps({"action": action}))
        error = await receive_json(ws)
        assert error["message"] == "Internal server error"
        assert error["connectionId"] == recorder.of("$connect")[0]["requestContext"]["connectionId"]
        assert error["requestId"] == recorder.of(action)[0]["requestContext"]["requestId"]
        await ws.send(json.dumps({"action": "echo", "text": "still here"}))
        assert await asyncio.wait_for(ws.recv(), 5) == "still here"
    assert server.gateway.invoker.stats.errors == 1
    assert server.gateway.invoker.stats.timeouts == (1 if action == "slow" else 0)


async def test_management_api_post_get_delete_and_gone(server: GatewayServer, recorder: Recorder) -> None:
    client = management_client(server.endpoint)
    async with connect(server.ws_url(), user_agent_header="toy-agent/2") as ws:
        connection_id = await connection_id_of(ws, recorder)
        found = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)
        assert found["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "toy-agent/2"}
        assert isinstance(found["ConnectedAt"], dt.datetime) and found["LastActiveAt"] >= found["ConnectedAt"]
        assert abs(found["ConnectedAt"].timestamp() * 1000 - recorder.of("$connect")[0]["requestContext"]["connectedAt"]) < 1
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data="héllo".encode())
        assert await asyncio.wait_for(ws.recv(), 5) == "héllo"  # UTF-8: a text frame
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"\xff\xfe\x00")
        assert await asyncio.wait_for(ws.recv(), 5) == b"\xff\xfe\x00"  # not UTF-8: a binary frame
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"x" * 128 * 1024)
        assert len(await asyncio.wait_for(ws.recv(), 5)) == 128 * 1024
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
        await asyncio.to_thread(client.delete_connection, ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1000
    [disconnect] = recorder.wait_for("$disconnect")
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000
    for call in (client.get_connection, client.delete_connection):
        with pytest.raises(client.exceptions.GoneException):
            await asyncio.to_thread(call, ConnectionId=connection_id)
    with pytest.raises(client.exceptions.GoneException):
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"late")
    with pytest.raises(client.exceptions.GoneException):
        await asyncio.to_thread(client.post_to_connection, ConnectionId="AAAAAAAAAAAAAAA=", Data=b"nobody")
    await asyncio.sleep(0.2)
    assert len(recorder.of("$disconnect")) == 1


async def test_management_api_without_a_stage_prefix_and_hostile_ids(server: GatewayServer) -> None:
    client = management_client(f"http://127.0.0.1:{server.port}")
    for hostile in ["../../etc/passwd", "a" * 2000, "%00", "x=y&z", "🙂"]:
        with pytest.raises(client.exceptions.GoneException):
            await asyncio.to_thread(client.get_connection, ConnectionId=hostile)


async def test_unsigned_management_requests_are_forbidden(server: GatewayServer) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        answer = await http.post("/local/@connections/AAAAAAAAAAAAAAA=", content=b"x")
        assert answer.status_code == 403 and answer.headers["x-amzn-ErrorType"] == "ForbiddenException"
        huge = await http.post(
            "/local/@connections/AAAAAAAAAAAAAAA=", content=b"x" * (600 * 1024), headers={"Authorization": "AWS4-HMAC-SHA256 x"}
        )
        assert huge.status_code == 413 and huge.headers["x-amzn-ErrorType"] == "PayloadTooLargeException"


async def test_a_handler_can_delete_its_own_connection(server: GatewayServer, recorder: Recorder) -> None:
    async with connect(server.ws_url()) as ws:
        await ws.send(json.dumps({"action": "bye"}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
    assert len(recorder.wait_for("$disconnect")) == 1


async def test_message_over_128_kb_closes_1009_and_128_kb_is_accepted(server: GatewayServer, recorder: Recorder) -> None:
    async with connect(server.ws_url(), max_size=None) as ws:
        await ws.send("y" * (128 * 1024))
        assert (await receive_json(ws))["route"] == "$default"
        with pytest.raises(ConnectionClosed):  # the close may come while the client is still sending
            await ws.send("y" * (128 * 1024 + 1))
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1009
    [disconnect] = recorder.wait_for("$disconnect")
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1009
    assert len(recorder.of("$default")) == 1
    async with connect(server.ws_url(), max_size=None) as ws:  # far over: the server's own frame limit also closes 1009
        with pytest.raises(ConnectionClosed):
            await ws.send("z" * (2 * 1024 * 1024))
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1009
    assert len(recorder.wait_for("$disconnect", 2)) == 2


async def test_one_connections_frames_are_handled_in_order(server: GatewayServer) -> None:
    async with connect(server.ws_url()) as ws:
        for n in range(30):
            await ws.send(json.dumps({"action": "echo", "text": str(n)}))
        assert [await asyncio.wait_for(ws.recv(), 5) for _ in range(30)] == [str(n) for n in range(30)]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_concurrency_is_bounded_and_excess_invocations_wait(recorder: Recorder) -> None:
    collect = Collect()
    logging.getLogger("chat_lex.apigw").addHandler(collect)
    running = GatewayServer(toy_routes(recorder), GatewaySettings(max_concurrency=2)).start()
    try:
        sockets = [await connect(running.ws_url()) for _ in range(5)]
        for ws in sockets:
            await ws.send(json.dumps({"action": "block"}))
        assert [await asyncio.wait_for(ws.recv(), 10) for ws in sockets] == ["unblocked"] * 5
        assert recorder.peak == 2
        stats = running.gateway.invoker.stats
        assert stats.peak_concurrency == 2 and stats.throttled >= 3 and stats.wait_ms_total > 0
        throttled = [r for r in collect.records if r.getMessage() == "throttled"]
        assert len(throttled) == stats.throttled and "for one of 2 slots" in throttled[-1].reason
        for ws in sockets:
            await ws.close()
    finally:
        logging.getLogger("chat_lex.apigw").removeHandler(collect)
        running.stop()


@pytest.mark.parametrize(
    ("settings", "activity"),
    [
        (GatewaySettings(idle_timeout_seconds=0.4), False),
        (GatewaySettings(idle_timeout_seconds=0.4, max_connection_seconds=1.2), True),
    ],
)
async def test_idle_and_maximum_duration_close_with_1001(recorder: Recorder, settings: GatewaySettings, activity: bool) -> None:
    running = GatewayServer(toy_routes(recorder), settings).start()
    try:
        async with connect(running.ws_url()) as ws:
            loop = asyncio.get_running_loop()
            started = loop.time()
            if activity:  # messages keep it from going idle, but not past the maximum duration
                with pytest.raises(ConnectionClosed):
                    while True:
                        await ws.send(json.dumps({"action": "reply"}))
                        await asyncio.wait_for(ws.recv(), 5)
                        await asyncio.sleep(0.1)
            else:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
            elapsed = loop.time() - started
            assert ws.close_code == 1001 and ws.close_reason == "Going away"
            assert (1.1 <= elapsed < 3) if activity else (0.3 <= elapsed < 2)
        [disconnect] = recorder.wait_for("$disconnect")
        assert disconnect["requestContext"]["disconnectStatusCode"] == 1001
    finally:
        running.stop()


async def test_gateway_close_says_going_away_and_disconnects_each_once(server: GatewayServer, recorder: Recorder) -> None:
    sockets = [await connect(server.ws_url()) for _ in range(3)]
    await server.close_gateway()
    for ws in sockets:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1001
    assert len(recorder.of("$disconnect")) == 3
    assert {e["requestContext"]["connectionId"] for e in recorder.of("$disconnect")} == {
        e["requestContext"]["connectionId"] for e in recorder.of("$connect")
    }
    with pytest.raises(InvalidStatus) as refused:  # a closed gateway refuses new sockets
        await connect(server.ws_url())
    assert refused.value.response.status_code == 503


async def test_server_shutdown_disconnects_each_connection_once(recorder: Recorder) -> None:
    running = GatewayServer(toy_routes(recorder)).start()
    sockets = [await connect(running.ws_url()) for _ in range(2)]
    await asyncio.to_thread(running.stop)
    for ws in sockets:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
    assert len(recorder.of("$disconnect")) == 2


async def test_client_close_gives_its_code_and_reason_to_disconnect(server: GatewayServer, recorder: Recorder) -> None:
    ws = await connect(server.ws_url())
    await ws.close(4000, "leaving now")
    [disconnect] = recorder.wait_for("$disconnect")
    context = disconnect["requestContext"]
    assert context["disconnectStatusCode"] == 4000 and "leaving now" in context["disconnectReason"]
    await asyncio.sleep(0.2)
    assert len(recorder.of("$disconnect")) == 1


async def test_boto3_signing_errors_are_client_errors(server: GatewayServer) -> None:
    """A botocore ClientError carries the error code parsed from our x-amzn-ErrorType header."""
    client = management_client(server.endpoint)
    with pytest.raises(botocore.exceptions.ClientError) as gone:
        await asyncio.to_thread(client.get_connection, ConnectionId="AAAAAAAAAAAAAAA=")
    assert gone.value.response["Error"]["Code"] == "GoneException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


async def test_posting_to_a_connection_during_its_connect_is_gone(server: GatewayServer, recorder: Recorder) -> None:
    async with connect(server.ws_url("token=early")) as ws:
        await ws.send(json.dumps({"action": "reply"}))
        assert await asyncio.wait_for(ws.recv(), 5) == "replied"  # "too early" never arrived
    assert recorder.gone_during_connect == 1


async def test_gateway_close_during_connect_lets_it_finish_then_says_going_away(server: GatewayServer, recorder: Recorder) -> None:
    opening = asyncio.ensure_future(connect(server.ws_url("token=pause")))
    await asyncio.to_thread(recorder.wait_for, "$connect")
    await server.close_gateway()  # returns once the socket that was being let in has had its $disconnect
    assert len(recorder.of("$disconnect")) == 1
    ws = await opening
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 1001
