"""Every route of the app's route table answers with the security headers, errors and 404s included."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute, WebSocketRoute
from litestar.testing import TestClient

from runtime.web.security_headers import SECURITY_HEADERS
from runtime.web.settings import DEFAULT_STATIC_DIR
from tests.security.conftest import signed_up

_PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


def _url(path: str) -> str:
    return _PARAM.sub(lambda m: "css/chat.css" if m.group(2) == ":path" else "x", path)


def _check(response: Any, label: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (label, response.status_code, name, response.headers.get(name))


def test_every_http_route_with_and_without_a_token(app: Litestar, client: TestClient[Litestar]) -> None:
    auth = {"authorization": f"Bearer {signed_up(client, 'alice')['accessToken']}"}
    seen = 0
    for route in app.routes:
        if isinstance(route, WebSocketRoute):
            response = client.get(_url(route.path))  # a plain GET, not an upgrade: answered over HTTP
            _check(response, route.path)
            continue
        assert isinstance(route, HTTPRoute)
        for method in sorted(route.methods):
            for headers in ({}, auth):
                response = client.request(method, _url(route.path), headers=headers, json={} if method == "POST" else None)
                _check(response, f"{method} {route.path}")
                seen += 1
    assert seen >= 30  # the table was really walked: auth, api, ops, static, schema routes


@pytest.mark.parametrize("path", ["/no/such/page", "/static/../secret", "/static/%00.js", "/api/conversations/x/messages?before=bad"])
def test_errors_and_not_found_carry_them(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code >= 400
    _check(response, path)


def test_method_not_allowed_oversized_body_and_internal_error(app: Litestar, client: TestClient[Litestar]) -> None:
    _check(client.delete("/health"), "405")
    _check(client.post("/auth/login", content=b"x" * 200_000), "413")
    auth = {"authorization": f"Bearer {signed_up(client, 'bob')['accessToken']}"}

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store down")

    app.state.chat.backends.store.list_conversations = broken
    response = client.get("/api/conversations", headers=auth)
    assert response.status_code == 500
    _check(response, "500")


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.policy = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.policy = values.get("content") or ""


def _directives(policy: str) -> dict[str, str]:
    parts = [p.strip().split(None, 1) for p in policy.split(";") if p.strip()]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize("page", ["index.html", "login.html"])
def test_header_policy_keeps_every_directive_of_the_pages(page: str) -> None:
    """The header adds frame-ancestors and loosens nothing the page's own <meta> policy says."""
    meta = _Meta()
    meta.feed((DEFAULT_STATIC_DIR / page).read_text(encoding="utf-8"))
    header = _directives(SECURITY_HEADERS["content-security-policy"])
    for directive, value in _directives(meta.policy).items():
        assert header.get(directive) == value, directive
    assert header["frame-ancestors"] == "'none'"
    extra = set(header) - set(_directives(meta.policy)) - {"frame-ancestors", "connect-src"}
    assert not extra  # login.html lacks connect-src; default-src 'self' gives it the same
