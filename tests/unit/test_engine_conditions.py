"""Lex condition expressions: a real parser, clear errors, no eval (fact sheet 3.2, conditional branches)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.lex.conditions import MAX_DEPTH, MAX_EXPRESSION_CHARS, ConditionContext, ConditionError, evaluate, parse_condition


def _slot(value: str) -> dict[str, Any]:
    return {"shape": "Scalar", "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]}}


CTX = ConditionContext(
    slots={
        "age": _slot("20"),
        "make": _slot("Honda"),
        "date": _slot("2027-01-16"),
        "toppings": {"shape": "List", "values": [_slot("pineapple"), _slot("ham")]},
        "unset": None,
    },
    session_attributes={"tier": "gold", "fallback-count": "1", "empty": ""},
    request_attributes={"x-amz-lex:channel": "web"},
    input_transcript="Hello there",
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{age} < 24", True),
        ("{age} >= 24", False),
        ("{age} = 20.0", True),  # numbers compare as numbers
        ('{make} = "honda"', True),  # strings case-insensitively
        ('({make} = "Honda") AND ({age} != 3)', True),
        ('{make} = "Honda" && {age} > 30', False),
        ('{make} = "Ford" || {age} > 10', True),
        ("NOT {age} > 30", True),
        ('{date} < "2027-02-01"', True),  # ISO dates in time order
        ('{toppings} CONTAINS "Pineapple"', True),
        ('{toppings} ANY ("olives", "ham")', True),
        ('{toppings} EXCLUDES "ham"', False),
        ('{toppings} = "pineapple, ham"', True),  # a multi-value slot reads as its values joined
        ("fn.COUNT({toppings}) = 2", True),
        ("fn.IS_SET({unset})", False),
        ("EXISTS({age})", True),
        ("!fn.IS_SET([missing]) AND [tier] = 'GOLD'", True),
        ('INLIST([tier], "silver", "gold")', True),
        ('{unset} = "x"', False),  # an unset reference makes its comparison false
        ('{unset} != "x"', False),
        ('[fallback-count] = "1" AND (!fn.IS_SET([slot-failure]) OR [slot-failure] != "true")', True),  # ReminderBot
        ('<x-amz-lex:channel> = "web"', True),
        ('$.inputTranscript = "hello there"', True),
        ('$.inputMode = "Text"', True),
        ('[empty] = ""', True),
    ],
)
def test_expressions(expression: str, expected: bool) -> None:
    assert evaluate(expression, CTX) is expected


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("{age} <", "ends early"),
        ("{age} 24", "expected a comparison"),
        ("(({age} = 1)", "expected ')'"),
        ("x = 1", "expected {slot}"),
        ("{age} = 1 )", "unexpected ')' at position 10"),
        ('__import__("os").system("id")', "unexpected character '_'"),
        ("{age} = 1; drop", "unexpected character ';'"),
        ("", "empty"),
        ("   ", "empty"),
        ("!" * (MAX_DEPTH + 1) + "{age} = 1", "nests deeper"),
        ("(" * (MAX_DEPTH + 1) + "{age} = 1" + ")" * (MAX_DEPTH + 1), "nests deeper"),
        ("{age} = 1 OR " * 200 + "{age} = 1", f"at most {MAX_EXPRESSION_CHARS}"),
        ("EXISTS({age}, {make})", "takes one reference"),
        ("INLIST({age})", "at least one value"),
        ("{toppings} ANY ({age})", "expected a quoted value"),
    ],
)
def test_malformed_and_hostile_expressions_get_clear_errors(expression: str, problem: str) -> None:
    with pytest.raises(ConditionError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_condition(expression)


def test_a_parsed_condition_is_reusable_and_keeps_its_source() -> None:
    condition = parse_condition("{age} > 18")
    assert condition.source == "{age} > 18"
    assert condition.evaluate(CTX) is True
    assert condition.evaluate(ConditionContext(slots={"age": _slot("12")})) is False


def test_a_non_string_expression_is_rejected() -> None:
    with pytest.raises(ConditionError, match="must be a string"):
        parse_condition(42)  # type: ignore[arg-type]
