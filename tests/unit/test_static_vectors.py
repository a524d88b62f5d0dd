"""Static meaning vectors (issue 17): the WordPiece tokenizer, the shipped table, its file format and its build tool."""

from __future__ import annotations

import json
import math
import random
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runtime.lex.static_vectors import FORMAT, VECTORS_ENV, StaticVectors, default_vectors
from runtime.lex.wordpiece import WordPiece, _basic_words_unicode, basic_words
from tools.static_vectors_build import _gelu, distil, encode, ordinary, read_safetensors

# ---------------------------------------------------------------- the tokenizer


def test_basic_words_lower_case_strip_accents_and_split_punctuation() -> None:
    assert basic_words("Where's my CAFÉ-order?") == ["where", "'", "s", "my", "cafe", "-", "order", "?"]
    assert basic_words("a\u0000b\tc 日本") == ["ab", "c", "日", "本"]
    assert basic_words("  ") == []


def test_the_ascii_fast_path_reads_text_as_the_character_loop_does() -> None:
    rng = random.Random(17)
    for _ in range(5000):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(40)))
        assert basic_words(text) == _basic_words_unicode(text), repr(text)


def test_wordpiece_cuts_longest_match_first() -> None:
    vocabulary = ["[PAD]", "[UNK]", "un", "##aff", "##able", "##a", "aff", "able"]
    tokenizer = WordPiece(vocabulary)
    assert [vocabulary[i] for i in tokenizer.ids_of("unaffable")] == ["un", "##aff", "##able"]
    assert tokenizer.ids_of("xyz") == [1]  # a word that cannot be cut is one [UNK]
    assert tokenizer.ids_of("able " + "a" * 101) == [7, 1]  # BERT's 100-character limit


def test_the_shipped_vocabulary_cuts_words_as_bert_does() -> None:
    vectors = default_vectors()
    assert vectors is not None
    tokens = list(vectors.tokenizer.ids)
    assert [tokens[i] for i in vectors.tokenizer.ids_of("unaffable shipment")] == [
        "una",
        "##ffa",
        "##ble",
        "shipment",
    ]  # as bert-base-uncased


# ---------------------------------------------------------------- the shipped table


@pytest.fixture(scope="module")
def shipped() -> StaticVectors:
    vectors = default_vectors()
    assert vectors is not None
    return vectors


def test_the_shipped_table_says_what_it_is(shipped: StaticVectors) -> None:
    assert shipped.dims == 256 and shipped.rows.shape[0] == 30522
    assert "all-MiniLM-L6-v2" in shipped.meta["source"] and "Apache-2.0" in shipped.meta["source"]
    assert shipped.covers("en_US") and shipped.covers("en_GB") and not shipped.covers("es_ES")
    special = [shipped.tokenizer.ids[t] for t in ("[PAD]", "[CLS]", "[SEP]", "[UNK]", "[unused5]")]
    assert not shipped.scales[special].any()


@pytest.mark.parametrize(
    ("text", "near", "far"),
    [
        ("I want to rent a car", "reserve a vehicle", "what is the weather today"),
        ("where is my shipment", "track my package", "I want to rent a car"),
        ("how are you", "how is it going", "track my package"),
    ],
)
def test_sentences_that_mean_alike_are_near(shipped: StaticVectors, text: str, near: str, far: str) -> None:
    a, b, c = shipped.sentences([text, near, far])
    assert float(a @ b) > float(a @ c) + 0.1


def test_sentence_vectors_are_unit_length_or_zero(shipped: StaticVectors) -> None:
    assert float(np.linalg.norm(shipped.sentence("hello there"))) == pytest.approx(1.0, abs=1e-5)
    assert not shipped.sentence("").any() and not shipped.sentence("\U0001f9ff").any()  # [UNK] has no vector
    assert shipped.sentences([]).shape == (0, 256)


def test_hostile_and_oversized_text_is_read_in_bounded_time(shipped: StaticVectors) -> None:
    for text in ("\u0000" * 10_000, "ünïcödé " * 5_000, "a" * 100_000, "🙂" * 1_000, "\ufffd\u202e" * 100):
        vector = shipped.sentence(text)
        assert vector.shape == (256,) and np.all(np.isfinite(vector))


# ---------------------------------------------------------------- the file format


def _small(tmp_path: Path, **meta: str) -> Path:
    tokens = ["[PAD]", "[UNK]", "car", "rent", "hotel"]
    rows = np.array([[0, 0], [0, 0], [100, 10], [90, 20], [-5, 120]], dtype=np.int8)
    scales = np.array([0, 0, 0.01, 0.01, 0.01], dtype=np.float32)
    path = tmp_path / "small.npz"
    StaticVectors(WordPiece(tokens), rows, scales, ("en", "de"), dict(meta)).save(path)
    return path


def test_a_table_round_trips_through_its_file(tmp_path: Path) -> None:
    table = StaticVectors.load(_small(tmp_path, source="test"))
    assert table.languages == ("en", "de") and table.covers("de_DE") and table.meta["source"] == "test"
    assert float(table.sentence("rent car") @ table.sentence("car")) > float(table.sentence("hotel") @ table.sentence("car"))
    assert not table.rows.flags.writeable


def _write(path: Path, **arrays: np.ndarray) -> Path:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


GOOD_META = np.array(json.dumps({"format": FORMAT, "languages": "en"}))
GOOD = {
    "tokens": np.array(["[UNK]", "car"]),
    "rows": np.zeros((2, 4), dtype=np.int8),
    "scales": np.zeros(2, dtype=np.float32),
    "meta": GOOD_META,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"meta": np.array(json.dumps({"format": "something else"}))}, "not a"),
        ({"meta": np.array("not json")}, "bad static vectors"),
        ({"rows": np.zeros((2, 4), dtype=np.float64)}, "int8"),
        ({"rows": np.zeros((3, 4), dtype=np.int8), "scales": np.zeros(3, dtype=np.float32)}, "3 tokens|for 2 tokens"),
        ({"scales": np.array([np.nan, 0], dtype=np.float32)}, "finite"),
        ({"scales": np.array([-1, 0], dtype=np.float32)}, "non-negative"),
        ({"tokens": np.array(["car", "car"])}, "unique"),
        ({"tokens": np.array([{"x": 1}, "car"], dtype=object)}, "bad static vectors"),  # needs pickle: refused
    ],
)
def test_malformed_tables_are_refused(tmp_path: Path, change: dict[str, np.ndarray], message: str) -> None:
    arrays = {**GOOD, **change}
    arrays = {k: v for k, v in arrays.items()}
    path = _write(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        StaticVectors.load(path)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04" + b"\x00" * 100])
def test_a_file_that_is_not_a_table_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad static vectors"):
        StaticVectors.load(path)


def test_a_missing_key_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "partial.npz", tokens=GOOD["tokens"], rows=GOOD["rows"])
    with pytest.raises(ValueError, match="bad static vectors"):
        StaticVectors.load(path)


# ---------------------------------------------------------------- CHAT_LEX_STATIC_VECTORS


@pytest.fixture
def fresh_vectors() -> Iterator[None]:
    default_vectors.cache_clear()
    yield
    default_vectors.cache_clear()


def test_the_environment_can_name_another_table_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_vectors: None) -> None:
    monkeypatch.setenv(VECTORS_ENV, str(_small(tmp_path)))
    table = default_vectors()
    assert table is not None and table.dims == 2
    default_vectors.cache_clear()
    monkeypatch.setenv(VECTORS_ENV, "off")
    assert default_vectors() is None


def test_a_bad_or_oversized_table_named_by_the_environment_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_vectors: None
) -> None:
    import runtime.lex.static_vectors as static_vectors

    monkeypatch.setenv(VECTORS_ENV, str(tmp_path / "missing.npz"))
    with pytest.raises(ValueError, match=VECTORS_ENV):
        default_vectors()
    path = tmp_path / "big.npz"
    path.write_bytes(b"\x00" * 2048)
    monkeypatch.setattr(static_vectors, "MAX_FILE_BYTES", 1024)
    monkeypatch.setenv(VECTORS_ENV, str(path))
    with pytest.raises(ValueError, match="larger than 1024 bytes"):
        default_vectors()


# ---------------------------------------------------------------- the build tool


def _safetensors(path: Path, tensors: dict[str, np.ndarray], header_extra: dict[str, object] | None = None) -> Path:
    header: dict[str, object] = dict(header_extra or {})
    blobs, offset = [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).tobytes()
        header[name] = {
            "dtype": {"float32": "F32", "float16": "F16", "int64": "I64"}[str(array.dtype)],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
    return path


def test_safetensors_are_read_with_their_names_and_shapes(tmp_path: Path) -> None:
    tensors = {
        "bert.a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": np.ones(4, dtype=np.float16),
        "ids": np.arange(3, dtype=np.int64),
    }
    read = read_safetensors(_safetensors(tmp_path / "m.safetensors", tensors, {"__metadata__": {"format": "pt"}}))
    assert set(read) == {"a", "b", "ids"}
    assert np.array_equal(read["a"], tensors["bert.a"]) and read["b"].dtype == np.float32


@pytest.mark.parametrize(
    "content",
    [
        b"short",
        struct.pack("<Q", 10**9) + b"{}",
        struct.pack("<Q", 60) + json.dumps({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode().ljust(60),
        struct.pack("<Q", 60) + json.dumps({"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}).encode().ljust(60) + b"\x00\x00",
    ],
)
def test_bad_safetensors_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        read_safetensors(path)


def test_gelu_is_berts_exact_gelu() -> None:
    xs = np.linspace(-6, 6, 241)
    exact = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in xs])
    assert np.max(np.abs(_gelu(xs) - exact)) < 1e-6


def _tiny_bert(hidden: int = 8, heads: int = 2, vocab: int = 12, layers: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    w = {
        "embeddings.word_embeddings.weight": rng.normal(size=(vocab, hidden)),
        "embeddings.position_embeddings.weight": rng.normal(size=(16, hidden)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, hidden)),
        "embeddings.LayerNorm.weight": np.ones(hidden),
        "embeddings.LayerNorm.bias": np.zeros(hidden),
    }
    for n in range(layers):
        p = f"encoder.layer.{n}."
        for name, shape in [
            ("attention.self.query", (hidden, hidden)),
            ("attention.self.key", (hidden, hidden)),
            ("attention.self.value", (hidden, hidden)),
            ("attention.output.dense", (hidden, hidden)),
            ("intermediate.dense", (4 * hidden, hidden)),
            ("output.dense", (hidden, 4 * hidden)),
        ]:
            w[p + name + ".weight"] = rng.normal(size=shape) / np.sqrt(shape[1])
            w[p + name + ".bias"] = rng.normal(size=shape[0]) * 0.1
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + norm + ".weight"] = np.ones(hidden)
            w[p + norm + ".bias"] = np.zeros(hidden)
    return {k: v.astype(np.float32) for k, v in w.items()}


def test_the_encoder_reads_each_sequence_on_its_own_and_attends_to_every_token() -> None:
    weights = _tiny_bert()
    batch = np.array([[1, 5, 2], [1, 7, 2], [1, 5, 3]])
    together = encode(weights, batch, heads=2, layers=2)
    alone = np.concatenate([encode(weights, row[None], heads=2, layers=2) for row in batch])
    assert np.allclose(together, alone, atol=1e-5)
    # Changing the last token changes the first position's output: attention reaches across the sequence.
    assert not np.allclose(together[0, 0], together[2, 0], atol=1e-4)
    # Every layer ends in a LayerNorm with unit gain and zero bias: each output row has mean 0 and variance 1.
    assert np.allclose(together.mean(-1), 0, atol=1e-5) and np.allclose(together.var(-1), 1, atol=1e-3)


def test_distil_keeps_ordinary_tokens_only_and_fits_int8() -> None:
    vocabulary = ["[PAD]", "[unused0]", "[CLS]", "a", "b", "c", "d", "e"]
    keep = ordinary(vocabulary)
    assert keep.tolist() == [False, False, False, True, True, True, True, True]
    outputs = np.random.default_rng(1).normal(size=(8, 6)).astype(np.float32)
    rows, scales = distil(outputs, keep, dims=3)
    assert rows.dtype == np.int8 and rows.shape == (8, 3)
    assert not scales[:3].any() and np.all(scales[3:] > 0)
    assert np.max(np.abs(rows[3:]), axis=1).tolist() == [127] * 5
