"""Lex V2 condition expressions (conditional branches, fact sheet 3.2), parsed and evaluated without ``eval``.

Grammar (Lex developer guide, "Add conditions to branch conversations")::

    expr       := or
    or         := and (("OR" | "||") and)*
    and        := not (("AND" | "&&") not)*
    not        := ("NOT" | "!") not | primary
    primary    := "(" expr ")" | call | comparison
    comparison := operand [("=" | "!=" | "<" | "<=" | ">" | ">=") operand
                          | ("CONTAINS" | "EXCLUDES") literal | "ANY" "(" literal ("," literal)* ")"]
    call       := NAME "(" [operand ("," operand)*] ")"   EXISTS, fn.IS_SET, fn.COUNT, INLIST
    operand    := "{slot}" | "[sessionAttribute]" | "<requestAttribute>" | "$.inputTranscript"
                | "$.inputMode" | 'string' | "string" | number

A reference to something unset makes its comparison false (Lex treats it as invalid and skips
the branch). Strings compare case-insensitively, numbers as numbers; ISO dates and times
compare in time order because their text does. A multi-value slot reads as its values joined
by ", " and CONTAINS/ANY/EXCLUDES look at its items.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_EXPRESSION_CHARS = 1024
MAX_DEPTH = 32

__all__ = ["ConditionContext", "ConditionError", "evaluate", "parse_condition"]


class ConditionError(ValueError):
    """A condition expression that cannot be parsed; the message says where and why."""


@dataclass
class ConditionContext:
    """What a condition may refer to."""

    slots: Mapping[str, Any] = field(default_factory=dict)  # Lex-shaped slots (name -> Slot or None)
    session_attributes: Mapping[str, str] = field(default_factory=dict)
    request_attributes: Mapping[str, str] = field(default_factory=dict)
    input_transcript: str = ""
    input_mode: str = "Text"


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<slot>\{[A-Za-z0-9_.-]{1,100}\})
      | (?P<attr>\[[^\[\]]{1,100}\])
      | (?P<req><[A-Za-z0-9_:.-]{1,100}>)
      | (?P<builtin>\$\.(?:inputTranscript|inputMode))
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>|!|\(|\)|,)
      | (?P<name>[A-Za-z][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_COMPARE = {"=", "!=", "<", "<=", ">", ">="}
_QUANTIFIERS = {"CONTAINS", "EXCLUDES", "ANY"}
_FUNCTIONS = {"EXISTS", "FN.IS_SET", "FN.COUNT", "INLIST"}

Token = tuple[str, str, int]  # kind, text, position
Node = Callable[[ConditionContext], Any]


def _tokens(expression: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(expression):
        if expression[pos:].strip() == "":
            break
        match = _TOKEN.match(expression, pos)
        if match is None or match.end() == pos:
            raise ConditionError(f"unexpected character {expression[pos:].lstrip()[:1]!r} at position {pos}")
        kind = match.lastgroup
        assert kind is not None
        text = match.group(kind)
        if kind == "name" and text.upper() in ("AND", "OR", "NOT"):
            kind, text = "op", {"AND": "&&", "OR": "||", "NOT": "!"}[text.upper()]
        out.append((kind, text, match.start(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, expression: str) -> None:
        self.text = expression
        self.tokens = _tokens(expression)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None:
            raise ConditionError(f"expression ends early; expected {text!r}" if text else "expression ends early")
        if text is not None and token[1].upper() != text:
            raise ConditionError(f"expected {text!r} at position {token[2]}, found {token[1]!r}")
        self.i += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token[0] in ("op", "name") and token[1].upper() in texts

    def parse(self) -> Node:
        node = self.or_()
        token = self.peek()
        if token is not None:
            raise ConditionError(f"unexpected {token[1]!r} at position {token[2]}")
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self.at("||"):
            self.take()
            right = self.and_()
            left = _or(left, right)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.at("&&"):
            self.take()
            right = self.not_()
            left = _and(left, right)
        return left

    def not_(self) -> Node:
        if self.at("!"):
            self.take()
            self._enter()
            inner = self.not_()
            self.depth -= 1
            return lambda ctx: not inner(ctx)
        return self.primary()

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"expression nests deeper than {MAX_DEPTH} levels")

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise ConditionError("expression ends early; expected a condition")
        if token[1] == "(":
            self.take()
            self._enter()
            inner = self.or_()
            self.depth -= 1
            self.take(")")
            return inner
        if token[0] == "name" and token[1].upper() in _FUNCTIONS:
            value = self.call()
            following = self.peek()
            if following is not None and following[1] in _COMPARE:
                return self.comparison_after(value)
            return lambda ctx: bool(value(ctx))
        left = self.operand()
        return self.comparison_after(left)

    def comparison_after(self, left: Node) -> Node:
        token = self.peek()
        if token is None or not (token[1] in _COMPARE or token[1].upper() in _QUANTIFIERS):
            where = "the end" if token is None else f"{token[1]!r} at position {token[2]}"
            raise ConditionError(f"expected a comparison (=, !=, <, <=, >, >=, CONTAINS, ANY, EXCLUDES), found {where}")
        op = self.take()[1].upper()
        if op == "ANY":
            self.take("(")
            items = [self.literal()]
            while self.at(","):
                self.take()
                items.append(self.literal())
            self.take(")")
            return lambda ctx: _quantify(left(ctx), items, any_of=True)
        if op in ("CONTAINS", "EXCLUDES"):
            item = self.literal()
            if op == "CONTAINS":
                return lambda ctx: _quantify(left(ctx), [item], any_of=True)
            return lambda ctx: _excludes(left(ctx), item)
        right = self.operand()
        return lambda ctx: _compare(left(ctx), op, right(ctx))

    def call(self) -> Node:
        name = self.take()[1].upper()
        self.take("(")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.operand())
            while self.at(","):
                self.take()
                args.append(self.operand())
        self.take(")")
        if name in ("EXISTS", "FN.IS_SET", "FN.COUNT") and len(args) != 1:
            raise ConditionError(f"{name} takes one reference, got {len(args)}")
        if name == "INLIST" and len(args) < 2:
            raise ConditionError("INLIST takes a reference and at least one value")
        if name in ("EXISTS", "FN.IS_SET"):
            ref = args[0]
            return lambda ctx: ref(ctx) is not None
        if name == "FN.COUNT":
            ref = args[0]
            return lambda ctx: _count(ref(ctx))
        ref, options = args[0], args[1:]
        return lambda ctx: any(_compare(ref(ctx), "=", o(ctx)) for o in options)

    def literal(self) -> str | float:
        kind, text, pos = self.take()
        if kind == "string":
            return text[1:-1]
        if kind == "number":
            return float(text)
        raise ConditionError(f"expected a quoted value or a number at position {pos}, found {text!r}")

    def operand(self) -> Node:
        kind, text, pos = self.take()
        if kind == "slot":
            name = text[1:-1]
            return lambda ctx: _slot_value(ctx.slots.get(name))
        if kind == "attr":
            key = text[1:-1]
            return lambda ctx: ctx.session_attributes.get(key)
        if kind == "req":
            key = text[1:-1]
            return lambda ctx: ctx.request_attributes.get(key)
        if kind == "builtin":
            return (lambda ctx: ctx.input_transcript) if text.endswith("Transcript") else (lambda ctx: ctx.input_mode)
        if kind in ("string", "number"):
            self.i -= 1
            value = self.literal()
            return lambda ctx: value
        if kind == "name" and text.upper() in _FUNCTIONS:
            self.i -= 1
            return self.call()
        raise ConditionError(
            f"expected {{slot}}, [sessionAttribute], <requestAttribute>, $.inputTranscript or a value at position {pos}, found {text!r}"
        )


def _or(left: Node, right: Node) -> Node:
    return lambda ctx: bool(left(ctx)) or bool(right(ctx))


def _and(left: Node, right: Node) -> Node:
    return lambda ctx: bool(left(ctx)) and bool(right(ctx))


def _slot_value(slot: Any) -> Any:
    """A slot's value for a condition: a string, a list of strings (multi-value), or None when unset."""
    if not isinstance(slot, dict):
        return None
    if slot.get("values"):
        items = [_slot_value(v) for v in slot["values"]]
        return [i for i in items if isinstance(i, str)] or None
    value = slot.get("value")
    if not isinstance(value, dict):
        return None
    text = value.get("interpretedValue") or value.get("originalValue")
    return text if isinstance(text, str) and text != "" else None


def _count(value: Any) -> float:
    if value is None:
        return 0.0
    return float(len(value)) if isinstance(value, list) else 1.0


def _number(value: Any) -> float | None:
    if isinstance(value, float):
        return value
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None or right is None:
        return False  # an unset reference: Lex does not evaluate the expression
    if isinstance(left, list):
        left = ", ".join(left)
    if isinstance(right, list):
        right = ", ".join(right)
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return _ordered(a, op, b)
    return _ordered(str(left).casefold(), op, _text(right).casefold())


def _ordered(x: Any, op: str, y: Any) -> bool:
    """``x op y`` for two values of one type (both numbers or both strings)."""
    return bool({"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _items(value: Any) -> list[str]:
    if value is None:
        return []
    return [v.casefold() for v in value] if isinstance(value, list) else [str(value).casefold()]


def _quantify(value: Any, options: list[str | float], *, any_of: bool) -> bool:
    items = _items(value)
    return any(_text(o).casefold() in items for o in options)


def _excludes(value: Any, item: str | float) -> bool:
    return value is not None and _text(item).casefold() not in _items(value)


@dataclass(frozen=True)
class Condition:
    """A parsed expression; call ``evaluate`` with a context."""

    source: str
    _node: Node

    def evaluate(self, context: ConditionContext) -> bool:
        """True when the branch should be taken."""
        return bool(self._node(context))


def parse_condition(expression: str) -> Condition:
    """Parse ``expression``; ConditionError names the problem and its position."""
    if not isinstance(expression, str):
        raise ConditionError(f"a condition expression must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ConditionError(f"expression is {len(expression)} characters; at most {MAX_EXPRESSION_CHARS}")
    if not expression.strip():
        raise ConditionError("expression is empty")
    return Condition(expression, _Parser(expression).parse())


def evaluate(expression: str, context: ConditionContext) -> bool:
    """Parse and evaluate in one step."""
    return parse_condition(expression).evaluate(context)
