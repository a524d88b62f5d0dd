"""`python -m runtime.web.healthcheck`: exit 0 when this host's runtime answers `/health` with 200 (the image's HEALTHCHECK).

It reads the same `CHAT_LEX_*` settings as `chat-lex serve`, so the probe follows CHAT_LEX_HOST and CHAT_LEX_PORT.
Only the standard library and the settings module are imported: a probe runs every few seconds and must stay cheap.
"""

from __future__ import annotations

import http.client
import sys
from collections.abc import Mapping

from runtime.web.settings import Settings, SettingsError

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1  # Docker's HEALTHCHECK: 1 is unhealthy and 2 is reserved, so bad settings exit 1 too
TIMEOUT_SECONDS = 3.0
MAX_BODY_BYTES = 4096  # /health answers a few bytes; never read more whatever answers on that port
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # a server bound to every address answers on loopback


def probe_target(settings: Settings) -> tuple[str, int]:
    """The (host, port) to probe for a server started with these settings."""
    host = settings.host.strip()
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    return host.strip("[]"), settings.port


def check(host: str, port: int, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """None when GET /health answers 200, else why not (one line)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/health", headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read(MAX_BODY_BYTES)
        if response.status != 200:
            return f"/health answered {response.status}"
        return None
    except (OSError, http.client.HTTPException) as exc:
        return f"no answer from http://{host}:{port}/health: {type(exc).__name__}: {exc}"
    finally:
        connection.close()


def main(environ: Mapping[str, str] | None = None) -> int:
    try:
        settings = Settings.from_env(environ)
    except SettingsError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return EXIT_UNHEALTHY
    host, port = probe_target(settings)
    problem = check(host, port)
    if problem is not None:
        print(f"healthcheck: {problem}", file=sys.stderr)
        return EXIT_UNHEALTHY
    return EXIT_HEALTHY


if __name__ == "__main__":
    sys.exit(main())
