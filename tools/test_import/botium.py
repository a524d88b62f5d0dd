"""Botium conversation scripts (``*.convo.txt``, with ``*.utterances.txt`` lists): the parser, and their mapping to our steps.

The parser reads BotiumScript's text format: a name line, then ``#me``/``#bot`` sections.
A ``#me`` section holds the user's text and logic hooks (``UPDATE_CUSTOM`` with
``SET_LEX_SESSION_ATTRIBUTE|k|v`` or ``SET_LEX_REQUEST_ATTRIBUTE|k|v``); a ``#bot`` section
holds expected text (or the name of an utterances list, ``*`` a wildcard, compared ignoring
case) and asserter lines (an upper-case asserter name, then ``|``-separated arguments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tools.recording import one_line
from tools.test_import.gherkin import ImportedScenario, ImportFormatError, ImportResult, name_value, quoted, regex_any

# The asserters chat-lex maps, and Botium's others (recognised so that they are reported, never taken as text).
MAPPED_ASSERTERS: tuple[str, ...] = (
    "INTENT",
    "ENTITIES",
    "ENTITY_VALUES",
    "ENTITY_CONTENT",
    "BUTTONS",
    "TEXT",
    "TEXT_CONTAINS_ANY",
    "TEXT_CONTAINS_ALL",
)
MAPPED_ASSERTERS += ("TEXT_REGEX_ANY", "TEXT_WILDCARD_ANY", "TEXT_EQUALS")
OTHER_ASSERTERS: tuple[str, ...] = (
    "INTENT_CONFIDENCE",
    "INTENT_UNIQUE",
    "CARDS",
    "MEDIA",
    "FORMS",
    "JSON_PATH",
    "RESPONSE_LENGTH",
    "BUTTONS_COUNT",
)
OTHER_ASSERTERS += ("CARDS_COUNT", "MEDIA_COUNT", "TEXT_REGEX_ALL", "TEXT_WILDCARD_ALL", "TEXT_CONTAINS_ANY_IC", "TEXT_CONTAINS_ALL_IC")
OTHER_ASSERTERS += ("ENTITY_CONTENT_IC", "INTENT_IC", "BOT_CONSUMED", "BOT_UNCONSUMED_COUNT", "CONDITIONAL_STEP_TIME_BASED")
ASSERTERS = MAPPED_ASSERTERS + OTHER_ASSERTERS
LOGIC_HOOKS: tuple[str, ...] = (
    "UPDATE_CUSTOM",
    "PAUSE",
    "WAITFORBOT",
    "SET_SCRIPTING_MEMORY",
    "CLEAR_SCRIPTING_MEMORY",
    "INCLUDE",
    "SKIP_BOT_UNCONSUMED",
)
LOGIC_HOOKS += ("ORDERED_LIST_TO_BUTTON", "CONDITIONAL_STEP_BUSINESS_HOURS", "CONDITIONAL_STEP_JSON_PATH")
_NEGATED = re.compile(r"^!(?=[A-Z_]+$)")


@dataclass
class Step:
    """One ``#me`` or ``#bot`` section."""

    sender: str
    texts: list[str] = field(default_factory=list)
    asserters: list[tuple[str, list[str]]] = field(default_factory=list)
    hooks: list[tuple[str, list[str]]] = field(default_factory=list)
    line: int = 0


@dataclass
class Convo:
    """A parsed conversation script."""

    name: str
    steps: list[Step]
    source: str


def parse_utterances(text: str) -> tuple[str, list[str]]:
    """An ``*.utterances.txt`` file: its name, then one alternative per line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError("an utterances file needs a name line")
    return lines[0], lines[1:]


def parse_convo(text: str, source: str = "<convo>") -> Convo:
    """A ``*.convo.txt`` script; raises ValueError naming the line for anything malformed."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValueError(f"{source}:1: a convo starts with its name line")
    steps: list[Step] = []
    current: Step | None = None
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            sender = line[1:].strip().lower()
            if sender not in ("me", "bot"):
                raise ValueError(f"{source}:{number}: unknown section {line!r}; expected #me or #bot")
            current = Step(sender=sender, line=number)
            steps.append(current)
            continue
        if current is None:
            continue  # description lines before the first section
        word, _, rest = line.partition(" ")
        args = [a.strip() for a in rest.split("|")] if rest else []
        bare = _NEGATED.sub("", word)
        if bare in ASSERTERS:
            if current.sender != "bot":
                raise ValueError(f"{source}:{number}: asserter {word} belongs in a #bot section")
            current.asserters.append((word, args))
        elif bare in LOGIC_HOOKS:
            current.hooks.append((word, args))
        else:
            current.texts.append(line)
    return Convo(name=lines[0].strip(), steps=steps, source=source)


def _bot_text_steps(texts: list[str], utterances: dict[str, list[str]]) -> list[str]:
    steps: list[str] = []
    for text in texts:
        choices = utterances.get(text, [text])
        if len(choices) == 1 and "*" not in choices[0]:
            steps.append(f"the bot says {quoted(choices[0])}")
        else:
            steps.append(f"the bot says something matching {quoted(regex_any(choices, wildcard=True))}")
    return steps


def _asserter_steps(word: str, args: list[str], where: str, warnings: list[str]) -> list[str]:
    """Our ``Then`` checks for one asserter line; a warning (and no step) when it has no equivalent."""
    wanted = [a for a in args if a and a != ".."]

    def unmapped(why: str) -> list[str]:
        warnings.append(f"{where}: {word} {'|'.join(args)}: {why}")
        return []

    if word.startswith("!"):
        return unmapped("negated asserters have no step")
    if word == "INTENT" and len(wanted) == 1 and name_value(wanted[0]):
        return [f'the intent is "{name_value(wanted[0])}"']
    if word == "ENTITY_CONTENT" and len(wanted) == 2 and name_value(wanted[0]):
        return [f'the slot "{name_value(wanted[0])}" is {quoted(wanted[1])}']
    if word == "ENTITY_CONTENT" and len(wanted) > 2:
        return unmapped("several allowed values; a slot step checks one")
    if word == "ENTITIES" and not wanted:
        return []  # ".." alone: at least no entity, which always holds
    if word in ("ENTITIES", "ENTITY_VALUES"):
        return unmapped("no step checks which slots are filled without their values")
    if word == "BUTTONS" and wanted and all(name_value(a) for a in wanted):
        return ["the bot offers the choices " + ", ".join(f'"{name_value(a)}"' for a in wanted)]
    if word in ("TEXT", "TEXT_EQUALS") and len(wanted) == 1:
        return [f"the bot says {quoted(wanted[0])}"]
    if word == "TEXT_CONTAINS_ALL" and wanted:
        return [f"the bot says something containing {quoted(a)}" for a in wanted]
    if word == "TEXT_CONTAINS_ANY" and wanted:
        return [f"the bot says something matching {quoted(regex_any(wanted, whole=False))}"]
    if word == "TEXT_WILDCARD_ANY" and wanted:
        return [f"the bot says something matching {quoted(regex_any(wanted, wildcard=True))}"]
    if word == "TEXT_REGEX_ANY" and wanted:
        return [f"the bot says something matching {quoted('|'.join(f'(?:{a})' for a in wanted))}"]
    return unmapped("no chat-lex step checks this")


def convo_scenario(convo: Convo, utterances: dict[str, list[str]], warnings: list[str]) -> ImportedScenario:
    """The scenario of one convo: each ``#me`` a ``When I say``, each ``#bot`` the checks of that turn."""
    scenario = ImportedScenario(convo.name, ["Given a new conversation"], convo.source)
    said = False
    for step in convo.steps:
        where = f"{convo.source}:{step.line}"
        if step.sender == "me":
            for word, args in step.hooks:
                hook = args[0] if args else ""
                if word == "UPDATE_CUSTOM" and hook == "SET_LEX_SESSION_ATTRIBUTE" and len(args) == 3 and name_value(args[1]):
                    scenario.steps.append(f'Given the session attribute "{name_value(args[1])}" is {quoted(args[2])}')
                elif word == "UPDATE_CUSTOM" and hook == "SET_LEX_REQUEST_ATTRIBUTE" and len(args) == 3 and name_value(args[1]):
                    scenario.steps.append(f'Given the request attribute "{name_value(args[1])}" is {quoted(args[2])}')
                else:
                    warnings.append(f"{where}: logic hook {word} {'|'.join(args)}: no chat-lex step does this")
            text = " ".join(step.texts)
            if text in utterances:
                choices = utterances[text]
                if len(choices) > 1:
                    warnings.append(f"{where}: #me {text} has {len(choices)} utterances; only the first is said")
                text = choices[0] if choices else ""
            if not one_line(text):
                warnings.append(f"{where}: an empty #me section (nothing to say) is left out")
                continue
            scenario.steps.append(f"When I say {quoted(text)}")
            said = True
            continue
        if not said:
            warnings.append(f"{where}: a #bot section before anything was said (a welcome message) is left out")
            continue
        checks = _bot_text_steps(step.texts, utterances)
        for word, args in step.asserters:
            checks.extend(_asserter_steps(word, args, where, warnings))
        for word, args in step.hooks:
            warnings.append(f"{where}: logic hook {word} {'|'.join(args)} in a #bot section: no chat-lex step does this")
        scenario.steps.extend(f"Then {check}" for check in checks)
    return scenario


def import_botium(paths: list[Path]) -> list[ImportResult]:
    """One result per ``*.convo.txt`` in ``paths``; the ``*.utterances.txt`` beside each are read for its references."""
    results: list[ImportResult] = []
    for path in paths:
        utterances: dict[str, list[str]] = {}
        for listing in sorted(path.parent.glob("*.utterances.txt")):
            try:
                name, lines = parse_utterances(listing.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise ImportFormatError(f"{listing}: {exc}") from None
            utterances[name] = lines
        try:
            convo = parse_convo(path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        except ValueError as exc:
            raise ImportFormatError(str(exc)) from None
        result = ImportResult(f"Botium {path.name}")
        result.scenarios.append(convo_scenario(convo, utterances, result.warnings))
        results.append(result)
    return results
