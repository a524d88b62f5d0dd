"""A fast validator for the JSON Schema subset the code-hook response schema uses.

jsonschema's general machinery (reference resolution, validator evolution) costs
about 2 ms per response; this interpreter of the same schema document costs tens of
microseconds. It refuses, at load time, any keyword outside the subset it implements,
so a schema change cannot silently weaken the check. Tests compare it with jsonschema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUPPORTED = frozenset(
    {
        "$ref",
        "$schema",
        "additionalProperties",
        "anyOf",
        "const",
        "definitions",
        "description",
        "else",
        "enum",
        "if",
        "items",
        "minItems",
        "minLength",
        "properties",
        "required",
        "then",
        "type",
    }
)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}
Problem = tuple[str, tuple[str | int, ...]]


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("number", "integer"):
        return False  # JSON booleans are not numbers, though Python's bool is an int
    return isinstance(value, _TYPES[name])


class SubsetValidator:
    """Validates instances against one schema document written in the supported subset."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._root = schema
        self._check_keywords(schema, "#")

    def _check_keywords(self, node: Any, where: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self._check_keywords(item, f"{where}/{index}")
            return
        if not isinstance(node, Mapping):
            return
        unknown = set(node) - SUPPORTED
        if unknown:
            raise ValueError(f"schema keyword(s) {sorted(unknown)} at {where} are not supported by SubsetValidator")
        for key in ("properties", "definitions"):
            for name, sub in (node.get(key) or {}).items():
                self._check_keywords(sub, f"{where}/{key}/{name}")
        for key in ("items", "if", "then", "else", "additionalProperties", "anyOf"):
            if key in node:
                self._check_keywords(node[key], f"{where}/{key}")

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, got {ref!r}")
        node: Any = self._root
        for part in ref[2:].split("/"):
            node = node[part]
        resolved: Mapping[str, Any] = node
        return resolved

    def first_problem(self, instance: Any) -> Problem | None:
        """The first violation found (message, path), or None when the instance is valid."""
        return self._check(self._root, instance, ())

    def _check(self, node: Mapping[str, Any], value: Any, path: tuple[str | int, ...]) -> Problem | None:
        if "$ref" in node:
            problem = self._check(self._resolve(node["$ref"]), value, path)
            if problem:
                return problem
        if "type" in node:
            names = node["type"] if isinstance(node["type"], list) else [node["type"]]
            if not any(_is_type(value, n) for n in names):
                return f"{value!r:.80} is not of type {' or '.join(repr(n) for n in names)}", path
        if "enum" in node and value not in node["enum"]:
            return f"{value!r:.80} is not one of {node['enum']}", path
        if "const" in node and value != node["const"]:
            return f"{node['const']!r} was expected", path
        if "minLength" in node and isinstance(value, str) and len(value) < node["minLength"]:
            return f"{value!r} is too short", path
        if isinstance(value, dict):
            problem = self._check_object(node, value, path)
            if problem:
                return problem
        if isinstance(value, list):
            if "minItems" in node and len(value) < node["minItems"]:
                return f"{value!r:.80} should be non-empty" if node["minItems"] == 1 else f"{value!r:.80} is too short", path
            if "items" in node:
                for index, item in enumerate(value):
                    problem = self._check(node["items"], item, (*path, index))
                    if problem:
                        return problem
        if "anyOf" in node and all(self._check(sub, value, path) for sub in node["anyOf"]):
            return f"{value!r:.80} is not valid under any of the given schemas", path
        if "if" in node:
            branch = "then" if self._check(node["if"], value, path) is None else "else"
            if branch in node:
                return self._check(node[branch], value, path)
        return None

    def _check_object(self, node: Mapping[str, Any], value: dict[str, Any], path: tuple[str | int, ...]) -> Problem | None:
        for name in node.get("required", ()):
            if name not in value:
                return f"{name!r} is a required property", path
        properties = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                problem = self._check(properties[key], item, (*path, key))
            elif extra is False:
                return f"Additional properties are not allowed ({key!r:.60} was unexpected)", path
            elif isinstance(extra, Mapping):
                problem = self._check(extra, item, (*path, key))
            else:
                problem = None
            if problem:
                return problem
        return None
