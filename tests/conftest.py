"""Shared fixtures: where the project, the seed bot and the external material live."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_BOT_DIR = PROJECT_ROOT / "bot_spec" / "chatbot"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
EXTERNAL_DIR = SHARED_DIR / "external"
REFERENCE_DIR = SHARED_DIR / "reference"


@pytest.fixture(scope="session")
def seed_bot_dir() -> Path:
    """The seed bot's spec folder."""
    return SEED_BOT_DIR


@pytest.fixture(scope="session")
def external_dir() -> Path:
    """``../shared/external``: real bots, scripts and data written by others."""
    if not EXTERNAL_DIR.is_dir():
        pytest.fail(f"../shared/external is missing (looked in {EXTERNAL_DIR}); CI lays it beside the checkout")
    return EXTERNAL_DIR


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference``: the Lex V2 fact sheet."""
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def codehook_schema_path(external_dir: Path) -> Path:
    """The aws-samples JSON Schema of a code-hook (Lambda) response."""
    return external_dir / "reference" / "lex-codehook-response.schema.json"
