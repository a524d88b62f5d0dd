"""Runtime settings: `CHAT_LEX_*` environment variables, the same names as `chat-lex serve` flags."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STATIC_DIR = Path(__file__).parent / "static"
ENV_PREFIX = "CHAT_LEX_"
LOG_LEVELS = ("debug", "info", "warning", "error")
LOCALE_ID = re.compile(r"[a-z]{2}_[A-Z]{2}")


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable and what to write instead."""


@dataclass(frozen=True)
class Settings:
    bot: str = "local:bot_spec/chatbot"  # local:<spec dir> | aws:<botId>/<aliasId>/<localeId>
    aws_region: str = "us-east-1"
    bot_timeout: float = 10.0
    bot_locales: str | None = None  # aws bots: more locale ids users may pick, comma-separated (e.g. es_ES,fr_FR)
    code_hook: str | None = None  # local bots: overrides the spec's per-locale code hook (python:MOD:FN, node:FILE, none, ...)
    store: str = "sqlite:var/chat.db"  # sqlite:<path> | dynamodb
    table_prefix: str = "chat-lex-"
    dynamodb_endpoint: str | None = None
    auth: str = "local"  # local | cognito
    auth_key_dir: str = "var/auth-keys"  # the local provider's RS256 signing key lives here
    auth_issuer: str = "urn:chat-lex:local"  # the local provider's `iss`; the same on every process of a deployment
    auth_client_id: str = "chat-lex-web"  # the local provider's audience / client id
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    cognito_region: str | None = None
    cognito_endpoint: str | None = None
    cognito_jwks_url: str | None = None
    channels: str = "memory"  # memory | redis://host:port/db
    channel_prefix: str = "chat-lex:"
    host: str = "127.0.0.1"
    port: int = 8000
    max_message_chars: int = 1000
    rate_per_minute: int = 100
    auth_rate_per_minute: int = 30  # /auth/* requests per minute per client address, and per username
    revocation_check_seconds: float = 2.0  # how often open sockets are checked against the revocation list
    auth_frame_seconds: float = 5.0  # how long a socket without a token in its handshake has to send its auth frame
    message_ttl_days: int = 30
    send_backlog: int = 256
    max_connections_per_user: int = 20  # per process
    log_level: str = "info"
    debug: bool = False
    static_dir: Path = field(default=DEFAULT_STATIC_DIR)
    transport: str = "websocket"  # websocket (this server's own) | apigw (a local API Gateway running the Lambda handlers)

    def bot_locale_ids(self) -> list[str]:
        """CHAT_LEX_BOT_LOCALES as a list of locale ids, without blanks and repeats."""
        ids = [part.strip() for part in (self.bot_locales or "").split(",") if part.strip()]
        return list(dict.fromkeys(ids))

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise SettingsError("; ".join(problems))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `CHAT_LEX_<NAME>` variables, then `overrides` (flags that were given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            variable = ENV_PREFIX + spec.name.upper()
            if variable in env:
                values[spec.name] = _convert(spec.name, variable, env[variable])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def describe(self) -> dict[str, str]:
        """Which backends are in use, for the start-up banner."""
        return {"bot": self.bot, "store": self.store, "auth": self.auth, "channels": _redact(self.channels)}


TRANSPORTS = ("websocket", "apigw")


def env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


def _convert(name: str, variable: str, raw: str) -> Any:
    kind = {f.name: f.type for f in dataclasses.fields(Settings)}[name]
    text = raw.strip()
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r} is not a whole number") from None
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r} is not a number") from None
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{variable}={raw!r} is not a boolean; use true or false")
    if kind == "Path":
        return Path(text)
    if kind == "str | None":
        return text or None
    return text


def _problems(s: Settings) -> list[str]:
    problems: list[str] = []
    if not (s.bot.startswith("local:") and len(s.bot) > 6) and not _is_aws_bot(s.bot) and s.bot != "none":
        problems.append(
            f"CHAT_LEX_BOT={s.bot!r}: use local:<spec folder> (e.g. local:bot_spec/chatbot), aws:<botId>/<aliasId>/<localeId>, or none"
        )
    bad_locales = [loc for loc in s.bot_locale_ids() if not LOCALE_ID.fullmatch(loc)]
    if bad_locales:
        problems.append(f"CHAT_LEX_BOT_LOCALES: {bad_locales[0][:32]!r} is not a Lex locale id; use ids like es_ES, comma-separated")
    elif s.bot_locales and not _is_aws_bot(s.bot):
        problems.append("CHAT_LEX_BOT_LOCALES is for aws: bots; a local bot offers the locales of its definition")
    if s.code_hook:
        from bot_spec.code_hook import CodeHookSpecError, parse_cli

        try:
            parse_cli(s.code_hook)
        except CodeHookSpecError as exc:
            problems.append(f"CHAT_LEX_CODE_HOOK: {exc}")
    if not (s.store.startswith("sqlite:") or s.store == "dynamodb"):
        problems.append(f"CHAT_LEX_STORE={s.store!r}: use sqlite:<path> (e.g. sqlite:var/chat.db) or dynamodb")
    if s.auth not in ("local", "cognito"):
        problems.append(f"CHAT_LEX_AUTH={s.auth!r}: use local or cognito")
    if s.auth == "cognito" and not (s.cognito_user_pool_id and s.cognito_client_id):
        problems.append("CHAT_LEX_AUTH=cognito needs CHAT_LEX_COGNITO_USER_POOL_ID and CHAT_LEX_COGNITO_CLIENT_ID")
    if s.channels != "memory" and not s.channels.startswith(("redis://", "rediss://", "unix://")):
        problems.append(f"CHAT_LEX_CHANNELS={_redact(s.channels)!r}: use memory or redis://host:port/db")
    if not 0 <= s.port <= 65535:
        problems.append(f"CHAT_LEX_PORT={s.port}: use a port from 0 to 65535")
    if not 1 <= s.max_message_chars <= 100_000:
        problems.append(f"CHAT_LEX_MAX_MESSAGE_CHARS={s.max_message_chars}: use 1 to 100000")
    if not 1 <= s.rate_per_minute <= 1_000_000:
        problems.append(f"CHAT_LEX_RATE_PER_MINUTE={s.rate_per_minute}: use 1 to 1000000")
    if not 1 <= s.auth_rate_per_minute <= 1_000_000:
        problems.append(f"CHAT_LEX_AUTH_RATE_PER_MINUTE={s.auth_rate_per_minute}: use 1 to 1000000")
    if not 0.1 <= s.revocation_check_seconds <= 3600:
        problems.append(f"CHAT_LEX_REVOCATION_CHECK_SECONDS={s.revocation_check_seconds}: use 0.1 to 3600 seconds")
    if not 0.1 <= s.auth_frame_seconds <= 60:
        problems.append(f"CHAT_LEX_AUTH_FRAME_SECONDS={s.auth_frame_seconds}: use 0.1 to 60 seconds")
    if s.message_ttl_days < 0:
        problems.append(f"CHAT_LEX_MESSAGE_TTL_DAYS={s.message_ttl_days}: use 0 (keep forever) or more days")
    if not 1 <= s.send_backlog <= 100_000:
        problems.append(f"CHAT_LEX_SEND_BACKLOG={s.send_backlog}: use 1 to 100000 frames")
    if not 1 <= s.max_connections_per_user <= 10_000:
        problems.append(f"CHAT_LEX_MAX_CONNECTIONS_PER_USER={s.max_connections_per_user}: use 1 to 10000")
    if not 0 < s.bot_timeout <= 300:
        problems.append(f"CHAT_LEX_BOT_TIMEOUT={s.bot_timeout}: use more than 0 and at most 300 seconds")
    if s.transport not in TRANSPORTS:
        problems.append(f"CHAT_LEX_TRANSPORT={s.transport[:32]!r}: use {' or '.join(TRANSPORTS)}")
    if s.log_level.lower() not in LOG_LEVELS:
        problems.append(f"CHAT_LEX_LOG_LEVEL={s.log_level!r}: use one of {', '.join(LOG_LEVELS)}")
    return problems


def _is_aws_bot(bot: str) -> bool:
    if not bot.startswith("aws:"):
        return False
    parts = bot[4:].split("/")
    return len(parts) == 3 and all(parts)


def _redact(url: str) -> str:
    """A Redis URL without its password, for logs and banners."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
