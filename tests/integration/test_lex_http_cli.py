"""``chat-lex converse`` with a dialogue piped through stdin, and ``chat-lex lex-serve`` answering boto3."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from runtime.lex.endpoints import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _chat_lex(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


def test_converse_plays_a_piped_dialogue_with_explanations(seed_bot_dir: Path) -> None:
    done = _chat_lex("converse", str(seed_bot_dir), "--explain", "--session-id", "cli-1", stdin="check my status\norder\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "you> check my status" in out
    assert "bot> What type of status would you like to check?" in out
    assert "bot> [card] Choose a status type" in out
    assert "[Order] -> order" in out  # card buttons shown
    assert "dialogAction: ElicitSlot slotToElicit=StatusType" in out
    assert "intent: Status" in out and "confidence: 1.00" in out
    assert "Your last order #12345 is being processed" in out  # the seed fulfillment answered
    assert "slots: StatusType=order" in out
    assert "interpretations: Status 1.00" in out


def test_converse_reports_bad_input_and_carries_on(seed_bot_dir: Path) -> None:
    done = _chat_lex("converse", str(seed_bot_dir), stdin="x" * 2000 + "\nhelp\n")
    assert done.returncode == 0
    assert "ValidationException" in done.stderr and "Traceback" not in done.stderr
    assert "bot> " in done.stdout  # the next line was still answered


@pytest.mark.parametrize(
    ("args", "problem"),
    [(["converse", "/no/such/bot"], "not a folder"), (["converse", "--locale", "xx_XX"], "locale xx_XX")],
)
def test_converse_usage_errors_are_clear(args: list[str], problem: str) -> None:
    done = _chat_lex(*args)
    assert done.returncode == 2
    assert problem in done.stderr and "Traceback" not in done.stderr


def test_lex_serve_prints_its_ids_and_answers_boto3(seed_bot_dir: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "lex-serve", str(seed_bot_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().strip()
        fields = dict(part.split("=", 1) for part in line.split())
        assert set(fields) == {"botId", "botAliasId", "localeId"}
        assert fields["botAliasId"] == "TSTALIASID" and fields["localeId"] == "en_US" and len(fields["botId"]) == 10
        lex = boto3.client(
            "lexv2-runtime",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = lex.recognize_text(**fields, sessionId="serve-1", text="help")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert answer["sessionState"]["intent"]["name"] == "Help"
        assert answer["messages"][0]["content"].startswith("I can help you with")
        with pytest.raises(lex.exceptions.ResourceNotFoundException):
            lex.recognize_text(**{**fields, "botId": "ZZZZZZZZZZ"}, sessionId="serve-1", text="help")
    finally:
        server.terminate()
        server.wait(10)


def test_lex_serve_on_a_busy_port_fails_clearly(seed_bot_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = _chat_lex("lex-serve", str(seed_bot_dir), "--port", str(busy.getsockname()[1]))
    assert done.returncode == 3
    assert "is the port in use?" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.startswith("botId=")


@pytest.mark.parametrize(
    ("args", "code", "problem"),
    [
        (["converse", "--code-hook", "ruby:hook.rb"], 2, "--code-hook"),
        (["lex-serve", "--code-hook", "node:missing/index.js"], 2, "no file"),
        (["evaluate", "--cross-validate", "2", "--code-hook", "python:not valid"], 2, "python code hook"),
        (["test", "--code-hook", "lambda:"], 2, "lambda code hook"),
    ],
)
def test_every_bot_running_command_checks_its_code_hook(args: list[str], code: int, problem: str) -> None:
    done = _chat_lex(*args)
    assert done.returncode == code, done.stdout + done.stderr
    assert problem in done.stderr and "Traceback" not in done.stderr
