"""Security headers on every HTTP response the app sends: pages, static files, REST, errors and 404s.

Added in a Litestar ``before_send`` hook, which wraps the ASGI ``send`` of every request,
including the ones no route matched and the ones an exception handler answered.

- ``Content-Security-Policy``: the pages' own strict policy (their ``<meta>`` tags, kept)
  plus ``frame-ancestors 'none'``, which browsers honour only in a header: no site may
  frame the chat (clickjacking). A policy a response already carries is kept and only
  gains ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff``: a static file is run only as the type it is served as.
- ``Referrer-Policy: no-referrer``: nothing in the app reads the Referer, and page and
  API URLs carry conversation ids a third-party link target has no business seeing.
"""

from __future__ import annotations

from litestar.types import Message, Scope

# The policy of static/index.html's <meta> (login.html's is the same minus connect-src,
# which default-src 'self' already covers), plus what only a header can say.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
_ENCODED = {name.encode("latin-1"): value.encode("latin-1") for name, value in SECURITY_HEADERS.items()}
_CSP = b"content-security-policy"


def _with_frame_ancestors(policy: bytes) -> bytes:
    if b"frame-ancestors" in policy.lower():
        return policy
    return policy.rstrip(b"; ") + b"; frame-ancestors 'none'"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: put the headers on each response start (HTTP, and a refused WebSocket upgrade)."""
    if message["type"] not in ("http.response.start", "websocket.http.response.start"):
        return
    headers = [(bytes(name), bytes(value)) for name, value in message.get("headers", [])]
    present = {name.lower() for name, _ in headers}
    headers = [(name, _with_frame_ancestors(value) if name.lower() == _CSP else value) for name, value in headers]
    headers += [(name, value) for name, value in _ENCODED.items() if name not in present]
    message["headers"] = headers
