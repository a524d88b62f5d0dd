"""One JSON Schema validator for the project's own schemas: compiled once, fast on valid instances.

A schema is compiled into plain-Python predicates (`SchemaValidator.accepts`, tens of times faster than
jsonschema's general machinery, which matters on every chat frame and code-hook answer). Only when an instance
is refused does the slower walk (`first_problem`) run, to say what is wrong and where, in jsonschema's words.
The validator implements the subset of draft 2020-12 our schemas use and refuses any other keyword when it
compiles, so a schema change cannot silently weaken a check; tests compare its verdicts with jsonschema's.
Standard library only: the fulfillment Lambda zip carries this module without jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Accept = Callable[[Any], bool]
Path = tuple[str | int, ...]
Problem = tuple[str, Path]  # (message, where: the keys and indexes leading to the bad value)

# Keywords that only annotate (or hold sub-schemas reached through $ref): they never make an instance invalid.
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$comment", "examples", "default", "definitions", "$defs"})
KEYWORDS = frozenset(
    {
        "type", "const", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "items",
        "properties", "required", "additionalProperties", "anyOf", "if", "then", "else", "$ref",
    }
)  # fmt: skip
_SHOWN = 80  # characters of a refused value a message quotes: a 16 KB string is not repeated back


class SchemaError(ValueError):
    """The schema uses a keyword or a form this validator does not implement."""


def _is_integer(value: Any) -> bool:
    # JSON has no bool-int kinship (True is not 1), and 3.0 is an integer to JSON Schema.
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


_TYPES: dict[str, Accept] = {
    "string": lambda v: type(v) is str,
    "integer": _is_integer,
    "number": lambda v: type(v) is int or type(v) is float,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
}


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) in (int, float, str, type(None)) and type(b) in (int, float, str, type(None)) and a == b


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _all(checks: list[Accept]) -> Accept:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    checks = list(checks)

    def every(value: Any) -> bool:
        for check in checks:  # noqa: SIM110 (a loop, not all(generator): this runs for every field of every frame)
            if not check(value):
                return False
        return True

    return every


class _Node:
    """One compiled schema: the leaf checks (predicate, message) in keyword order, then the structural ones."""

    def __init__(self) -> None:
        self.leaf: list[tuple[Accept, Callable[[Any], str]]] = []
        self.required: tuple[str, ...] = ()
        self.properties: dict[str, _Node] = {}
        self.additional: _Node | bool = True
        self.items: _Node | None = None
        self.any_of: list[_Node] = []
        self.condition: tuple[_Node, _Node | None, _Node | None] | None = None
        self.ref: _Node | None = None
        self.accept: Accept = lambda v: True  # replaced once the node is compiled

    def explain(self, value: Any, path: Path) -> Problem | None:
        """The first reason `value` is refused, or None (the slow walk, run only on refused instances)."""
        if self.ref is not None:
            problem = self.ref.explain(value, path)
            if problem is not None:
                return problem
        for check, message in self.leaf:
            if not check(value):
                return message(value), path
        if type(value) is dict:
            for name in self.required:
                if name not in value:
                    return f"{name!r} is a required property", path
            for key, item in value.items():
                sub = self.properties.get(key)
                if sub is None and self.additional is False:
                    return f"Additional properties are not allowed ({_shown(key)} was unexpected)", path
                sub = sub if sub is not None else self.additional if isinstance(self.additional, _Node) else None
                problem = sub.explain(item, (*path, key)) if sub is not None else None
                if problem is not None:
                    return problem
        if type(value) is list and self.items is not None:
            for index, item in enumerate(value):
                problem = self.items.explain(item, (*path, index))
                if problem is not None:
                    return problem
        if self.any_of and not any(branch.accept(value) for branch in self.any_of):
            return f"{_shown(value)} is not valid under any of the given schemas", path
        if self.condition is not None:
            test, then, otherwise = self.condition
            branch = then if test.accept(value) else otherwise
            if branch is not None:
                return branch.explain(value, path)
        return None


class SchemaValidator:
    """A schema compiled once: `accepts` (fast) and `first_problem` (why not)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._refs: dict[str, _Node] = {}
        for container in ("definitions", "$defs"):  # compiled now, so an unsupported keyword fails here, not later
            for name in schema.get(container) or {}:
                self._resolve(f"#/{container}/{name}")
        self._root = self._compile(schema, "#")
        self.accepts: Accept = self._root.accept

    def first_problem(self, instance: Any) -> Problem | None:
        """None when the instance is valid; else the first violation found, as (message, path)."""
        try:
            if self.accepts(instance):
                return None
            return self._root.explain(instance, ()) or ("the value is not valid", ())
        except RecursionError:
            return "the value is nested too deeply", ()

    def _resolve(self, ref: str) -> _Node:
        node = self._refs.get(ref)
        if node is not None:
            return node
        if not ref.startswith("#/"):
            raise SchemaError(f"only local references are supported, got {ref!r}")
        target: Any = self.schema
        for part in ref[2:].split("/"):
            if not isinstance(target, Mapping) or part not in target:
                raise SchemaError(f"$ref {ref!r} points at nothing")
            target = target[part]
        node = self._refs[ref] = _Node()  # registered before compiling, so a recursive schema ends
        self._compile(target, ref, node)
        return node

    def _compile(self, schema: Any, where: str, node: _Node | None = None) -> _Node:
        node = node if node is not None else _Node()
        if not isinstance(schema, Mapping):
            raise SchemaError(f"the schema at {where} is not an object")
        unknown = set(schema) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise SchemaError(f"schema keyword(s) {sorted(unknown)} at {where} are not supported")
        checks: list[Accept] = []
        if "$ref" in schema:
            target = node.ref = self._resolve(schema["$ref"])
            checks.append(lambda v: target.accept(v))  # late-bound: the target may still be compiling
        kinds = schema.get("type")
        names = [kinds] if isinstance(kinds, str) else list(kinds or [])
        if any(name not in _TYPES for name in names):
            raise SchemaError(f"unknown type {kinds!r} at {where}")
        if names:
            is_type = _TYPES[names[0]] if len(names) == 1 else _any([_TYPES[name] for name in names])
            shown_types = ", ".join(repr(name) for name in names)
            node.leaf.append((is_type, lambda v: f"{_shown(v)} is not of type {shown_types}"))
        only = names[0] if len(names) == 1 else None  # the type every later check may take for granted
        for keyword in ("const", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum", "minItems"):
            if keyword in schema:
                node.leaf.append(_leaf_check(keyword, schema[keyword], only, where))
        is_object = "properties" in schema or "required" in schema or "additionalProperties" in schema
        # The object check refuses non-objects itself when the type says object, so the type check is not repeated.
        checks.extend(check for index, (check, _) in enumerate(node.leaf) if not (index == 0 and is_object and only == "object"))
        if is_object:
            checks.append(self._compile_object(schema, node, where, guarded=only == "object"))
        if "items" in schema:
            items = node.items = self._compile(schema["items"], f"{where}/items")
            accept_item = items.accept
            checks.append(lambda v: type(v) is not list or all(accept_item(x) for x in v))
        if "anyOf" in schema:
            node.any_of = [self._compile(sub, f"{where}/anyOf/{i}") for i, sub in enumerate(schema["anyOf"])]
            checks.append(_any([branch.accept for branch in node.any_of]))
        if "if" in schema:
            test = self._compile(schema["if"], f"{where}/if")
            then = self._compile(schema["then"], f"{where}/then") if "then" in schema else None
            otherwise = self._compile(schema["else"], f"{where}/else") if "else" in schema else None
            node.condition = (test, then, otherwise)
            yes, no = (then.accept if then else None), (otherwise.accept if otherwise else None)
            checks.append(lambda v: (yes is None or yes(v)) if test.accept(v) else (no is None or no(v)))
        node.accept = _all(checks) if checks else (lambda v: True)
        return node

    def _compile_object(self, schema: Mapping[str, Any], node: _Node, where: str, *, guarded: bool) -> Accept:
        node.required = tuple(schema.get("required", ()))
        node.properties = {name: self._compile(sub, f"{where}/properties/{name}") for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        node.additional = extra if isinstance(extra, bool) else self._compile(extra, f"{where}/additionalProperties")
        required = node.required
        accepts = {name: sub.accept for name, sub in node.properties.items()}
        other: Accept | None = None if node.additional is False else lambda v: True
        if isinstance(node.additional, _Node):
            other = node.additional.accept

        def accept(value: Any) -> bool:
            if type(value) is not dict:
                return False  # stands for the type check when the type says object (else the wrapper below lets it by)
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                check = accepts.get(key, other)
                if check is None or not check(item):
                    return False
            return True

        if guarded:
            return accept
        return lambda v: type(v) is not dict or accept(v)


def _any(checks: list[Accept]) -> Accept:
    return lambda v: any(check(v) for check in checks)


def _leaf_check(keyword: str, bound: Any, only: str | None, where: str) -> tuple[Accept, Callable[[Any], str]]:
    """The predicate of one value keyword and the message it gives when it fails (jsonschema's wording)."""
    if keyword == "const":
        if type(bound) is str:
            return (lambda v: type(v) is str and v == bound), (lambda v: f"{bound!r} was expected")
        return (lambda v: _json_equal(v, bound)), (lambda v: f"{bound!r} was expected")
    if keyword == "enum":
        if not isinstance(bound, list):
            raise SchemaError(f"enum at {where} is not a list")
        if all(type(item) is str for item in bound):
            allowed = frozenset(bound)
            return (lambda v: type(v) is str and v in allowed), (lambda v: f"{_shown(v)} is not one of {bound}")
        return (lambda v: any(_json_equal(v, item) for item in bound)), (lambda v: f"{_shown(v)} is not one of {bound}")
    if type(bound) is not int and keyword != "pattern":
        if keyword in ("minimum", "maximum") and type(bound) is float:
            pass
        else:
            raise SchemaError(f"{keyword} at {where} must be an integer")
    if keyword == "pattern":
        search = re.compile(bound).search  # jsonschema matches `pattern` with re.search too
        test: Accept = lambda v: search(v) is not None  # noqa: E731
        return _guard(test, "string", only), (lambda v: f"{_shown(v)} does not match {bound!r}")
    if keyword == "minLength":
        return _guard(lambda v: len(v) >= bound, "string", only), (lambda v: f"{_shown(v)} is too short")
    if keyword == "maxLength":
        return _guard(lambda v: len(v) <= bound, "string", only), (lambda v: f"{_shown(v)} is too long")
    if keyword == "minItems":
        message = "should be non-empty" if bound == 1 else "is too short"
        return _guard(lambda v: len(v) >= bound, "array", only), (lambda v: f"{_shown(v)} {message}")
    if keyword == "minimum":
        return _guard(lambda v: v >= bound, "number", only), (lambda v: f"{v!r} is less than the minimum of {bound}")
    return _guard(lambda v: v <= bound, "number", only), (lambda v: f"{v!r} is greater than the maximum of {bound}")


def _guard(test: Accept, kind: str, only: str | None) -> Accept:
    """`test` as is when the node's type check already ran; else applied only to values of its kind (JSON Schema's rule)."""
    if only == kind or (kind == "number" and only == "integer"):
        return test
    applies = _TYPES[kind]
    return lambda v: not applies(v) or test(v)
