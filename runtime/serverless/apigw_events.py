"""API Gateway's side of the WebSocket contract: ids, Lambda proxy events, route selection and its error frames."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

CONNECT = "$connect"
DISCONNECT = "$disconnect"
DEFAULT = "$default"
FORBIDDEN = "Forbidden"  # what API Gateway sends when no route matches and there is no $default
INTERNAL_SERVER_ERROR = "Internal server error"  # what it sends when the integration fails

# Header names as clients spell them; ASGI lowercases every header, API Gateway passes them on as sent.
_HEADER_CASE = {
    "sec-websocket-key": "Sec-WebSocket-Key",
    "sec-websocket-version": "Sec-WebSocket-Version",
    "sec-websocket-extensions": "Sec-WebSocket-Extensions",
    "sec-websocket-protocol": "Sec-WebSocket-Protocol",
    "x-forwarded-for": "X-Forwarded-For",
    "x-forwarded-port": "X-Forwarded-Port",
    "x-forwarded-proto": "X-Forwarded-Proto",
    "x-amzn-trace-id": "X-Amzn-Trace-Id",
}


def new_id() -> str:
    """An id shaped like API Gateway's connection and request ids ('JC1dgf9yoAMCK-g='): 11 random bytes, base64url.

    The URL-safe alphabet matters: the id goes into `/@connections/{id}`, where a '/' would split the path.
    """
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


def epoch_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def request_time(ms: int) -> str:
    """'05/Dec/2026:20:12:47 +0000', the format of `requestContext.requestTime`."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def iso8601(ms: int) -> str:
    """The management API's timestamp format (GetConnection's connectedAt, lastActiveAt)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@dataclass(frozen=True)
class ApiStage:
    """The API and stage every event names."""

    api_id: str
    stage: str


@dataclass(frozen=True)
class Peer:
    """What API Gateway knows of a connection for its events: its id, when it connected, who and from where."""

    connection_id: str
    connected_at_ms: int
    source_ip: str
    user_agent: str
    domain_name: str


def request_context(
    api: ApiStage, peer: Peer, route_key: str, event_type: str, request_id: str, now_ms: int, **extra: Any
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(now_ms),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": peer.connected_at_ms,
        "requestTimeEpoch": now_ms,
        "identity": {"sourceIp": peer.source_ip, "userAgent": peer.user_agent},
        "requestId": request_id,
        "domainName": peer.domain_name,
        "connectionId": peer.connection_id,
        "apiId": api.api_id,
    }
    context.update(extra)
    return context


def header_maps(raw: Iterable[tuple[bytes, bytes]], peer: Peer, scheme: str, port: int) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(headers, multiValueHeaders) of the upgrade request, with the X-Forwarded-* headers API Gateway adds."""
    multi: dict[str, list[str]] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        key = _HEADER_CASE.get(key, "-".join(part.capitalize() for part in key.split("-")))
        multi.setdefault(key, []).append(value.decode("latin-1"))
    multi.setdefault("X-Forwarded-For", [peer.source_ip])
    multi.setdefault("X-Forwarded-Port", [str(port)])
    multi.setdefault("X-Forwarded-Proto", [scheme])
    multi.setdefault("X-Amzn-Trace-Id", [f"Root=1-{peer.connected_at_ms // 1000:08x}-{secrets.token_hex(12)}"])
    return {key: values[-1] for key, values in multi.items()}, multi


def query_maps(query_string: bytes) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """(queryStringParameters, multiValueQueryStringParameters); both None without a query string, as in API Gateway."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if not pairs:
        return None, None
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    return {key: values[-1] for key, values in multi.items()}, multi


def connect_event(
    api: ApiStage,
    peer: Peer,
    request_id: str,
    headers: tuple[dict[str, str], dict[str, list[str]]],
    query: tuple[dict[str, str] | None, dict[str, list[str]] | None],
) -> dict[str, Any]:
    return {
        "headers": headers[0],
        "multiValueHeaders": headers[1],
        "queryStringParameters": query[0],
        "multiValueQueryStringParameters": query[1],
        "requestContext": request_context(api, peer, CONNECT, "CONNECT", request_id, epoch_ms()),
        "isBase64Encoded": False,
    }


def message_event(api: ApiStage, peer: Peer, route_key: str, request_id: str, body: str | bytes) -> dict[str, Any]:
    """A MESSAGE event; a binary frame's body is base64 with `isBase64Encoded`."""
    binary = isinstance(body, bytes)
    return {
        "requestContext": request_context(api, peer, route_key, "MESSAGE", request_id, epoch_ms(), messageId=new_id()),
        "body": base64.b64encode(body).decode("ascii") if isinstance(body, bytes) else body,
        "isBase64Encoded": binary,
    }


def disconnect_event(api: ApiStage, peer: Peer, request_id: str, code: int, reason: str) -> dict[str, Any]:
    context = request_context(
        api, peer, DISCONNECT, "DISCONNECT", request_id, epoch_ms(), disconnectStatusCode=code, disconnectReason=reason
    )
    return {
        "headers": {"Host": peer.domain_name},
        "multiValueHeaders": {"Host": [peer.domain_name]},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def select_route(body: str | bytes, routes: Mapping[str, object]) -> str | None:
    """The route of a frame under `$request.body.action`, else `$default`, else None (the client gets Forbidden).

    Only a JSON object whose `action` is a string naming a configured action route is routed there. Binary frames,
    other JSON and unparsable text (including nesting too deep for the parser) go to `$default`. A body cannot
    select `$connect`, `$disconnect` or `$default` by name.
    """
    if isinstance(body, str):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            document = None
        if isinstance(document, dict):
            action = document.get("action")
            if isinstance(action, str) and not action.startswith("$") and action in routes:
                return action
    return DEFAULT if DEFAULT in routes else None


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """The frame API Gateway sends the client for a refused or failed message."""
    return json.dumps({"message": message, "connectionId": connection_id, "requestId": request_id})
