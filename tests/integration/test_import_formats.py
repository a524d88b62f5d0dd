"""``import_bots`` detects each format from the file itself, whatever its name says."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from bot_spec.definition import BotDefinition
from bot_spec.formats import cloudformation, lexjson
from bot_spec.formats.yaml_spec import load_spec
from bot_spec.importer import canonical_order, import_bots


def _seed(seed_bot_dir: Path) -> BotDefinition:
    return canonical_order(load_spec(seed_bot_dir).without_replies())


def test_json_and_yaml_templates(seed_bot_dir: Path, tmp_path: Path) -> None:
    seed = _seed(seed_bot_dir)
    template = cloudformation.to_template(seed)
    as_json = tmp_path / "bot.template"
    as_json.write_text(json.dumps(template), encoding="utf-8")
    as_yaml = tmp_path / "bot.yml"
    as_yaml.write_text(cloudformation.dump_template(template), encoding="utf-8")
    assert import_bots(as_json) == [seed]
    assert import_bots(as_yaml) == [seed]


def test_zip_is_detected_by_content_and_folder_by_manifest(seed_bot_dir: Path, tmp_path: Path) -> None:
    seed = _seed(seed_bot_dir)
    odd_name = tmp_path / "export.bin"
    lexjson.write_zip(seed, odd_name)
    assert import_bots(odd_name) == [seed]
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(odd_name) as archive:
        archive.extractall(folder)
    assert import_bots(folder) == [seed]


def test_template_with_two_bots_gives_both(seed_bot_dir: Path, tmp_path: Path) -> None:
    seed = _seed(seed_bot_dir)
    template = cloudformation.to_template(seed)
    [resource] = [v for v in template["Resources"].values() if v["Type"] == "AWS::Lex::Bot"]
    second = json.loads(json.dumps(resource))
    second["Properties"]["Name"] = "SecondBot"
    template["Resources"]["Second"] = second
    path = tmp_path / "two.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    first, other = import_bots(path)
    assert first == seed
    assert other.name == "SecondBot" and other.locales == seed.locales
