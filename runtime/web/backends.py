"""Open the backends the settings name: bot (local engine or AWS), store, identity provider, event channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as aioredis

from runtime.auth.base import IdentityProvider
from runtime.auth.cognito import CognitoIdentityProvider
from runtime.auth.local import LocalIdentityProvider
from runtime.chat.bot_participant import BotLocale, BotParticipant, BotTarget
from runtime.chat.channels import EventChannel, MemoryChannel, RedisChannel
from runtime.chat.rate_limit import LocalTokenBucket, RateLimiter, RedisTokenBucket, WaitingRateLimiter
from runtime.chat.redis_outage import FallbackRateLimiter, RedisOutage
from runtime.store import open_store
from runtime.store.base import Store
from runtime.web.settings import Settings, SettingsError


@dataclass
class Backends:
    """The pluggable parts, opened from settings (or handed in by tests)."""

    store: Store
    identity: IdentityProvider
    bot: BotParticipant | None
    channel: EventChannel
    rate_limiter: RateLimiter
    descriptions: dict[str, str] = field(default_factory=dict)
    auth_rate_limiter: WaitingRateLimiter | None = None  # None: an in-process one at the settings' rate


def open_bot(settings: Settings) -> BotParticipant | None:
    if settings.bot == "none":
        return None
    if settings.bot.startswith("local:"):
        from runtime.lex.engine import local_runtime_for

        spec_dir = Path(settings.bot[len("local:") :])
        if not spec_dir.is_dir():
            raise SettingsError(f"CHAT_LEX_BOT={settings.bot!r}: {spec_dir} is not a folder; point it at a bot spec folder")
        from bot_spec.code_hook import parse_cli
        from runtime.lex.hook_loader import CodeHookError

        try:
            engine, deployment = local_runtime_for(spec_dir, code_hook=parse_cli(settings.code_hook) if settings.code_hook else None)
        except CodeHookError as exc:
            raise SettingsError(f"CHAT_LEX_CODE_HOOK / the spec's code_hook: {exc}") from None
        from bot_spec.formats.yaml_spec import load_spec
        from runtime.web.bot_opening import locales_from_definition, openings_from_definition

        locale = sorted(deployment.locale_ids)[0]
        target = BotTarget(deployment.bot_id, deployment.alias_id, locale)
        definition = load_spec(spec_dir)
        openings = openings_from_definition(definition)
        locales = tuple(loc for loc in locales_from_definition(definition) if loc.locale_id in deployment.locale_ids)
        return BotParticipant(
            engine,
            target,
            timeout=settings.bot_timeout,
            description=f"local engine on {spec_dir}",
            opening=openings.get(locale),
            locales=locales,
            openings=openings,
        )
    from runtime.lex.client import aws_lex_client

    bot_id, alias_id, locale_id = settings.bot[len("aws:") :].split("/")
    client = aws_lex_client(settings.aws_region)
    # The locale in CHAT_LEX_BOT is the default; CHAT_LEX_BOT_LOCALES adds the others the bot is built in.
    extra = [loc for loc in settings.bot_locale_ids() if loc != locale_id]
    return BotParticipant(
        client,
        BotTarget(bot_id, alias_id, locale_id),
        timeout=settings.bot_timeout,
        description=f"Amazon Lex V2 in {settings.aws_region}",
        locales=tuple(BotLocale(loc, loc) for loc in [locale_id, *extra]),
    )


def open_identity(settings: Settings, store: Store) -> IdentityProvider:
    if settings.auth == "local":
        return LocalIdentityProvider(store, Path(settings.auth_key_dir), settings.auth_issuer, settings.auth_client_id)
    return CognitoIdentityProvider(
        user_pool_id=settings.cognito_user_pool_id or "",
        client_id=settings.cognito_client_id or "",
        region=settings.cognito_region or settings.aws_region,
        endpoint_url=settings.cognito_endpoint,
        jwks_url=settings.cognito_jwks_url,
        revocations=store,
    )


def open_channels(settings: Settings) -> tuple[EventChannel, RateLimiter, WaitingRateLimiter]:
    """The fan-out channel, the message rate limiter and the /auth/* one; with Redis all are shared by every process."""
    if settings.channels == "memory":
        return MemoryChannel(), LocalTokenBucket(settings.rate_per_minute), LocalTokenBucket(settings.auth_rate_per_minute)
    client = aioredis.from_url(settings.channels, socket_connect_timeout=3)
    outage = RedisOutage()  # while Redis is down: local delivery and in-process buckets (runtime/chat/redis_outage.py)

    def limiter(rate_per_minute: int, name: str) -> FallbackRateLimiter:
        shared = RedisTokenBucket(client, rate_per_minute, prefix=settings.channel_prefix, name=name)
        return FallbackRateLimiter(shared, LocalTokenBucket(rate_per_minute), outage)

    return (
        RedisChannel(client, prefix=settings.channel_prefix, outage=outage),
        limiter(settings.rate_per_minute, "rate"),
        limiter(settings.auth_rate_per_minute, "auth-rate"),
    )


def open_settings_store(settings: Settings) -> Store:
    """The store the settings name (CHAT_LEX_STORE, its table prefix, endpoint and region, message TTL).

    With CHAT_LEX_DYNAMODB_ENDPOINT (an emulator such as moto's server or DynamoDB Local, never AWS itself) the
    tables that are missing are created, as the SQLite store creates its schema; on AWS they come from
    infrastructure/dynamodb.yaml."""
    store = open_store(
        settings.store,
        message_ttl_days=settings.message_ttl_days,
        table_prefix=settings.table_prefix,
        endpoint_url=settings.dynamodb_endpoint,
        region=settings.aws_region,
    )
    create_tables = getattr(store, "create_tables", None)
    if settings.dynamodb_endpoint and create_tables is not None:
        create_tables()
    return store


def open_backends(settings: Settings) -> Backends:
    bot = open_bot(settings)  # first: a wrong bot folder fails before anything is opened
    store = open_settings_store(settings)
    identity = open_identity(settings, store)
    channel, rate_limiter, auth_rate_limiter = open_channels(settings)
    descriptions = {
        "bot": bot.description if bot is not None else "off",
        "store": getattr(store, "description", settings.store),
        "auth": getattr(identity, "name", settings.auth),
        "channels": settings.describe()["channels"],
    }
    return Backends(store, identity, bot, channel, rate_limiter, descriptions, auth_rate_limiter)
