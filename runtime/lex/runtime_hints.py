"""Runtime hints (``sessionState.runtimeHints``, fact sheet 2): phrases that boost a slot's values.

A client lists phrases per intent and slot; when the reply to that slot's prompt contains one
(whole words, any case), the engine reads the phrase as the value first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_PHRASES = 100
MAX_PHRASE_CHARS = 140


def hint_phrases(state: Mapping[str, Any], intent_name: str, slot_name: str) -> list[str]:
    """The hint phrases for one slot of one intent (bounded as Lex bounds them)."""
    hints = state.get("runtimeHints")
    node: Any = hints.get("slotHints") if isinstance(hints, Mapping) else None
    for key in (intent_name, slot_name):
        node = node.get(key) if isinstance(node, Mapping) else None
    values = node.get("runtimeHintValues") if isinstance(node, Mapping) else None
    if not isinstance(values, list):
        return []
    phrases = [v.get("phrase") for v in values[:MAX_PHRASES] if isinstance(v, Mapping)]
    return [p.strip() for p in phrases if isinstance(p, str) and p.strip() and len(p) <= MAX_PHRASE_CHARS]


def find_hint(text: str, phrases: list[str]) -> str | None:
    """The longest hint phrase in ``text`` as whole words, spelt as the user typed it; None when none is."""
    for phrase in sorted(phrases, key=len, reverse=True):
        found = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE)
        if found is not None:
            return found.group(0)
    return None
