"""The one JSON Schema validator (runtime.contracts.json_schema): each keyword, its message, hostile instances."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from runtime.contracts.json_schema import SchemaError, SchemaValidator

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "name"],
    "properties": {
        "kind": {"const": "order"},
        "name": {"type": "string", "minLength": 1, "maxLength": 8, "pattern": "^[a-z]+$"},
        "size": {"enum": ["S", "M", "L"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 10},
        "price": {"type": "number"},
        "gift": {"type": "boolean"},
        "note": {"type": ["string", "null"]},
        "tags": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/tag"}},
        "extra": {"type": "object", "additionalProperties": {"type": "string"}},
        "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "step": {
            "type": "object",
            "if": {"properties": {"type": {"const": "ask"}}},
            "then": {"required": ["slot"]},
            "else": {"properties": {"slot": {"type": "null"}}},
        },
    },
    "$defs": {"tag": {"type": "string", "maxLength": 3}},
}
VALIDATOR = SchemaValidator(SCHEMA)
REFERENCE = jsonschema.Draft202012Validator(SCHEMA)
VALID: dict[str, Any] = {
    "kind": "order",
    "name": "tea",
    "size": "M",
    "count": 2,
    "price": 2.5,
    "gift": False,
    "note": None,
    "tags": ["hot"],
    "extra": {"a": "b"},
    "either": 3,
    "step": {"type": "ask", "slot": "Size"},
}

# (a change to the valid instance, the message's start, the path of the bad value)
FAILURES: dict[str, tuple[dict[str, Any], str, tuple[str | int, ...]]] = {
    "type": ({"name": 5}, "5 is not of type 'string'", ("name",)),
    "type list": ({"note": 1}, "1 is not of type 'string', 'null'", ("note",)),
    "const": ({"kind": "refund"}, "'order' was expected", ("kind",)),
    "enum": ({"size": "XL"}, "'XL' is not one of ['S', 'M', 'L']", ("size",)),
    "minLength": ({"name": ""}, "'' is too short", ("name",)),
    "maxLength": ({"name": "abcdefghi"}, "'abcdefghi' is too long", ("name",)),
    "pattern": ({"name": "Tea"}, "'Tea' does not match '^[a-z]+$'", ("name",)),
    "minimum": ({"count": 0}, "0 is less than the minimum of 1", ("count",)),
    "maximum": ({"count": 11}, "11 is greater than the maximum of 10", ("count",)),
    "minItems": ({"tags": []}, "[] should be non-empty", ("tags",)),
    "items and $ref": ({"tags": ["hot", "warm"]}, "'warm' is too long", ("tags", 1)),
    "required": ({"name": None}, "'name' is a required property", ()),
    "additionalProperties false": ({"colour": "red"}, "Additional properties are not allowed ('colour' was unexpected)", ()),
    "additionalProperties schema": ({"extra": {"a": 1}}, "1 is not of type 'string'", ("extra", "a")),
    "anyOf": ({"either": 1.5}, "1.5 is not valid under any of the given schemas", ("either",)),
    "if/then": ({"step": {"type": "ask"}}, "'slot' is a required property", ("step",)),
    "if/else": ({"step": {"type": "tell", "slot": "Size"}}, "'Size' is not of type 'null'", ("step", "slot")),
}


def _changed(change: dict[str, Any]) -> dict[str, Any]:
    instance = {**VALID, **change}
    return {k: v for k, v in instance.items() if v is not None or k == "note"}


def test_a_valid_instance_is_accepted() -> None:
    assert VALIDATOR.accepts(VALID)
    assert VALIDATOR.first_problem(VALID) is None
    assert REFERENCE.is_valid(VALID)


@pytest.mark.parametrize("keyword", sorted(FAILURES))
def test_each_keyword_refuses_with_jsonschemas_words_and_the_path(keyword: str) -> None:
    change, message, path = FAILURES[keyword]
    instance = _changed(change)
    assert not REFERENCE.is_valid(instance)  # the case really breaks the schema
    assert not VALIDATOR.accepts(instance)
    assert VALIDATOR.first_problem(instance) == (message, path)


@pytest.mark.parametrize("value", [True, False])
def test_a_bool_is_not_an_integer_nor_a_number(value: bool) -> None:
    for field in ("count", "price", "either"):
        instance = {**VALID, field: value}
        assert not VALIDATOR.accepts(instance)
        assert not REFERENCE.is_valid(instance)


def test_an_integral_float_is_an_integer_as_json_schema_says() -> None:
    assert VALIDATOR.accepts({**VALID, "count": 3.0}) and REFERENCE.is_valid({**VALID, "count": 3.0})
    assert not VALIDATOR.accepts({**VALID, "count": 3.5})


def test_const_and_enum_compare_as_json_does() -> None:
    validator = SchemaValidator({"properties": {"flag": {"const": 1}, "pick": {"enum": [0, None]}}})
    assert validator.accepts({"flag": 1.0, "pick": None})
    assert validator.first_problem({"flag": True}) == ("1 was expected", ("flag",))
    assert validator.first_problem({"pick": False}) == ("False is not one of [0, None]", ("pick",))


@pytest.mark.parametrize("instance", [None, [], "x", 7, 1.5, True, {1, 2}, b"{}", object()])
def test_wrong_types_are_refused_without_raising(instance: Any) -> None:
    problem = VALIDATOR.first_problem(instance)
    assert problem is not None and "is not of type 'object'" in problem[0] and problem[1] == ()


def test_a_huge_string_is_refused_without_being_quoted_whole() -> None:
    problem = VALIDATOR.first_problem({**VALID, "name": "x" * 1_000_000})
    assert problem is not None and problem[0].endswith("... is too long") and len(problem[0]) < 120
    problem = VALIDATOR.first_problem({**VALID, "x" * 1_000_000: 1})
    assert problem is not None and len(problem[0]) < 200


def test_deep_nesting_is_refused_not_a_crash() -> None:
    recursive = SchemaValidator(
        {"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "additionalProperties": {"$ref": "#/$defs/node"}}}}
    )
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(50_000):
        node["x"] = {}
        node = node["x"]
    node["x"] = 1
    assert recursive.first_problem(deep) == ("the value is nested too deeply", ())
    assert recursive.first_problem({"x": {"y": {}}}) is None
    # A schema of fixed depth never follows the instance further down.
    assert VALIDATOR.first_problem({**VALID, "either": [deep]}) is not None


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"type": "array", "uniqueItems": True}, "uniqueItems"),
        ({"type": "thing"}, "unknown type"),
        ({"$ref": "https://example.com/other.json"}, "local references"),
        ({"$ref": "#/$defs/missing"}, "points at nothing"),
        ({"properties": {"a": {"minLength": "3"}}}, "must be an integer"),
        ({"properties": {"a": []}}, "not an object"),
    ],
)
def test_a_schema_beyond_the_subset_is_refused_when_compiled(schema: dict[str, Any], words: str) -> None:
    with pytest.raises(SchemaError, match=words):
        SchemaValidator(schema)
