"""What the web layer needs at request time: the chat service, fan-out, store, identity provider and settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.auth.base import IdentityProvider
from runtime.chat.bot_participant import BotParticipant
from runtime.chat.channels import EventChannel
from runtime.chat.fanout import Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.rate_limit import RateLimiter, WaitingRateLimiter
from runtime.chat.service import ChatService
from runtime.store.base import Store
from runtime.web.auth_limits import AuthLimits
from runtime.web.session_watch import SessionWatch
from runtime.web.settings import Settings


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


@dataclass
class ChatContext:
    settings: Settings
    backends: Backends
    metrics: ChatMetrics
    fanout: Fanout
    service: ChatService
    auth_limits: AuthLimits
    session_watch: SessionWatch
    # Every socket's malformed-frame budget (runtime.chat.session), keyed by connection id: one bucket, not one per socket.
    bad_frames: RateLimiter
    draining: bool = False
