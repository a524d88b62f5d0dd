"""``chat-lex import-tests`` (Botium, Test Workbench CSV, Lex conversation logs) and ``export-tests --format workbench-csv``."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.lex.engine import local_runtime_for

PROJECT = Path(__file__).resolve().parents[2]
SEED = PROJECT / "bot_spec" / "chatbot"
BOTIUM = PROJECT / "external" / "conversations" / "botium"

# AWS's documented single-input example ("Creating a test set from a CSV file for Test Workbench"), and a
# conversation in the documented layout (Agent rows hold the bot's prompts, every turn the same Conversation #).
AWS_EXAMPLE = """Line #,Conversation #,Source,Input,Expected Output Intent,Expected Output Slot 1,Expected Output Slot 2
1,,User,book a cleaning appointment tomorrow,MakeAppointment,AppointmentType = cleaning,Date = tomorrow
2,N/A,User,book a cleaning appointment on April 15th,MakeAppointment,AppointmentType = cleaning,Date = 4/15/23
3,N/A,User,book appointment for December first,MakeAppointment,Date = December first,
4,N/A,User,book a cleaning appointment,MakeAppointment,AppointmentType = cleaning,
5,1,User,Can you help me book an appointment?,MakeAppointment,,
6,1,Agent,What type of appointment would you like to schedule?,,,
7,1,User,cleaning,MakeAppointment,AppointmentType = cleaning,
8,1,Agent,When should I schedule your appointment?,,,
9,1,User,tomorrow,MakeAppointment,AppointmentType = cleaning,Date = tomorrow
"""

SEED_TEST_SET = """Line Number,Conversation Number,Conversation Participant,Input,Expected Output Intent,\
Expected Output Slot 1,Session Attribute
1,-,User,where is my parcel,Status,StatusType = delivery,
2,7,User,check my status,Status,,customer = Ana
3,7,Agent,What type of status would you like to check?,,,
4,7,User,the shipment,Status,StatusType = delivery,
5,7,Agent,"Your delivery is scheduled for tomorrow between 2-4 PM.",,,
6,8,Robot,hello,,,
"""

SEED_CONVO = """Seed status
Checks a status through slot elicitation.

#me
check my status

#bot
What type of status would you like to check?
INTENT Status
ENTITIES ..

#bot
Choose a status type
BUTTONS Order|Account|Delivery
CARDS Choose a status type

#me
the shipment

#bot
INTENT Status
ENTITY_CONTENT StatusType|delivery
ENTITY_VALUES delivery
!INTENT Help
TEXT_CONTAINS_ANY scheduled|shipped
"""


def chat_lex(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def runs_green(feature_dir: Path, cwd: Path) -> None:
    run = chat_lex("test", str(feature_dir), "--lex-target", "engine", cwd=cwd)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 failed" in run.stdout


def test_the_published_botium_scripts_import_and_list_what_they_cannot_map(tmp_path: Path) -> None:
    run = chat_lex("import-tests", str(BOTIUM), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["book_car.feature", "book_hotel.feature", "order_flowers.feature"]
    assert "imported 3 scenarios from 3 files" in run.stdout and "5 items could not be mapped" in run.stdout
    assert "book_hotel.convo.txt:6: ENTITY_VALUES 2|London: no step checks" in run.stderr
    flowers = (tmp_path / "out" / "order_flowers.feature").read_text(encoding="utf-8")
    assert 'Given the session attribute "attr1" is "attr1-value"' in flowers
    assert 'Then the slot "FlowerType" is "roses"' in flowers
    assert "ENTITIES FlowerType|PickupDate|PickupTime" in flowers  # listed in the feature's description too
    again = chat_lex("import-tests", str(BOTIUM), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr


# The published Botium scripts, imported, pass against the example bots with each port of their sample Lambda.
EXAMPLE_HOOKS = [
    ("BookTripV2", "booktrip", None),
    ("OrderFlowersV2", "orderflowers", None),
    ("OrderFlowersV2", "orderflowers", "node:examples/orderflowers/node/index.js"),  # typed from the project root
]


@pytest.mark.parametrize(("scripts", "example", "hook"), EXAMPLE_HOOKS, ids=["booktrip-python", "orderflowers-python", "orderflowers-node"])
def test_the_imported_botium_scripts_pass_on_the_example_bots(tmp_path: Path, scripts: str, example: str, hook: str | None) -> None:
    if hook and hook.startswith("node:") and shutil.which("node") is None and not os.environ.get("CI"):
        pytest.skip("Node.js is not installed")
    run = chat_lex("import-tests", str(BOTIUM / scripts), "-o", str(tmp_path / "features"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    argv = ["test", str(tmp_path / "features"), "--bot-dir", f"examples/{example}/bot", "--lex-target", "engine"]
    test = chat_lex(*argv, *(["--code-hook", hook] if hook else []), cwd=PROJECT)
    assert test.returncode == 0, test.stdout + test.stderr
    assert " 0 failed" in test.stdout and " 0 passed" not in test.stdout


def test_a_botium_convo_on_the_seed_bot_imports_and_passes(tmp_path: Path) -> None:
    convo = tmp_path / "seed.convo.txt"
    convo.write_text(SEED_CONVO, encoding="utf-8")
    run = chat_lex("import-tests", str(convo), "-o", str(tmp_path / "features"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "features" / "seed.feature").read_text(encoding="utf-8")
    assert 'Then the bot offers the choices "Order", "Account", "Delivery"' in text
    assert 'Then the slot "StatusType" is "delivery"' in text
    for unmapped in ("CARDS Choose a status type: no chat-lex step", "!INTENT Help: negated", "ENTITY_VALUES delivery"):
        assert unmapped in run.stderr
    runs_green(tmp_path / "features", tmp_path)


def test_malformed_botium_scripts_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    for name, text, problem in (
        ("you.convo.txt", "N\n#you\nhi\n", "unknown section"),
        ("empty.convo.txt", "", "name line"),
        ("asserter.convo.txt", "N\n#me\nINTENT X\n", "belongs in a #bot"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        run = chat_lex("import-tests", str(path), "-o", str(tmp_path / "out"), cwd=tmp_path)
        assert run.returncode == 1 and problem in run.stderr, run.stderr
    binary = tmp_path / "bin.convo.txt"
    binary.write_bytes(b"\xff\xfe\x00junk")
    run = chat_lex("import-tests", str(binary), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert run.returncode == 1 and "not UTF-8" in run.stderr
    assert not (tmp_path / "out").exists()


def _rows(text: str) -> list[tuple[str, ...]]:
    """A test set's rows without Line #, single inputs' Conversation # written one way."""
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return [tuple(["N/A" if r[1].strip() in ("", "-", "N/A") else r[1], *r[2:]]) for r in rows]


def test_the_aws_documented_test_set_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "aws.csv"
    source.write_text(AWS_EXAMPLE, encoding="utf-8")
    imported = chat_lex("import-tests", str(source), "-o", str(tmp_path / "f"), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "imported 5 scenarios" in imported.stdout
    exported = chat_lex("export-tests", str(tmp_path / "f"), "--format", "workbench-csv", "-o", str(tmp_path / "back.csv"), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    back = (tmp_path / "back.csv").read_text(encoding="utf-8")
    assert back.splitlines()[0] == AWS_EXAMPLE.splitlines()[0]
    assert _rows(back) == _rows(AWS_EXAMPLE)


def test_a_test_set_on_the_seed_bot_imports_and_passes_and_reports_what_it_cannot_use(tmp_path: Path) -> None:
    source = tmp_path / "seed.csv"
    source.write_text(SEED_TEST_SET, encoding="utf-8")
    run = chat_lex("import-tests", str(source), "-o", str(tmp_path / "f"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "column 'Session Attribute' is not used" in run.stderr
    assert "seed.csv:7: Source 'Robot' is neither User nor Agent" in run.stderr
    text = (tmp_path / "f" / "seed.feature").read_text(encoding="utf-8")
    assert "Scenario: Conversation 7" in text and 'Then the bot says "What type of status would you like to check?"' in text
    runs_green(tmp_path / "f", tmp_path)


def test_malformed_test_sets(tmp_path: Path) -> None:
    cases = {
        "noinput.csv": ("Line #,Source\n1,User\n", "no 'Input' column"),
        "empty.csv": ("", "the file is empty"),
    }
    for name, (text, problem) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        run = chat_lex("import-tests", str(tmp_path / name), "-o", str(tmp_path / "o"), cwd=tmp_path)
        assert run.returncode == 1 and problem in run.stderr, run.stderr
    slots = tmp_path / "slots.csv"
    slots.write_text('Source,Input,Expected Output Slot 1\nUser,hi,"no equals sign"\nAgent,orphan,\n', encoding="utf-8")
    run = chat_lex("import-tests", str(slots), "-o", str(tmp_path / "o"), cwd=tmp_path)
    assert run.returncode == 0
    assert "is not 'SlotName = value'" in run.stderr and "an Agent row outside a conversation" in run.stderr


def test_lex_conversation_logs_import_as_passing_scenarios(tmp_path: Path) -> None:
    runtime, deployment = local_runtime_for(SEED)
    lines = []
    for session, texts in (("s-1", ["check my status", "order"]), ("s-2", ["help"])):
        for text in texts:
            response = runtime.recognize_text(
                botId=deployment.bot_id, botAliasId=deployment.alias_id, localeId="en_US", sessionId=session, text=text
            )
            record = {"messageVersion": "2.0", "inputMode": "Text", "inputTranscript": text, "requestId": "r", **response}
            lines.append(("2026-01-01T00:00:00.000Z " if session == "s-2" else "") + json.dumps(record))
    lines += ["not json at all", json.dumps({"inputTranscript": "no session"}), json.dumps({"sessionId": "s-3", "inputMode": "Speech"})]
    logs = tmp_path / "export.log"
    logs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = chat_lex("import-tests", str(logs), "--from", "lex-logs", "-o", str(tmp_path / "f"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "imported 2 scenarios" in run.stdout and "3 items could not be mapped" in run.stdout
    assert "export.log:4: not a JSON record" in run.stderr and "export.log:5: not a Lex V2 text-log record" in run.stderr
    assert "export.log:6: no text input (input mode Speech)" in run.stderr
    text = (tmp_path / "f" / "export.feature").read_text(encoding="utf-8")
    assert "Scenario: Session s-1" in text and 'And the slot "StatusType" is "order"' in text
    runs_green(tmp_path / "f", tmp_path)
    junk = tmp_path / "junk.json"
    junk.write_text('{"a": 1}\n', encoding="utf-8")
    run = chat_lex("import-tests", str(junk), "-o", str(tmp_path / "g"), cwd=tmp_path)
    assert run.returncode == 1 and "no Lex V2 text-log record" in run.stderr


def test_export_tests_lists_the_steps_a_test_set_cannot_hold(tmp_path: Path) -> None:
    out = tmp_path / "seed.csv"
    run = chat_lex("export-tests", "-o", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "step then 'the dialog action is \"Close\"' has no Test Workbench column" in run.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:5] == ["Line #", "Conversation #", "Source", "Input", "Expected Output Intent"]
    # The features are exported in file order (es_ES.feature before fallback.feature): find the fallback turn.
    turn = next(i for i, r in enumerate(rows) if r[2:5] == ["User", "purple elephants dance quietly", "FallbackIntent"])
    assert rows[turn + 1][2:4] == ["Agent", "I'm sorry, I couldn't understand that."]  # a reply makes it a conversation
    assert rows[turn + 1][1] == rows[turn][1] != "N/A"
    assert any(r[1] == "N/A" and r[3] == "hello" for r in rows)  # one turn, no reply checked: a single input
    assert any(r[2] == "Agent" and r[3] == "What type of status would you like to check?" for r in rows)
    again = chat_lex("export-tests", "-o", str(out), cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    unknown = chat_lex("import-tests", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x"), cwd=tmp_path)
    assert unknown.returncode == 1 and "no such file" in unknown.stderr
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    unknown = chat_lex("import-tests", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x"), cwd=tmp_path)
    assert unknown.returncode == 1 and "--from" in unknown.stderr


def test_hostile_and_oversized_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_bdd.parser import FeatureParser

    import tools.import_test_commands as commands
    from tools.cli import main

    hostile = tmp_path / "hostile.csv"
    hostile.write_text(
        'Conversation #,Source,Input,Expected Output Intent\n1,User,"hi\nScenario: injected\n  Given x",Greet"ing\n'
        '1,Agent,"Feature: again\n# not a comment",\n',
        encoding="utf-8",
    )
    assert main(["import-tests", str(hostile), "-o", str(tmp_path / "f")]) == 0
    assert "intent 'Greet\"ing' cannot be written in a step" in capsys.readouterr().err
    feature = FeatureParser(str(tmp_path / "f"), "hostile.feature").parse()
    assert list(feature.scenarios) == ["Conversation 1"]
    steps = [s.name for s in feature.scenarios["Conversation 1"].steps]
    assert steps == ["a new conversation", 'I say "hi Scenario: injected Given x"', 'the bot says "Feature: again # not a comment"']
    monkeypatch.setattr(commands, "MAX_INPUT_BYTES", 10)
    assert main(["import-tests", str(hostile), "-o", str(tmp_path / "g")]) == 1
    assert "an input may have at most 10" in capsys.readouterr().err
    assert not (tmp_path / "g").exists()
