"""The spec's JSON Schema and the reader's error reporting: one failing case per rule kind,
each checked for code, line, column and a plain-language message."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats.yaml_spec import load_spec, spec_documents
from bot_spec.schema import SCHEMA_DIR, SCHEMA_FILES, validator_for
from bot_spec.spec_source import read_spec_folder


def make_bot(tmp_path: Path, seed_bot_dir: Path, files: dict[str, str]) -> Path:
    """A copy of the seed bot with ``files`` (relative path -> YAML text) written over it."""
    root = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def problems(root: Path) -> list[Diagnostic]:
    with pytest.raises(SpecError) as caught:
        read_spec_folder(root)
    return caught.value.diagnostics


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [d.render() for d in diags]
    return found[0]


BOT = """
    name: ChatBot
    idle_session_ttl: 300
    child_directed: false
    locales:
      en_US:
        confidence_threshold: 0.4
"""


def test_schema_files_are_valid_draft_2020_12() -> None:
    for name in [*SCHEMA_FILES.values(), "common.schema.json"]:
        schema = json.loads((SCHEMA_DIR / name).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
    for kind in SCHEMA_FILES:
        Draft202012Validator.check_schema(validator_for(kind).schema)  # type: ignore[arg-type]


def test_seed_bot_is_schema_valid(seed_bot_dir: Path) -> None:
    docs = read_spec_folder(seed_bot_dir)
    assert docs.bot["name"] == "ChatBot"
    assert {d["name"] for d in docs.intents} == {"FallbackIntent", "Greeting", "Help", "Status"}


def test_written_spec_of_seed_bot_is_schema_valid(seed_bot_dir: Path) -> None:
    """What ``write_spec`` produces (import, compile --format yaml) passes the schema too."""
    files = spec_documents(load_spec(seed_bot_dir))
    kinds = {"bot.yaml": "bot", "intents": "intent", "slot_types": "slot_type"}
    for rel, doc in files.items():
        kind = kinds[rel.split("/")[0]]
        assert list(validator_for(kind).iter_errors(doc)) == []  # type: ignore[arg-type]


def test_range_violation_names_field_limit_and_value(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("300", "30")})
    diag = only(problems(root), "S104")
    assert (diag.file, diag.line, diag.column) == (str(root / "bot.yaml"), 2, 19)
    assert diag.message == "`idle_session_ttl` must be between 60 and 86400 seconds (Lex's limit); you wrote 30"
    assert diag.path == "idle_session_ttl"
    assert diag.fix is not None and "60" in diag.fix


def test_threshold_above_one(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("0.4", "1.5")})
    diag = only(problems(root), "S104")
    assert (diag.line, diag.column) == (6, 27)
    assert "between 0 and 1" in diag.message and "1.5" in diag.message


def test_unknown_key_suggests_the_right_one(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Greeting
        utterance:
          en_US: [hello]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Greeting.yaml": intent})
    diag = only(problems(root), "S101")
    assert (diag.line, diag.column) == (2, 1)
    assert "did you mean `utterances`?" in diag.message
    assert diag.fix == "rename it to `utterances`"


def test_unknown_key_without_close_match_lists_allowed_keys(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT + "    zzzzzz: 1\n"})
    diag = only(problems(root), "S101")
    assert (diag.line, diag.column) == (7, 1)
    assert diag.fix is not None and "`idle_session_ttl`" in diag.fix


def test_missing_required_key(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("    child_directed: false\n", "")})
    diag = only(problems(root), "S102")
    assert "`child_directed` is missing" in diag.message
    assert diag.fix is not None and "COPPA" in diag.fix
    assert (diag.line, diag.column) == (1, 1)


def test_missing_key_in_a_list_item_points_at_the_item(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Status
        utterances:
          en_US: ["check my {StatusType} status"]
        slots:
          - name: StatusType
            required: true
            prompt: {en_US: Which one?}
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": intent})
    diag = only(problems(root), "S102")
    assert (diag.line, diag.column) == (5, 5)
    assert diag.message == "`type` is missing in `slots[0]`"


def test_wrong_type_explains_yaml_booleans(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US:
            - help
            - yes
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = only(problems(root), "S103")
    assert (diag.line, diag.column) == (5, 7)
    assert "YAML reads `yes` as true" in diag.message
    assert diag.fix == 'put the value in quotes: "yes"'


def test_text_not_written_per_locale(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nutterances:\n  - help\n"})
    diag = only(problems(root), "S103")
    assert (diag.line, diag.column) == (3, 3)
    assert diag.message == "`utterances` must be a mapping (key: value lines); you wrote a list"
    assert diag.fix == "write it per locale: put the content under a locale id such as `en_US:`"


def test_wrong_type_for_a_number(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("300", '"300"')})
    diag = only(problems(root), "S103")
    assert (diag.line, diag.column) == (2, 19)
    assert "must be a whole number" in diag.message
    assert diag.fix is not None and "remove the quotes" in diag.fix


def test_bad_name_pattern(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("ChatBot", "Chat Bot")})
    diag = only(problems(root), "S105")
    assert (diag.line, diag.column) == (1, 7)
    assert "no spaces" in diag.message
    assert diag.fix == "rename it, e.g. `Chat_Bot`"


def test_bad_locale_key(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("en_US:", "en-US:")})
    diags = problems(root)
    diag = next(d for d in diags if d.code == "S105" and d.path == "locales.en-US")
    assert (diag.line, diag.column) == (5, 3)
    assert diag.fix == "write `en_US`"


def test_string_too_long(tmp_path: Path, seed_bot_dir: Path) -> None:
    long_text = "x" * 51
    intent = f"""
        name: Help
        utterances:
          en_US: [help]
        closing:
          en_US:
            - card:
                title: Pick
                buttons:
                  - {{text: {long_text}, value: ok}}
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = only(problems(root), "S106")
    assert (diag.line, diag.column) == (9, 20)
    assert diag.message == "`closing.en_US[0].card.buttons[0].text` must be 1 to 50 characters long (Lex's limit); yours has 51"


def test_too_many_items_points_at_the_first_extra(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US: [help]
        closing:
          en_US: [one, two, three, four, five, six]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = only(problems(root), "S107")
    assert (diag.line, diag.column) == (5, 40)
    assert diag.message == "`closing.en_US` has 6 message groups; Lex allows at most 5"


def test_too_many_variations(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US: [help]
        closing:
          en_US:
            - text: hi
              variations: [a, b, c]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = only(problems(root), "S107")
    assert (diag.line, diag.column) == (7, 26)
    assert "3 variations; Lex allows at most 2" in diag.message


def test_too_few_items_and_properties(tmp_path: Path, seed_bot_dir: Path) -> None:
    no_locales = "name: ChatBot\nidle_session_ttl: 300\nchild_directed: false\nlocales: {}\n"
    help_text = "name: Help\nlocales: []\nutterances: {en_US: [help]}\n"
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": no_locales, "intents/Help.yaml": help_text})
    diags = sorted((d for d in problems(root) if d.code == "S107"), key=lambda d: d.file or "")
    assert [(Path(d.file or "").name, d.line, d.column, d.message) for d in diags] == [
        ("bot.yaml", 4, 10, "`locales` is empty; it needs at least 1 locale"),
        ("Help.yaml", 2, 10, "`locales` is empty; it needs at least 1 locale"),
    ]


def test_enum_with_did_you_mean(tmp_path: Path, seed_bot_dir: Path) -> None:
    slot_type = """
        name: StatusTypes
        resolution: TopResolutoin
        values: [order]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"slot_types/StatusTypes.yaml": slot_type})
    diag = only(problems(root), "S108")
    assert (diag.line, diag.column) == (2, 13)
    assert "did you mean `TopResolution`?" in diag.message


def test_repeated_item(tmp_path: Path, seed_bot_dir: Path) -> None:
    seed = (seed_bot_dir / "intents" / "Status.yaml").read_text()
    status = seed.replace("slot_order: [StatusType]", "slot_order: [StatusType, StatusType]")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": status})
    diag = only(problems(root), "S109")
    assert diag.path == "slot_order[1]"
    assert diag.line == status.splitlines().index("slot_order: [StatusType, StatusType]") + 1
    assert diag.column == 26


def test_message_with_two_kinds_of_content(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US: [help]
        closing:
          en_US:
            - {text: hello, ssml: <speak>hello</speak>}
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = only(problems(root), "S110")
    assert (diag.line, diag.column) == (6, 7)
    assert "holds `text`, `ssml`" in diag.message


def test_value_of_the_wrong_shape(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US: [help]
        closing:
          en_US: [fine, 42]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = only(problems(root), "S110")
    assert (diag.line, diag.column) == (5, 17)
    assert "must be a message group" in diag.message
    assert diag.fix == 'put the value in quotes: "42"'


def test_every_violation_is_reported_at_once(tmp_path: Path, seed_bot_dir: Path) -> None:
    bad_bot = BOT.replace("300", "30").replace("0.4", "7").replace("ChatBot", "Chat Bot")
    bad_intent = """
        name: Help
        utterance: {en_US: [help]}
        closing_active: maybe
    """
    bad_type = """
        name: StatusTypes
        resolution: Restrict
    """
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": bad_bot, "intents/Help.yaml": bad_intent, "slot_types/StatusTypes.yaml": bad_type})
    diags = problems(root)
    assert sorted((Path(d.file or "").name, d.code) for d in diags) == [
        ("Help.yaml", "S101"),
        ("Help.yaml", "S103"),
        ("StatusTypes.yaml", "S108"),
        ("bot.yaml", "S104"),
        ("bot.yaml", "S104"),
        ("bot.yaml", "S105"),
    ]
    assert all(d.line is not None and d.column is not None and d.fix for d in diags)


def test_messages_are_not_jsonschema_raw_text(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": BOT.replace("300", "30") + "    extra: 1\n"})
    for diag in problems(root):
        assert "is less than the minimum" not in diag.message
        assert "Additional properties" not in diag.message
