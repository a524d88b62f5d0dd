"""The JSON Schema (draft 2020-12) of the YAML spec, and validators built from it.

``bot.schema.json``, ``intent.schema.json`` and ``slot_type.schema.json`` describe the
three kinds of spec file; ``common.schema.json`` holds what they share. Editors can use
the files directly (``# yaml-language-server: $schema=...``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent

DocumentKind = Literal["bot", "intent", "slot_type"]

SCHEMA_FILES: dict[DocumentKind, str] = {
    "bot": "bot.schema.json",
    "intent": "intent.schema.json",
    "slot_type": "slot_type.schema.json",
}
COMMON_SCHEMA = "common.schema.json"


def load_schema(file_name: str) -> dict[str, Any]:
    """One schema file of this folder, parsed (a fresh copy the caller may change)."""
    loaded: dict[str, Any] = json.loads(_schema_text(file_name))
    return loaded


@cache
def _schema_text(file_name: str) -> str:
    return (SCHEMA_DIR / file_name).read_text(encoding="utf-8")


@cache
def _parsed(file_name: str) -> dict[str, Any]:
    # Shared and never modified: inline_refs builds new containers instead.
    return load_schema(file_name)


def inline_refs(node: Any, file_name: str, seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``$ref`` replaced by what it points to (within this folder).

    The schemas are not recursive, so this terminates; it spares the validator a
    reference lookup per utterance, which is most of its time on a large bot.
    """
    if isinstance(node, list):
        return [inline_refs(item, file_name, seen) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: inline_refs(value, file_name, seen) for key, value in node.items() if key != "$ref"}
    ref = node.get("$ref")
    if ref is None:
        return out
    target_file, _, pointer = ref.partition("#")
    target_file = target_file or file_name
    if (target_file + pointer) in seen:
        raise ValueError(f"recursive $ref {ref} in {file_name}")
    target: Any = _parsed(target_file)
    for part in pointer.strip("/").split("/"):
        target = target[part]
    resolved = inline_refs(target, target_file, (*seen, target_file + pointer))
    return {**resolved, **out}  # keywords beside the $ref (a description) win


@cache
def validator_for(kind: DocumentKind) -> Draft202012Validator:
    """A validator for one kind of spec document; built once per process."""
    schema = inline_refs(load_schema(SCHEMA_FILES[kind]), SCHEMA_FILES[kind])
    schema.pop("$defs", None)  # every use is inlined now
    # No check_schema here: it takes most of a second on the inlined form; the tests
    # check both the files and their inlined form.
    return Draft202012Validator(schema)
