"""Sample utterances with ``{Slot}`` placeholders, and matching them against a user's tokens.

A template is a list of parts: literal words (normalised like user text) and slot names.
Matching aligns every literal word and gives each placeholder a span of the user's
tokens that a validator accepts; failed positions are memoised so matching stays
linear-ish even for hostile input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from runtime.lex.text_features import Token, tokenize

_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z0-9_-]{1,100})\}")
MAX_SLOT_TOKENS = 8

V = TypeVar("V")


@dataclass(frozen=True)
class Template:
    """A parsed sample utterance: literal word tuples and slot names, in order."""

    source: str
    parts: tuple[tuple[str, ...] | str, ...]  # a tuple of words is literal text; a str is a slot name

    @property
    def slot_names(self) -> list[str]:
        """The placeholders, in order."""
        return [p for p in self.parts if isinstance(p, str)]

    @property
    def literal_words(self) -> list[str]:
        """Every literal word, in order."""
        return [w for p in self.parts if isinstance(p, tuple) for w in p]

    def with_values(self, values: dict[str, str]) -> str:
        """The utterance with each placeholder replaced (missing ones become ``slot:<name>``)."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(values.get(part, "slot:" + part.lower()))
            else:
                out.extend(part)
        return " ".join(out)


def parse_template(utterance: str) -> Template:
    """Split a sample utterance into literal words and ``{Slot}`` placeholders."""
    parts: list[tuple[str, ...] | str] = []
    position = 0
    for match in _PLACEHOLDER_RE.finditer(utterance):
        literal = tuple(t.norm for t in tokenize(utterance[position : match.start()]))
        if literal:
            parts.append(literal)
        parts.append(match.group(1))
        position = match.end()
    tail = tuple(t.norm for t in tokenize(utterance[position:]))
    if tail:
        parts.append(tail)
    return Template(utterance, tuple(parts))


def match_template(
    template: Template,
    tokens: Sequence[Token],
    validate: Callable[[str, int, int], V | None],
) -> dict[str, tuple[int, int, V]] | None:
    """Align ``template`` with all of ``tokens``; each slot maps to (start, end, validated value)."""
    words = [t.norm for t in tokens]
    present = set(words)
    if any(w not in present for w in template.literal_words):
        return None
    parts = template.parts
    failed: set[tuple[int, int]] = set()

    def align(i: int, j: int) -> dict[str, tuple[int, int, V]] | None:
        if i == len(parts):
            return {} if j == len(words) else None
        if (i, j) in failed:
            return None
        part = parts[i]
        if isinstance(part, tuple):
            if tuple(words[j : j + len(part)]) == part:
                rest = align(i + 1, j + len(part))
                if rest is not None:
                    return rest
        else:
            following = parts[i + 1] if i + 1 < len(parts) else None
            last = min(len(words), j + MAX_SLOT_TOKENS)
            if following is None:
                ends: Sequence[int] = [len(words)] if len(words) - j <= MAX_SLOT_TOKENS else []
            else:
                ends = range(last, j, -1)
            for end in ends:
                if end <= j:
                    continue
                if isinstance(following, tuple) and words[end : end + 1] != [following[0]]:
                    continue
                value = validate(part, j, end)
                if value is None:
                    continue
                rest = align(i + 1, end)
                if rest is not None:
                    rest[part] = (j, end, value)
                    return rest
        failed.add((i, j))
        return None

    return align(0, 0)
