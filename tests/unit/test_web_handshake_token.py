"""The handshake's token and subprotocol, read straight from the ASGI scope (not through Litestar's cached copies)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import WebSocket
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from runtime.web.ws_endpoint import _header, _query_param, token_from_handshake


async def _never(*_: Any) -> Any:
    raise AssertionError("the handshake is read from the scope alone")


def _socket(query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> WebSocket[Any, Any, Any]:
    scope: Any = {
        "type": "websocket",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": query,
        "headers": headers or [],
        "state": {},
        "extensions": {},
    }
    return WebSocket(scope, _never, _never)


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        (b"token=abc&tz=Europe%2FParis", [], ("abc", None)),
        (b"tz=UTC&token=a%2Bb&token=second", [], ("a+b", None)),  # percent-decoded; the first value wins
        (b"token=", [(b"sec-websocket-protocol", b"chat-lex.v1, bearer.xyz")], ("xyz", "chat-lex.v1")),  # blank: ignored
        (b"", [(b"Sec-WebSocket-Protocol", b"chat-lex.v1, bearer.xyz")], ("xyz", "chat-lex.v1")),  # names are case-blind
        (b"", [(b"sec-websocket-protocol", b"chat-lex, t.bob")], ("t.bob", "chat-lex")),
        (b"token=q", [(b"sec-websocket-protocol", b"chat-lex.v1, bearer.h")], ("q", "chat-lex.v1")),
        (b"", [(b"sec-websocket-protocol", b"chat-lex.v1, bearer.")], (None, "chat-lex.v1")),
        (b"", [(b"sec-websocket-protocol", b"chat-lex.v1")], (None, "chat-lex.v1")),
        (b"", [(b"origin", b"http://x"), (b"sec-websocket-protocol", b" , ,bearer.\xe9t ")], ("\xe9t", None)),  # latin-1, as Litestar
        (b"token=%ZZ&x", [], ("%ZZ", None)),  # malformed escapes and bare keys are kept as they are
        (b"", [], (None, None)),
    ],
)
def test_token_and_subprotocol(query: bytes, headers: list[tuple[bytes, bytes]], expected: tuple[str | None, str | None]) -> None:
    assert token_from_handshake(_socket(query, headers)) == expected


@pytest.mark.parametrize("query", [b"token=abc&tz=UTC", b"tz=a%2Fb&tz=c", b"tz=", b"tz", b"x=1;tz=2", b"%74z=enc", b""])
@pytest.mark.parametrize("headers", [[], [(b"Sec-WebSocket-Protocol", b"a"), (b"sec-websocket-protocol", b"b")]])
def test_reads_what_litestar_would_read(query: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    ours, theirs = _socket(query, headers), _socket(query, headers)
    for name in ("token", "tz"):
        assert _query_param(ours, name) == theirs.query_params.get(name)
    assert _header(ours, b"sec-websocket-protocol") == theirs.headers.get("sec-websocket-protocol")


def test_the_parsed_query_and_headers_are_not_kept_in_the_scope() -> None:
    socket = _socket(b"token=abc", [(b"sec-websocket-protocol", b"chat-lex.v1")])
    token_from_handshake(socket)
    state = ScopeState.from_scope(socket.scope)
    assert state.headers is Empty and state.parsed_query is Empty
    socket.headers, socket.query_params  # noqa: B018  (Litestar's own reads do keep them: what this test would catch)
    assert state.headers is not Empty and state.parsed_query is not Empty
