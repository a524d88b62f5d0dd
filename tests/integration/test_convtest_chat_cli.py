"""``chat-lex test --lex-target chat`` end to end: it starts the runtime, runs scenarios over the WebSocket, skips by tag."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

FEATURE = """Feature: Over the chat runtime
  Scenario: Help through the WebSocket
    Given a new conversation
    When I say "help"
    Then the intent is "Help" with confidence at least 0.9
    And the bot says something containing "I can help you with"

  Scenario: The card of the status prompt
    Given a new conversation
    When I say "check my status"
    Then the bot asks for "StatusType"
    And the bot offers the choices "Order", "Account", "Delivery"
    When I choose "Account"
    Then the slot "StatusType" is "account"
    And the dialog action is "Close"

  @local-clock
  Scenario: Tagged: needs the clock
    Given a new conversation
    And the time is "08:00" in "UTC"
    When I say "hello"
    Then the bot says "Good morning! How can I help you today?"

  Scenario: Untagged but needs session attributes
    Given a new conversation
    When I say "where is my order"
    Then the session attribute "lastStatusType" is not set
"""


def test_chat_lex_test_on_the_chat_target(tmp_path: Path) -> None:
    feature = tmp_path / "chat.feature"
    feature.write_text(FEATURE, encoding="utf-8")
    junit = tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_LEX_")}
    result = subprocess.run(
        [sys.executable, "-m", "tools.cli", "test", str(feature), "--lex-target", "chat", "--junit", str(junit), "-v"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # the untagged scenario fails, on purpose
    assert "2 passed, 1 failed, 1 skipped" in output, output
    # The untagged one is not allowed to pass vacuously ("not set" because chat cannot see attributes): it names the tag.
    assert "tag it @session-attributes" in output
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert len(cases) == 4
    assert all("[chat]" in case.get("name", "") for case in cases)
    skipped = [s.get("message", "") for case in cases for s in case.iter("skipped")]
    assert len(skipped) == 1 and "@local-clock scenarios do not run on the chat target" in skipped[0]


def test_an_unknown_target_is_refused_with_the_known_ones_including_chat(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.cli", "test", "--lex-target", "chatt"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown target 'chatt'" in result.stderr and "chat" in result.stderr
    assert "Traceback" not in result.stderr
