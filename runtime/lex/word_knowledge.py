"""Word associations learned from public intent corpora: what the NLU knows beyond a bot's own utterances.

A bot with three sample utterances per intent has never seen most of the words people use
("rent" when the bot says "reserve a car"). Lex brings a pretrained language model for this;
the local engine brings a small table of word vectors learned from labelled intent corpora
(CLINC150, CC BY 3.0, and BANKING77, CC BY 4.0; see docs/nlu.md). Two words are near when
they signal the same intents in those corpora: "rent", "rental", "car" and "reserve" all
point at CLINC's car_rental, "shipment" and "delivery" at the delivery intents.

How: a word x intent count table, positive PMI with context-distribution smoothing, a
truncated SVD, rows scaled by the square root of the singular values. Stored as int8 in a
JSON file (package data), loaded once; no download at run time.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from runtime.lex.text_features import FUNCTION_WORDS, stem, tokenize

__all__ = ["DEFAULT_PATH", "KNOWLEDGE_ENV", "WordKnowledge", "default_knowledge", "knowledge_words"]

FloatMatrix = npt.NDArray[np.float32]
DEFAULT_PATH = Path(__file__).with_name("word_knowledge.json")
FORMAT = "chat-lex word knowledge v1"
MAX_WORDS = 50_000  # a loaded file with more rows (or more dimensions) is refused, not trusted
MAX_DIMS = 512
SMOOTHING = 0.75  # context-distribution smoothing of PMI (Levy et al., 2015)


def knowledge_words(text: str) -> list[str]:
    """The content words of ``text`` as the knowledge table keys them: stemmed, function words dropped."""
    out: list[str] = []
    for token in tokenize(text):
        word = token.norm
        if word in FUNCTION_WORDS or not word.isalpha() or len(word) > 40:
            continue
        out.append(stem(word))
    return out


@dataclass(frozen=True)
class WordKnowledge:
    """Stemmed word -> dense vector (rows of ``vectors``); similar words have a high cosine."""

    index: dict[str, int]
    vectors: FloatMatrix  # (words, dims), float32; rows not normalised (length = how telling the word is)
    sources: tuple[str, ...] = ()

    @property
    def dims(self) -> int:
        """Width of a vector."""
        return int(self.vectors.shape[1])

    def vector(self, word: str) -> FloatMatrix | None:
        """The vector of a stemmed word, or None when the corpora never had it."""
        row = self.index.get(word)
        return None if row is None else self.vectors[row]

    def sentence(self, words: Sequence[str]) -> FloatMatrix:
        """The sum of the words' vectors, L2-normalised (zeros when no word is known)."""
        rows = [self.index[w] for w in words if w in self.index]
        if not rows:
            return np.zeros(self.dims, dtype=np.float32)
        total: FloatMatrix = self.vectors[rows].sum(axis=0, dtype=np.float32)
        norm = float(np.linalg.norm(total))
        return total / np.float32(norm) if norm > 0 else total

    def nearest(self, word: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` nearest known words by cosine (for explanations and tests)."""
        vec = self.vector(word)
        if vec is None:
            return []
        unit = self.vectors / np.maximum(np.linalg.norm(self.vectors, axis=1, keepdims=True), 1e-9)
        sims = unit @ (vec / max(float(np.linalg.norm(vec)), 1e-9))
        words = list(self.index)
        order = [int(i) for i in np.argsort(-sims)[: k + 1] if words[int(i)] != word]
        return [(words[i], float(sims[i])) for i in order[:k]]

    # ------------------------------------------------------------------ learning

    @classmethod
    def learn(cls, pairs: Iterable[tuple[str, str]], *, dims: int = 96, min_count: int = 2, sources: Sequence[str] = ()) -> WordKnowledge:
        """Learn vectors from (utterance, intent label) pairs."""
        counts: Counter[tuple[str, str]] = Counter()
        word_totals: Counter[str] = Counter()
        for text, label in pairs:
            for word in set(knowledge_words(text)):
                counts[(word, label)] += 1
                word_totals[word] += 1
        words = sorted(w for w, n in word_totals.items() if n >= min_count)
        labels = sorted({label for _, label in counts})
        if not words or len(labels) < 2:
            raise ValueError("word knowledge needs at least two labels and a word seen twice")
        w_index = {w: i for i, w in enumerate(words)}
        l_index = {label: i for i, label in enumerate(labels)}
        table = np.zeros((len(words), len(labels)), dtype=np.float64)
        for (word, label), n in counts.items():
            if word in w_index:
                table[w_index[word], l_index[label]] = n
        total = table.sum()
        p_word = table.sum(axis=1, keepdims=True) / total
        context = table.sum(axis=0) ** SMOOTHING
        p_label = context / context.sum()
        with np.errstate(divide="ignore"):
            pmi = np.log(np.maximum(table / total, 1e-300) / (p_word * p_label[None, :]))
        ppmi = np.where(table > 0, np.maximum(pmi, 0.0), 0.0)
        # Words seen once or twice get a shrunken vector: their PMI is loud but poorly estimated.
        ppmi *= (table.sum(axis=1) / (table.sum(axis=1) + 2.0))[:, None]
        u, s, _ = np.linalg.svd(ppmi, full_matrices=False)
        keep = min(dims, s.size)
        vectors = (u[:, :keep] * np.sqrt(s[:keep])[None, :]).astype(np.float32)
        return cls(w_index, vectors, tuple(sources))

    # ------------------------------------------------------------------ storage

    def to_json(self) -> str:
        """The table as JSON: words, int8 rows with one float scale per row, sources."""
        scale = np.maximum(np.abs(self.vectors).max(axis=1), 1e-12) / 127.0
        quantised = np.round(self.vectors / scale[:, None]).astype(np.int8)
        return json.dumps(
            {
                "format": FORMAT,
                "sources": list(self.sources),
                "words": list(self.index),
                "dims": self.dims,
                "scales": base64.b64encode(scale.astype(np.float32).tobytes()).decode("ascii"),
                "rows": base64.b64encode(quantised.tobytes()).decode("ascii"),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> WordKnowledge:
        """Read a table written by ``to_json``; a malformed or oversized one raises ValueError."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("not a chat-lex word knowledge file")
            words = data["words"]
            dims = int(data["dims"])
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ValueError("words must be a list of strings")
            if not 0 < len(words) <= MAX_WORDS or not 0 < dims <= MAX_DIMS or len(set(words)) != len(words):
                raise ValueError("word knowledge size out of bounds, or repeated words")
            scales = np.frombuffer(base64.b64decode(data["scales"], validate=True), dtype=np.float32)
            rows = np.frombuffer(base64.b64decode(data["rows"], validate=True), dtype=np.int8)
            if scales.size != len(words) or rows.size != len(words) * dims or not np.all(np.isfinite(scales)):
                raise ValueError("word knowledge arrays do not match its word list")
            sources = tuple(str(s) for s in data.get("sources", []))
        except (KeyError, TypeError, ValueError, json.JSONDecodeError, binascii.Error) as exc:
            raise ValueError(f"bad word knowledge file: {exc}") from exc
        vectors = (rows.reshape(len(words), dims).astype(np.float32) * scales[:, None]).astype(np.float32)
        return cls({w: i for i, w in enumerate(words)}, vectors, sources)


KNOWLEDGE_ENV = "CHAT_LEX_WORD_KNOWLEDGE"
MAX_FILE_BYTES = 64 * 2**20  # the shipped table is 0.4 MB; a bigger file is refused before it is read


@lru_cache(maxsize=1)
def default_knowledge() -> WordKnowledge | None:
    """The table the engine uses: the file named by CHAT_LEX_WORD_KNOWLEDGE, else the shipped one.

    The variable lets a benchmark serve a table learned without the corpus it evaluates (issue 17's
    no-leakage rule, through lex-serve); a missing, oversized or malformed file it names raises
    ValueError. A missing shipped file gives None, so the NLU still works without it.
    """
    named = os.environ.get(KNOWLEDGE_ENV, "").strip()
    if not named:
        try:
            return WordKnowledge.from_json(DEFAULT_PATH.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
    path = Path(named)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{KNOWLEDGE_ENV}={named}: larger than {MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{KNOWLEDGE_ENV}={named}: cannot read the word knowledge file ({exc})") from exc
    try:
        return WordKnowledge.from_json(text)
    except ValueError as exc:
        raise ValueError(f"{KNOWLEDGE_ENV}={named}: {exc}") from exc


def cosine(a: FloatMatrix, b: FloatMatrix) -> float:
    """Cosine of two vectors (0 when either is zero)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return 0.0 if na == 0 or nb == 0 else float(np.dot(a, b)) / (na * nb)
