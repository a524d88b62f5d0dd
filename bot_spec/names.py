"""Lex V2's naming rule for bots, intents, slots, slot types and aliases: the one definition.

The lexv2-models API spells it ``^([0-9a-zA-Z][_-]?){1,100}$``. It is matched here with
``fullmatch`` because Python's ``$`` also matches before a final newline, so ``"Name\\n"``
would pass a ``.match`` of that pattern. Names that pass are also safe file names: ASCII
letters, digits, ``_`` and ``-`` only, so no ``/``, ``\\``, ``..``, NUL or look-alike letters.
"""

from __future__ import annotations

import re

LEX_NAME = re.compile(r"([0-9a-zA-Z][_-]?){1,100}")
LEX_NAME_RULE = "1-100 ASCII letters and digits, each optionally followed by one `_` or `-`"


def is_lex_name(text: object) -> bool:
    """Whether ``text`` is a name Lex accepts (and so a safe file or folder name)."""
    return isinstance(text, str) and LEX_NAME.fullmatch(text) is not None
