"""The local API Gateway's parts alone: route tables, settings, ids, events, route selection, the invoker, the loopback rule."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from runtime.serverless import apigw_events as events
from runtime.serverless.lambda_runtime import INTEGRATION_TIMEOUT_SECONDS, Invoker, LambdaRoutes
from runtime.serverless.local_gateway import GatewaySettings, LocalGateway, local_gateway_routes
from runtime.web.static_routes import static_router


def nothing(event: dict[str, Any], context: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"handlers": {"": nothing}}, "non-empty string"),
        ({"handlers": {"x" * 129: nothing}}, "at most 128"),
        ({"handlers": {"$connects": nothing}}, "only $connect, $disconnect and $default"),
        ({"handlers": {"echo": "not callable"}}, "must be a callable"),
        ({"handlers": {"echo": nothing}, "timeouts": {"other": 1.0}}, "has no handler"),
        ({"handlers": {"echo": nothing}, "timeouts": {"echo": 0}}, "0 < seconds <= 900"),
        ({"handlers": {"echo": nothing}, "default_timeout": 901}, "0 < seconds <= 900"),
        ({"handlers": {"echo": nothing}, "route_responses": frozenset({"other"})}, "without a handler"),
    ],
)
def test_lambda_routes_refuse_bad_tables_with_a_clear_message(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        LambdaRoutes(**kwargs)


def test_timeouts_are_capped_by_the_integration_timeout_and_names_are_lambda_names() -> None:
    routes = LambdaRoutes({"$connect": nothing, "slow": nothing}, timeouts={"slow": 300.0}, default_timeout=3.0)
    assert routes.timeout_of("slow") == INTEGRATION_TIMEOUT_SECONDS and routes.timeout_of("$connect") == 3.0
    assert routes.function_name("$connect") == "chat-lex-connect" and routes.function_name("a.b/c") == "chat-lex-abc"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"path": "ws"}, "absolute path"),
        ({"path": "/ws/{id}"}, "absolute path"),
        ({"stage": "a/b"}, "stage"),
        ({"stage": ""}, "stage"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_message_bytes": 128 * 1024 + 1}, "131072"),
        ({"idle_timeout_seconds": 0}, "positive"),
    ],
)
def test_gateway_settings_refuse_bad_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GatewaySettings(**kwargs)


def test_ids_look_like_api_gateways_and_are_url_safe() -> None:
    ids = {events.new_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", i) for i in ids)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"action": "send"}', "send"),
        ('{"action": "Send"}', "$default"),  # route keys are case-sensitive
        ('{"action": " send"}', "$default"),
        ('{"action": "$default"}', "$default"),
        ('{"action": true}', "$default"),
        ('{"action": {"send": 1}}', "$default"),
        ("{", "$default"),
        ("", "$default"),
        ("\x00\x01", "$default"),
        ("[" * 100_000, "$default"),
        ('{"x":' * 100_000, "$default"),
        (b'{"action": "send"}', "$default"),  # binary frames are not parsed
    ],
)
def test_route_selection(body: str | bytes, expected: str) -> None:
    assert events.select_route(body, {"send": nothing, "$default": nothing}) == expected


def test_route_selection_without_default_is_none() -> None:
    assert events.select_route("hello", {"send": nothing}) is None
    assert events.select_route('{"action": "send"}', {"send": nothing}) == "send"


def test_query_and_header_maps() -> None:
    assert events.query_maps(b"") == (None, None)
    single, multi = events.query_maps(b"token=a%20b&x=1&x=2&empty=")
    assert single == {"token": "a b", "x": "2", "empty": ""} and multi == {"token": ["a b"], "x": ["1", "2"], "empty": [""]}
    peer = events.Peer("AAAAAAAAAAAAAAA=", 1_700_000_000_000, "127.0.0.1", "ua", "localhost:1")
    raw = [(b"sec-websocket-key", b"k"), (b"x-custom", b"1"), (b"x-custom", b"2")]
    headers, multi_headers = events.header_maps(raw, peer, "http", 8000)
    assert headers["Sec-WebSocket-Key"] == "k" and headers["X-Custom"] == "2" and multi_headers["X-Custom"] == ["1", "2"]
    assert headers["X-Forwarded-Port"] == "8000" and headers["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_disconnect_and_message_events_carry_their_fields() -> None:
    api = events.ApiStage("abcdefghij", "prod")
    peer = events.Peer("AAAAAAAAAAAAAAA=", 1_700_000_000_000, "127.0.0.1", "ua", "localhost:1")
    gone = events.disconnect_event(api, peer, "BBBBBBBBBBBBBBB=", 1001, "Going away")
    assert gone["requestContext"]["disconnectStatusCode"] == 1001 and gone["requestContext"]["disconnectReason"] == "Going away"
    assert gone["requestContext"]["eventType"] == "DISCONNECT" and gone["requestContext"]["stage"] == "prod"
    binary = events.message_event(api, peer, "$default", "CCCCCCCCCCCCCCC=", b"\xff")
    assert binary["body"] == "/w==" and binary["isBase64Encoded"] is True and "messageId" in binary["requestContext"]


async def test_invoker_bounds_concurrency_times_out_and_reports_marshal_errors() -> None:
    lock = threading.Lock()
    running = [0, 0]

    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return {"remaining": context.get_remaining_time_in_millis()}

    def stuck(event: dict[str, Any], context: Any) -> None:
        time.sleep(0.5)

    def unmarshallable(event: dict[str, Any], context: Any) -> Any:
        return {1, 2}

    routes = LambdaRoutes({"slow": slow, "stuck": stuck, "bad": unmarshallable}, timeouts={"stuck": 0.1}, default_timeout=2.0)
    invoker = Invoker(routes, 2, region="eu-west-1", account_id="123456789012")
    try:
        outcomes = await asyncio.gather(*(invoker.invoke("slow", {}) for _ in range(6)))
        assert all(o.ok for o in outcomes) and running[1] == 2
        # each handler's clock started when it ran, not when it queued
        assert all(1500 < o.result["remaining"] <= 2000 for o in outcomes)
        assert invoker.stats.throttled == 4 and max(o.waited_ms for o in outcomes) >= 150
        timed_out = await invoker.invoke("stuck", {})
        assert timed_out.timed_out and timed_out.error == "Task timed out after 0.10 seconds"
        bad = await invoker.invoke("bad", {})
        assert not bad.ok and bad.error is not None and bad.error.startswith("Runtime.MarshalError")
        assert len({o.aws_request_id for o in outcomes}) == 6
    finally:
        invoker.close()
    after = await invoker.invoke("slow", {})
    assert after.error == "the gateway is shutting down"


def test_management_api_refuses_callers_off_this_machine_unless_allowed() -> None:
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/execute-api/aws4_request"}
    for allow, status in ((False, 403), (True, 410)):
        gateway = LocalGateway(LambdaRoutes({"$default": nothing}), GatewaySettings(allow_remote_management=allow))
        app = Litestar(route_handlers=[static_router, *local_gateway_routes(gateway)])
        with TestClient(app) as client:  # its client host is "testclient", not a loopback address
            answer = client.get("/local/@connections/AAAAAAAAAAAAAAA=", headers=signed)
            assert answer.status_code == status
            assert answer.headers["x-amzn-ErrorType"] == ("ForbiddenException" if status == 403 else "GoneException")
            assert client.post("/@connections/AAAAAAAAAAAAAAA=", content=b"x", headers=signed).status_code == status
        gateway.invoker.close()


def test_post_limit_is_128_kb_even_in_an_app_with_a_smaller_body_limit() -> None:
    """The chat app caps bodies at 64 KB; PostToConnection's own limit (128 KB) must still hold on its route."""
    gateway = LocalGateway(LambdaRoutes({"$default": nothing}), GatewaySettings(allow_remote_management=True))
    app = Litestar(route_handlers=local_gateway_routes(gateway), request_max_body_size=64 * 1024)
    signed = {"Authorization": "AWS4-HMAC-SHA256 x"}
    with TestClient(app) as client:
        for size, status, code in ((128 * 1024, 410, "GoneException"), (128 * 1024 + 1, 413, "PayloadTooLargeException")):
            answer = client.post("/local/@connections/AAAAAAAAAAAAAAA=", content=b"x" * size, headers=signed)
            assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (status, code)
    gateway.invoker.close()
