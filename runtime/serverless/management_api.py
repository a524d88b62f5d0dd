"""The `@connections` management API (PostToConnection, GetConnection, DeleteConnection) as Litestar routes."""

from __future__ import annotations

import ipaddress
import json
import uuid
from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.handlers import HTTPRouteHandler

from runtime.serverless.apigw_events import iso8601
from runtime.serverless.connections import ConnectionTable

MAX_POST_BYTES = 128 * 1024  # PostToConnection's Data (the service model's max, and the message payload quota)
# `path`, not `str`: an id with an (encoded) "/" still reaches the handler, which answers 410 as for any unknown id.
PATHS = ["/@connections/{connection_id:path}", "/{stage:str}/@connections/{connection_id:path}"]
# The close API Gateway's DeleteConnection gives the client; the reason is this gateway's wording.
DELETE_CLOSE = (1000, "Connection deleted")


def _error(status: int, code: str, message: str) -> Response[bytes]:
    """An error in the rest-json shape botocore parses: the code in x-amzn-ErrorType, the message in the body."""
    return Response(
        json.dumps({"message": message}).encode(),
        status_code=status,
        media_type="application/json",
        headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())},
    )


def _gone(connection_id: str) -> Response[bytes]:
    return _error(410, "GoneException", f"connection {connection_id} is gone (closed, unknown, or still in $connect)")


def _refusal(request: Request[Any, Any, Any], allow_remote: bool) -> Response[bytes] | None:
    """403 for a caller off this machine (unless allowed) or an unsigned request; any SigV4 signature is accepted.

    Local credentials cannot be checked against AWS, so the signature is not verified: the loopback rule is what
    keeps the API from strangers. A request without one is refused as API Gateway refuses it.
    """
    host = request.client.host if request.client else ""
    if not allow_remote:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return _error(403, "ForbiddenException", f"the local management API answers loopback callers only, not {host or 'unknown'}")
    if not request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 "):
        return _error(403, "ForbiddenException", "Missing Authentication Token: sign the request with SigV4 (any credentials)")
    return None


async def _body(request: Request[Any, Any, Any]) -> bytes | None:
    """The body, or None once it passes MAX_POST_BYTES (the rest is not read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_POST_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_POST_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def management_routes(table: ConnectionTable, *, allow_remote: bool = False) -> list[HTTPRouteHandler]:
    """The three operations on `/@connections/{id}` and `/{stage}/@connections/{id}`, over `table`."""

    @post(PATHS, status_code=200, request_max_body_size=None, include_in_schema=False, name="apigw-post-to-connection")
    async def post_to_connection(request: Request[Any, Any, Any]) -> Response[bytes]:
        refused = _refusal(request, allow_remote)
        if refused is not None:
            return refused
        connection_id = _connection_id(request)
        body = await _body(request)
        if body is None:
            return _error(413, "PayloadTooLargeException", f"Data is larger than {MAX_POST_BYTES} bytes")
        connection = table.open_connection(connection_id)
        if connection is None:
            return _gone(connection_id)
        try:
            data: str | bytes = body.decode("utf-8")
        except UnicodeDecodeError:  # not text: it goes out as a binary frame
            data = body
        if not await connection.send(data):
            return _gone(connection_id)
        return Response(b"", status_code=200, media_type="application/json")

    @get(PATHS, include_in_schema=False, cache=False, name="apigw-get-connection")
    async def get_connection(request: Request[Any, Any, Any]) -> Response[bytes]:
        refused = _refusal(request, allow_remote)
        if refused is not None:
            return refused
        connection_id = _connection_id(request)
        connection = table.open_connection(connection_id)
        if connection is None:
            return _gone(connection_id)
        peer = connection.peer
        answer = {
            "connectedAt": iso8601(peer.connected_at_ms),
            "identity": {"sourceIp": peer.source_ip, "userAgent": peer.user_agent},
            "lastActiveAt": iso8601(connection.last_active_ms),
        }
        return Response(json.dumps(answer).encode(), status_code=200, media_type="application/json")

    # status_code=200 only to satisfy Litestar (a 204 handler may not declare a body); the Response says 204.
    @delete(PATHS, status_code=200, include_in_schema=False, name="apigw-delete-connection")
    async def delete_connection(request: Request[Any, Any, Any]) -> Response[bytes]:
        refused = _refusal(request, allow_remote)
        if refused is not None:
            return refused
        connection_id = _connection_id(request)
        connection = table.open_connection(connection_id)
        if connection is None or not await connection.close(*DELETE_CLOSE):
            return _gone(connection_id)
        return Response(b"", status_code=204)

    return [post_to_connection, get_connection, delete_connection]


def _connection_id(request: Request[Any, Any, Any]) -> str:
    return str(request.path_params["connection_id"]).removeprefix("/")
