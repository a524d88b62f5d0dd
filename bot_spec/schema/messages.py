"""Schema violations as plain-language diagnostics, located at the offending key or value.

jsonschema's own messages ("30 is less than the minimum of 60") name neither the field
nor the fix; these name both, and explain YAML's surprises (``yes`` read as a boolean).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from jsonschema.exceptions import ValidationError

from bot_spec.diagnostics import Diagnostic
from bot_spec.schema import DocumentKind, validator_for

JsonPath = tuple[str | int, ...]
Position = tuple[int, int]

# Codes of schema diagnostics; docs/spec-format.md lists them for authors.
UNKNOWN_KEY = "S101"
MISSING_KEY = "S102"
WRONG_TYPE = "S103"
OUT_OF_RANGE = "S104"
BAD_FORMAT = "S105"
BAD_LENGTH = "S106"
BAD_COUNT = "S107"
NOT_ALLOWED_VALUE = "S108"
REPEATED_ITEM = "S109"
WRONG_SHAPE = "S110"
OTHER_SCHEMA = "S199"

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value lines)",
    "array": "a list (lines starting with `-`)",
    "null": "empty",
}


class NodeLocator(Protocol):
    """Where each node of one parsed file came from."""

    @property
    def file(self) -> str: ...

    def key_position(self, path: JsonPath) -> Position | None: ...

    def value_position(self, path: JsonPath) -> Position | None: ...

    def source_text(self, path: JsonPath) -> str | None: ...


def dotted(path: Iterable[str | int]) -> str:
    """``('slots', 0, 'type')`` -> ``slots[0].type``; the document root is ``(top level)``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def kind_of(value: Any) -> str:
    """What a parsed YAML value is, in words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` (case-insensitive), or None."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


class _Explainer:
    """Turns the jsonschema errors of one document into diagnostics."""

    def __init__(self, doc: Any, locator: NodeLocator) -> None:
        self.doc = doc
        self.loc = locator
        self.seen: set[tuple[str, JsonPath, str]] = set()

    # -------------------------------------------------------------- helpers

    def _diag(self, code: str, path: JsonPath, message: str, fix: str | None, at_key: bool = False) -> Diagnostic:
        pos = self.loc.key_position(path) if at_key else None
        if pos is None:
            pos = self.loc.value_position(path)
        if pos is None and at_key is False:
            pos = self.loc.key_position(path)
        trail = list(path)
        while pos is None and trail:  # a node the source map lacks: point at its nearest parent
            trail.pop()
            pos = self.loc.value_position(tuple(trail))
        line, column = pos if pos is not None else (1, 1)
        return Diagnostic(
            code=code, severity="error", message=message, file=self.loc.file, line=line, column=column, fix=fix, path=dotted(path)
        )

    def _wrote(self, path: JsonPath, value: Any) -> str:
        raw = self.loc.source_text(path)
        shown = _shown(raw if raw is not None else value)
        return f"`{shown}`" if isinstance(value, str) else shown

    @staticmethod
    def _field(path: JsonPath) -> str:
        return f"`{dotted(path)}`"

    # -------------------------------------------------------------- entry

    def explain(self, error: ValidationError) -> Iterator[Diagnostic]:
        path: JsonPath = tuple(error.absolute_path)
        if "propertyNames" in error.absolute_schema_path and isinstance(_instance(error), str):
            yield from self._bad_key_name(error, path)
            return
        handler = getattr(self, f"_on_{error.validator}", None)
        if handler is None:
            yield self._diag(OTHER_SCHEMA, path, f"{self._field(path)}: {error.message}", "see docs/spec-format.md for this field")
            return
        yield from handler(error, path)

    # -------------------------------------------------------------- keywords

    def _on_additionalProperties(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        allowed = list(_schema(error).get("properties", {}))
        for key in _instance(error):
            if key in allowed:
                continue
            where = "at the top level" if not path else f"in {self._field(path)}"
            guess = suggest(str(key), allowed)
            listing = ", ".join(f"`{k}`" for k in allowed)
            if guess is not None:
                message = f"unknown key `{key}` {where}; did you mean `{guess}`?"
                fix = f"rename it to `{guess}`"
            else:
                message = f"unknown key `{key}` {where}"
                fix = f"remove it or use one of the keys allowed here: {listing}" if allowed else "remove it"
            if key == "variations" and "variations" not in allowed:
                fix = "variations belong to a message group, not to a variation or a plain message; move them up one level"
            yield self._diag(UNKNOWN_KEY, (*path, key), message, fix, at_key=True)

    def _on_required(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        props = _schema(error).get("properties", {})
        for key in _value(error):
            if key in _instance(error) or ("required", path, key) in self.seen:
                continue
            self.seen.add(("required", path, key))
            what = props.get(key, {}).get("description")
            where = "at the top level" if not path else f"in {self._field(path)}"
            message = f"`{key}` is missing {where}"
            fix = f"add `{key}:`" + (f" — {what[0].lower()}{what[1:]}" if what else "")
            yield self._diag(MISSING_KEY, path, message, fix, at_key=True)

    def _on_type(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        expected = _value(error) if isinstance(_value(error), list) else [_value(error)]
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
        got = _instance(error)
        raw = self.loc.source_text(path)
        if raw is None and isinstance(got, str):
            raw = got
        message = f"{self._field(path)} must be {wanted}; you wrote {kind_of(got)}"
        if raw is not None and got is not None:
            message += f" `{_shown(raw)}`"
        fix = f"write {wanted} here"
        if "string" in expected and raw is not None and not isinstance(got, str):
            if isinstance(got, bool):
                message = f"{self._field(path)} must be text, but YAML reads `{raw}` as {str(got).lower()}"
            elif got is None:
                message = f"{self._field(path)} must be text, but it is empty"
            else:
                message = f"{self._field(path)} must be text, but YAML reads `{raw}` as a number"
            fix = f'put the value in quotes: "{raw}"' if raw else "write the text after the colon"
        elif "x-fix" in _schema(error):
            fix = str(_schema(error)["x-fix"])
        elif got is None:
            fix = f"give it a value ({wanted}) or remove the key"
        elif isinstance(got, str) and ("integer" in expected or "number" in expected or "boolean" in expected):
            fix = f"remove the quotes around {_shown(got)}" if _looks_typed(got) else f"write {wanted} here"
        yield self._diag(WRONG_TYPE, path, message, fix)

    def _range(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        schema = _schema(error)
        low: Any = schema.get("minimum")
        high: Any = schema.get("maximum")
        unit = schema.get("x-unit", "")
        unit_text = f" {unit}" if unit else ""
        if low is not None and high is not None:
            bound = f"between {_num(low)} and {_num(high)}{unit_text}"
        elif low is not None:
            bound = f"at least {_num(low)}{unit_text}"
        else:
            bound = f"at most {_num(high)}{unit_text}"
        message = f"{self._field(path)} must be {bound} (Lex's limit); you wrote {self._wrote(path, _instance(error))}"
        yield self._diag(OUT_OF_RANGE, path, message, f"use a value {bound}")

    _on_minimum = _range
    _on_maximum = _range

    def _on_pattern(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        hint = _schema(error).get("x-hint", f"text matching {_value(error)}")
        message = f"{self._field(path)} `{_shown(_instance(error))}` is not valid: it must be {hint}"
        yield self._diag(BAD_FORMAT, path, message, _name_fix(_instance(error), hint))

    def _bad_key_name(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        key = _instance(error)
        hint = _schema(error).get("x-hint")
        if hint is None:
            low, high = _schema(error).get("minLength"), _schema(error).get("maxLength")
            hint = f"{low}-{high} characters" if low is not None and high is not None else "valid"
        message = f"key `{_shown(key)}` in {self._field(path)} is not valid: it must be {hint}"
        fix = _name_fix(key, hint)
        if error.validator == "pattern" and "locale" in hint:
            fixed = re.sub(r"^([A-Za-z]{2})[-_ ]?([A-Za-z]{2})$", lambda m: f"{m[1].lower()}_{m[2].upper()}", key)
            if fixed != key:
                fix = f"write `{fixed}`"
        yield self._diag(BAD_FORMAT, (*path, key), message, fix, at_key=True)

    def _length(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        low, high = _schema(error).get("minLength"), _schema(error).get("maxLength")
        size = len(_instance(error))
        if error.validator == "minLength" and size == 0:
            message = f"{self._field(path)} is empty"
            fix = "write some text, or remove the entry"
        else:
            limit = f"{low} to {high}" if low is not None and high is not None else f"at most {high}"
            message = f"{self._field(path)} must be {limit} characters long (Lex's limit); yours has {size}"
            fix = f"shorten it to {high} characters or fewer" if error.validator == "maxLength" else "make it longer"
        yield self._diag(BAD_LENGTH, path, message, fix)

    _on_minLength = _length
    _on_maxLength = _length

    def _count(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        schema = _schema(error)
        if "x-exactly-one" in schema:
            yield from self._exactly_one(error, path)
            return
        noun = schema.get("x-item", "entry")
        low: Any = schema.get("minItems", schema.get("minProperties"))
        high: Any = schema.get("maxItems", schema.get("maxProperties"))
        size = len(_instance(error))
        if error.validator in ("maxItems", "maxProperties"):
            message = f"{self._field(path)} has {size} {_plural(noun, size)}; Lex allows at most {high}"
            fix = f"remove {size - high} {_plural(noun, size - high)} (or split the content)"
            target: JsonPath = (*path, high) if error.validator == "maxItems" else path
            yield self._diag(BAD_COUNT, target, message, fix)
            return
        if size == 0:
            message = f"{self._field(path)} is empty; it needs at least {low} {_plural(noun, low)}"
        else:
            message = f"{self._field(path)} has {size} {_plural(noun, size)}; it needs at least {low}"
        yield self._diag(BAD_COUNT, path, message, f"add {_plural(noun, 2)} or remove the key")

    _on_minItems = _count
    _on_maxItems = _count
    _on_minProperties = _count
    _on_maxProperties = _count

    def _on_enum(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        options = [str(o) for o in _value(error)]
        listing = ", ".join(f"`{o}`" for o in options)
        message = f"{self._field(path)} must be one of {listing}; you wrote {self._wrote(path, _instance(error))}"
        guess = suggest(str(_instance(error)), options) if isinstance(_instance(error), str) else None
        if guess is not None:
            message += f" — did you mean `{guess}`?"
        fix = f"write `{guess}`" if guess is not None else f"use one of {listing}"
        yield self._diag(NOT_ALLOWED_VALUE, path, message, fix)

    def _on_const(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        message = f"{self._field(path)} must be `{_value(error)}`; you wrote {self._wrote(path, _instance(error))}"
        yield self._diag(NOT_ALLOWED_VALUE, path, message, f"write `{_value(error)}`")

    def _on_uniqueItems(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        seen: list[Any] = []
        for index, item in enumerate(_instance(error)):
            if item in seen:
                message = f"{self._field(path)} lists `{_shown(item)}` more than once"
                yield self._diag(REPEATED_ITEM, (*path, index), message, "remove the repeated entry")
                return
            seen.append(item)

    def _exactly_one(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        keys: list[str] = _schema(error)["x-exactly-one"]
        present = [k for k in keys if isinstance(_instance(error), dict) and k in _instance(error)]
        listing = ", ".join(f"`{k}`" for k in keys)
        if present:
            found = ", ".join(f"`{k}`" for k in present)
            message = f"{self._field(path)} holds {found}, but a message holds exactly one of {listing}"
            fix = "split it into separate message groups (a list), one per message"
        else:
            message = f"{self._field(path)} has no message: it needs exactly one of {listing}"
            fix = "add `text: ...` (or ssml, custom_payload, card)"
        yield self._diag(WRONG_SHAPE, path, message, fix)

    def _alternatives(self, error: ValidationError, path: JsonPath) -> Iterator[Diagnostic]:
        if "x-exactly-one" in _schema(error):
            yield from self._exactly_one(error, path)
            return
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context or []:
            branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        # A branch whose type fits the value is what the author meant; explain its errors.
        fitting = [errs for errs in branches.values() if not any(e.validator == "type" and not e.relative_path for e in errs)]
        if fitting:
            best = min(fitting, key=len)
            for sub in best:
                yield from self.explain(sub)
            return
        hint = _schema(error).get("x-hint", "one of the allowed shapes")
        message = f"{self._field(path)} must be {hint}; you wrote {kind_of(_instance(error))}"
        raw = self.loc.source_text(path)
        if raw is None and isinstance(_instance(error), str):
            raw = _instance(error)
        if raw is not None and _instance(error) is not None:
            message += f" `{_shown(raw)}`"
        fix = "see docs/spec-format.md for examples"
        if raw and not isinstance(_instance(error), str):
            fix = f'put the value in quotes: "{raw}"'

        yield self._diag(WRONG_SHAPE, path, message, fix)

    _on_anyOf = _alternatives
    _on_oneOf = _alternatives


def _schema(error: ValidationError) -> dict[str, Any]:
    schema = error.schema
    return dict(schema) if isinstance(schema, dict) else {}


def _instance(error: ValidationError) -> Any:
    return error.instance


def _value(error: ValidationError) -> Any:
    return error.validator_value


def _looks_typed(text: str) -> bool:
    return text.strip().lower() in ("true", "false") or re.fullmatch(r"-?\d+(\.\d+)?", text.strip()) is not None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _plural(noun: str, count: int) -> str:
    return noun if count == 1 else noun + "s"


def _name_fix(value: Any, hint: str) -> str:
    if isinstance(value, str) and "Lex name" in hint:
        cleaned = re.sub(r"[_-]{2,}", "_", re.sub(r"[^0-9A-Za-z_-]+", "_", value)).strip("_-")
        if cleaned and cleaned != value:
            return f"rename it, e.g. `{cleaned[:100]}`"
    return f"change it to {hint}"


def schema_diagnostics(doc: Any, kind: DocumentKind, locator: NodeLocator) -> list[Diagnostic]:
    """Every schema violation of ``doc`` (one spec file's content), as diagnostics."""
    explainer = _Explainer(doc, locator)
    out: list[Diagnostic] = []
    for error in validator_for(kind).iter_errors(doc):
        out.extend(explainer.explain(error))
    out.sort(key=lambda d: (d.line or 0, d.column or 0))
    return out
