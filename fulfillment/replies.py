"""Named reply templates (intent -> locale -> name -> Jinja2 source), rendered in a sandbox.

They come from a spec folder (the ``replies`` key of ``intents/*.yaml``, read with
``yaml.safe_load`` and nothing else of the spec) or from the ``replies.json`` that
``chat-lex package-fulfillment`` writes into the Lambda zip. Every template is compiled
once, on load, so a broken template is found before the first user meets it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

from fulfillment.errors import ReplyError

REPLIES_FORMAT = "chat-lex/replies@1"
MAX_FILE_BYTES = 1024 * 1024  # an intent file or replies.json; real ones are a few KB
MAX_TEMPLATE_LENGTH = 4000  # Lex's "text response length" quota

Templates = dict[str, dict[str, dict[str, str]]]  # intent -> locale -> reply name -> source


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReplyError(f"{path}: the file is larger than {MAX_FILE_BYTES} bytes; is it really a reply file?")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReplyError(f"{path}: cannot read the file ({exc})") from exc


def _templates_of(intent: str, node: object, where: str) -> dict[str, dict[str, str]]:
    """Check one intent's ``{locale: {name: template}}`` block."""
    if not isinstance(node, Mapping):
        raise ReplyError(f"{where}: replies of intent {intent!r} must map locales to {{name: template}}")
    out: dict[str, dict[str, str]] = {}
    for locale, names in node.items():
        if not isinstance(locale, str) or not isinstance(names, Mapping):
            raise ReplyError(f"{where}: replies of intent {intent!r}, locale {locale!r} must map reply names to templates")
        out[locale] = {}
        for name, source in names.items():
            if not isinstance(name, str) or not isinstance(source, str):
                raise ReplyError(f"{where}: reply {name!r} of intent {intent!r} ({locale}) must be a string template; quote it in YAML")
            if len(source) > MAX_TEMPLATE_LENGTH:
                raise ReplyError(
                    f"{where}: reply {name!r} of intent {intent!r} ({locale}) is {len(source)} characters; "
                    f"the limit is {MAX_TEMPLATE_LENGTH}"
                )
            out[locale][name] = source
    return out


def templates_from_spec_folder(bot_dir: Path) -> Templates:
    """The ``replies`` blocks of every ``intents/*.yaml`` under ``bot_dir``."""
    intents_dir = bot_dir / "intents"
    if not intents_dir.is_dir():
        raise ReplyError(f"{bot_dir}: no intents/ folder here; point at a bot folder (the one holding bot.yaml)")
    templates: Templates = {}
    for path in sorted(intents_dir.glob("*.yaml")):
        try:
            doc = yaml.safe_load(_read_text(path))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = "" if mark is None else f":{mark.line + 1}"
            raise ReplyError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from exc
        if not isinstance(doc, Mapping):
            raise ReplyError(f"{path}: the file must hold a mapping")
        name = doc.get("name", path.stem)
        if not isinstance(name, str):
            raise ReplyError(f"{path}: 'name' must be a string")
        if doc.get("replies") is not None:
            templates[name] = _templates_of(name, doc["replies"], str(path))
    return templates


def templates_from_json(path: Path) -> Templates:
    """The templates of a packaged ``replies.json``."""
    try:
        doc = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ReplyError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); rebuild it with chat-lex package-fulfillment") from exc
    if not isinstance(doc, Mapping) or doc.get("format") != REPLIES_FORMAT or not isinstance(doc.get("replies"), Mapping):
        raise ReplyError(f"{path}: not a chat-lex replies file (expected format {REPLIES_FORMAT!r} and a 'replies' object)")
    return {str(intent): _templates_of(str(intent), node, str(path)) for intent, node in doc["replies"].items()}


def replies_document(templates: Templates) -> dict[str, Any]:
    """The ``replies.json`` document for ``templates`` (sorted, so builds are reproducible)."""
    ordered = {i: {loc: dict(sorted(n.items())) for loc, n in sorted(templates[i].items())} for i in sorted(templates)}
    return {"format": REPLIES_FORMAT, "replies": ordered}


class Replies:
    """Compiled reply templates; ``render`` fills one in."""

    def __init__(self, templates: Templates, source: str = "<memory>") -> None:
        self.source = source
        self.templates = templates
        self._env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
        self._compiled: dict[tuple[str, str, str], jinja2.Template] = {}
        for intent, locales in templates.items():
            for locale, names in locales.items():
                for name, text in names.items():
                    try:
                        self._compiled[(intent, locale, name)] = self._env.from_string(text)
                    except jinja2.TemplateSyntaxError as exc:
                        raise ReplyError(
                            f"{source}: reply {name!r} of intent {intent!r} ({locale}) is not a valid template: "
                            f"{exc.message} (template line {exc.lineno})"
                        ) from exc

    @classmethod
    def load(cls, path: str | Path) -> Replies:
        """From a spec folder, or from a ``replies.json`` file."""
        where = Path(path)
        if where.is_dir():
            return cls(templates_from_spec_folder(where), str(where))
        if where.is_file():
            return cls(templates_from_json(where), str(where))
        raise ReplyError(f"{where}: no such folder or file; give a bot folder or a replies.json")

    def has(self, intent: str, locale: str, name: str) -> bool:
        """Whether the reply exists."""
        return (intent, locale, name) in self._compiled

    def names(self, intent: str, locale: str) -> frozenset[str]:
        """The reply names an intent has in a locale."""
        return frozenset(self.templates.get(intent, {}).get(locale, {}))

    def render(self, intent: str, locale: str, name: str, **variables: object) -> str:
        """Render a reply; raises ``ReplyError`` naming intent, locale and reply."""
        template = self._compiled.get((intent, locale, name))
        if template is None:
            raise ReplyError(
                f"no reply {name!r} for intent {intent!r} in locale {locale} ({self.source}); "
                f"add it under replies: {{{locale}: {{{name}: ...}}}} in the intent's YAML"
            )
        try:
            return template.render(**variables).strip()
        except jinja2.UndefinedError as exc:
            raise ReplyError(
                f"reply {name!r} of intent {intent!r} ({locale}) uses an undefined variable: {exc.message}; "
                f"it was given {', '.join(sorted(variables)) or 'no variables'}"
            ) from exc
        except jinja2.TemplateError as exc:  # includes the sandbox's SecurityError
            raise ReplyError(f"reply {name!r} of intent {intent!r} ({locale}) failed to render: {exc}") from exc
