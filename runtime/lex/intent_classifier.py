"""The similarity model behind intent scores: TF-IDF vectors, a linear classifier and nearest neighbours.

The classifier is multinomial logistic regression with L2, trained by deterministic
sparse SGD (fixed shuffling seed), because numpy has no sparse matrices and a dense
design matrix of a 15k-utterance bot would not fit. Besides the TF-IDF features it may read
a dense block per utterance (the static meaning vector, ``static_vectors``): one classifier
over both ranks better than either alone. The nearest-neighbour part is an inverted index
over the TF-IDF vectors only, giving every intent its best cosine match.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from runtime.lex.text_features import FloatArray, IntArray, SparseVector, TfidfVectorizer

SEED = 20240817


CACHED_MODELS = 64
DENSE_SCALE = 2.0  # the dense block's length beside the unit TF-IDF vector (CLINC150 val, 10 per intent: 1 and 4 rank worse)
CACHED_MODEL_BYTES = 4 * 1024 * 1024  # a bot of hundreds of utterances; full-size CLINC150 is trained once anyway
_TRAINED: OrderedDict[str, IntentClassifier] = OrderedDict()
_TRAINED_LOCK = threading.Lock()


def _training_key(
    documents: Sequence[Counter[str]], labels: Sequence[int], n_classes: int, config: TrainingConfig, dense: FloatArray | None
) -> str:
    """A digest of everything training reads, in its order."""
    digest = hashlib.sha256(repr((n_classes, config, list(labels))).encode())
    for document in documents:
        digest.update(repr(sorted(document.items())).encode())
        digest.update(b"\x00")
    if dense is not None:
        digest.update(repr(dense.shape).encode())
        digest.update(np.ascontiguousarray(dense, dtype=np.float32).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of the linear classifier (tuned on CLINC150 val)."""

    epochs: int = 8  # a full-size bot trains nearer convergence too (CLINC150 val: +0.5 top-1 over 4; 12 no better)
    learning_rate: float = 12.0
    l2: float = 1e-6
    batch_size: int = 8
    min_steps: int = 3000  # small bots train nearer convergence: a 10-per-intent bot ranks better (CLINC150 val)


@dataclass
class Similarities:
    """What the model says about one utterance, per class."""

    probabilities: FloatArray  # softmax of the linear classifier
    best_cosine: FloatArray  # cosine to the nearest training utterance of each class
    cosines: FloatArray  # cosine to every training row (rows sorted by class)


class IntentClassifier:
    """A trained similarity model over ``n_classes`` classes."""

    def __init__(
        self,
        vectorizer: TfidfVectorizer,
        weights: FloatArray,
        bias: FloatArray,
        labels: IntArray,
        postings: tuple[npt.NDArray[np.int64], IntArray, FloatArray],
        class_starts: npt.NDArray[np.intp],
        n_classes: int,
        dense_dims: int = 0,
    ) -> None:
        self.vectorizer = vectorizer
        self.weights = weights  # (TF-IDF features + dense_dims, classes)
        self.dense_dims = dense_dims
        self.bias = bias
        self.labels = labels  # class of each training row (rows are sorted by class)
        self._colptr, self._rows, self._vals = postings
        self._class_starts = class_starts
        self.n_classes = n_classes

    @classmethod
    def fit(
        cls,
        documents: Sequence[Counter[str]],
        labels: Sequence[int],
        n_classes: int,
        config: TrainingConfig | None = None,
        dense: FloatArray | None = None,
    ) -> IntentClassifier:
        """Train on feature counts and their class numbers (every class needs a document).

        ``dense`` (documents, dims), unit rows or zeros, is a meaning vector per document that the
        classifier reads beside the TF-IDF features; ``similarities`` then takes the utterance's.

        Training is deterministic (a fixed shuffling seed), so the same documents, labels and config give the same
        model: small ones are kept (`_TRAINED`) and shared, read-only, by every engine of the process that loads the
        same bot (each `chat-lex test` scenario's target, each test's runtime) instead of being trained again."""
        config = config or TrainingConfig()
        if dense is not None and dense.shape[0] != len(documents):
            raise ValueError(f"{dense.shape[0]} dense rows for {len(documents)} documents")
        key = _training_key(documents, labels, n_classes, config, dense)
        with _TRAINED_LOCK:  # engines are built on several threads (the local API Gateway's Lambda instances)
            trained = _TRAINED.get(key)
            if trained is not None:
                _TRAINED.move_to_end(key)
                return trained
        model = cls._fit(documents, labels, n_classes, config, dense)
        if model.weights.nbytes <= CACHED_MODEL_BYTES:
            with _TRAINED_LOCK:
                _TRAINED[key] = model
                while len(_TRAINED) > CACHED_MODELS:
                    _TRAINED.popitem(last=False)
        return model

    @classmethod
    def _fit(
        cls, documents: Sequence[Counter[str]], labels: Sequence[int], n_classes: int, config: TrainingConfig, dense: FloatArray | None
    ) -> IntentClassifier:
        order = sorted(range(len(documents)), key=lambda i: labels[i])
        docs = [documents[i] for i in order]
        label_arr = np.array([labels[i] for i in order], dtype=np.int32)
        vectorizer, vectors = TfidfVectorizer.fit_transform(docs)
        dense_dims = 0 if dense is None else int(dense.shape[1])
        block = None if dense is None else (DENSE_SCALE * np.asarray(dense, dtype=np.float32)[order]).astype(np.float32)
        # One BLAS thread: OpenBLAS's worker threads spin on these small products, and on a busy
        # machine that made training 5-10x slower in CPU time (measured on CLINC150).
        with threadpool_limits(limits=1, user_api="blas"):
            weights, bias = _train_softmax(vectors, label_arr, n_classes, vectorizer.size, config, block)
        postings = _inverted_index(vectors, vectorizer.size)
        class_starts = np.searchsorted(label_arr, np.arange(n_classes)).astype(np.intp)
        for array in (weights, bias, label_arr, *postings, class_starts):
            array.setflags(write=False)  # shared by every engine that loads the same bot
        return cls(vectorizer, weights, bias, label_arr, postings, class_starts, n_classes, dense_dims)

    def vector(self, features: Counter[str]) -> SparseVector:
        """The TF-IDF vector of an utterance's features."""
        return self.vectorizer.transform(features)

    def similarities(self, vec: SparseVector, dense: FloatArray | None = None) -> Similarities:
        """Class probabilities, cosine to every training row, and the best cosine per class.

        ``dense`` is the utterance's meaning vector when the classifier was trained with them.
        """
        logits = self.bias.copy()
        if vec.indices.size:
            # Elementwise rather than a BLAS product: no thread hand-off for a 150x150 job.
            logits += (self.weights[vec.indices] * vec.values[:, None]).sum(axis=0)
        if self.dense_dims and dense is not None:
            logits += np.einsum("ij,i->j", self.weights[self.vectorizer.size :], (DENSE_SCALE * dense).astype(np.float32))
        logits -= logits.max()
        np.maximum(logits, -30.0, out=logits)
        exp = np.exp(logits)
        probabilities = (exp / exp.sum()).astype(np.float32)
        cosines = self._cosines(vec)
        best = np.zeros(self.n_classes, dtype=np.float32)
        if cosines.size:
            nonempty = self._class_starts < cosines.size
            best[nonempty] = np.maximum.reduceat(cosines, self._class_starts[nonempty])
        return Similarities(probabilities, best, cosines)

    @property
    def class_starts(self) -> npt.NDArray[np.intp]:
        """The first training row of each class (rows are sorted by class)."""
        return self._class_starts

    def class_range(self, label: int) -> tuple[int, int]:
        """The training rows [start, end) of one class."""
        start = int(self._class_starts[label])
        end = int(self._class_starts[label + 1]) if label + 1 < self.n_classes else int(self.labels.size)
        return start, end

    def _cosines(self, vec: SparseVector) -> FloatArray:
        n_rows = self.labels.size
        if not vec.indices.size or not n_rows:
            return np.zeros(n_rows, dtype=np.float32)
        starts = self._colptr[vec.indices]
        ends = self._colptr[vec.indices + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(n_rows, dtype=np.float32)
        # Gather every posting of the query's features in one go (no Python loop over features).
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        positions = np.arange(total) + offsets
        weights = self._vals[positions] * np.repeat(vec.values, lengths)
        return np.bincount(self._rows[positions], weights=weights, minlength=n_rows).astype(np.float32)


def _inverted_index(vectors: Sequence[SparseVector], n_features: int) -> tuple[npt.NDArray[np.int64], IntArray, FloatArray]:
    rows = np.concatenate([np.full(v.indices.size, i, dtype=np.int32) for i, v in enumerate(vectors)] or [np.zeros(0, np.int32)])
    cols = np.concatenate([v.indices for v in vectors] or [np.zeros(0, np.int32)])
    vals = np.concatenate([v.values for v in vectors] or [np.zeros(0, np.float32)])
    order = np.argsort(cols, kind="stable")
    counts = np.bincount(cols, minlength=n_features)
    colptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return colptr, rows[order].astype(np.int32), vals[order].astype(np.float32)


def _train_softmax(
    vectors: Sequence[SparseVector],
    labels: IntArray,
    n_classes: int,
    n_features: int,
    config: TrainingConfig,
    block: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Multinomial logistic regression by mini-batch SGD; L2 through a global weight scale.

    Each mini-batch touches only the union of its rows' features, so a step is two small
    dense products however large the vocabulary is. ``block`` (rows, dims) is a dense feature
    block per row, kept apart from the sparse gather because every row has all of it; its
    weights follow the sparse ones in the result.
    """
    dims = 0 if block is None else int(block.shape[1])
    weights = np.zeros((n_features, n_classes), dtype=np.float32)
    block_weights = np.zeros((dims, n_classes), dtype=np.float32)
    bias = np.zeros(n_classes, dtype=np.float32)
    if n_classes < 2 or not vectors:
        return np.concatenate([weights, block_weights]), bias
    rng = np.random.default_rng(SEED)
    n = len(vectors)
    batch = max(1, min(config.batch_size, n))
    scale = 1.0
    step = 0
    batches_per_epoch = (n + batch - 1) // batch
    epochs = max(config.epochs, -(-config.min_steps // batches_per_epoch))
    total_steps = epochs * batches_per_epoch
    eye = np.eye(n_classes, dtype=np.float32)
    for _ in range(epochs):
        permutation = rng.permutation(n)
        for first in range(0, n, batch):
            members = permutation[first : first + batch]
            lr = config.learning_rate * (1.0 - step / total_steps) + 1e-3
            step += 1
            parts = [vectors[i] for i in members]
            lengths = [p.indices.size for p in parts]
            cat_idx = np.concatenate([p.indices for p in parts])
            if cat_idx.size == 0 and block is None:
                continue
            cat_val = np.concatenate([p.values for p in parts])
            cat_row = np.repeat(np.arange(len(parts)), lengths)
            columns, inverse = np.unique(cat_idx, return_inverse=True)
            dense = np.zeros((len(parts), columns.size), dtype=np.float32)
            dense[cat_row, inverse] = cat_val
            rows = weights[columns]
            logits = scale * (dense @ rows) + bias
            if block is not None:
                extra = block[members]
                logits += scale * (extra @ block_weights)
            logits -= logits.max(axis=1, keepdims=True)
            # Clipping keeps exp() out of float32 denormals, which are slow on x86.
            np.maximum(logits, -30.0, out=logits)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            grad = (p - eye[labels[members]]) / len(parts)
            scale *= (1.0 - lr * config.l2) ** len(parts)
            weights[columns] = rows - (lr / scale) * (dense.T @ grad)
            if block is not None:
                block_weights -= (lr / scale) * (extra.T @ grad)
            bias -= lr * 0.1 * grad.sum(axis=0)
            if scale < 1e-3:
                weights *= scale
                block_weights *= scale
                scale = 1.0
    return (np.concatenate([weights, block_weights]) * np.float32(scale)).astype(np.float32), bias
