"""``import_bots`` on inputs it must refuse: each error names the file and what was expected."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot_spec.diagnostics import SpecError
from bot_spec.importer import import_bots


def _only_error(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        import_bots(path)
    [diag] = caught.value.diagnostics
    assert diag.file is not None and diag.file.startswith(str(path))
    assert diag.fix
    return diag.message


def test_template_without_a_lex_bot(tmp_path: Path) -> None:
    path = tmp_path / "infra.yaml"
    path.write_text("Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n", encoding="utf-8")
    assert "no AWS::Lex::Bot resource" in _only_error(path)


def test_zip_without_manifest(tmp_path: Path) -> None:
    path = tmp_path / "bot.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Bot/Bot.json", "{}")
    path.write_bytes(buffer.getvalue())
    assert "no Manifest.json" in _only_error(path)


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "bot.zip"
    path.write_bytes(b"\x00" * 100)
    assert "not a readable zip" in _only_error(path)


def test_unknown_kind_of_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.txt"
    path.write_text("hello", encoding="utf-8")
    assert "cannot tell the format" in _only_error(path)


def test_folder_without_manifest_and_missing_path(tmp_path: Path) -> None:
    assert "no Manifest.json" in _only_error(tmp_path)
    assert "no such file" in _only_error(tmp_path / "absent.yaml")


def test_binary_and_oversized_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "bot.yaml"
    binary.write_bytes(b"\xff\xfe\xfa garbage")
    assert "not UTF-8" in _only_error(binary)
    from bot_spec.formats import cloudformation

    monkeypatch.setattr(cloudformation, "MAX_TEMPLATE_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_text("Resources: {}\n" + "#" * 200, encoding="utf-8")
    assert "larger than 100 bytes" in _only_error(big)


def test_custom_resource_with_wrong_types_names_the_property(tmp_path: Path) -> None:
    path = tmp_path / "cr.yaml"
    path.write_text(
        "Resources:\n  Bot:\n    Type: Custom::LexBot\n    Properties:\n      botName: Shop\n"
        "      CR.botLocales:\n        - localeId: en_US\n          CR.intents: {name: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as caught:
        import_bots(path)
    [diag] = caught.value.diagnostics
    assert diag.path == "Resources.Bot.Properties.CR.botLocales[0].CR.intents"
    assert "expected a list" in diag.message


def test_custom_resource_bot_gets_the_fallback_lex_creates(tmp_path: Path) -> None:
    path = tmp_path / "cr.yaml"
    path.write_text(
        "Resources:\n  Bot:\n    Type: Custom::LexBot\n    Properties:\n      botName: !Sub '${AWS::StackName}-Shop'\n"
        "      idleSessionTTLInSeconds: 120\n      dataPrivacy: {childDirected: false}\n"
        "      CR.botLocales:\n        - localeId: en_US\n          nluIntentConfidenceThreshold: 0.5\n",
        encoding="utf-8",
    )
    [defn] = import_bots(path)
    assert defn.name == "Shop" and defn.idle_session_ttl_in_seconds == 120
    fallback = defn.locales[0].fallback_intent()
    assert fallback is not None and fallback.name == "FallbackIntent"
