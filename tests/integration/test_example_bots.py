"""The example bots (imported from the public CFN templates) with their code hooks in Python, Node.js and none.

The Botium BookTripV2 and OrderFlowersV2 scripts pass on the engine and http targets with our
Python ports of the sample Lambdas, with the Node.js port of OrderFlowers, and with no hook.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot_spec.code_hook import CodeHookSpec, parse_cli
from runtime.lex.endpoints import DEFAULT_START, EndpointOptions, LexEndpoint, open_endpoint
from tests.integration.test_botium_scripts import parse_convo, parse_utterances, play

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "examples"
NODE = parse_cli("node:node/index.js")
NONE = parse_cli("none")
SCRIPTS = {"BookTripV2/book_car": "booktrip", "BookTripV2/book_hotel": "booktrip", "OrderFlowersV2/order_flowers": "orderflowers"}
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


@pytest.fixture(autouse=True)
def node_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Node.js port reads "today" from FLOWERS_TODAY: the engine's fixed clock, not the wall clock."""
    monkeypatch.setenv("FLOWERS_TODAY", datetime.fromtimestamp(DEFAULT_START, tz=UTC).date().isoformat())


def opened(target: str, bot: str, code_hook: CodeHookSpec | None) -> Iterator[LexEndpoint]:
    endpoint = open_endpoint(target, EndpointOptions(bot_dir=EXAMPLES / bot / "bot", code_hook=code_hook))
    try:
        yield endpoint
    finally:
        endpoint.close()


def play_botium(endpoint: LexEndpoint, script: str, external_dir: Path) -> list[str]:
    folder, name = script.split("/")
    convo_dir = external_dir / "conversations" / "botium" / folder / "spec" / "convo"
    utterances = dict(parse_utterances(p.read_text(encoding="utf-8")) for p in sorted(convo_dir.glob("*.utterances.txt")))
    convo_file = convo_dir / f"{name}.convo.txt"
    convo = parse_convo(convo_file.read_text(encoding="utf-8"), convo_file.name)
    ids = {"botId": endpoint.bot_id, "botAliasId": endpoint.bot_alias_id, "localeId": endpoint.locale_id}
    return play(convo, endpoint.client, ids, utterances, f"botium-{name}")  # type: ignore[arg-type]


HOOKS = {"spec": None, "none": NONE, "node": NODE}


# Every script with the spec's own hook and with none; the Node.js port exists for OrderFlowers only.
CASES = [(script, hook) for script in sorted(SCRIPTS) for hook in ("spec", "none")] + [
    pytest.param(script, "node", marks=needs_node) for script in sorted(SCRIPTS) if SCRIPTS[script] == "orderflowers"
]


@pytest.mark.parametrize("target", ["engine", "http"])
@pytest.mark.parametrize(("script", "hook"), CASES)
def test_botium_scripts_pass_with_each_code_hook(target: str, script: str, hook: str, external_dir: Path) -> None:
    for endpoint in opened(target, SCRIPTS[script], HOOKS[hook]):
        assert play_botium(endpoint, script, external_dir) == []


def say(endpoint: LexEndpoint, session: str, *texts: str) -> list[dict[str, Any]]:
    ids = {"botId": endpoint.bot_id, "botAliasId": endpoint.bot_alias_id, "localeId": endpoint.locale_id, "sessionId": session}
    return [endpoint.client.recognize_text(**ids, text=text) for text in texts]


def contents(response: dict[str, Any]) -> list[str]:
    return [m.get("content", "") for m in response.get("messages") or []]


@pytest.mark.parametrize("target", ["engine", "http"])
@pytest.mark.parametrize("hook", ["spec", pytest.param("node", marks=needs_node)])
def test_the_hook_turns_away_what_the_shop_cannot_serve(target: str, hook: str) -> None:
    for endpoint in opened(target, "orderflowers", HOOKS[hook]):
        replies = say(
            endpoint, f"daisies-{hook}", "I would like to order some flowers", "daisies", "roses", "tomorrow", "at 8 am", "at 3 pm", "yes"
        )
        assert contents(replies[1]) == [
            "We do not have daisies, would you like a different type of flower?  Our most popular flowers are roses"
        ]
        assert contents(replies[4]) == ["Our business hours are from ten a m. to five p m. Can you specify a time during this range?"]
        assert contents(replies[6]) == ["Thanks, your order for roses has been placed and will be ready for pickup by 15:00 on 2027-01-16"]
        assert replies[6]["sessionState"]["intent"]["state"] == "Fulfilled"
        assert replies[6]["sessionState"]["sessionAttributes"]["Price"] == "25"


def test_without_a_hook_the_bot_runs_on_lex_prompts_alone() -> None:
    for endpoint in opened("engine", "orderflowers", NONE):
        replies = say(endpoint, "no-hook", "I would like to order some flowers", "daisies")
        assert contents(replies[1]) == ["What day do you want the daisies to be picked up?"]  # nothing checks the flower


def test_booktrip_checks_the_stay_with_its_python_hook() -> None:
    for endpoint in opened("engine", "booktrip", None):
        replies = say(endpoint, "hotel", "Book a 2 night stay in London", "today", "tomorrow", "suite", "king", "yes")
        assert "at least one day in advance" in contents(replies[1])[0]
        assert "queen, king, or deluxe" in contents(replies[3])[0]
        assert contents(replies[5])[0].startswith("Thanks, I have placed your reservation.")


def test_the_examples_own_unit_tests_pass() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(EXAMPLES), "-c", "/dev/null", str(EXAMPLES)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout


def _chat_lex(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args], input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120
    )


@needs_node
def test_console_log_of_a_node_hook_shows_in_converse_explain() -> None:
    bot = str(EXAMPLES / "orderflowers" / "bot")
    done = _chat_lex(
        "converse", bot, "--explain", "--code-hook", "node:node/index.js", stdin="I would like to order some flowers\ndaisies\n"
    )
    assert done.returncode == 0, done.stderr
    assert "code hook: DialogCodeHook -> ElicitSlot" in done.stdout
    assert "    log: re-asking FlowerType: We do not have daisies" in done.stdout


@needs_node
def test_hook_logs_are_in_the_transcript_of_a_failed_scenario(tmp_path: Path) -> None:
    feature = tmp_path / "daisies.feature"
    feature.write_text(
        "Feature: Daisies\n\n  Scenario: The shop sells daisies\n    Given a new conversation\n"
        '    When I say "I would like to order some flowers"\n    And I say "daisies"\n'
        '    Then the bot asks for "PickupDate"\n',
        encoding="utf-8",
    )
    transcripts = tmp_path / "transcripts"
    done = _chat_lex(
        "test",
        str(feature),
        "--bot-dir",
        str(EXAMPLES / "orderflowers" / "bot"),
        "--code-hook",
        "node:node/index.js",
        "--transcripts",
        str(transcripts),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (written,) = transcripts.iterdir()
    text = written.read_text(encoding="utf-8")
    assert "code hook log: DialogCodeHook: re-asking FlowerType: We do not have daisies" in text
