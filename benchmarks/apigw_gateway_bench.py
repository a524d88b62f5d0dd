"""Round trips through the local API Gateway (runtime/serverless): a frame in, a Lambda handler, a frame back.

Two toy handlers (not the chat ones): ``post_to_connection`` answers through boto3's apigatewaymanagementapi into
the same server, as the serverless chat handlers do; ``route response`` answers with its return value (no boto3
call), the floor of the gateway itself. Each client sends a frame and waits for the answer before the next.
Prints messages per second and round-trip p50/p99 per handler.
Run: ``.venv/bin/python benchmarks/apigw_gateway_bench.py [--clients N] [--messages M] [--concurrency C]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import uvicorn  # noqa: E402
from litestar import Litestar  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from runtime.serverless.lambda_runtime import LambdaRoutes  # noqa: E402
from runtime.serverless.local_gateway import GatewaySettings, LocalGateway, local_gateway_routes  # noqa: E402
from runtime.web.server import MAX_WS_MESSAGE_BYTES, ReadAheadWebSocketProtocol  # noqa: E402


def routes() -> LambdaRoutes:
    clients: dict[str, Any] = {}
    lock = threading.Lock()

    def post_back(event: dict[str, Any], context: Any) -> None:
        request = event["requestContext"]
        endpoint = f"http://{request['domainName']}/{request['stage']}"
        with lock:
            client = clients.get(endpoint) or boto3.client(
                "apigatewaymanagementapi",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
            )
            clients[endpoint] = client
        client.post_to_connection(ConnectionId=request["connectionId"], Data=event["body"].encode())

    def reply(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": event["body"]}

    return LambdaRoutes({"post": post_back, "reply": reply}, route_responses=frozenset({"reply"}))


async def clients_run(port: int, action: str, clients: int, messages: int) -> tuple[float, list[float]]:
    """(seconds for all messages, round-trip seconds of each)."""
    samples: list[float] = []

    async def one() -> None:
        async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            for n in range(messages):
                began = time.perf_counter()
                await ws.send(json.dumps({"action": action, "n": n}))
                await ws.recv()
                samples.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    return time.perf_counter() - began, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--messages", type=int, default=100, help="per client")
    parser.add_argument("--concurrency", type=int, default=10, help="the gateway's max_concurrency (Lambda's reserved concurrency)")
    args = parser.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    gateway = LocalGateway(routes(), GatewaySettings(max_concurrency=args.concurrency))
    app = Litestar(route_handlers=local_gateway_routes(gateway), lifespan=[gateway.lifespan])
    config = uvicorn.Config(app, ws=ReadAheadWebSocketProtocol, ws_max_size=MAX_WS_MESSAGE_BYTES, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    print(f"{args.clients} clients x {args.messages} messages, max_concurrency {args.concurrency}, one server process")
    print(f"{'handler':<22} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    try:
        for label, action in (("route response", "reply"), ("post_to_connection", "post")):
            asyncio.run(clients_run(port, action, 2, 5))  # warm-up: boto3 client, imports
            seconds, samples = asyncio.run(clients_run(port, action, args.clients, args.messages))
            cuts = statistics.quantiles(samples, n=100)
            print(f"{label:<22} {len(samples) / seconds:>8.0f} {cuts[49] * 1000:>8.1f} {cuts[98] * 1000:>8.1f}")
    finally:
        server.should_exit = True
        thread.join(10)


if __name__ == "__main__":
    main()
