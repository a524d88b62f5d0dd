"""What the web layer needs at request time: the chat service, fan-out, store, identity provider and settings."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.chat.fanout import Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.rate_limit import RateLimiter
from runtime.chat.service import ChatService
from runtime.web.auth_limits import AuthLimits
from runtime.web.backends import Backends
from runtime.web.session_watch import SessionWatch
from runtime.web.settings import Settings


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
