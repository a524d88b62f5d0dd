"""Shared fixtures: where the project, the seed bot and the external material live."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot_spec

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_BOT_DIR = bot_spec.SEED_BOT_DIR
EXTERNAL_DIR = PROJECT_ROOT / "external"
FACT_SHEET = PROJECT_ROOT / "docs" / "lexv2-semantics.md"


@pytest.fixture(scope="session")
def seed_bot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed bot in en_US only (a copy without its es_ES locale): the checks written against its English files.

    The bilingual seed itself is ``bilingual_seed_dir`` (and the conversation features run it as it is).
    """
    from tests.english_seed import english_seed_copy

    return english_seed_copy(SEED_BOT_DIR, tmp_path_factory.mktemp("seed") / "chatbot")


@pytest.fixture(scope="session")
def bilingual_seed_dir() -> Path:
    """The seed bot's own spec folder: en_US and es_ES."""
    return SEED_BOT_DIR


@pytest.fixture(scope="session")
def external_dir() -> Path:
    """``external/``: real bots, scripts and data written by others, with their licences (PROVENANCE.md)."""
    return EXTERNAL_DIR


@pytest.fixture(scope="session")
def codehook_schema_path(external_dir: Path) -> Path:
    """The aws-samples JSON Schema of a code-hook (Lambda) response."""
    return external_dir / "reference" / "lex-codehook-response.schema.json"
