"""Labelled utterances for ``chat-lex evaluate``: YAML or CSV files, read with errors that name the line.

YAML: a list of ``{text, intent, slots?: {name: value}}``. CSV: a header row with ``text``,
``intent`` and optionally ``slots`` (``name=value;name=value``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UTTERANCES = 100_000
MAX_TEXT_CHARS = 1024  # Lex's RecognizeText limit
MAX_NAME_CHARS = 100  # Lex's limit on intent and slot names


class LabelledDataError(Exception):
    """The labelled data cannot be used; the message says where and how to fix it."""


@dataclass(frozen=True)
class LabelledUtterance:
    """One utterance and what the bot should make of it."""

    text: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    source: str = ""  # file:line, for reports


def load_labelled(path: Path) -> list[LabelledUtterance]:
    """Read a .yaml/.yml or .csv file of labelled utterances."""
    if not path.is_file():
        raise LabelledDataError(f"{path}: no such file; give --data a YAML or CSV file of labelled utterances")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LabelledDataError(f"{path}: {size} bytes; at most {MAX_FILE_BYTES} are accepted (split the file)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelledDataError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        items = _from_yaml(text, str(path))
    elif suffix == ".csv":
        items = _from_csv(text, str(path))
    else:
        raise LabelledDataError(f"{path}: unknown format {suffix or '(no extension)'!r}; use .yaml, .yml or .csv")
    if not items:
        raise LabelledDataError(f"{path}: no labelled utterances in the file")
    return items


def _check(text: Any, intent: Any, where: str) -> tuple[str, str]:
    if not isinstance(text, str) or not text.strip():
        raise LabelledDataError(f"{where}: 'text' must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise LabelledDataError(f"{where}: 'text' has {len(text)} characters; Lex accepts at most {MAX_TEXT_CHARS}")
    if not isinstance(intent, str) or not intent.strip():
        raise LabelledDataError(f"{where}: 'intent' must be a non-empty intent name")
    if len(intent) > MAX_NAME_CHARS:
        raise LabelledDataError(f"{where}: 'intent' is longer than {MAX_NAME_CHARS} characters")
    return text.strip(), intent.strip()


def _from_yaml(text: str, name: str) -> list[LabelledUtterance]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LabelledDataError(f"{name}{line}: not valid YAML ({problem})") from None
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise LabelledDataError(f"{name}:{root.start_mark.line + 1}: expected a list of {{text, intent, slots}} items")
    if len(root.value) > MAX_UTTERANCES:
        raise LabelledDataError(f"{name}: {len(root.value)} items; at most {MAX_UTTERANCES} are accepted")
    out: list[LabelledUtterance] = []
    for node in root.value:
        where = f"{name}:{node.start_mark.line + 1}"
        if not isinstance(node, yaml.MappingNode):
            raise LabelledDataError(f"{where}: each item must be a mapping with 'text' and 'intent'")
        try:
            item = yaml.safe_load(yaml.serialize(node))
        except yaml.YAMLError as exc:  # e.g. unhashable keys
            raise LabelledDataError(f"{where}: {exc}") from None
        unknown = sorted(str(k) for k in item if k not in ("text", "intent", "slots"))
        if unknown:
            raise LabelledDataError(f"{where}: unknown key(s) {', '.join(unknown)}; an item has text, intent and optional slots")
        text_value, intent = _check(item.get("text"), item.get("intent"), where)
        slots = item.get("slots") or {}
        if not isinstance(slots, dict) or not all(isinstance(k, str) and isinstance(v, str | int | float) for k, v in slots.items()):
            raise LabelledDataError(f"{where}: 'slots' must map slot names to values, e.g. {{StatusType: order}}")
        out.append(LabelledUtterance(text_value, intent, {k: str(v) for k, v in slots.items()}, where))
    return out


def parse_slot_cell(cell: str, where: str) -> dict[str, str]:
    """``name=value;name=value`` into a dict."""
    slots: dict[str, str] = {}
    for part in cell.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise LabelledDataError(f"{where}: slots cell {cell[:80]!r} is not name=value;name=value")
        slots[name.strip()] = value.strip()
    return slots


def _from_csv(text: str, name: str) -> list[LabelledUtterance]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise LabelledDataError(f"{name}:1: not valid CSV ({exc})") from None
    if header is None:
        return []
    columns = [h.strip().lower() for h in header]
    if "text" not in columns or "intent" not in columns:
        raise LabelledDataError(f"{name}:1: the header must name the columns text,intent[,slots]; found {','.join(header)[:120]!r}")
    unknown = [c for c in columns if c not in ("text", "intent", "slots")]
    if unknown:
        raise LabelledDataError(f"{name}:1: unknown column(s) {', '.join(unknown)}; use text,intent[,slots]")
    out: list[LabelledUtterance] = []
    line = reader.line_num
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            where = f"{name}:{start}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                raise LabelledDataError(f"{where}: {len(row)} cells but the header has {len(columns)} (quote text containing commas)")
            cells = dict(zip(columns, row, strict=True))
            text_value, intent = _check(cells["text"], cells["intent"], where)
            slots = parse_slot_cell(cells.get("slots", ""), where)
            out.append(LabelledUtterance(text_value, intent, slots, where))
            if len(out) > MAX_UTTERANCES:
                raise LabelledDataError(f"{name}: more than {MAX_UTTERANCES} rows; split the file")
    except csv.Error as exc:
        raise LabelledDataError(f"{name}:{reader.line_num}: not valid CSV ({exc})") from None
    return out
