"""Lex sessions: one per (bot, alias, locale, session id), with idle TTL and an LRU cap.

Concurrency: each session has its own lock and requests on one session are
serialised (Lex may answer ConflictException instead; waiting is kinder to chat
clients). A request that cannot get the lock within ``lock_timeout`` seconds gets
ConflictException, so a stuck code hook cannot wedge a session forever.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from runtime.lex.errors import ConflictException


@dataclass(frozen=True)
class SessionKey:
    """What identifies a session: Lex keys sessions by bot, alias, locale and session id."""

    bot_id: str
    alias_id: str
    locale_id: str
    session_id: str


@dataclass
class ContextLife:
    """How long an active context still lives: until a time or a number of turns, whichever first."""

    expires_at: float
    turns_left: int


@dataclass
class Session:
    """One conversation's state: the Lex ``sessionState`` plus what the engine needs between turns."""

    key: SessionKey
    state: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0  # failed attempts at the current slot or confirmation question
    turn: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    interpretations: list[dict[str, Any]] = field(default_factory=list)
    explanation: dict[str, Any] = field(default_factory=dict)
    contexts: dict[str, ContextLife] = field(default_factory=dict)
    last_access: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class SessionStats:
    """Counters for monitoring: live sessions, LRU evictions and TTL expiries."""

    sessions: int
    evictions: int
    expired: int


class SessionStore:
    """Sessions in memory, least recently used evicted beyond ``max_sessions``."""

    def __init__(self, *, clock: Callable[[], float], max_sessions: int = 10_000, lock_timeout: float = 35.0) -> None:
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {max_sessions}")
        self._clock = clock
        self._max = max_sessions
        self._lock_timeout = lock_timeout
        self._sessions: OrderedDict[SessionKey, Session] = OrderedDict()
        self._guard = threading.Lock()
        self._evictions = 0
        self._expired = 0

    def _live(self, key: SessionKey, ttl: float) -> Session | None:
        session = self._sessions.get(key)
        if session is None:
            return None
        if self._clock() - session.last_access > ttl:
            del self._sessions[key]
            self._expired += 1
            return None
        self._sessions.move_to_end(key)
        return session

    def _evict_over_cap(self) -> None:
        # Sessions in use (locked) are skipped so a running turn is never lost.
        while len(self._sessions) > self._max:
            victim = next((k for k, s in self._sessions.items() if not s.lock.locked()), None)
            if victim is None:
                return
            del self._sessions[victim]
            self._evictions += 1

    @contextmanager
    def open(self, key: SessionKey, ttl: float, *, create: bool, touch: bool = True) -> Iterator[Session | None]:
        """The live session for ``key``, locked for the caller; a new empty one when ``create``.

        An expired session is discarded first, as Lex discards it after the idle TTL.
        ``touch`` restarts the idle clock when the caller is done (reads do not).
        """
        with self._guard:
            session = self._live(key, ttl)
            if session is None and create:
                session = Session(key=key, last_access=self._clock())
                self._sessions[key] = session
                self._evict_over_cap()
        if session is None:
            yield None
            return
        if not session.lock.acquire(timeout=self._lock_timeout):
            raise ConflictException(f"Another request is still running on session '{key.session_id}'. Retry after it completes.")
        try:
            yield session
        finally:
            if touch:
                session.last_access = self._clock()
            session.lock.release()

    def delete(self, key: SessionKey, ttl: float) -> bool:
        """Forget the session; False when there was no live one."""
        with self._guard:
            session = self._live(key, ttl)
            if session is None:
                return False
            del self._sessions[key]
            return True

    def discard(self, session: Session) -> None:
        """Forget ``session`` if it is still the stored one for its key (a first turn that failed)."""
        with self._guard:
            if self._sessions.get(session.key) is session:
                del self._sessions[session.key]

    def stats(self) -> SessionStats:
        """Live sessions (including not yet noticed expired ones), evictions and expiries."""
        with self._guard:
            return SessionStats(sessions=len(self._sessions), evictions=self._evictions, expired=self._expired)
