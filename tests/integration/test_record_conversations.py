"""Tests written from real conversations: ``converse --record`` and ``export-conversation --as gherkin`` replay green."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from runtime.chat.bot_participant import BotParticipant, BotTarget
from runtime.chat.channels import MemoryChannel
from runtime.chat.fanout import Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.service import ChatService, Sender
from runtime.lex.engine import local_runtime_for
from runtime.store import open_store
from runtime.store.base import Store
from runtime.store.dynamodb_store import DynamoDbStore
from tools.cli import main

PROJECT = Path(__file__).resolve().parents[2]
SEED = PROJECT / "bot_spec" / "chatbot"
ANA = Sender("ana", 'Ana "the tester"')
ORDER_REPLY = "Your last order #12345 is being processed and will be shipped soon."


def chat_lex(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def changed_bot(tmp_path: Path) -> Path:
    """A copy of the seed bot whose order reply differs."""
    bot = tmp_path / "changed-bot"
    shutil.copytree(SEED, bot)
    status = bot / "intents" / "Status.yaml"
    status.write_text(status.read_text(encoding="utf-8").replace("is being processed and will be shipped soon", "has shipped"), "utf-8")
    return bot


def replays(feature: Path, tmp_path: Path, bot: Path = SEED) -> subprocess.CompletedProcess[str]:
    return chat_lex("test", str(feature), "--lex-target", "engine", "--bot-dir", str(bot), cwd=tmp_path)


def test_a_recorded_converse_session_replays_green_and_fails_readably_when_a_reply_changes(tmp_path: Path) -> None:
    feature = tmp_path / "recorded.feature"
    said = 'check my status\norder\nhello\nwhat can you do\nsay "hi"\n\nzxqv blorp\n'
    run = chat_lex("converse", "--record", str(feature), stdin=said, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = feature.read_text(encoding="utf-8")
    assert 'When I say "check my status"' in text and 'And the bot asks for "StatusType"' in text
    assert 'And the bot offers the choices "Order", "Account", "Delivery"' in text
    assert f'And the bot says "{ORDER_REPLY}"' in text and 'And the slot "StatusType" is "order"' in text
    assert 'When I say "say "hi""' in text
    green = replays(feature, tmp_path)
    assert green.returncode == 0, green.stdout + green.stderr
    assert "1 passed, 0 failed" in green.stdout
    red = replays(feature, tmp_path, changed_bot(tmp_path))
    assert red.returncode == 1
    assert "the bot did not say that" in red.stdout
    assert f"Expected: '{ORDER_REPLY}'" in red.stdout
    assert "Actual:   'Your last order #12345 has shipped.'" in red.stdout


def test_record_refuses_to_overwrite_and_writes_nothing_for_silence(tmp_path: Path) -> None:
    existing = tmp_path / "mine.feature"
    existing.write_text("precious", encoding="utf-8")
    run = chat_lex("converse", "--record", str(existing), stdin="hello\n", cwd=tmp_path)
    assert run.returncode == 2 and "exists" in run.stderr
    assert existing.read_text(encoding="utf-8") == "precious"
    silent = tmp_path / "silent.feature"
    run = chat_lex("converse", "--record", str(silent), stdin="\n   \n", cwd=tmp_path)
    assert run.returncode == 1 and "nothing was said" in run.stderr
    assert not silent.exists()
    run = chat_lex("converse", "--record", str(tmp_path / "x.txt"), stdin="hello\n", cwd=tmp_path)
    assert run.returncode == 2 and ".feature" in run.stderr


async def converse_in_chat(store: Store, lines: list[str]) -> str:
    """Talk to the seed bot through the chat service (the local engine as Lex); returns the conversation id."""
    runtime, deployment = local_runtime_for(SEED)
    metrics = ChatMetrics()
    fanout = Fanout(MemoryChannel(), metrics)
    await fanout.start()
    participant = BotParticipant(runtime, BotTarget(deployment.bot_id, deployment.alias_id, "en_US"))
    service = ChatService(store, fanout, participant, metrics, LocalTokenBucket(1000), max_message_chars=500)
    try:
        private = await store.ensure_private_conversation(ANA.user_id, ANA.display_name)
        replies: list[Any] = []
        for n, line in enumerate(lines):
            await service.send_message(ANA, private.conversation_id, line, f"c{n}", reply=replies.append, time_zone=None)
            await service.idle()
        return private.conversation_id
    finally:
        await service.close()


CHAT_LINES = ["where is my parcel", "hello", "status", "account"]


def test_a_conversation_stored_in_sqlite_exports_as_a_passing_scenario(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'chat.db'}"

    async def run() -> str:
        store = open_store(url)
        try:
            return await converse_in_chat(store, CHAT_LINES)
        finally:
            await store.close()

    conversation_id = asyncio.run(run())
    feature = tmp_path / "exported.feature"
    out = chat_lex("export-conversation", conversation_id, "--as", "gherkin", "--store", url, "-o", str(feature), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = feature.read_text(encoding="utf-8")
    assert 'And the session attribute "customer" is "Ana "the tester""' in text
    assert 'Then the intent is "Status"' in text and 'And the slot "StatusType" is "delivery"' in text
    assert 'And the bot says "Good ' in text  # the greeting, by name, for the stored time of day
    green = replays(feature, tmp_path)
    assert green.returncode == 0, green.stdout + green.stderr
    red = chat_lex("test", str(feature), "--lex-target", "engine", "--bot-dir", str(changed_bot(tmp_path)), cwd=tmp_path)
    assert red.returncode == 0  # no order in this dialogue: the changed order reply does not matter
    again = chat_lex("export-conversation", conversation_id, "--store", url, "-o", str(feature), cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    unknown = chat_lex("export-conversation", "private-nobody", "--store", url, cwd=tmp_path)
    assert unknown.returncode == 1 and "no stored messages" in unknown.stderr
    bad_id = chat_lex("export-conversation", "x" * 5000, "--store", url, cwd=tmp_path)
    assert bad_id.returncode == 1 and "error:" in bad_id.stderr and "Traceback" not in bad_id.stderr


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def test_a_conversation_stored_in_dynamodb_exports_too(aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def run() -> str:
        store = DynamoDbStore(table_prefix="export-")
        store.create_tables()
        try:
            return await converse_in_chat(store, ["check my status", "order"])
        finally:
            await store.close()

    conversation_id = asyncio.run(run())
    feature = tmp_path / "exported.feature"
    code = main(["export-conversation", conversation_id, "--store", "dynamodb", "--table-prefix", "export-", "-o", str(feature)])
    assert code == 0, capsys.readouterr().err
    text = feature.read_text(encoding="utf-8")
    assert 'And the bot asks for "StatusType"' in text and f'And the bot says "{ORDER_REPLY}"' in text
    green = replays(feature, tmp_path)
    assert green.returncode == 0, green.stdout + green.stderr
    red = replays(feature, tmp_path, changed_bot(tmp_path))
    assert red.returncode == 1 and f"Expected: '{ORDER_REPLY}'" in red.stdout
