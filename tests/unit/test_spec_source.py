"""The spec reader on malformed, oversized and hostile files: a clear diagnostic, never a
traceback or a hang; plus duplicate keys, file names and locales it checks across files."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from bot_spec import spec_source
from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats.yaml_spec import load_spec
from bot_spec.spec_source import (
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    MAX_EVENTS_PER_FILE,
    MAX_FILE_BYTES,
    MAX_SPEC_BYTES,
    read_spec_file,
    read_spec_folder,
)


def make_bot(tmp_path: Path, seed_bot_dir: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, root)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def problems(root: Path) -> list[Diagnostic]:
    with pytest.raises(SpecError) as caught:
        read_spec_folder(root)
    return caught.value.diagnostics


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


BILLION_LAUGHS = """
name: Help
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_is_refused(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": BILLION_LAUGHS})
    diags = problems(root)
    assert codes(diags) == ["S005"]
    assert f"more than {MAX_ALIAS_EXPANSION:,} values" in diags[0].message
    assert diags[0].line is not None


def test_self_referencing_alias_is_refused(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nutterances: &loop {en_US: *loop}\n"})
    assert codes(problems(root)) == ["S005"]


def test_modest_aliases_and_merge_keys_work(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US: &said [help, help me]
        closing:
          en_US: &bye
            groups: [Bye]
            allow_interrupt: false
        lex_extras:
          en_US:
            <<: {initialResponseSetting: {codeHook: {active: true}}, note: merged}
            note: explicit
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    docs = read_spec_folder(root)
    help_doc = next(d for d in docs.intents if d["name"] == "Help")
    assert help_doc["lex_extras"]["en_US"] == {"initialResponseSetting": {"codeHook": {"active": True}}, "note": "explicit"}
    assert docs.sources[id(help_doc)].key_position(("lex_extras", "en_US", "note")) == (11, 5)


def test_file_over_the_size_cap_is_refused_before_parsing(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {})
    big = root / "intents" / "Big.yaml"
    with big.open("wb") as handle:  # 50 MB, sparse where the filesystem allows
        handle.write(b"name: Big\nutterances:\n  en_US:\n")
        handle.seek(50 * 1024 * 1024)
        handle.write(b"\n")
    diags = problems(root)
    assert codes(diags) == ["S003"]
    assert "50.0 MB" in diags[0].message and f"{MAX_FILE_BYTES // 1024 // 1024} MB" in diags[0].message


def test_folder_over_the_total_cap_is_refused_before_parsing(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {})
    per_file = MAX_FILE_BYTES - 1
    for n in range(MAX_SPEC_BYTES // per_file + 1):
        with (root / "intents" / f"Big{n}.yaml").open("wb") as handle:  # sparse: no real disk use
            handle.seek(per_file - 1)
            handle.write(b"\n")
    diags = problems(root)
    assert codes(diags) == ["S003"]
    assert "a bot folder may hold at most 50 MB" in diags[0].message


def test_file_with_too_many_values_is_refused_before_composing(tmp_path: Path, seed_bot_dir: Path) -> None:
    flat = "name: Help\nlex_extras: [" + ",".join(["a"] * MAX_EVENTS_PER_FILE) + "]\n"
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": flat})
    diags = problems(root)
    assert codes(diags) == ["S005"]
    assert f"more than {MAX_EVENTS_PER_FILE:,} YAML values" in diags[0].message
    assert diags[0].line == 2


def test_folder_with_too_many_values_stops_reading(tmp_path: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_source, "MAX_EVENTS_PER_SPEC", 300)
    root = make_bot(tmp_path, seed_bot_dir, {})
    diags = problems(root)
    assert codes(diags) == ["S003"]
    assert "more than 300 YAML values; reading stopped at" in diags[0].message


def test_binary_garbage(tmp_path: Path, seed_bot_dir: Path) -> None:
    garbage = bytes(range(256)) * 40
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": garbage})
    diags = problems(root)
    assert codes(diags) == ["S004"]
    assert "not UTF-8" in diags[0].message


def test_nul_bytes(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": b"name: Help\nutterances:\n  en_US: [he\x00lp]\n"})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S004", 3, 13)
    assert "NUL" in diag.message


def test_invalid_utf8_position(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": b"name: Help\nutterances:\n  en_US: [caf\xe9]\n"})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S004", 3, 14)
    assert "0xe9" in diag.message


def test_control_character(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nutterances:\n  en_US: [he\x07lp]\n"})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S004", 3, 13)
    assert "U+0007" in diag.message


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 100_000])
def test_deep_nesting_is_refused(tmp_path: Path, seed_bot_dir: Path, depth: int) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nlex_extras: " + "[" * depth + "]" * depth + "\n"})
    diags = problems(root)
    assert codes(diags) == ["S005"]
    assert "nests" in diags[0].message


def test_syntax_error_position(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nutterances:\n  en_US: [help\n"})
    diag = problems(root)[0]
    assert diag.code == "S001" and diag.line == 4 and diag.message.startswith("not valid YAML")


def test_two_documents_in_one_file(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\n---\nname: Other\n"})
    diag = problems(root)[0]
    assert diag.code == "S001" and "more than one YAML document" in diag.message


def test_yaml_tags_are_refused(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nutterances: !!python/object:os.system {en_US: [x]}\n"})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S009", 2, 13)


def test_huge_integer_is_a_clear_error(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": (seed_bot_dir / "bot.yaml").read_text().replace("300", "9" * 5000)})
    diag = problems(root)[0]
    assert diag.code == "S009" and diag.file is not None and diag.file.endswith("bot.yaml")


def test_empty_file_and_non_mapping(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "", "intents/Greeting.yaml": "- just\n- a list\n"})
    diags = problems(root)
    assert codes(diags) == ["S002", "S002"]
    assert {d.message.split(";")[0] for d in diags} == {"the file is empty", "the file must hold a mapping (`key: value` lines)"}


def test_duplicate_key_is_reported_at_the_second(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Help
        utterances:
          en_US: [help]
        closing: {en_US: Bye}
        utterances:
          en_US: [help me]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": intent})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S006", 5, 1)
    assert "first on line 2" in diag.message


def test_file_name_must_match_name(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Helper\nutterances: {en_US: [help]}\n"})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S007", 1, 7)
    assert diag.fix == "rename the file to `Helper.yaml` or set `name: Help`"


def test_text_for_a_locale_the_bot_lacks(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": "name: Help\nutterances:\n  en_US: [help]\n  en_GB: [help]\n"})
    diag = problems(root)[0]
    assert (diag.code, diag.line, diag.column) == ("S010", 4, 3)
    assert "would be ignored" in diag.message


def test_yml_files_are_not_silently_ignored(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Extra.yml": "name: Extra\n"})
    diag = problems(root)[0]
    assert diag.code == "S011" and diag.fix == "rename it to `Extra.yaml`"


def test_fifo_and_device_links_are_not_read(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {})
    os.mkfifo(root / "intents" / "Pipe.yaml")
    (root / "intents" / "Zero.yaml").symlink_to("/dev/zero")
    diags = problems(root)
    assert codes(diags) == ["S011", "S011"]
    assert all(d.message == "not a regular file" for d in diags)


def test_missing_folder_and_missing_bot_yaml(tmp_path: Path) -> None:
    assert codes(problems(tmp_path / "nope")) == ["S000"]
    tmp_path.joinpath("empty").mkdir()
    assert codes(problems(tmp_path / "empty")) == ["S000"]
    (tmp_path / "empty" / "bot.yaml").write_text("name: X\n")
    assert problems(tmp_path / "empty" / "bot.yaml")[0].fix == f"give the folder instead: {tmp_path / 'empty'}"


def test_bot_without_intents_folder_reads(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {})
    shutil.rmtree(root / "intents")
    shutil.rmtree(root / "slot_types")
    docs = read_spec_folder(root)
    assert docs.intents == [] and docs.slot_types == []


def test_two_thousand_intents_load_in_a_bounded_run(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {})
    for n in range(2000):
        (root / "intents" / f"Generated{n}.yaml").write_text(f"name: Generated{n}\nutterances:\n  en_US: [generated request number {n}]\n")
    defn = load_spec(root)
    assert len(defn.locales[0].intents) == 2004  # quota checking is the linter's job (L122)


def test_read_spec_file_reports_instead_of_raising(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xff\xfe garbage")
    data, source, diags = read_spec_file(path)
    assert data is None and source.file == str(path) and codes(diags) == ["S004"]
