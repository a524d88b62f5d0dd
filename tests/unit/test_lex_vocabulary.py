"""Lint, the local engine and the engine-fidelity facts name the same Lex V2 built-ins (bot_spec/lex_vocabulary.py)."""

from __future__ import annotations

from bot_spec import engine_fidelity, lex_vocabulary
from runtime.lex import builtin_intents, builtin_slots, builtin_slots_es


def test_every_type_the_engine_reads_is_a_builtin_lint_accepts() -> None:
    engine_types = (
        set(builtin_slots.PARSERS)
        | set(builtin_slots.SPOTTABLE)
        | set(builtin_slots.TRAINING_SAMPLES)
        | set(builtin_slots_es.PARSERS)
        | engine_fidelity.LANGUAGE_NEUTRAL_BUILTINS
        | engine_fidelity.SPANISH_BUILTINS
    )
    assert engine_types <= lex_vocabulary.BUILTIN_SLOT_TYPES, engine_types - lex_vocabulary.BUILTIN_SLOT_TYPES


def test_every_builtin_intent_the_engine_knows_is_a_lex_builtin() -> None:
    assert set(builtin_intents.BUILTIN_UTTERANCES) <= lex_vocabulary.BUILTIN_INTENTS


def test_lex_v1_names_are_not_v2_builtins() -> None:
    for v1_only in ("AMAZON.US_CITY", "AMAZON.US_FIRST_NAME", "AMAZON.Airport", "AMAZON.DATE"):
        assert v1_only not in lex_vocabulary.BUILTIN_SLOT_TYPES
        assert v1_only not in builtin_slots.PARSERS
