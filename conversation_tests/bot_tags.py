"""``@bot:<source>`` on a feature or scenario: run it against a public bot from ``external/lex_bots``.

The source is a path under ``external/lex_bots`` (a LexJson zip or folder, a CloudFormation/SAM or
custom-resource template) with ``/`` kept and ``=`` standing for nothing else, e.g.
``@bot:lexjson/ReminderBot`` or ``@bot:cfn/BookTrip.cfn.yaml``. The bot is imported with
``bot_spec.importer`` and written as a YAML spec once per test session; local targets open it like
``--bot-dir``. Targets that start a separate runtime process per bot (chat) skip these scenarios.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXTERNAL_BOTS = PROJECT_ROOT / "external" / "lex_bots"
TAG_PREFIX = "bot:"
LOCAL_TARGETS = frozenset({"engine", "http"})
MAX_SOURCE_CHARS = 300


def scenario_tags(item: object) -> set[str] | None:
    """The tags of a pytest-bdd scenario item, its feature's included; None for other tests."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "obj", None)
    template = scenario_wrapper_template_registry.get(function) if callable(function) else None
    if template is None:
        return None
    return set(template.tags) | set(template.feature.tags)


class BotTagError(ValueError):
    """A ``@bot:`` tag that names no importable bot."""


def bot_source(tags: set[str]) -> str | None:
    """The ``@bot:`` source among a scenario's tags (None without one); two different ones are an error."""
    sources = sorted({t[len(TAG_PREFIX) :] for t in tags if t.startswith(TAG_PREFIX)})
    if len(sources) > 1:
        raise BotTagError(f"a scenario may name one bot, it names {', '.join(sources)}")
    return sources[0] if sources else None


def resolve_source(source: str) -> Path:
    """The file or folder a tag names, which must lie inside ``external/lex_bots``."""
    problem = BotTagError(f"@bot:{source[:100]} names nothing under external/lex_bots (e.g. @bot:lexjson/ReminderBot)")
    if not source or len(source) > MAX_SOURCE_CHARS:
        raise problem
    path = (EXTERNAL_BOTS / source).resolve()
    if EXTERNAL_BOTS.resolve() not in path.parents or not path.exists():
        raise problem
    return path


def spec_dir_for(source: str, cache: dict[str, Path]) -> Path:
    """A YAML spec folder holding the tagged bot (imported once per session)."""
    if source in cache:
        return cache[source]
    from bot_spec.formats.yaml_spec import write_spec
    from bot_spec.importer import import_bots

    definitions = import_bots(resolve_source(source))
    if len(definitions) != 1:
        raise BotTagError(f"@bot:{source} holds {len(definitions)} bots; tag a source with exactly one")
    out = Path(tempfile.mkdtemp(prefix="chat-lex-bot-"))
    write_spec(definitions[0], out)
    cache[source] = out
    return out
