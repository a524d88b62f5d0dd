"""Text to tokens and to TF-IDF feature vectors for the local engine's NLU.

Tokens keep their character span in the user's text, so a slot value can be reported as
the user's own substring even after normalisation (case, contractions, punctuation).
Features are word unigrams and bigrams over light stems, character 3-5-grams inside word
boundaries, and concept classes from a small lexicon of common chat-bot vocabulary.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

# Words, numbers and joined forms (15:30, 5/12/2026, user@mail.com, what's) are one token each.
_TOKEN_RE = re.compile(r"\w+(?:[.:/'@+-]\w+|(?<=\d),\d{3}(?!\d))*", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})

_CONTRACTIONS: dict[str, tuple[str, ...]] = {
    "what's": ("what", "is"),
    "where's": ("where", "is"),
    "how's": ("how", "is"),
    "who's": ("who", "is"),
    "when's": ("when", "is"),
    "that's": ("that", "is"),
    "there's": ("there", "is"),
    "it's": ("it", "is"),
    "he's": ("he", "is"),
    "she's": ("she", "is"),
    "let's": ("let", "us"),
    "i'm": ("i", "am"),
    "can't": ("can", "not"),
    "won't": ("will", "not"),
    "shan't": ("shall", "not"),
    "ain't": ("is", "not"),
}
_SUFFIX_CONTRACTIONS: tuple[tuple[str, str], ...] = (
    ("n't", "not"),
    ("'re", "are"),
    ("'ve", "have"),
    ("'ll", "will"),
    ("'d", "would"),
)

# Concept classes: words that mean the same thing in chat-bot requests share one extra
# feature, so a paraphrase with a different word still overlaps with the sample utterances.
_CONCEPTS: dict[str, tuple[str, ...]] = {
    "help": ("help", "assist", "assistance", "support", "aid", "helping", "helps", "helped"),
    "greet": ("hello", "hi", "hey", "hiya", "howdy", "greetings", "greeting", "yo", "sup", "heya", "hallo", "hullo"),
    "daypart": ("morning", "afternoon", "evening", "night", "day"),
    "want": ("want", "like", "need", "wish", "wanna", "would", "desire", "require"),
    "able": ("can", "could", "may", "might"),
    "tell": ("tell", "say", "show", "give", "inform", "let", "explain", "describe", "display"),
    "know": ("know", "find", "learn", "see", "check", "verify", "confirm", "lookup", "look"),
    "where": ("where", "location", "located", "whereabouts"),
    "status": ("status", "progress", "update", "updates", "state", "standing"),
    "track": ("track", "tracking", "trace", "follow", "monitor"),
    "order": ("order", "orders", "purchase", "purchases", "bought", "buy"),
    "ship": ("delivery", "deliver", "delivered", "shipment", "shipping", "shipped", "package", "parcel", "courier"),
    "account": ("account", "profile", "membership", "subscription"),
    "option": ("option", "options", "features", "feature", "services", "service", "capabilities", "functions", "menu", "choices"),
    "cancel": ("cancel", "stop", "abort", "quit", "terminate", "end"),
    "thanks": ("thanks", "thank", "thx", "appreciate", "grateful", "cheers"),
    "bye": ("bye", "goodbye", "farewell", "later", "cya"),
    "lost": ("lost", "confused", "stuck", "unsure"),
    "book": ("book", "reserve", "reservation", "booking", "schedule"),
    "price": ("price", "cost", "fee", "charge", "rate", "expensive", "cheap"),
    "money": ("money", "cash", "funds", "balance", "dollars"),
    "time": ("time", "hour", "clock", "when"),
    "yes": ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right", "affirmative"),
    "no": ("no", "nope", "nah", "negative"),
    "question": ("question", "questions", "ask", "query", "inquiry", "enquiry"),
    "problem": ("problem", "issue", "trouble", "error", "broken", "wrong"),
    "use": ("use", "work", "operate", "works", "using"),
}
_CONCEPT_OF: dict[str, str] = {word: concept for concept, words in _CONCEPTS.items() for word in words}

# Feature blocks and the weight of each in the combined vector (tuned on CLINC150 val).
BLOCK_WEIGHTS: dict[str, float] = {"w": 2.0, "b": 1.5, "c": 1.0, "k": 0.45, "s": 1.2}
# Blocks whose unseen features still count in a query's norm (whole words; not character
# n-grams, which would punish typos and inflections twice).
UNSEEN_PENALISED = frozenset({"w"})
UNSEEN_WORD_WEIGHT = 1.5
FUNCTION_FEATURE_WEIGHT = 0.5
# Function words carry no topic: a bot that never saw "could" or "would" should not mind them.
FUNCTION_WORDS: frozenset[str] = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "some", "any", "my", "your", "our", "their", "his",
        "her", "its", "me", "you", "him", "them", "us", "it", "i", "we", "they", "he", "she", "is", "am", "are",
        "was", "were", "be", "been", "being", "do", "doe", "did", "done", "have", "ha", "had", "will", "would",
        "shall", "should", "can", "could", "may", "might", "must", "to", "of", "in", "on", "at", "by", "for",
        "with", "from", "about", "into", "over", "under", "up", "down", "out", "off", "than", "then", "so",
        "too", "very", "just", "also", "not", "no", "and", "or", "but", "if", "because", "as", "until", "while",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "please", "there", "here", "all",
        "each", "every", "both", "few", "more", "most", "other", "such", "only", "own", "same", "let", "get",
        "got", "go", "going", "want", "like",
    }
)  # fmt: skip


def _function_weight(name: str) -> float:
    """Features made only of function words weigh less: on a bot with three utterances per intent,
    "I want ..." in one intent's samples must not outvote the topic word of another's."""
    if name.startswith("w:"):
        return FUNCTION_FEATURE_WEIGHT if name[2:] in FUNCTION_WORDS else 1.0
    if name.startswith("b:"):
        first, _, second = name[2:].partition(" ")
        return FUNCTION_FEATURE_WEIGHT if first in FUNCTION_WORDS and second in FUNCTION_WORDS else 1.0
    return 1.0


@dataclass(frozen=True)
class Token:
    """One normalised token and the span [start, end) of the user's text it came from."""

    norm: str
    start: int
    end: int


def clean_text(text: str) -> str:
    """The text, same length, with invisible characters as spaces and compatibility forms folded.

    Keeping the length keeps token spans valid in the user's own text.
    """
    if text.isascii() and text.isprintable():
        return text
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch)[0] in ("C", "Z"):
            out.append(" ")
            continue
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Normalised tokens of ``text`` with spans into ``text``."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(clean_text(text)):
        raw = match.group(0).lower().translate(_APOSTROPHES)
        for part in _expand(raw):
            tokens.append(Token(part, match.start(), match.end()))
    return tokens


def _expand(raw: str) -> tuple[str, ...]:
    if "'" not in raw:
        return (raw,)
    if raw in _CONTRACTIONS:
        return _CONTRACTIONS[raw]
    for suffix, word in _SUFFIX_CONTRACTIONS:
        if raw.endswith(suffix) and len(raw) > len(suffix):
            head = raw[: -len(suffix)]
            if suffix == "n't":
                head = {"ca": "can", "wo": "will", "sha": "shall"}.get(head, head)
            return (head.replace("'", ""), word)
    return (raw.replace("'", ""),)


def normalize(text: str) -> str:
    """The text as the exact-match key: lower case, contractions expanded, punctuation gone."""
    return " ".join(t.norm for t in tokenize(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stripper: enough to join plurals and -ing/-ed forms."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("es") and word[-3] in "sxz" and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def stemmer_for(locale_id: str | None) -> Callable[[str], str]:
    """The locale's stemmer: Spanish locales have their own (``lang_es``), the rest the English one."""
    from runtime.lex import lang_es  # a leaf module; late so this module stays first to load

    return lang_es.stem if locale_id is not None and lang_es.is_spanish(locale_id) else stem


@lru_cache(maxsize=65536)
def _single_word_features(word: str, stemmer: Callable[[str], str] = stem) -> tuple[str, ...]:
    """The features one word contributes by itself (stem, concept, character n-grams)."""
    if word.startswith("slot:"):
        return ("s:" + word[5:],)
    feats = ["w:" + stemmer(word)]
    concept = _CONCEPT_OF.get(word)
    if concept is not None:
        feats.append("k:" + concept)
    padded = f" {word} "
    for n in (3, 4, 5):
        feats.extend("c:" + padded[i : i + n] for i in range(max(len(padded) - n + 1, 0)))
    return tuple(feats)


def word_features(words: Sequence[str], locale_id: str | None = None) -> Counter[str]:
    """Raw counts of every feature of a token sequence (keys are prefixed by their block), stemmed for the locale."""
    stemmer = stemmer_for(locale_id)
    feats: Counter[str] = Counter()
    for word in words:
        feats.update(_single_word_features(word[:64], stemmer))
    stems = [stemmer(w) for w in words]
    feats.update("b:" + a + " " + b for a, b in itertools.pairwise(stems))
    return feats


def text_features(text: str) -> Counter[str]:
    """Raw feature counts of a user's text."""
    return word_features([t.norm for t in tokenize(text)])


@dataclass
class SparseVector:
    """Feature indices (unique, unordered) and their weights; L2-normalised when built by the vectoriser."""

    indices: IntArray
    values: FloatArray

    def dot(self, other: SparseVector) -> float:
        """The dot product (cosine when both are normalised)."""
        common, ia, ib = np.intersect1d(self.indices, other.indices, assume_unique=True, return_indices=True)
        if common.size == 0:
            return 0.0
        return float(np.dot(self.values[ia], other.values[ib]))


class TfidfVectorizer:
    """Sublinear TF-IDF over the feature blocks, each block weighted, the whole L2-normalised."""

    def __init__(self, vocabulary: dict[str, int], idf: FloatArray) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self._max_idf = float(idf.max()) if idf.size else 1.0
        self._block_weight = np.array(
            [BLOCK_WEIGHTS.get(name[0], 1.0) * _function_weight(name) for name in vocabulary],  # insertion order is id order
            dtype=np.float32,
        )

    @classmethod
    def fit_transform(cls, documents: Sequence[Counter[str]]) -> tuple[TfidfVectorizer, list[SparseVector]]:
        """Learn the vocabulary and smoothed IDF, and return every document's vector (in bulk)."""
        vocabulary: dict[str, int] = {}
        ids: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for doc in documents:
            for name, count in doc.items():
                ids.append(vocabulary.setdefault(name, len(vocabulary)))
                counts.append(count)
            lengths.append(len(doc))
        id_arr = np.array(ids, dtype=np.int32)
        df = np.bincount(id_arr, minlength=len(vocabulary)).astype(np.float64)
        idf = (np.log((1 + len(documents)) / (1 + df)) + 1.0).astype(np.float32)
        vectorizer = cls(vocabulary, idf)
        values = (1.0 + np.log(np.array(counts, dtype=np.float32))) * idf[id_arr] * vectorizer._block_weight[id_arr]
        bounds = np.cumsum(lengths)[:-1]
        squared = np.bincount(np.repeat(np.arange(len(lengths)), lengths), weights=values * values, minlength=len(lengths))
        norms = np.sqrt(squared).astype(np.float32)
        norms[norms == 0] = 1.0
        values = values / np.repeat(norms, lengths)
        vectors = [SparseVector(i, v.astype(np.float32)) for i, v in zip(np.split(id_arr, bounds), np.split(values, bounds), strict=True)]
        return vectorizer, vectors

    @property
    def size(self) -> int:
        """Number of features."""
        return len(self.vocabulary)

    def transform(self, features: Counter[str]) -> SparseVector:
        """The normalised vector of one document; features never seen in training are dropped."""
        get = self.vocabulary.get
        found: list[int] = []
        counts_list: list[int] = []
        unseen = 0.0
        for name, count in features.items():
            i = get(name)
            if i is not None:
                found.append(i)
                counts_list.append(count)
            elif name[0] in UNSEEN_PENALISED and name[2:] not in FUNCTION_WORDS and name[2:] not in _CONCEPT_OF:
                # Words the bot never saw still count in the norm: text that is mostly unknown
                # must not look like a perfect match on its few known words.
                weight = (1.0 + math.log(count)) * self._max_idf * BLOCK_WEIGHTS.get(name[0], 1.0) * UNSEEN_WORD_WEIGHT
                unseen += weight * weight
        if not found:
            return SparseVector(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
        idx = np.array(found, dtype=np.int32)
        counts = np.array(counts_list, dtype=np.float32)
        values = (1.0 + np.log(counts)) * self.idf[idx] * self._block_weight[idx]
        norm = math.sqrt(float(np.dot(values, values)) + unseen)
        if norm > 0:
            values = values / norm
        return SparseVector(idx, values.astype(np.float32))
