"""Slot values: finding a slot's value in the user's text and reporting it as Lex does.

Custom slot types match their values and synonyms (multi-word, longest first, case
insensitive, one typo allowed in values of 5+ characters) and honour the resolution
strategy: TopResolution reports the canonical value, OriginalValue what the user said.
A ``regex_filter`` must fully match. Built-ins are parsed by ``builtin_slots``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot_spec.definition import BotLocale, Slot, SlotType
from bot_spec.lex_vocabulary import FREE_FORM_INPUT
from runtime.lex.builtin_slots import SPOTTABLE, is_builtin, parse_builtin, strip_reply_fillers
from runtime.lex.builtin_span import BuiltinValue, Span
from runtime.lex.number_words import parse_number_words
from runtime.lex.text_features import Token, tokenize
from runtime.lex.utterance_templates import Template, match_template, parse_template

__all__ = [
    "SlotMatch",
    "SlotTypeIndex",
    "SlotValueFinder",
    "resolve_slot_value",
]

FUZZY_MIN_CHARS = 5
MAX_SCAN_TOKENS = 6
_TIME_CUES = frozenset({"at", "around", "about", "by", "before", "after", "until", "till"})


@dataclass
class SlotMatch:
    """A slot value as Lex reports it."""

    slot_name: str
    original_value: str
    interpreted_value: str | None
    resolved_values: list[str] = field(default_factory=list)
    fuzzy: bool = False  # matched a custom value with one typo

    def to_lex(self) -> dict[str, Any]:
        """The Lex V2 runtime ``Slot`` shape."""
        value: dict[str, Any] = {"originalValue": self.original_value, "resolvedValues": list(self.resolved_values)}
        value["interpretedValue"] = self.interpreted_value
        return {"shape": "Scalar", "value": value}


@dataclass(frozen=True)
class _Hit:
    canonical: list[str]
    fuzzy: bool


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


def _within_one_edit(a: str, b: str) -> bool:
    """Optimal-string-alignment distance <= 1 (one insertion, deletion, substitution or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


class SlotTypeIndex:
    """A custom slot type's values and synonyms, ready for exact and one-typo lookups."""

    def __init__(self, slot_type: SlotType) -> None:
        self.slot_type = slot_type
        self.phrases: dict[tuple[str, ...], list[str]] = {}
        for entry in slot_type.values:
            for text in [entry.value, *entry.synonyms]:
                key = tuple(t.norm for t in tokenize(text))
                if key and entry.value not in self.phrases.setdefault(key, []):
                    self.phrases[key].append(entry.value)
        self.max_tokens = max((len(k) for k in self.phrases), default=0)
        self._fuzzy: dict[str, set[tuple[str, ...]]] = {}
        for key in self.phrases:
            joined = " ".join(key)
            if len(joined) >= FUZZY_MIN_CHARS:
                for variant in _deletions(joined) | {joined}:
                    self._fuzzy.setdefault(variant, set()).add(key)
        self._regex: re.Pattern[str] | None = None
        self.regex_error: str | None = None
        if slot_type.regex_filter:
            try:
                self._regex = re.compile(slot_type.regex_filter)
            except re.error as exc:
                self.regex_error = f"slot type {slot_type.name}: regex_filter {slot_type.regex_filter!r} is invalid ({exc})"

    @property
    def restricts_values(self) -> bool:
        """TopResolution accepts only listed values (and synonyms)."""
        return self.slot_type.resolution_strategy == "TopResolution"

    def regex_accepts(self, raw: str) -> bool:
        """Whether the value passes the type's regex filter (always, when there is none)."""
        if self.slot_type.regex_filter is None:
            return True
        return self._regex is not None and self._regex.fullmatch(raw) is not None

    def lookup(self, words: Sequence[str]) -> _Hit | None:
        """The canonical values a span names exactly, or with one typo when long enough."""
        key = tuple(words)
        if key in self.phrases:
            return _Hit(self.phrases[key], fuzzy=False)
        joined = " ".join(key)
        if len(joined) < FUZZY_MIN_CHARS or len(key) > self.max_tokens + 1:
            return None
        candidates: set[tuple[str, ...]] = set()
        for variant in _deletions(joined) | {joined}:
            candidates |= self._fuzzy.get(variant, set())
        # Typos seldom hit the first letter; requiring it keeps "border" from reading as "order".
        found = sorted(
            c
            for c in candidates
            if len(" ".join(c)) >= FUZZY_MIN_CHARS and c[0][:1] == key[0][:1] and _within_one_edit(joined, " ".join(c))
        )
        if not found:
            return None
        canonical: list[str] = []
        for cand in found:
            for value in self.phrases[cand]:
                if value not in canonical:
                    canonical.append(value)
        return _Hit(canonical, fuzzy=True)


class SlotValueFinder:
    """Reads slot values of one locale's slot types from the user's text."""

    def __init__(self, locale: BotLocale) -> None:
        self.locale = locale
        self._indexes: dict[str, SlotTypeIndex] = {t.name: SlotTypeIndex(t) for t in locale.slot_types}
        self._slot_templates: dict[int, tuple[Slot, list[Template]]] = {}

    def index(self, type_name: str) -> SlotTypeIndex | None:
        """The index of a custom slot type, or None for built-ins and unknown names."""
        return self._indexes.get(type_name)

    # ------------------------------------------------------------ one span

    def read_span(
        self, slot: Slot, tokens: Sequence[Token], text: str, start: int, end: int, *, whole_reply: bool, now: datetime
    ) -> SlotMatch | None:
        """The value of ``slot`` if tokens [start, end) are exactly one, else None."""
        if start >= end:
            return None
        words = [t.norm for t in tokens[start:end]]
        raw = _raw_span(text, tokens, start, end)
        type_name = slot.slot_type_name
        index = self._indexes.get(type_name)
        if index is None:
            if not is_builtin(type_name):
                return None
            value = parse_builtin(type_name, Span(words, raw, whole_reply, now, self.locale.locale_id))
            return None if value is None else _from_builtin(slot.name, raw, value)
        return self._read_custom(slot, index, words, raw, whole_reply=whole_reply, now=now)

    def _read_custom(
        self, slot: Slot, index: SlotTypeIndex, words: Sequence[str], raw: str, *, whole_reply: bool, now: datetime
    ) -> SlotMatch | None:
        hit = index.lookup(words)
        if hit is not None:
            if not index.regex_accepts(raw) and not any(index.regex_accepts(v) for v in hit.canonical):
                return None
            if index.restricts_values:
                return SlotMatch(slot.name, raw, hit.canonical[0], list(hit.canonical), fuzzy=hit.fuzzy)
            return SlotMatch(slot.name, raw, raw, list(hit.canonical), fuzzy=hit.fuzzy)
        if index.restricts_values:
            return None
        # OriginalValue ("expand values"): a value outside the list is taken as said, when the
        # type's regex (or its AlphaNumeric parent) accepts it, or the user gave it as the reply.
        parent = index.slot_type.parent_slot_type_signature
        if index.slot_type.regex_filter is not None:
            return SlotMatch(slot.name, raw, raw, [raw]) if index.regex_accepts(raw) else None
        if parent is not None and is_builtin(parent):
            value = parse_builtin(parent, Span(words, raw, whole_reply, now, self.locale.locale_id))
            return None if value is None else _from_builtin(slot.name, raw, value)
        if whole_reply and 0 < len(words) <= 6:
            return SlotMatch(slot.name, raw, raw, [raw])
        return None

    # ------------------------------------------------------------ finding spans

    def spot(self, slot: Slot, tokens: Sequence[Token], text: str, *, now: datetime) -> list[tuple[int, int, SlotMatch]]:
        """Non-overlapping spans of the utterance that are values of ``slot``, longest first, in text order."""
        type_name = slot.slot_type_name
        index = self._indexes.get(type_name)
        if index is None and type_name not in SPOTTABLE:
            return []
        width = MAX_SCAN_TOKENS if index is None else max(index.max_tokens + 1, 1)
        words = [t.norm for t in tokens]
        found: list[tuple[int, int, SlotMatch]] = []
        taken = [False] * len(tokens)
        for size in range(min(width, len(tokens)), 0, -1):
            for start in range(0, len(tokens) - size + 1):
                end = start + size
                if any(taken[start:end]) or not _worth_trying(type_name, words, start, end, index):
                    continue
                match = self._spot_one(slot, index, tokens, text, start, end, now)
                if match is not None:
                    found.append((start, end, match))
                    for k in range(start, end):
                        taken[k] = True
        found.sort(key=lambda item: item[0])
        return found

    def _spot_one(
        self, slot: Slot, index: SlotTypeIndex | None, tokens: Sequence[Token], text: str, start: int, end: int, now: datetime
    ) -> SlotMatch | None:
        words = [t.norm for t in tokens[start:end]]
        raw = _raw_span(text, tokens, start, end)
        if index is not None:
            # Inside a sentence, an unlisted value only counts when a regex or parent type vouches for it.
            vouched = index.slot_type.regex_filter is not None or index.slot_type.parent_slot_type_signature is not None
            if index.lookup(words) is None and not (vouched and not index.restricts_values):
                return None
            return self._read_custom(slot, index, words, raw, whole_reply=False, now=now)
        type_name = slot.slot_type_name
        # A bare number is only a time after a cue word ("at 10"); otherwise it is a count.
        bare_number = type_name == "AMAZON.Time" and parse_number_words(words) is not None
        if bare_number and (start == 0 or tokens[start - 1].norm not in _TIME_CUES):
            return None
        sentence_start = tokens[start].start == tokens[0].start
        if type_name in ("AMAZON.City", "AMAZON.FirstName") and sentence_start:
            # The first word of a sentence is capitalised anyway; only known names count there,
            # and the value keeps the case the user typed.
            value = parse_builtin(type_name, Span(words, raw.lower(), False, now, self.locale.locale_id))
            if value is not None:
                value = parse_builtin(type_name, Span(words, raw, True, now, self.locale.locale_id))
        else:
            value = parse_builtin(type_name, Span(words, raw, False, now, self.locale.locale_id))
        if value is None or raw.strip() == "I" or raw.startswith("I'"):
            return None
        return _from_builtin(slot.name, raw, value)

    # ------------------------------------------------------------ elicitation

    def slot_templates(self, slot: Slot) -> list[Template]:
        """The slot's own sample utterances ("my {StatusType}"), parsed."""
        cached = self._slot_templates.get(id(slot))
        if cached is None or cached[0] is not slot:
            cached = (slot, [parse_template(u) for u in slot.sample_utterances])
            self._slot_templates[id(slot)] = cached
        return cached[1]

    def resolve(self, text: str, slot: Slot, *, now: datetime, whole_utterance: bool = True) -> SlotMatch | None:
        """The value of ``slot`` in a reply to its prompt, or None when the reply holds none."""
        tokens = tokenize(text)
        if slot.slot_type_name == FREE_FORM_INPUT:
            raw = text.strip()
            return SlotMatch(slot.name, raw, raw, [raw]) if raw and whole_utterance else None
        if not tokens:
            return None
        # Strict readings first (the value itself, the slot's sample utterances, a value inside
        # the reply); only then take the reply "as said", as Lex does for expandable types.
        whole = self.read_span(slot, tokens, text, 0, len(tokens), whole_reply=False, now=now)
        if whole is not None:
            return whole
        for template in self.slot_templates(slot):
            if slot.name not in template.slot_names:
                continue

            def validate(name: str, start: int, end: int) -> SlotMatch | None:
                if name != slot.name:
                    return None
                return self.read_span(slot, tokens, text, start, end, whole_reply=False, now=now)

            aligned = match_template(template, tokens, validate)
            if aligned is not None and slot.name in aligned:
                return aligned[slot.name][2]
        spotted = self.spot(slot, tokens, text, now=now)
        if spotted:
            return spotted[0][2]
        if not whole_utterance:
            return None
        start, end = strip_reply_fillers([t.norm for t in tokens])
        if (start, end) != (0, len(tokens)):
            stripped = self.read_span(slot, tokens, text, start, end, whole_reply=True, now=now)
            if stripped is not None:
                return stripped
        return self.read_span(slot, tokens, text, 0, len(tokens), whole_reply=True, now=now)


def _worth_trying(type_name: str, words: Sequence[str], start: int, end: int, index: SlotTypeIndex | None) -> bool:
    """Cheap filters that keep scanning long input fast."""
    if index is not None:
        return end - start <= index.max_tokens + 1
    if type_name in ("AMAZON.EmailAddress",):
        return "@" in words[start] or "at" in words[start:end]
    return True


def _raw_span(text: str, tokens: Sequence[Token], start: int, end: int) -> str:
    """The user's own text for tokens [start, end), with a leading "+" or trailing "%" kept."""
    begin, finish = tokens[start].start, tokens[end - 1].end
    if begin > 0 and text[begin - 1] == "+":
        begin -= 1
    if finish < len(text) and text[finish] == "%":
        finish += 1
    return text[begin:finish]


def _from_builtin(slot_name: str, raw: str, value: BuiltinValue) -> SlotMatch:
    return SlotMatch(slot_name, raw, value.interpreted, list(value.resolved))


_FINDERS: OrderedDict[int, tuple[BotLocale, SlotValueFinder]] = OrderedDict()
_FINDER_CACHE_SIZE = 32


def finder_for(locale: BotLocale) -> SlotValueFinder:
    """A cached finder for this locale object (built once; rebuild by passing a new locale)."""
    key = id(locale)
    cached = _FINDERS.get(key)
    if cached is not None and cached[0] is locale:
        _FINDERS.move_to_end(key)
        return cached[1]
    finder = SlotValueFinder(locale)
    _FINDERS[key] = (locale, finder)
    while len(_FINDERS) > _FINDER_CACHE_SIZE:
        _FINDERS.popitem(last=False)
    return finder


def resolve_slot_value(text: str, slot: Slot, locale: BotLocale, *, now: datetime, whole_utterance: bool = True) -> SlotMatch | None:
    """Find ``slot``'s value in the user's reply while it is being elicited.

    The reply may be the bare value ("delivery"), a phrase around it ("my order please",
    using the slot's sample utterances), or a sentence that mentions it. ``now`` is
    timezone-aware and anchors relative dates.
    """
    return finder_for(locale).resolve(text, slot, now=now, whole_utterance=whole_utterance)
