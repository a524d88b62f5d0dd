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
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent

DocumentKind = Literal["bot", "intent", "slot_type"]

SCHEMA_FILES: dict[DocumentKind, str] = {
    "bot": "bot.schema.json",
    "intent": "intent.schema.json",
    "slot_type": "slot_type.schema.json",
}
COMMON_SCHEMA = "common.schema.json"


def load_schema(file_name: str) -> dict[str, Any]:
    """One schema file of this folder, parsed."""
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / file_name).read_text(encoding="utf-8"))
    return loaded


@cache
def validator_for(kind: DocumentKind) -> Draft202012Validator:
    """A validator for one kind of spec document; built once per process."""
    schema = load_schema(SCHEMA_FILES[kind])
    Draft202012Validator.check_schema(schema)
    # The schemas have no $id, so relative references resolve against the file name:
    # the same resolution an editor does from the files on disk.
    common = Resource.from_contents(load_schema(COMMON_SCHEMA), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(COMMON_SCHEMA, common)
    return Draft202012Validator(schema, registry=registry)
