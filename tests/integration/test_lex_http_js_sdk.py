"""``chat-lex lex-serve`` answering the AWS SDK for JavaScript v3 in its default (HTTP/2) configuration.

The SDK's NodeHttp2Handler opens cleartext HTTP/2 with prior knowledge; before the façade
spoke h2c every call failed with "Protocol error". The script is tests/node/lex_sdk_v3.mjs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from runtime.lex.endpoints import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "node" / "lex_sdk_v3.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed (CI requires it)")


def _serve(bot_dir: Path, port: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "lex-serve", str(bot_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert server.stdout is not None
    fields = dict(part.split("=", 1) for part in server.stdout.readline().split())
    lex = boto3.client(
        "lexv2-runtime",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    deadline = time.monotonic() + 30
    while True:  # boto3 (HTTP/1.1) until the server answers
        try:
            lex.recognize_text(**fields, sessionId="warm-up", text="help")
            return server, fields
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise
            time.sleep(0.1)


def test_js_sdk_v3_default_handler_runs_every_operation(seed_bot_dir: Path) -> None:
    if NODE is None:
        pytest.fail("CI is set but node is not installed", pytrace=False)
    if not (ROOT / "node_modules" / "@aws-sdk" / "client-lex-runtime-v2").is_dir():
        pytest.fail("node_modules/@aws-sdk/client-lex-runtime-v2 is missing: run `make node-deps` (npm ci)", pytrace=False)
    port = free_port()
    server, fields = _serve(seed_bot_dir, port)
    try:
        done = subprocess.run(
            [NODE, str(SCRIPT), f"http://127.0.0.1:{port}", fields["botId"], "js-sdk-1"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "error" not in out, out
    assert out["handler"] == "NodeHttp2Handler"  # the SDK's default, not a handler the test chose
    assert out["recognizeText"] == {
        "messages": ["What type of status would you like to check?", "Choose a status type"],
        "dialogAction": {"type": "ElicitSlot", "slotToElicit": "StatusType"},
        "intent": "Status",
        "requestAttributes": {"a": "b"},
    }
    utterance = out["recognizeUtterance"]
    assert utterance["contentType"] == "text/plain; charset=utf-8" and utterance["inputMode"] == "Text"
    assert utterance["inputTranscript"] == "order" and utterance["audioBytes"] == 0
    assert utterance["slots"]["StatusType"]["value"]["interpretedValue"] == "order"
    assert utterance["messages"], utterance
    assert out["putSession"]["contentType"] == "text/plain; charset=utf-8"
    assert out["putSession"]["sessionState"]["sessionAttributes"] == {"k": "v"}
    assert out["getSession"] == {"sessionId": "js-sdk-1", "sessionAttributes": {"k": "v"}}
    assert out["deleteSession"] == {"sessionId": "js-sdk-1", "botId": fields["botId"]}
    assert out["afterDelete"] == "ResourceNotFoundException"
    assert out["audio"]["name"] == "ValidationException" and "no speech recognition" in out["audio"]["message"]
