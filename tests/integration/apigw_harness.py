"""A local API Gateway (runtime.serverless) with toy Lambda handlers under a real uvicorn server, for the gateway tests."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import uvicorn
from litestar import Litestar

from runtime.serverless.lambda_runtime import LambdaRoutes
from runtime.serverless.local_gateway import GatewaySettings, LocalGateway, local_gateway_routes
from runtime.web.server import MAX_WS_MESSAGE_BYTES, ReadAheadWebSocketProtocol
from tests.integration.test_web_harness import free_socket, start_server_thread


class Recorder:
    """Every event each route received, and how many handlers ran at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.contexts: list[dict[str, Any]] = []
        self.running = 0
        self.peak = 0
        self.gone_during_connect = 0

    def record(self, event: dict[str, Any], context: Any) -> None:
        with self.lock:
            self.events.append(event)
            self.contexts.append(
                {
                    "aws_request_id": context.aws_request_id,
                    "function_name": context.function_name,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                    "arn": context.invoked_function_arn,
                }
            )

    def of(self, route_key: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["requestContext"]["routeKey"] == route_key]

    def wait_for(self, route_key: str, count: int = 1, seconds: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.of(route_key)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.of(route_key)


def management_client(endpoint: str) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def toy_routes(recorder: Recorder, *, with_default: bool = True, timeout: float = 0.5) -> LambdaRoutes:
    """Toy handlers (not the chat ones) that exercise every part of the contract."""
    clients: dict[str, Any] = {}
    lock = threading.Lock()

    def api(event: dict[str, Any]) -> Any:
        context = event["requestContext"]
        endpoint = f"http://{context['domainName']}/{context['stage']}"
        with lock:
            if endpoint not in clients:
                clients[endpoint] = management_client(endpoint)
            return clients[endpoint]

    def post(event: dict[str, Any], data: str | bytes) -> None:
        api(event).post_to_connection(ConnectionId=event["requestContext"]["connectionId"], Data=data)

    def on_connect(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
        recorder.record(event, context)
        token = (event.get("queryStringParameters") or {}).get("token")
        if token == "bad":
            return {"statusCode": 401, "body": "Unauthorized"}
        if token == "boom":
            raise RuntimeError("the connect handler failed")
        if token == "slow":
            time.sleep(timeout * 3)
        if token == "pause":
            time.sleep(timeout / 2)
        if token == "weird":
            return {"statusCode": "two hundred"}
        if token == "early":  # the connection does not exist for the management API until $connect returns
            try:
                post(event, "too early")
            except api(event).exceptions.GoneException:
                recorder.gone_during_connect += 1
        offered = event["headers"].get("Sec-WebSocket-Protocol", "")
        if "chat-lex.v1" in [p.strip() for p in offered.split(",")]:
            return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat-lex.v1"}}
        return {"statusCode": 200}

    def on_disconnect(event: dict[str, Any], context: Any) -> None:
        recorder.record(event, context)

    def on_default(event: dict[str, Any], context: Any) -> dict[str, Any]:
        recorder.record(event, context)
        post(event, json.dumps({"route": "$default", "isBase64Encoded": event["isBase64Encoded"]}))
        return {"statusCode": 200}

    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        recorder.record(event, context)
        post(event, json.loads(event["body"])["text"])
        return {"statusCode": 200}

    def fail(event: dict[str, Any], context: Any) -> None:
        recorder.record(event, context)
        raise ValueError("the handler failed")

    def slow(event: dict[str, Any], context: Any) -> None:
        recorder.record(event, context)
        time.sleep(timeout * 2)

    def marshal(event: dict[str, Any], context: Any) -> Any:
        recorder.record(event, context)
        return {"statusCode": 200, "body": object()}

    def reply(event: dict[str, Any], context: Any) -> dict[str, Any]:
        recorder.record(event, context)
        return {"statusCode": 200, "body": "replied"}

    def block(event: dict[str, Any], context: Any) -> dict[str, Any]:
        recorder.record(event, context)
        with recorder.lock:
            recorder.running += 1
            recorder.peak = max(recorder.peak, recorder.running)
        time.sleep(0.3)
        with recorder.lock:
            recorder.running -= 1
        post(event, "unblocked")
        return {"statusCode": 200}

    def whoami(event: dict[str, Any], context: Any) -> dict[str, Any]:
        recorder.record(event, context)
        found = api(event).get_connection(ConnectionId=event["requestContext"]["connectionId"])
        post(event, json.dumps({"sourceIp": found["Identity"]["SourceIp"], "userAgent": found["Identity"]["UserAgent"]}))
        return {"statusCode": 200}

    def bye(event: dict[str, Any], context: Any) -> dict[str, Any]:
        recorder.record(event, context)
        api(event).delete_connection(ConnectionId=event["requestContext"]["connectionId"])
        return {"statusCode": 200}

    handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {
        "$connect": on_connect,
        "$disconnect": on_disconnect,
        "echo": echo,
        "fail": fail,
        "slow": slow,
        "marshal": marshal,
        "reply": reply,
        "block": block,
        "whoami": whoami,
        "bye": bye,
    }
    if with_default:
        handlers["$default"] = on_default
    return LambdaRoutes(
        handlers,
        route_responses=frozenset({"reply"}),
        default_timeout=timeout,
        timeouts={"block": 5.0, "whoami": 5.0, "bye": 5.0, "echo": 5.0},
    )


class GatewayServer:
    """The gateway mounted in a Litestar app, served by uvicorn in a background thread on a free loopback port."""

    def __init__(self, routes: LambdaRoutes, settings: GatewaySettings | None = None) -> None:
        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.gateway = LocalGateway(routes, settings)
        app = Litestar(route_handlers=local_gateway_routes(self.gateway), lifespan=[self.gateway.lifespan])
        config = uvicorn.Config(
            app,
            ws=ReadAheadWebSocketProtocol,
            ws_per_message_deflate=False,
            ws_max_size=MAX_WS_MESSAGE_BYTES,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))
        self.loop.close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.gateway.settings.stage}"

    def ws_url(self, query: str = "") -> str:
        return f"ws://127.0.0.1:{self.port}{self.gateway.settings.path}" + (f"?{query}" if query else "")

    def start(self) -> GatewayServer:
        start_server_thread(self.server, self.thread, "the gateway test server")
        return self

    async def close_gateway(self) -> None:
        """gateway.close() on the server's loop (what a draining server does before uvicorn's own shutdown)."""
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.gateway.close(), self.loop))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
