"""``chat-lex package-fulfillment``: the zip runs on its own, with nothing but the stdlib beside it."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import fulfillment_commands
from tools.fulfillment_commands import FIXED_TIME, HANDLER

# Runs inside `python -I -S`: no site-packages, no environment, no current folder on sys.path.
ZIP_PROBE = r"""
import datetime, json, sys, sysconfig, zoneinfo
unpacked = sys.argv[1]
sys.path[:] = [unpacked] + [p for p in sys.path if p.startswith(sysconfig.get_paths()["stdlib"])]
zoneinfo.reset_tzpath(to=[])  # time zones must come from the packaged tzdata, as on a bare Lambda image
import fulfillment, jinja2, markupsafe, yaml
import runtime.contracts.codehook_response as contracts
for module in (fulfillment, jinja2, markupsafe, yaml, contracts):
    assert module.__file__.startswith(unpacked), (module.__name__, module.__file__)
for absent in ("bot_spec", "runtime.lex", "runtime.store", "jsonschema"):
    try:
        __import__(absent)
    except ImportError:
        pass
    else:
        raise AssertionError(f"{absent} must not be importable inside the Lambda zip")
from fulfillment.response_check import check_response
assert check_response({}) == ["'sessionState' is a required property at the response"]  # the schema, read from the zip
event = json.loads(sys.argv[2])
out = {"status": fulfillment.handler(event, None), "libyaml": yaml.__with_libyaml__}
event["sessionState"]["intent"] = {"name": "Greeting", "slots": {}}
event["requestAttributes"] = {"x-amz-lex:time-zone": "Pacific/Kiritimati"}
out["greeting"] = fulfillment.handler(event, None)
out["tokyo"] = str(datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")).utcoffset())
print(json.dumps(out))
"""


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="chat-lex")
    fulfillment_commands.register(parser.add_subparsers())
    args = parser.parse_args(["package-fulfillment", *argv])
    code: int = args.func(args)
    return code


def status_event(interpreted: str) -> dict[str, Any]:
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "sessionId": "zip-session",
        "inputTranscript": "where is my parcel",
        "bot": {
            "id": "ABCDEFGHIJ",
            "name": "ChatBot",
            "localeId": "en_US",
            "version": "DRAFT",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
        },
        "sessionState": {
            "sessionAttributes": {"customer": "Ann"},
            "intent": {
                "name": "Status",
                "slots": {
                    "StatusType": {"value": {"originalValue": "parcel", "interpretedValue": interpreted, "resolvedValues": [interpreted]}}
                },
                "state": "ReadyForFulfillment",
                "confirmationState": "None",
            },
        },
    }


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory: pytest.TempPathFactory, seed_bot_dir: Path) -> Path:
    output = tmp_path_factory.mktemp("dist") / "fulfillment.zip"
    assert run_command(str(seed_bot_dir), "-o", str(output)) == 0
    return output


def run_clean(probe: str, *argv: str, cwd: Path) -> tuple[Any, str]:
    """Run `probe` in `python -I -S` (no site-packages, no environment, no project); its last line of output as JSON, and stderr."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_the_zip_runs_a_status_event_in_a_clean_interpreter(built_zip: Path, tmp_path: Path, seed_bot_dir: Path) -> None:
    unpacked = tmp_path / "lambda"
    with zipfile.ZipFile(built_zip) as archive:
        archive.extractall(unpacked)
    out, _ = run_clean(ZIP_PROBE, str(unpacked), json.dumps(status_event("delivery")), cwd=tmp_path)
    expected = yaml.safe_load((seed_bot_dir / "intents" / "Status.yaml").read_text(encoding="utf-8"))["replies"]["en_US"]["delivery"]
    assert out["status"]["messages"] == [{"contentType": "PlainText", "content": expected}]
    assert out["status"]["sessionState"]["sessionAttributes"] == {"customer": "Ann", "lastStatusType": "delivery"}
    assert out["status"]["sessionState"]["intent"]["state"] == "Fulfilled"
    assert out["libyaml"] is False  # the C extension is left out; the pure-Python YAML works
    assert out["greeting"]["messages"][0]["content"].endswith(", Ann! How can I help you today?")
    assert out["tokyo"] == "9:00:00"


# Runs inside `python -I -S` with the zip file itself as the only non-stdlib entry of sys.path (zipimport).
ZIP_ONLY_PROBE = r"""
import json, sys, sysconfig
sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p.startswith(sysconfig.get_paths()["stdlib"])]
from fulfillment import Dispatcher
import runtime.contracts
assert runtime.contracts.__file__.startswith(sys.argv[1]), runtime.contracts.__file__
d = Dispatcher()
d.add("Order", lambda event: {"sessionState": {"dialogAction": {"type": "ElicitIntent"}}})
d.add("Book", lambda event: {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "Book", "state": "Fulfilled"}}})
def event(name):
    return {"invocationSource": "FulfillmentCodeHook", "sessionId": "s", "inputTranscript": "x", "sessionState": {"intent": {"name": name}}}
print(json.dumps({"bad": d(event("Order")), "good": d(event("Book"))}))
"""


def test_the_zip_alone_checks_its_handlers_answers(built_zip: Path, tmp_path: Path) -> None:
    """No project checkout, no site-packages: the dispatcher refuses a bad answer with the contracts inside the zip."""
    out, stderr = run_clean(ZIP_ONLY_PROBE, str(built_zip), cwd=tmp_path)
    assert out["bad"]["sessionState"]["intent"]["state"] == "Failed"  # ElicitIntent without a message: the polite failure
    assert "ElicitIntent needs at least one message" in stderr  # the handler_failed log line says why
    assert out["good"]["sessionState"]["intent"] == {"name": "Book", "state": "Fulfilled"}


def test_the_zip_layout(built_zip: Path, seed_bot_dir: Path) -> None:
    with zipfile.ZipFile(built_zip) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        replies = json.loads(archive.read("fulfillment/replies.json"))
    assert names == sorted(names)
    assert {
        "fulfillment/__init__.py",
        "fulfillment/dispatcher.py",
        "jinja2/sandbox.py",
        "markupsafe/__init__.py",
        "yaml/__init__.py",
    } <= set(names)
    assert any(n.startswith("tzdata/zoneinfo/Asia/") for n in names)
    assert any(n.endswith(".dist-info/METADATA") for n in names)
    assert not [n for n in names if n.endswith((".pyc", ".so", ".c")) or "__pycache__" in n]
    assert not [n for n in names if n.split("/")[0] in {"bot_spec", "tools", "tests", "_yaml"}]
    # Of runtime, only the package marker and the contracts fulfillment checks its answers with.
    assert {n for n in names if n.startswith("runtime/")} == {
        "runtime/__init__.py",
        "runtime/contracts/__init__.py",
        "runtime/contracts/codehook_response.py",
        "runtime/contracts/json_schema.py",
        "runtime/contracts/schemas/lex-codehook-response.schema.json",
    }
    assert all(i.date_time == FIXED_TIME and (i.external_attr >> 16) == 0o644 for i in infos)
    assert replies["replies"]["Status"]["en_US"].keys() == {"order", "account", "delivery"}
    assert "Greeting" in replies["replies"] and "FallbackIntent" not in replies["replies"]


def test_the_build_is_deterministic(built_zip: Path, tmp_path: Path, seed_bot_dir: Path) -> None:
    again = tmp_path / "again.zip"
    assert run_command(str(seed_bot_dir), "-o", str(again)) == 0
    assert again.read_bytes() == built_zip.read_bytes()


def test_the_command_prints_the_size_and_the_handler(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "nested" / "out.zip"
    assert run_command(str(seed_bot_dir), "--output", str(output)) == 0
    printed = capsys.readouterr().out
    assert f"{output.stat().st_size} bytes" in printed
    assert f"handler {HANDLER}" in printed and "python3.11" in printed
    assert not [p for p in output.parent.iterdir() if p.name.startswith(".fulfillment-")]  # no temp file left


def _copy_bot(seed_bot_dir: Path, tmp_path: Path) -> Path:
    bot = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, bot)
    return bot


def test_a_broken_template_stops_the_build(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bot = _copy_bot(seed_bot_dir, tmp_path)
    help_file = bot / "intents" / "Help.yaml"
    help_file.write_text(help_file.read_text(encoding="utf-8").replace('help: "I can help', 'help: "{% if %}I can help'), encoding="utf-8")
    output = tmp_path / "out.zip"
    assert run_command(str(bot), "-o", str(output)) == 1
    err = capsys.readouterr().err
    assert "reply 'help' of intent 'Help' (en_US) is not a valid template" in err
    assert "Traceback" not in err
    assert not output.exists()


def test_a_missing_bot_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(str(tmp_path / "no-bot"), "-o", str(tmp_path / "out.zip")) == 1
    err = capsys.readouterr().err
    assert "no-bot" in err and "bot.yaml" in err and "Traceback" not in err


def test_an_invalid_spec_reports_its_diagnostics(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bot = _copy_bot(seed_bot_dir, tmp_path)
    (bot / "intents" / "Help.yaml").write_text("name: Help\nreplies: {en_US: [\n", encoding="utf-8")
    assert run_command(str(bot), "-o", str(tmp_path / "out.zip")) == 1
    err = capsys.readouterr().err
    assert "Help.yaml" in err and "Traceback" not in err


def test_an_unusable_output_path_is_a_clear_error(tmp_path: Path, seed_bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(str(seed_bot_dir), "-o", str(tmp_path)) == 2
    assert "is a folder" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert run_command(str(seed_bot_dir), "-o", str(blocker / "out.zip")) == 1
    assert "choose a writable path" in capsys.readouterr().err


def test_a_bots_own_python_hook_is_packaged_with_its_handler(tmp_path: Path) -> None:
    """examples/orderflowers names orderflowers_hooks:code_hook: the zip carries it, the handler is its `handler`."""
    import subprocess
    import sys
    import zipfile as zf

    example = Path(__file__).resolve().parents[2] / "examples" / "orderflowers"
    out = tmp_path / "hook.zip"
    done = subprocess.run(
        [sys.executable, "-m", "tools.cli", "package-fulfillment", str(example / "bot"), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "handler orderflowers_hooks.handler" in done.stdout
    names = zf.ZipFile(out).namelist()
    assert "orderflowers_hooks.py" in names and "fulfillment/dispatcher.py" in names
    # The zip runs on its own: import the handler from it, in a fresh process, and call it.
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]); import orderflowers_hooks as m; "
        "e={'invocationSource':'FulfillmentCodeHook','sessionId':'s','inputTranscript':'x','sessionState':{'intent':{'name':'OrderFlowers','slots':{}}}};"
        "print(m.handler(e)['sessionState']['intent']['state'])"
    )
    ran = subprocess.run([sys.executable, "-I", "-c", check, str(out)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "Fulfilled"


def test_a_hook_module_that_is_not_there_is_a_clear_error(tmp_path: Path, seed_bot_dir: Path) -> None:
    import shutil

    from tools.fulfillment_commands import PackagingError, bot_hook_module

    bot = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, bot)
    text = (bot / "bot.yaml").read_text(encoding="utf-8")
    (bot / "bot.yaml").write_text(text.replace("fulfillment.seed_handlers:seed_hook", "missing_hooks:code_hook"), encoding="utf-8")
    with pytest.raises(PackagingError, match=r"no missing_hooks\.py"):
        bot_hook_module(bot)
    assert bot_hook_module(seed_bot_dir) is None  # the seed's hook is the fulfillment package itself
