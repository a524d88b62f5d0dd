"""Amazon Lex V2 Test Workbench test sets (CSV), read as scenarios and written from our features.

The layout is AWS's ("Creating a test set from a CSV file for Test Workbench" and "Test set
columns supported by Test Workbench", Amazon Lex V2 developer guide): columns ``Line #``,
``Conversation #`` (empty, ``-`` or ``N/A`` for a single input; the same number for every turn
of a conversation), ``Source`` (``User`` or ``Agent``), ``Input`` (the user's text, or the bot's
prompt on an Agent row), ``Expected Output Intent`` and ``Expected Output Slot 1..N`` (each
``SlotName = value``). The long names (``Line Number``, ``Conversation Number``,
``Conversation Participant``) are read too. Other columns (attributes, contexts, runtime hints,
audio) are reported, not used.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from tools.recording import one_line
from tools.test_import.gherkin import ImportedScenario, ImportFormatError, ImportResult, name_value, quoted

SINGLE_INPUT = ("", "-", "n/a")
_ALIASES = {
    "line #": "line",
    "line number": "line",
    "conversation #": "conversation",
    "conversation number": "conversation",
    "source": "source",
    "conversation participant": "source",
    "input": "input",
    "expected output intent": "intent",
}
_SLOT_COLUMN = re.compile(r"^(?:intent )?expected output slot \d+$")
MAX_ROWS = 50_000  # Test Workbench's own limit for a text test set is lower still


@dataclass
class Row:
    """One test-set row."""

    line: int
    conversation: str
    source: str
    text: str
    intent: str = ""
    slots: list[tuple[str, str]] = field(default_factory=list)


def read_rows(text: str, source: str, warnings: list[str]) -> list[Row]:
    """The rows of a test-set CSV; ImportFormatError when a required column is missing."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError(f"{source}:1: the file is empty; a test set starts with its header row") from None
    columns: dict[str, int] = {}
    slot_columns: list[int] = []
    for index, name in enumerate(header):
        key = " ".join(name.strip().lower().split())
        if key in _ALIASES:
            columns[_ALIASES[key]] = index
        elif _SLOT_COLUMN.match(key):
            slot_columns.append(index)
        elif key:
            warnings.append(f"{source}:1: column {name.strip()!r} is not used (chat-lex maps text input, intent and slots)")
    for required in ("source", "input"):
        if required not in columns:
            raise ImportFormatError(f"{source}:1: no {required.capitalize()!r} column; the header is {header!r}")
    rows: list[Row] = []
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise ImportFormatError(f"{source}: more than {MAX_ROWS} rows; split the test set")
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = Row(number, cell("conversation"), cell("source"), cell("input"), cell("intent"))
        if row.source.lower() not in ("user", "agent"):
            warnings.append(f"{source}:{number}: Source {row.source!r} is neither User nor Agent; the row is left out")
            continue
        for index in slot_columns:
            value = cells[index].strip() if index < len(cells) else ""
            if not value:
                continue
            slot, sep, slot_value = value.partition("=")
            if not sep or not slot.strip():
                warnings.append(f"{source}:{number}: slot cell {value!r} is not 'SlotName = value'; it is not checked")
                continue
            row.slots.append((slot.strip(), slot_value.strip()))
        rows.append(row)
    return rows


def _user_steps(row: Row, where: str, warnings: list[str]) -> list[str]:
    steps = [f"When I say {quoted(row.text)}"]
    if row.intent:
        if name_value(row.intent):
            steps.append(f'Then the intent is "{name_value(row.intent)}"')
        else:
            warnings.append(f"{where}: intent {row.intent!r} cannot be written in a step")
    for slot, value in row.slots:
        if name_value(slot):
            steps.append(f'Then the slot "{name_value(slot)}" is {quoted(value)}')
        else:
            warnings.append(f"{where}: slot {slot!r} cannot be written in a step")
    return steps


def rows_to_result(rows: list[Row], source: str, warnings: list[str]) -> ImportResult:
    """Single inputs become one scenario each; a conversation's rows one scenario, in file order."""
    result = ImportResult(f"Test Workbench {Path(source).name}", warnings=warnings)
    conversations: dict[str, ImportedScenario] = {}
    for row in rows:
        where = f"{source}:{row.line}"
        single = row.conversation.lower() in SINGLE_INPUT
        if single:
            if row.source.lower() == "agent":
                warnings.append(f"{where}: an Agent row outside a conversation is left out")
                continue
            scenario = ImportedScenario(f"Single input {row.text[:60]}", ["Given a new conversation"], where)
            result.scenarios.append(scenario)
        else:
            found = conversations.get(row.conversation)
            if found is None:
                found = ImportedScenario(f"Conversation {row.conversation}", ["Given a new conversation"], where)
                conversations[row.conversation] = found
                result.scenarios.append(found)
            scenario = found
        if row.source.lower() == "user":
            if not one_line(row.text):
                warnings.append(f"{where}: a User row without input is left out")
                continue
            scenario.steps.extend(_user_steps(row, where, warnings))
        elif not any(step.startswith("When ") for step in scenario.steps):
            warnings.append(f"{where}: an Agent row before the user said anything (a welcome prompt) is left out")
        elif one_line(row.text):
            scenario.steps.append(f"Then the bot says {quoted(row.text)}")
    return result


def import_workbench(paths: list[Path]) -> list[ImportResult]:
    """One result per test-set CSV file."""
    results = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}: not UTF-8 text (byte {exc.start}); save the test set as UTF-8 CSV") from None
        warnings: list[str] = []
        try:
            rows = read_rows(text, str(path), warnings)
        except csv.Error as exc:
            raise ImportFormatError(f"{path}: not CSV ({exc})") from None
        results.append(rows_to_result(rows, str(path), warnings))
    return results


# ---------------------------------------------------------------- writing our features as a test set


_SAY = re.compile(r'^I say "(?P<text>.*)"$')
_INTENT = re.compile(r'^the intent is "(?P<intent>[^"]+)"$')
_SLOT = re.compile(r'^the slot "(?P<slot>[^"]+)" is "(?P<value>.*)"$')
_SAYS = re.compile(r'^the bot says "(?P<text>.*)"$')
_NEW = re.compile(r"^a new conversation$")


@dataclass
class TestSetTurn:
    """A user row and the Agent rows after it."""

    text: str
    intent: str = ""
    slots: list[tuple[str, str]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def scenario_turns(steps: list[tuple[str, str]], where: str, warnings: list[str]) -> list[TestSetTurn]:
    """The turns of one scenario's (keyword type, text) steps; steps a test set cannot hold are reported."""
    turns: list[TestSetTurn] = []
    for kind, text in steps:
        if kind == "given" and _NEW.match(text):
            continue
        said = _SAY.match(text) if kind == "when" else None
        if said:
            turns.append(TestSetTurn(said["text"]))
            continue
        if kind == "then" and turns:
            intent, slot, says = _INTENT.match(text), _SLOT.match(text), _SAYS.match(text)
            if intent:
                turns[-1].intent = intent["intent"]
                continue
            if slot:
                turns[-1].slots.append((slot["slot"], slot["value"]))
                continue
            if says:
                turns[-1].replies.append(says["text"])
                continue
        warnings.append(f"{where}: step {kind} {text!r} has no Test Workbench column")
    return turns


def test_set_csv(scenarios: list[list[TestSetTurn]]) -> str:
    """The CSV of ``scenarios``: one turn without replies is a single input, anything else a conversation."""
    width = max((len(t.slots) for turns in scenarios for t in turns), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["Line #", "Conversation #", "Source", "Input", "Expected Output Intent"] + [f"Expected Output Slot {n + 1}" for n in range(width)]
    )
    line = 0
    conversation = 0
    for turns in scenarios:
        if not turns:
            continue
        single = len(turns) == 1 and not turns[0].replies
        if not single:
            conversation += 1
        for turn in turns:
            line += 1
            slots = [f"{name} = {value}" for name, value in turn.slots]
            slots += [""] * (width - len(slots))
            writer.writerow([line, "N/A" if single else conversation, "User", turn.text, turn.intent, *slots])
            for reply in turn.replies:
                line += 1
                writer.writerow([line, conversation, "Agent", reply, ""] + [""] * width)
    return out.getvalue()
