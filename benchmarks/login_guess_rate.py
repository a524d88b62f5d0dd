"""How many password guesses per second one account accepts for checking: parallel wrong sign-ins for a while.

    .venv/bin/python -m benchmarks.login_guess_rate [--seconds 10] [--parallel 64]

Counts the sign-in attempts whose password was actually compared with the stored hash (the ones a guesser
learns from) against one account of the local identity provider on SQLite, with the default lockout
(5 failures, 300 s), and prints guesses checked per second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import threading
import time
from pathlib import Path

from runtime.auth import local as local_auth
from runtime.auth.base import AuthError
from runtime.auth.local import LocalIdentityProvider
from runtime.auth.password_hashing import DUMMY_HASH
from runtime.store import open_store

PASSWORD = "Sup3r-secret"


async def measure(seconds: float, parallel: int) -> tuple[int, float]:
    checked = [0]
    lock = threading.Lock()
    real = local_auth.verify_password

    def spy(password: str, stored: str) -> bool:
        if stored != DUMMY_HASH:
            with lock:
                checked[0] += 1
        return real(password, stored)

    local_auth.verify_password = spy  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:{Path(folder) / 'chat.db'}")
        provider = LocalIdentityProvider(store, Path(folder) / "keys", "urn:bench", "web")
        await provider.sign_up("victim", PASSWORD, "victim@example.com")
        deadline = time.perf_counter() + seconds

        async def guesser(n: int) -> None:
            i = 0
            while time.perf_counter() < deadline:
                i += 1
                with contextlib.suppress(AuthError):
                    await provider.sign_in("victim", f"Guess-{n}-{i}a")

        start = time.perf_counter()
        await asyncio.gather(*(guesser(n) for n in range(parallel)))
        elapsed = time.perf_counter() - start
        await store.close()
    local_auth.verify_password = real
    return checked[0], elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--parallel", type=int, default=64)
    args = parser.parse_args()
    checked, elapsed = asyncio.run(measure(args.seconds, args.parallel))
    print(f"{checked} guesses checked in {elapsed:.1f} s with {args.parallel} in parallel: {checked / elapsed:.2f} guesses/s per account")


if __name__ == "__main__":
    main()
