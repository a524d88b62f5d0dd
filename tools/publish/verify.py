"""``--verify``: run the conversation features against the candidate alias before the real one moves.

The check is a ``Verifier`` callable so tests supply the outcome; the default one runs
``chat-lex test --lex-target aws`` in a subprocess and keeps its output as the transcript.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

CANDIDATE_ALIAS = "candidate"


@dataclass(frozen=True)
class VerifyTarget:
    """Where the conversation tests should run."""

    bot_id: str
    alias_id: str
    locale_id: str
    region: str


@dataclass(frozen=True)
class VerifyOutcome:
    """Whether the features passed, and what to show when they did not."""

    passed: bool
    transcript: str = ""


Verifier = Callable[[VerifyTarget], VerifyOutcome]


def run_conversation_tests(target: VerifyTarget, *, timeout_seconds: float = 1800.0) -> VerifyOutcome:
    """The default verifier: ``chat-lex test --lex-target aws`` against the target alias."""
    command = [
        sys.executable,
        "-m",
        "tools.cli",
        "test",
        "--lex-target",
        "aws",
        "--bot-id",
        target.bot_id,
        "--bot-alias-id",
        target.alias_id,
        "--locale",
        target.locale_id,
    ]
    try:
        env = {**os.environ, "AWS_REGION": target.region, "AWS_DEFAULT_REGION": target.region}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_seconds, check=False, env=env)
    except subprocess.TimeoutExpired:
        return VerifyOutcome(False, f"chat-lex test did not finish within {timeout_seconds:.0f}s")
    return VerifyOutcome(done.returncode == 0, (done.stdout + done.stderr).strip())
