"""The local engine's NLU: rank a locale's intents for an utterance, as Lex V2 does, and say why.

Scores: an exact sample-utterance match is 1.0; a sample utterance whose ``{Slot}``
placeholders are filled by valid slot values scores 0.95-0.99; anything else gets a
calibrated similarity in [0, 1] from ``intent_classifier`` (a linear classifier blended
with the nearest sample utterance's cosine). FallbackIntent is placed by the locale's
threshold rule (fact sheet 3.1) and never scored.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from bot_spec.definition import BotLocale, Intent, Slot
from bot_spec.lex_vocabulary import FREE_FORM_INPUT
from runtime.lex.builtin_slots import TRAINING_SAMPLES, is_builtin
from runtime.lex.intent_classifier import IntentClassifier, Similarities
from runtime.lex.slot_values import SlotMatch, SlotValueFinder
from runtime.lex.static_vectors import StaticVectors, default_vectors
from runtime.lex.text_features import Token, normalize, tokenize, word_features
from runtime.lex.utterance_templates import Template, match_template, parse_template
from runtime.lex.word_knowledge import WordKnowledge, default_knowledge, knowledge_words

__all__ = ["IntentScore", "NluModel", "NluResult", "rank_with_fallback"]

FloatVector = npt.NDArray[np.float64]
FloatMatrix = npt.NDArray[np.float64]

MAX_TEXT_CHARS = 1024  # Lex's RecognizeText limit; longer input is cut here, never an error
MAX_EXPANSIONS_PER_TEMPLATE = 6
MAX_VALUES_PER_PLACEHOLDER = 4
TEMPLATE_SCORE = 0.99
TEMPLATE_FUZZY_PENALTY = 0.02
TEMPLATE_MIN_SCORE = 0.95
SIMILARITY_CEILING = 0.94  # a similarity score never reaches what an exact or template match gets
EXPANSION_MIN = 0.7  # knowledge cosine from which an unseen word stands for the bot's nearest word
MAX_AS_SAID_TOKENS = 3  # longest unlisted value a template placeholder takes as said
# Calibration of the similarity score: sigmoid(w . features) over the components (TF-IDF cosine,
# classifier confidence, knowledge cosine, and for a locale the static vectors cover, the meaning
# cosine) and a bias, each also multiplied by the bot's
# size (see ``size_factor``), plus a bias for bots with few intents (``breadth_factor``), fitted on
# CLINC150 val and oos_train with bots of 3 to 100 utterances per intent and 3 to 150 intents
# (``benchmarks/nlu_bench.py --calibrate``), so that Lex's default threshold 0.40 refuses about 65 %
# of out-of-scope val text on small and large bots alike (issue 17 asks for at least 60 %).
# Without meaning vectors (a locale in another language, or CHAT_LEX_STATIC_VECTORS=off): 3 components.
CALIBRATION = (-0.45, 2.96, 0.68, -1.90, 2.32, 4.36, -0.36, -3.15, -0.55)
# With them: 4 components, fitted the same way (``--calibrate``; the other with ``--no-meaning``).
CALIBRATION_WITH_MEANING = (1.44, 2.46, 0.80, 2.96, -3.70, 2.93, 3.52, -0.03, 1.15, -5.27, 0.24)


@dataclass
class IntentScore:
    """One interpretation: an intent, its confidence and the slot values read for it."""

    intent_name: str
    score: float | None  # None only for FallbackIntent inserted by threshold
    slots: dict[str, SlotMatch] = field(default_factory=dict)
    nearest: list[tuple[str, float]] = field(default_factory=list)
    matched_by: str = "similarity"  # "exact" | "template" | "similarity" | "threshold-fallback"

    def to_explain(self) -> dict[str, Any]:
        """A JSON-ready view of this interpretation."""
        return {
            "intent": self.intent_name,
            "score": self.score,
            "matched_by": self.matched_by,
            "nearest": [{"utterance": u, "similarity": round(s, 3)} for u, s in self.nearest],
            "slots": {name: match.to_lex() for name, match in self.slots.items()},
        }


@dataclass
class NluResult:
    """The ranked interpretations of one utterance, with what is needed to explain them."""

    interpretations: list[IntentScore]
    text: str = ""
    normalized: str = ""
    threshold: float = 0.40
    fallback_reason: str | None = None
    excluded_by_context: list[str] = field(default_factory=list)
    all_scores: dict[str, float] = field(default_factory=dict)  # every candidate intent, best first

    def top(self) -> IntentScore:
        """The winning interpretation (FallbackIntent when nothing was confident enough)."""
        return self.interpretations[0]

    def explain(self) -> dict[str, Any]:
        """JSON-ready: each intent's score and nearest utterances, the threshold, and why fallback won."""
        top = self.interpretations[0] if self.interpretations else None
        return {
            "text": self.text,
            "normalized": self.normalized,
            "threshold": self.threshold,
            "top_intent": None if top is None else top.intent_name,
            "interpretations": [i.to_explain() for i in self.interpretations],
            "scores": dict(self.all_scores),
            "fallback": self.fallback_reason,
            "excluded_by_input_contexts": list(self.excluded_by_context),
        }


@dataclass(frozen=True)
class _TrainingRow:
    intent: int
    utterance: str
    from_name: bool = False  # the intent's name read as words: trained on, never shown as a "nearest utterance"


class NluModel:
    """A locale's intents, compiled for classification; build once, interpret many times."""

    def __init__(
        self,
        locale: BotLocale,
        intents: list[Intent],
        exact: dict[str, list[int]],
        templates: list[list[Template]],
        classifier: IntentClassifier | None,
        rows: list[_TrainingRow],
        finder: SlotValueFinder,
        placeholder_types: set[str],
        knowledge: _Knowledge | None = None,
        meaning: _Meaning | None = None,
    ) -> None:
        self.locale = locale
        self.intents = intents
        self._exact = exact
        self._templates = templates
        self._classifier = classifier
        self._rows = rows
        self._finder = finder
        self._placeholder_types = placeholder_types
        self._fallback = locale.fallback_intent()
        self._knowledge = knowledge
        self._meaning = meaning
        self.calibration = CALIBRATION_WITH_MEANING if meaning is not None else CALIBRATION
        self._size = size_factor(sum(1 for r in rows if not r.from_name), len(intents))
        self._breadth = breadth_factor(len(intents))

    @property
    def size(self) -> float:
        """The bot's size as the calibration reads it (0 for 1 utterance per intent, 1 for 100)."""
        return self._size

    @property
    def breadth(self) -> float:
        """How few intents the bot has, as the calibration reads it (0 at 150 intents, 0.71 at 3)."""
        return self._breadth

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls, locale: BotLocale, *, knowledge: WordKnowledge | bool | None = True, vectors: StaticVectors | bool | None = True
    ) -> NluModel:
        """Compile the locale: exact-match keys, templates, and the trained similarity model.

        ``knowledge`` is the word-association table and ``vectors`` the static meaning vectors
        (True: the shipped one; None or False: none). Vectors are used only for a locale in a
        language they cover.
        """
        finder = SlotValueFinder(locale)
        intents = [i for i in locale.intents if not i.is_fallback and i.sample_utterances]
        exact: dict[str, list[int]] = {}
        templates: list[list[Template]] = []
        documents: list[Counter[str]] = []
        texts: list[str] = []
        labels: list[int] = []
        rows: list[_TrainingRow] = []
        placeholder_types: set[str] = set()
        for number, intent in enumerate(intents):
            own_templates: list[Template] = []
            first_row = len(texts)
            for utterance in intent.sample_utterances:
                template = parse_template(utterance)
                if not template.slot_names:
                    key = normalize(utterance)
                    if key and number not in exact.setdefault(key, []):
                        exact[key].append(number)
                    documents.append(word_features(key.split(), locale.locale_id))
                    texts.append(key)
                    labels.append(number)
                    rows.append(_TrainingRow(number, utterance))
                    continue
                own_templates.append(template)
                for text in _training_texts(template, intent, locale, placeholder_types):
                    documents.append(word_features(text.split(), locale.locale_id))
                    texts.append(text)
                    labels.append(number)
                    rows.append(_TrainingRow(number, utterance))
            templates.append(own_templates)
            # The intent's name is free training text the bot's author wrote ("BookCar" -> "book car"):
            # on a bot with three utterances per intent it is a fourth. Never an exact-match key.
            name_text = name_words(intent.name)
            if name_text and name_text not in texts[first_row:]:
                documents.append(word_features(name_text.split(), locale.locale_id))
                texts.append(name_text)
                labels.append(number)
                rows.append(_TrainingRow(number, intent.name, from_name=True))
        static = default_vectors() if vectors is True else (vectors or None)
        meaning = None
        if static is not None and intents and static.covers(locale.locale_id):
            meaning = _Meaning.build(static, texts, np.asarray(labels, dtype=np.intp), len(intents))
        dense = meaning.rows if meaning is not None else None
        classifier = IntentClassifier.fit(documents, labels, len(intents), dense=dense) if intents else None
        table = default_knowledge() if knowledge is True else (knowledge or None)
        known = _Knowledge.build(table, texts) if table is not None and classifier is not None else None
        return cls(locale, intents, exact, templates, classifier, rows, finder, placeholder_types, known, meaning)

    # ------------------------------------------------------------------ interpret

    def interpret(self, text: str, *, now: datetime, active_contexts: Collection[str] = (), max_results: int = 5) -> NluResult:
        """Rank the intents for ``text``: at most ``max_results``, FallbackIntent placed by threshold."""
        text = text[:MAX_TEXT_CHARS]
        tokens = tokenize(text)
        normalized = " ".join(t.norm for t in tokens)
        active = set(active_contexts)
        eligible = [n for n, intent in enumerate(self.intents) if set(intent.input_contexts) <= active]
        excluded = [self.intents[n].name for n in range(len(self.intents)) if n not in eligible]
        threshold = self.locale.nlu_intent_confidence_threshold
        sims, known, meant = self._signals(tokens, text, now, eligible)
        exact_hits = set(self._exact.get(normalized, []))
        similarity = self._similarity_scores(sims, known, meant, eligible)
        # Exact and template matches can only raise a score, so the best plain similarities plus
        # every intent with templates are enough to find the top ``max_results``.
        keep = max(1, max_results)
        shortlist = set(np.array(eligible)[np.argsort(-similarity, kind="stable")[:keep]].tolist()) if eligible else set()
        shortlist |= {n for n in eligible if n in exact_hits or self._templates[n]}
        by_number = dict(zip(eligible, similarity.tolist(), strict=True))
        scored = [self._score_intent(n, tokens, text, now, by_number[n], n in exact_hits) for n in sorted(shortlist)]
        order = {intent.name: n for n, intent in enumerate(self.intents)}
        scored.sort(key=lambda s: (-(s.score or 0.0), order[s.intent_name]))
        fallback_name = self._fallback.name if self._fallback is not None else None
        interpretations = rank_with_fallback(scored, threshold, fallback_name, max_results)
        reason = _fallback_reason(scored, threshold, bool(tokens))
        for interpretation in interpretations:
            # Nearest utterances and slot spotting only for what is returned: 5, not 150 intents.
            if interpretation.matched_by == "threshold-fallback":
                continue
            n = order[interpretation.intent_name]
            interpretation.nearest = self._nearest(n, sims)
            interpretation.slots = self._spot_slots(self.intents[n], tokens, text, now, already=interpretation.slots)
        all_scores = {self.intents[n].name: score for n, score in by_number.items()}
        all_scores.update({s.intent_name: s.score for s in scored if s.score is not None})
        ranked_scores = dict(sorted(all_scores.items(), key=lambda item: -item[1]))
        return NluResult(interpretations, text, normalized, threshold, reason, excluded, ranked_scores)

    def _score_intent(
        self,
        n: int,
        tokens: Sequence[Token],
        text: str,
        now: datetime,
        similarity: float,
        exact: bool,
    ) -> IntentScore:
        intent = self.intents[n]
        if exact:
            return IntentScore(intent.name, 1.0, {}, [], "exact")
        best: tuple[float, dict[str, SlotMatch]] | None = None
        for template in self._templates[n]:
            aligned = self._match(template, intent, tokens, text, now)
            if aligned is None:
                continue
            fuzzy = sum(1 for m in aligned.values() if m.fuzzy)
            score = max(TEMPLATE_MIN_SCORE, TEMPLATE_SCORE - TEMPLATE_FUZZY_PENALTY * fuzzy)
            if best is None or score > best[0] or (score == best[0] and len(aligned) > len(best[1])):
                best = (score, aligned)
        if best is not None:
            return IntentScore(intent.name, round(best[0], 2), best[1], [], "template")
        return IntentScore(intent.name, similarity, {}, [], "similarity")

    def _components(
        self, sims: Similarities | None, known: FloatVector | None, meant: FloatVector | None, eligible: list[int]
    ) -> FloatMatrix:
        """Per eligible intent (rows): best cosine, classifier confidence relative to chance, knowledge
        cosine, and (when the locale has meaning vectors) the meaning cosine."""
        out = np.zeros((len(eligible), 4 if self._meaning is not None else 3))
        if sims is None or not eligible:
            return out
        index = np.array(eligible, dtype=np.intp)
        out[:, 0] = sims.best_cosine[index]
        if known is not None:
            out[:, 2] = known[index]
        if meant is not None:
            out[:, 3] = meant[index]
        if len(eligible) == 1:
            out[:, 1] = out[:, 0]
            return out
        probs = sims.probabilities[index].astype(np.float64)
        share = probs / max(float(probs.sum()), 1e-12)
        # Relative to chance on a log scale, so a 3-intent bot and a 150-intent bot read alike.
        out[:, 1] = np.clip(np.log(np.maximum(share * len(eligible), 1e-12)) / math.log(len(eligible)), 0.0, 1.0)
        return out

    def _similarity_scores(
        self, sims: Similarities | None, known: FloatVector | None, meant: FloatVector | None, eligible: list[int]
    ) -> FloatVector:
        """Calibrated similarity of every eligible intent, rounded to 2 decimals, in ``eligible`` order."""
        components = self._components(sims, known, meant, eligible)
        scores = np.minimum(calibrated(components, self._size, self.calibration, breadth=self._breadth), SIMILARITY_CEILING)
        return np.round(scores, 2).astype(np.float64)

    def similarity_components(self, text: str, *, now: datetime, active_contexts: Collection[str] = ()) -> dict[str, tuple[float, ...]]:
        """Intent name -> (best cosine, relative classifier confidence, knowledge cosine[, meaning cosine]):
        the score's inputs, in ``calibration``'s order."""
        tokens = tokenize(text[:MAX_TEXT_CHARS])
        active = set(active_contexts)
        eligible = [n for n, intent in enumerate(self.intents) if set(intent.input_contexts) <= active]
        sims, known, meant = self._signals(tokens, text, now, eligible)
        parts = self._components(sims, known, meant, eligible)
        return {self.intents[n].name: tuple(float(v) for v in r) for n, r in zip(eligible, parts, strict=True)}

    def _signals(
        self, tokens: Sequence[Token], text: str, now: datetime, eligible: list[int]
    ) -> tuple[Similarities | None, FloatVector | None, FloatVector | None]:
        """The classifier's similarities, the knowledge cosines and the meaning cosines of an utterance (None when
        there is nothing to score or no such table)."""
        if not eligible or not tokens:
            return None, None, None
        meaning = self._meaning
        query = meaning.query(" ".join(t.norm for t in tokens)) if meaning is not None else None
        sims = self._similarities(tokens, text, now, query)
        known = self._knowledge_cosines(tokens) if sims is not None else None
        meant = meaning.per_intent(query) if meaning is not None and query is not None and sims is not None else None
        return sims, known, meant

    def _knowledge_cosines(self, tokens: Sequence[Token]) -> FloatVector | None:
        """Per intent, the best knowledge-vector cosine between the utterance and a sample utterance."""
        if self._knowledge is None or self._classifier is None:
            return None
        return self._knowledge.best_per_class(knowledge_words(" ".join(t.norm for t in tokens)), self._classifier)

    def _similarities(
        self, tokens: Sequence[Token], text: str, now: datetime, query: npt.NDArray[np.float32] | None
    ) -> Similarities | None:
        """The classifier's view of the utterance; ``query`` is its meaning vector (None without)."""
        if self._classifier is None:
            return None
        words = [t.norm for t in tokens]
        if self._knowledge is not None:
            words += self._knowledge.expansions(knowledge_words(" ".join(words)))
        sims = self._classifier.similarities(self._classifier.vector(word_features(words, self.locale.locale_id)), query)
        generalised = self._generalise(tokens, text, now)
        if generalised is not None:
            other = self._classifier.similarities(self._classifier.vector(word_features(generalised, self.locale.locale_id)), query)
            sims = Similarities(
                np.maximum(sims.probabilities, other.probabilities),
                np.maximum(sims.best_cosine, other.best_cosine),
                np.maximum(sims.cosines, other.cosines),
            )
        return sims

    def _generalise(self, tokens: Sequence[Token], text: str, now: datetime) -> list[str] | None:
        """The utterance with custom slot values replaced by their type's placeholder word."""
        if not self._placeholder_types:
            return None
        words: list[str | None] = [t.norm for t in tokens]
        replaced = False
        for type_name in sorted(self._placeholder_types):
            probe = Slot(name="_probe", slot_type_name=type_name)
            for start, end, _ in reversed(self._finder.spot(probe, tokens, text, now=now)):
                if all(w is not None for w in words[start:end]):
                    words[start:end] = ["slot:" + type_name.lower()] + [None] * (end - start - 1)
                    replaced = True
        return [w for w in words if w is not None] if replaced else None

    def _nearest(self, n: int, sims: Similarities | None, k: int = 3) -> list[tuple[str, float]]:
        if sims is None or self._classifier is None:
            return []
        start, end = self._classifier.class_range(n)
        block = sims.cosines[start:end]
        if block.size == 0:
            return []
        order = np.lexsort((np.arange(block.size), -block))[: k * 4]
        out: list[tuple[str, float]] = []
        for i in order:
            row = self._rows[start + int(i)]
            utterance = row.utterance
            if not row.from_name and all(u != utterance for u, _ in out):
                out.append((utterance, float(block[i])))
            if len(out) == k:
                break
        return out

    # ------------------------------------------------------------------ slots

    def _match(self, template: Template, intent: Intent, tokens: Sequence[Token], text: str, now: datetime) -> dict[str, SlotMatch] | None:
        # Words around a placeholder delimit it, so a short span may be taken "as said" there
        # ("in {City}", an OriginalValue type's unlisted value); a bare "{Slot}" template never
        # takes arbitrary text.
        framed = bool(template.literal_words)

        def validate(name: str, start: int, end: int) -> SlotMatch | None:
            slot = intent.slot(name)
            if slot is None or slot.slot_type_name == FREE_FORM_INPUT:
                return None
            strict = self._finder.read_span(slot, tokens, text, start, end, whole_reply=False, now=now)
            if strict is not None or not framed or end - start > MAX_AS_SAID_TOKENS:
                return strict
            return self._finder.read_span(slot, tokens, text, start, end, whole_reply=True, now=now)

        aligned = match_template(template, tokens, validate)
        return None if aligned is None else {name: value for name, (_, _, value) in aligned.items()}

    def _spot_slots(
        self,
        intent: Intent,
        tokens: Sequence[Token],
        text: str,
        now: datetime,
        already: dict[str, SlotMatch] | None = None,
    ) -> dict[str, SlotMatch]:
        """Slot values mentioned anywhere in the utterance, in slot priority order, spans not shared."""
        slots = dict(already or {})
        if not tokens:
            return slots
        taken: set[int] = set()
        for slot in intent.slots_by_priority():
            if slot.name in slots or slot.slot_type_name == FREE_FORM_INPUT:
                continue
            for start, end, match in self._finder.spot(slot, tokens, text, now=now):
                span = set(range(start, end))
                if span & taken:
                    continue
                slots[slot.name] = match
                taken |= span
                break
        return {s.name: slots[s.name] for s in intent.slots if s.name in slots}


def rank_with_fallback(
    scored: Sequence[IntentScore], threshold: float, fallback_name: str | None, max_results: int = 5
) -> list[IntentScore]:
    """Lex's ranking: scores descending, FallbackIntent (no score) just before the first score below
    ``threshold``, at most ``max_results`` entries. With nothing to rank, FallbackIntent alone."""
    ranked = sorted(scored, key=lambda s: -(s.score if s.score is not None else 0.0))
    below = next((i for i, s in enumerate(ranked) if (s.score or 0.0) < threshold), None)
    if fallback_name is not None and (below is not None or not ranked):
        ranked.insert(below or 0, IntentScore(fallback_name, None, {}, [], "threshold-fallback"))
    return ranked[: max(1, max_results)]


def _fallback_reason(scored: Sequence[IntentScore], threshold: float, has_words: bool) -> str | None:
    if not scored:
        return "no intent can match: none has sample utterances, or each needs an input context that is not active"
    if not has_words:
        return "the utterance has no words"
    top = max(scored, key=lambda s: s.score or 0.0)
    if (top.score or 0.0) < threshold:
        return f"the best intent, {top.intent_name}, scored {top.score or 0.0:.2f}: below the locale threshold {threshold:.2f}"
    return None


def _training_texts(template: Template, intent: Intent, locale: BotLocale, placeholder_types: set[str]) -> list[str]:
    """The template with placeholders generalised, and a few copies filled with real values."""
    names = template.slot_names
    generic: dict[str, str] = {}
    samples: dict[str, list[str]] = {}
    for name in names:
        slot = intent.slot(name)
        type_name = slot.slot_type_name if slot is not None else name
        generic[name] = "slot:" + type_name.lower()
        if slot is not None and not is_builtin(type_name):
            placeholder_types.add(type_name)
        samples[name] = _sample_values(type_name, locale)
    texts = [template.with_values(generic)]
    for k in range(MAX_EXPANSIONS_PER_TEMPLATE):
        values = {}
        for name in names:
            pool = samples[name]
            if pool:
                values[name] = pool[(k + names.index(name)) % len(pool)]
        if len(values) == len(names):
            filled = normalize(template.with_values(values))
            if filled not in texts:
                texts.append(filled)
    return texts


def _sample_values(type_name: str, locale: BotLocale) -> list[str]:
    if is_builtin(type_name):
        return list(TRAINING_SAMPLES.get(type_name, ()))
    slot_type = locale.slot_type(type_name)
    if slot_type is None:
        return []
    out: list[str] = []
    for entry in slot_type.values[:MAX_VALUES_PER_PLACEHOLDER]:
        out.append(entry.value)
        out.extend(entry.synonyms[:1])
    return out[: MAX_VALUES_PER_PLACEHOLDER * 2]


_NAME_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NAME_NOISE = frozenset({"intent", "amazon"})


def name_words(name: str) -> str:
    """An intent name as words: "BookCar" -> "book car", "check_order_status" -> "check order status".

    Digits and the words "intent" and "amazon" carry nothing about what the user says, so they are dropped.
    """
    parts = [p.lower() for p in _NAME_PARTS.findall(name[:100])]
    return " ".join(p for p in parts if p.isalpha() and p not in _NAME_NOISE)


def size_factor(rows: int, intents: int) -> float:
    """The bot's size for calibration: log of training rows per intent, 0 at 1 and 1 at 100 (capped at 1.5)."""
    if intents <= 0 or rows <= 0:
        return 0.0
    return float(min(max(math.log(rows / intents) / math.log(100.0), 0.0), 1.5))


def breadth_factor(intents: int) -> float:
    """1/ln(intents) above its value at 150 intents: 0 for CLINC150's 150, 0.71 for 3, 0.13 for 20.

    A bot with few intents gives its classifier's relative confidence easily (with three intents
    almost any text is "twice as likely as chance" for one of them), so its scores need a lower bias.
    """
    return float(max(1.0 / math.log(max(intents, 2)) - 1.0 / math.log(150.0), 0.0))


def calibrated(components: FloatMatrix, size: float, weights: Sequence[float] = CALIBRATION, breadth: float = 0.0) -> FloatVector:
    """sigmoid(w . [c_1..c_k, 1, size*c_1..size*c_k, size, breadth]) for each row of ``components`` (k columns).

    The weights are laid out for k components: 2k + 3 of them, or 2k + 2 without the breadth term.
    """
    w = np.asarray(weights, dtype=np.float64)
    k = components.shape[1]
    if w.size not in (2 * k + 2, 2 * k + 3):
        raise ValueError(f"{w.size} calibration weights do not fit {k} components")
    # A component's effective weight is never negative: more similarity never lowers a score,
    # whatever the bot's size (the fitted weights are only trusted between 3 and 100 per intent).
    effective = np.maximum(w[:k] + size * w[k + 1 : 2 * k + 1], 0.0)
    logits = components @ effective + w[k] + size * w[2 * k + 1] + (breadth * w[2 * k + 2] if w.size > 2 * k + 2 else 0.0)
    return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)


class _Meaning:
    """The static meaning vectors of a bot's training rows and each intent's centroid of them."""

    def __init__(self, vectors: StaticVectors, rows: npt.NDArray[np.float32], centroids: FloatMatrix) -> None:
        self.vectors = vectors
        self.rows = rows  # (training rows, dims), unit length or zero, in build order: the classifier's dense block
        self.centroids = centroids  # (intents, dims), unit length or zero

    @classmethod
    def build(cls, vectors: StaticVectors, texts: Sequence[str], labels: npt.NDArray[np.intp], n_intents: int) -> _Meaning:
        rows = vectors.sentences(texts)
        centroids = np.zeros((n_intents, vectors.dims))
        np.add.at(centroids, labels, rows.astype(np.float64))
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        rows.setflags(write=False)
        return cls(vectors, rows, centroids)

    def query(self, text: str) -> npt.NDArray[np.float32]:
        """The meaning vector of a normalised utterance."""
        return self.vectors.sentence(text)

    def per_intent(self, query: npt.NDArray[np.float32]) -> FloatVector:
        """The cosine of an utterance's meaning vector to each intent's centroid, negatives as 0."""
        # einsum's own loop, not BLAS: see _Knowledge.best_per_class.
        return np.asarray(np.maximum(np.einsum("ij,j->i", self.centroids, query), 0.0), dtype=np.float64)


class _Knowledge:
    """The word-knowledge vectors of a bot's training rows, for a per-intent nearest-row cosine."""

    def __init__(self, table: WordKnowledge, rows: FloatMatrix, vocabulary: set[str]) -> None:
        self.table = table
        self.rows = rows  # (training rows, dims), unit length or zero, in the classifier's row order
        self.vocabulary = vocabulary  # every content word of the training rows
        known = sorted(w for w in vocabulary if w in table.index)
        self._words = known
        matrix = table.vectors[[table.index[w] for w in known]] if known else np.zeros((0, table.dims), dtype=np.float32)
        self._unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)

    @classmethod
    def build(cls, table: WordKnowledge, texts: Sequence[str]) -> _Knowledge:
        words = [knowledge_words(t) for t in texts]
        rows = np.stack([table.sentence(w) for w in words]) if texts else np.zeros((0, table.dims))
        return cls(table, rows.astype(np.float32), {w for ws in words for w in ws})

    def expansions(self, words: Sequence[str]) -> list[str]:
        """For each word the bot never saw, the bot's own word nearest to it (cosine >= EXPANSION_MIN).

        "rent" in a bot that says "reserve a car" adds "reserve": the classifier and the nearest
        utterance then see a word they know, where before the word only lowered the match.
        """
        out: list[str] = []
        for word in words:
            if word in self.vocabulary or not self._words:
                continue
            vec = self.table.vector(word)
            if vec is None:
                continue
            sims = np.einsum("ij,j->i", self._unit, vec / max(float(np.linalg.norm(vec)), 1e-9))  # no BLAS: see below
            best = int(np.argmax(sims))
            if sims[best] >= EXPANSION_MIN:
                out.append(self._words[best])
        return out

    def best_per_class(self, words: Sequence[str], classifier: IntentClassifier) -> FloatVector:
        best = np.zeros(classifier.n_classes, dtype=np.float64)
        query = self.table.sentence(words)
        if not self.rows.size or not query.any():
            return best
        # einsum's own loop, not a BLAS product: OpenBLAS hands a 15,000-row product to its worker
        # threads, and on a busy machine that hand-off made CLINC150 turns 30 ms at p99 (1.4 ms without).
        cosines = np.einsum("ij,j->i", self.rows, query)
        starts = classifier.class_starts
        nonempty = starts < cosines.size
        best[nonempty] = np.maximum.reduceat(cosines, starts[nonempty])
        return np.maximum(best, 0.0)
