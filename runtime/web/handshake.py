"""Reading a chat socket's handshake: the token and the subprotocol to answer, without any web framework, so the
API Gateway $connect handler (runtime/serverless) reads its handshake with the same rule as the WebSocket server."""

from __future__ import annotations

SUBPROTOCOL = "chat-lex"  # the first version's name, still answered
SUBPROTOCOL_V1 = "chat-lex.v1"
BEARER_PREFIX = "bearer."  # the subprotocol "bearer.<access token>" carries the token; it is never echoed


def token_and_subprotocol(query_token: str | None, offered_header: str) -> tuple[str | None, str | None]:
    """(token, subprotocol to answer): from ``?token=`` (kept for old clients; it ends up in URLs), else the subprotocols.

    Subprotocols: ``chat-lex.v1, bearer.<token>`` (the web UI), or the first version's ``chat-lex, <token>``. The answer is
    only ever the protocol name, so the token is not echoed back in a response header. No token at all: the client sends
    it in an ``auth`` frame instead. The API Gateway $connect handler (runtime/serverless) reads its handshake with this too.
    """
    offered = [p.strip() for p in offered_header.split(",") if p.strip()]
    names = (SUBPROTOCOL_V1, SUBPROTOCOL)
    echo = next((name for name in names if name in offered), None)
    if query_token:
        return query_token, echo
    bearer = [p[len(BEARER_PREFIX) :] for p in offered if p.startswith(BEARER_PREFIX)]
    if bearer:
        return bearer[0] or None, echo
    others = [p for p in offered if p not in names]
    return (others[0] if others else None), echo
