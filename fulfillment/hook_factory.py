"""Mark a function as a code-hook factory: the engine calls it once with the bot's setup.

A spec names a Python code hook as ``module:function``. A plain function is the handler,
called as ``handler(event, context)`` like a Lambda. A factory decorated here is called
first with a ``HookSetup`` (the bot folder and the engine's clock) and returns the handler,
so a local run on a manual clock greets "Good morning" when the test says it is morning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

FACTORY_ATTRIBUTE = "chat_lex_hook_factory"  # read by runtime/lex/hook_loader.py (by name: no import)


class HookSetup(Protocol):
    """What a factory is given."""

    @property
    def bot_dir(self) -> Path | None: ...

    @property
    def clock(self) -> Callable[[], float]: ...


F = TypeVar("F", bound=Callable[..., Any])


def hook_factory(function: F) -> F:
    """Decorator: ``function(setup) -> handler`` builds the handler instead of being it."""
    setattr(function, FACTORY_ATTRIBUTE, True)
    return function
