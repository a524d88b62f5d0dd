"""BERT's uncased WordPiece tokenizer: the token ids the static meaning vectors are keyed by.

The same rules as BERT's ``BasicTokenizer`` + ``WordpieceTokenizer`` (lower-case, accents
stripped, punctuation split off, greedy longest-match-first sub-words with the ``##`` prefix),
so a word is cut into the pieces the distilled encoder saw. Standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

__all__ = ["MAX_WORD_CHARS", "WordPiece"]

MAX_WORD_CHARS = 100  # BERT's limit: a longer "word" is one unknown token
# ASCII text (most turns) takes a regular expression with the same result as the character loop: control
# characters other than whitespace dropped, runs of letters and digits kept, every other printable one split off.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_ASCII_WORDS = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # BERT treats every non-alphanumeric ASCII character as punctuation ("$", "^", "`"), not only Unicode's P*.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_words(text: str) -> list[str]:
    """Lower-cased, accent-stripped words with punctuation and CJK characters split off."""
    if text.isascii():
        return _ASCII_WORDS.findall(_ASCII_CONTROL.sub("", text.lower()))
    return _basic_words_unicode(text)


def _basic_words_unicode(text: str) -> list[str]:
    text = unicodedata.normalize("NFD", text.lower())
    words: list[str] = []
    current: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Mn" or char == "\ufffd" or (category.startswith("C") and not char.isspace()):
            continue  # accents and control characters are dropped, as BERT does
        if char.isspace() or _is_punctuation(char) or _is_cjk(char):
            if current:
                words.append("".join(current))
                current = []
            if not char.isspace():
                words.append(char)
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    return words


class WordPiece:
    """Text -> token ids of a WordPiece vocabulary (unknown words -> the ``[UNK]`` id)."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.ids: Mapping[str, int] = {token: i for i, token in enumerate(vocabulary)}
        self.unknown = self.ids.get("[UNK]", -1)
        self._longest = max((len(t) for t in vocabulary), default=0)

    def word_ids(self, word: str) -> list[int]:
        """One word's sub-word ids, greedy longest-match-first; ``[UNK]`` when it cannot be cut."""
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = min(len(word), start + self._longest)
            found = -1
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.ids.get(piece, -1)
                if found >= 0:
                    break
                end -= 1
            if found < 0:
                return [self.unknown]
            pieces.append(found)
            start = end
        return pieces

    def ids_of(self, text: str) -> list[int]:
        """The token ids of ``text`` (no [CLS]/[SEP]); unknown words give the ``[UNK]`` id."""
        return [i for word in basic_words(text) for i in self.word_ids(word)]
