"""Operations endpoints: `/health` (the process is up), `/ready` (its backends answer), `/metrics` (Prometheus)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Request, Response, get

from runtime.web.context import ChatContext

log = logging.getLogger("chat_lex.ops")
READY_TIMEOUT = 3.0


def _context(request: Request[Any, Any, Any]) -> ChatContext:
    context: ChatContext = request.app.state.chat
    return context


@get("/health", summary="Liveness", cache=False)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", summary="Readiness: the store, the bot and the event channel answer", cache=False)
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    context = _context(request)
    backends = context.backends
    checks: dict[str, str] = {}

    async def run(name: str, probe: Any) -> None:
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await probe()
            checks[name] = "ok"
        except Exception as exc:
            log.warning("not ready", extra={"reason": f"{name}: {type(exc).__name__}"})
            checks[name] = f"failing: {type(exc).__name__}"

    await run("store", backends.store.ping)
    await run("channels", backends.channel.ping)
    if backends.bot is not None:
        await run("bot", backends.bot.check)
    else:
        checks["bot"] = "off"
    healthy = all(v in ("ok", "off") for v in checks.values()) and not context.draining
    body = {"status": "ready" if healthy else "unavailable", "ready": healthy, "checks": checks}
    return Response(body, status_code=200 if healthy else 503)


@get("/metrics", summary="Prometheus metrics", cache=False, media_type="text/plain; version=0.0.4")
async def metrics(request: Request[Any, Any, Any]) -> str:
    return _context(request).metrics.registry.render()
