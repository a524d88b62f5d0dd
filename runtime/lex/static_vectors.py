"""Static meaning vectors: what a sentence encoder knows about words, as a table the engine reads in microseconds.

A bot with ten sample utterances per intent has never seen most ways people say things. Lex
brings a pretrained language model; a transformer costs several ms per utterance here, so the
engine carries a static table distilled from one instead (the model2vec recipe): every
WordPiece token of all-MiniLM-L6-v2 (Apache-2.0) was run through the encoder alone, its output
reduced to 256 dimensions by PCA and weighted down when the token is frequent. A sentence's
vector is the mean of its tokens' rows. ``tools/static_vectors_build.py`` makes the table;
docs/nlu.md says why this and what it costs. The encoder is English, so the table says which
languages it covers and the NLU uses it only for those locales.

Stored as int8 rows with one scale per row in a NumPy ``.npz`` (package data, read without
pickle), loaded once per process; no download at run time.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from runtime.lex.wordpiece import WordPiece

__all__ = ["DEFAULT_PATH", "VECTORS_ENV", "StaticVectors", "default_vectors"]

FloatMatrix = npt.NDArray[np.float32]
DEFAULT_PATH = Path(__file__).with_name("static_vectors.npz")
FORMAT = "chat-lex static vectors v1"
VECTORS_ENV = "CHAT_LEX_STATIC_VECTORS"  # a table's path, or "off" for none
MAX_FILE_BYTES = 64 * 2**20  # the shipped table is about 10 MB; a bigger file is refused before it is read
MAX_TOKENS = 200_000
MAX_DIMS = 1024
MAX_SENTENCE_TOKENS = 256  # a longer utterance is read up to here (Lex caps input at 1,024 characters)


@dataclass(frozen=True)
class StaticVectors:
    """WordPiece token -> int8 vector row; ``sentence`` gives a unit-length meaning vector."""

    tokenizer: WordPiece
    rows: npt.NDArray[np.int8]  # (tokens, dims)
    scales: FloatMatrix  # (tokens,): a row's float value is rows[i] * scales[i]; 0 for tokens without a vector
    languages: tuple[str, ...]  # ISO 639-1 codes of the locales the table is for ("en")
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def dims(self) -> int:
        return int(self.rows.shape[1])

    def covers(self, locale_id: str) -> bool:
        """Whether the table is for this locale's language ("en_US" -> "en")."""
        return locale_id.split("_", 1)[0].lower() in self.languages

    def sentence(self, text: str) -> FloatMatrix:
        """The unit-length mean of the text's token vectors (zeros when no token has one)."""
        ids = np.asarray(self.tokenizer.ids_of(text)[:MAX_SENTENCE_TOKENS], dtype=np.intp)
        ids = ids[ids >= 0]
        if ids.size:
            ids = ids[self.scales[ids] > 0]
        if not ids.size:
            return np.zeros(self.dims, dtype=np.float32)
        total = (self.rows[ids].astype(np.float32) * self.scales[ids, None]).sum(axis=0)
        norm = float(np.linalg.norm(total))
        return (total / norm).astype(np.float32) if norm > 0 else np.zeros(self.dims, dtype=np.float32)

    def sentences(self, texts: Sequence[str]) -> FloatMatrix:
        """``sentence`` of each text, stacked (texts, dims)."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        return np.stack([self.sentence(t) for t in texts])

    def save(self, path: Path) -> None:
        """Write the table as an ``.npz`` that loads without pickle (stored, not deflated: it loads in a tenth of the time)."""
        meta = {**self.meta, "format": FORMAT, "languages": ",".join(self.languages)}
        tokens = np.array(list(self.tokenizer.ids), dtype=np.str_)
        with path.open("wb") as handle:
            np.savez(handle, tokens=tokens, rows=self.rows, scales=self.scales, meta=np.array(json.dumps(meta, sort_keys=True)))

    @classmethod
    def load(cls, path: Path) -> StaticVectors:
        """Read a table written by ``save``; a malformed, oversized or inconsistent file raises ValueError."""
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ValueError(f"cannot read the static vectors file {path} ({exc})") from exc
        if size > MAX_FILE_BYTES:
            raise ValueError(f"static vectors file {path}: larger than {MAX_FILE_BYTES} bytes")
        try:
            with np.load(path, allow_pickle=False) as data:
                tokens = [str(t) for t in data["tokens"].tolist()]
                rows = np.asarray(data["rows"])
                scales = np.asarray(data["scales"])
                meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"bad static vectors file {path}: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"bad static vectors file {path}: not a {FORMAT!r} table")
        if rows.dtype != np.int8 or rows.ndim != 2 or scales.dtype != np.float32 or scales.shape != (rows.shape[0],):
            raise ValueError(f"bad static vectors file {path}: rows must be int8 (tokens, dims) with one float32 scale each")
        if rows.shape[0] != len(tokens) or not 0 < rows.shape[0] <= MAX_TOKENS or not 0 < rows.shape[1] <= MAX_DIMS:
            raise ValueError(f"bad static vectors file {path}: {rows.shape} rows for {len(tokens)} tokens")
        if not np.all(np.isfinite(scales)) or np.any(scales < 0) or len(set(tokens)) != len(tokens):
            raise ValueError(f"bad static vectors file {path}: scales must be finite and non-negative, tokens unique")
        languages = tuple(code for code in str(meta.get("languages", "")).split(",") if code)
        rows.setflags(write=False)
        scales.setflags(write=False)
        return cls(WordPiece(tokens), rows, scales, languages, {str(k): str(v) for k, v in meta.items()})


@lru_cache(maxsize=1)
def default_vectors() -> StaticVectors | None:
    """The table the engine uses: the file named by CHAT_LEX_STATIC_VECTORS, else the shipped one.

    ``CHAT_LEX_STATIC_VECTORS=off`` turns the table off (the NLU then scores with its other
    components and their own calibration). A missing, oversized or malformed file the variable
    names raises ValueError; a missing shipped file gives None.
    """
    named = os.environ.get(VECTORS_ENV, "").strip()
    if named.lower() == "off":
        return None
    if not named:
        return StaticVectors.load(DEFAULT_PATH) if DEFAULT_PATH.exists() else None
    try:
        return StaticVectors.load(Path(named))
    except ValueError as exc:
        raise ValueError(f"{VECTORS_ENV}={named}: {exc}") from exc
