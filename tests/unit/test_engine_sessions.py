"""Sessions: idle TTL, LRU cap, per-session locking (fact sheet 3.6)."""

from __future__ import annotations

import threading

import pytest

from runtime.lex.clock import ManualClock
from runtime.lex.errors import ConflictException
from runtime.lex.sessions import SessionKey, SessionStore

KEY = SessionKey("BOTID12345", "TSTALIASID", "en_US", "s1")


def test_session_expires_after_idle_ttl_section_3_6() -> None:
    clock = ManualClock(1_000_000)
    store = SessionStore(clock=clock)
    with store.open(KEY, 300, create=True) as session:
        assert session is not None
        session.state["sessionAttributes"] = {"a": "1"}
    clock.advance(299)
    with store.open(KEY, 300, create=False) as session:
        assert session is not None and session.state["sessionAttributes"] == {"a": "1"}
    clock.advance(301)
    with store.open(KEY, 300, create=False) as session:
        assert session is None
    assert store.stats().expired == 1
    with store.open(KEY, 300, create=True) as session:
        assert session is not None and session.state == {}


def test_reads_without_touch_do_not_extend_the_ttl() -> None:
    clock = ManualClock(0)
    store = SessionStore(clock=clock)
    with store.open(KEY, 100, create=True):
        pass
    clock.advance(90)
    with store.open(KEY, 100, create=False, touch=False):
        pass
    clock.advance(20)
    with store.open(KEY, 100, create=False) as session:
        assert session is None


def test_lru_cap_evicts_least_recently_used_and_counts() -> None:
    clock = ManualClock(0)
    store = SessionStore(clock=clock, max_sessions=3)
    keys = [SessionKey("BOTID12345", "TSTALIASID", "en_US", f"s{i}") for i in range(5)]
    for key in keys[:3]:
        with store.open(key, 300, create=True):
            pass
    with store.open(keys[0], 300, create=False):  # s0 becomes most recent
        pass
    for key in keys[3:]:
        with store.open(key, 300, create=True):
            pass
    stats = store.stats()
    assert (stats.sessions, stats.evictions) == (3, 2)
    alive = []
    for key in keys:
        with store.open(key, 300, create=False, touch=False) as session:
            alive.append(session is not None)
    assert alive == [True, False, False, True, True]


def test_a_busy_session_gives_conflict_after_the_lock_timeout() -> None:
    store = SessionStore(clock=ManualClock(0), lock_timeout=0.05)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.open(KEY, 300, create=True):
            entered.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    assert entered.wait(5)
    with pytest.raises(ConflictException), store.open(KEY, 300, create=True):
        pass
    release.set()
    worker.join()


def test_requests_on_one_session_are_serialised() -> None:
    store = SessionStore(clock=ManualClock(0))
    with store.open(KEY, 300, create=True) as session:
        assert session is not None
        session.state["n"] = 0

    def bump() -> None:
        for _ in range(200):
            with store.open(KEY, 300, create=True) as s:
                assert s is not None
                value = s.state["n"]
                s.state["n"] = value + 1

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.open(KEY, 300, create=False) as session:
        assert session is not None and session.state["n"] == 800


def test_manual_clock() -> None:
    clock = ManualClock(10)
    assert clock() == 10
    assert clock.advance(5) == 15
    clock.set(100)
    assert clock() == 100
    with pytest.raises(ValueError):
        clock.advance(-1)
