"""Labelled data files: YAML and CSV read right; malformed, oversized and hostile files are refused with the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.evaluation import labelled_data
from tools.evaluation.labelled_data import LabelledDataError, LabelledUtterance, load_labelled


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_with_and_without_slots(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "d.yaml",
        "- {text: hello, intent: Greeting}\n- text: where is my order\n  intent: Status\n  slots: {StatusType: order, N: 3}\n",
    )
    assert load_labelled(path) == [
        LabelledUtterance("hello", "Greeting", {}, f"{path}:1"),
        LabelledUtterance("where is my order", "Status", {"StatusType": "order", "N": "3"}, f"{path}:2"),
    ]


def test_csv_with_quoted_commas_and_slots(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", 'text,intent,slots\nhello,Greeting,\n"where is my order, please",Status,StatusType=order;X=y\n\n')
    items = load_labelled(path)
    assert [(i.text, i.intent, i.slots, i.source) for i in items] == [
        ("hello", "Greeting", {}, f"{path}:2"),
        ("where is my order, please", "Status", {"StatusType": "order", "X": "y"}, f"{path}:3"),
    ]


def test_csv_with_a_bom_and_only_two_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes("\ufefftext,intent\nhi,Greeting\n".encode())
    assert load_labelled(path)[0].intent == "Greeting"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.yaml", "- {text: hi, intent: Greeting\n", "a.yaml:2: not valid YAML"),
        ("b.yaml", "text: hi\nintent: Greeting\n", "b.yaml:1: expected a list"),
        ("c.yaml", "- {text: hi, intent: Greeting}\n- just a string\n", "c.yaml:2: each item must be a mapping"),
        ("d.yaml", "- {text: hi, intent: Greeting}\n- {text: '', intent: Help}\n", "d.yaml:2: 'text' must be a non-empty string"),
        ("e.yaml", "- {text: hi}\n", "e.yaml:1: 'intent' must be a non-empty intent name"),
        ("f.yaml", "- {text: hi, intent: Help, colour: red}\n", "f.yaml:1: unknown key(s) colour"),
        ("g.yaml", "- {text: hi, intent: Help, slots: [a, b]}\n", "g.yaml:1: 'slots' must map slot names"),
        ("h.yaml", "", "no labelled utterances"),
        ("i.yaml", "- &a [*a]\n", "i.yaml:1: each item must be a mapping"),
        ("j.csv", "utterance,label\nhi,Greeting\n", "j.csv:1: the header must name the columns text,intent"),
        ("k.csv", "text,intent\nhi,Greeting\nhello,Greeting,extra\n", "k.csv:3: 3 cells but the header has 2"),
        ("l.csv", "text,intent,slots\nhi,Status,StatusType\n", "l.csv:2: slots cell 'StatusType' is not name=value"),
        ("m.csv", 'text,intent\n"unterminated,Greeting\n', "m.csv"),
        ("n.csv", "text,intent,colour\nhi,Greeting,red\n", "unknown column(s) colour"),
        ("o.txt", "hello", "unknown format '.txt'"),
        ("p.csv", "text,intent\n" + "x" * 1025 + ",Greeting\n", "p.csv:2: 'text' has 1025 characters"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(LabelledDataError) as caught:
        load_labelled(_write(tmp_path, name, text))
    assert message in str(caught.value)


def test_missing_binary_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LabelledDataError, match="no such file"):
        load_labelled(tmp_path / "nope.yaml")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"text,intent\n\xff\xfe,Greeting\n")
    with pytest.raises(LabelledDataError, match="not UTF-8"):
        load_labelled(binary)
    monkeypatch.setattr(labelled_data, "MAX_FILE_BYTES", 10)
    with pytest.raises(LabelledDataError, match="at most 10 are accepted"):
        load_labelled(_write(tmp_path, "big.yaml", "- {text: hello, intent: Greeting}\n"))


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labelled_data, "MAX_UTTERANCES", 2)
    with pytest.raises(LabelledDataError, match="more than 2 rows"):
        load_labelled(_write(tmp_path, "d.csv", "text,intent\na,X\nb,X\nc,X\n"))
    with pytest.raises(LabelledDataError, match="3 items; at most 2"):
        load_labelled(_write(tmp_path, "d.yaml", "- {text: a, intent: X}\n- {text: b, intent: X}\n- {text: c, intent: X}\n"))


def test_a_yaml_bomb_is_refused_without_expanding(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    with pytest.raises(LabelledDataError, match="expected a list"):
        load_labelled(_write(tmp_path, "bomb.yaml", bomb))
