"""The seed's conversation features over the chat target, with the runtime serving its socket through the serverless
Lambda handlers behind the local API Gateway (`chat-lex serve --transport apigw`): the same scripts, the same verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conversation_tests.targets_chat import URL_ENV, RuntimeSubprocess
from tests.conftest import SEED_BOT_DIR

PROJECT = Path(__file__).resolve().parents[2]
FEATURES = PROJECT / "conversation_tests" / "features"


def test_the_seed_features_pass_through_the_serverless_handlers(tmp_path: Path) -> None:
    runtime = RuntimeSubprocess(SEED_BOT_DIR, ["--transport", "apigw"])
    try:
        junit = tmp_path / "junit.xml"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_LEX_")}
        features = [str(FEATURES / name) for name in ("help.feature", "greeting.feature", "fallback.feature")]
        result = subprocess.run(
            [sys.executable, "-m", "tools.cli", "test", *features, "--lex-target", "chat", "--junit", str(junit)],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(PROJECT), URL_ENV: runtime.base_url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        suites = ET.parse(junit).getroot()
        cases = suites.findall(".//testcase")
        ran = [c for c in cases if c.find("skipped") is None]
        assert len(ran) >= 3 and not [c for c in cases if c.find("failure") is not None or c.find("error") is not None], output
        assert "API Gateway (local)" in runtime.log_tail()
    finally:
        runtime.close()
