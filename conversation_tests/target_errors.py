"""What a conversation target raises when it cannot do a step; its own module so every target can import it."""

from __future__ import annotations


class TargetCannotDo(Exception):
    """The target cannot do what the step asks (e.g. set the time on a real alias); the scenario is skipped."""
