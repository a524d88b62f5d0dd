"""The code-hook choice: the CLI form, the YAML form, round trips and every malformed case."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from bot_spec.code_hook import NONE, CodeHookSpec, CodeHookSpecError, node_parts, parse_cli, parse_doc
from bot_spec.diagnostics import SpecError
from bot_spec.formats.yaml_spec import bot_to_doc, load_spec
from tools.code_hook_option import code_hook_arg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", NONE),
        ("python:fulfillment.seed_handlers:seed_hook", CodeHookSpec("python", "fulfillment.seed_handlers:seed_hook")),
        ("node:hooks/index.js", CodeHookSpec("node", "hooks/index.js")),
        ("node:hooks/index.mjs:main", CodeHookSpec("node", "hooks/index.mjs:main")),
        ("command:java -jar 'my hook.jar'", CodeHookSpec("command", argv=("java", "-jar", "my hook.jar"))),
        (
            "lambda:arn:aws:lambda:eu-west-1:123456789012:function:Flowers",
            CodeHookSpec("lambda", "arn:aws:lambda:eu-west-1:123456789012:function:Flowers"),
        ),
        ("lambda:Flowers:live", CodeHookSpec("lambda", "Flowers:live")),
    ],
)
def test_cli_forms(text: str, expected: CodeHookSpec) -> None:
    spec = parse_cli(text)
    assert spec == expected
    assert parse_cli(spec.describe()) == spec  # describe() is what `chat-lex test` passes on to pytest


@pytest.mark.parametrize(
    "text",
    [
        "",
        "python",
        "python:nomodule",
        "python:a b:c",
        "python:mod:fn:extra",
        "node:index.ts",
        "node:index.js:not-a-name",
        "command:",
        "command:'unclosed",
        "lambda:arn:aws:s3:::bucket",
        "lambda:" + "x" * 3000,
        "ruby:hook.rb",
        "none:x",
        "python:mod:fn\nnode:x.js",
        "python:\x00:f",
    ],
)
def test_cli_rejects_malformed_and_hostile_values(text: str) -> None:
    with pytest.raises(CodeHookSpecError):
        parse_cli(text)
    with pytest.raises(argparse.ArgumentTypeError):
        code_hook_arg(text)


def test_node_parts_default_the_export() -> None:
    assert node_parts(parse_cli("node:a/b.js")) == ("a/b.js", "handler")
    assert node_parts(parse_cli("node:a/b.js:main")) == ("a/b.js", "main")


@pytest.mark.parametrize(
    "doc",
    [
        "none",
        {"python": "pkg.mod:fn"},
        {"python": "pkg.mod:fn", "isolate": True},
        {"node": "node/index.js:handler"},
        {"command": ["go", "run", "."]},
        {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:F", "note": "imported from the template"},
        {"none": True, "note": "imported; no Lambda named"},
    ],
)
def test_yaml_forms_round_trip(doc: object) -> None:
    assert parse_doc(parse_doc(doc).to_doc()) == parse_doc(doc)


@pytest.mark.parametrize(
    "doc",
    [
        "python:x:y",
        42,
        {},
        {"python": "a:b", "node": "x.js"},
        {"python": "a:b", "color": "red"},
        {"node": "x.js", "isolate": True},
        {"python": "a:b", "isolate": "yes"},
        {"command": []},
        {"command": "ls -l"},
        {"command": ["ok", ""]},
        {"python": 7},
        {"lambda": "a:b", "note": "n" * 501},
    ],
)
def test_yaml_rejects_malformed_values(doc: object) -> None:
    with pytest.raises(CodeHookSpecError):
        parse_doc(doc)


def test_the_seed_bot_names_its_own_handlers(seed_bot_dir: Path) -> None:
    (locale,) = load_spec(seed_bot_dir).locales
    assert locale.code_hook == CodeHookSpec("python", "fulfillment.seed_handlers:seed_hook")


def test_spec_round_trips_the_code_hook_and_a_bad_one_is_a_spec_error(seed_bot_dir: Path, tmp_path: Path) -> None:
    definition = load_spec(seed_bot_dir)
    assert bot_to_doc(definition)["locales"]["en_US"]["code_hook"] == {"python": "fulfillment.seed_handlers:seed_hook"}
    bot = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, bot)
    text = (bot / "bot.yaml").read_text(encoding="utf-8")
    (bot / "bot.yaml").write_text(text.replace("fulfillment.seed_handlers:seed_hook", "not a target"), encoding="utf-8")
    with pytest.raises(SpecError, match="python code hook"):
        load_spec(bot)
    (bot / "bot.yaml").write_text(text.replace("python: fulfillment.seed_handlers:seed_hook", "ruby: x.rb"), encoding="utf-8")
    with pytest.raises(SpecError):
        load_spec(bot)


def test_an_unnamed_hook_is_left_out_of_the_dict(seed_bot_dir: Path) -> None:
    definition = load_spec(seed_bot_dir)
    named = definition.fingerprint()
    definition.locales[0].code_hook = None
    assert "code_hook" not in definition.to_dict()["locales"][0]
    assert definition.fingerprint() != named


def test_lint_warns_when_hooked_intents_have_no_named_hook(seed_bot_dir: Path) -> None:
    from bot_spec.lint import lint_spec

    definition = load_spec(seed_bot_dir)
    assert not [d for d in lint_spec(definition) if d.code == "L170"]
    definition.locales[0].code_hook = None
    (warning,) = [d for d in lint_spec(definition) if d.code == "L170"]
    assert warning.severity == "warning" and "Greeting" in warning.message
    definition.locales[0].code_hook = NONE  # saying none on purpose is fine
    assert not [d for d in lint_spec(definition) if d.code == "L170"]
