"""``chat-lex evaluate`` end to end: reports written, baseline deltas, --fail-under, cross-validation, target comparison."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot_spec.formats.yaml_spec import load_spec
from runtime.lex import endpoints as lex_endpoints
from runtime.lex.endpoints import EndpointOptions, LexEndpoint, open_engine
from tools.cli import main

DATA = """\
- {text: hello there, intent: Greeting}
- {text: good evening, intent: Greeting}
- {text: what can you do for me, intent: Help}
- {text: where is my parcel, intent: Status, slots: {StatusType: delivery}}
- {text: check my account status, intent: Status, slots: {StatusType: account}}
- {text: purple elephants dance quietly, intent: FallbackIntent}
- {text: i need help, intent: Status}
"""


def seed_utterance_count() -> int:
    """How many sample utterances the seed bot's intents have (authors add some now and then)."""
    locale = load_spec(Path(__file__).resolve().parents[2] / "bot_spec" / "chatbot").locales[0]
    count = sum(len(intent.sample_utterances) for intent in locale.intents)
    assert count >= 3 * 12  # at least 12 for each non-fallback intent (issue #2)
    return count


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.yaml"
    path.write_text(DATA, encoding="utf-8")
    return path


def test_reports_are_written_and_the_terminal_shows_the_metrics(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report, html = tmp_path / "out" / "report.json", tmp_path / "out" / "report.html"
    assert main(["evaluate", "--data", str(data), "--report", str(report), "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert "macro avg" in out and "confusion matrix" in out
    assert "'i need help': expected Status, got Help" in out  # the deliberately mislabelled line
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["utterances"] == 7 and result["target"] == "engine"
    # Status: 2 of 3 expected found, both Status predictions right -> P = 1, R = 2/3, F1 = 0.8
    assert result["intents"]["Status"]["f1"] == pytest.approx(0.8, abs=1e-6)
    # Help: predicted twice (one right), expected once -> P = 1/2, R = 1, F1 = 2/3
    assert result["intents"]["Help"]["f1"] == pytest.approx(2 / 3, abs=1e-6)
    assert result["slots"] == {
        "accuracy": 1.0,
        "correct": 2,
        "total": 2,
        "per_slot": {"StatusType": {"accuracy": 1.0, "correct": 2, "total": 2}},
    }
    assert "<h2>Confusion matrix</h2>" in html.read_text(encoding="utf-8")


def test_baseline_deltas_and_fail_under(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps({"summary": {"macro": {"f1": 0.95}}, "intents": {"Help": {"f1": 1.0}, "Status": {"f1": 0.5}}}))
    assert main(["evaluate", "--data", str(data), "--baseline", str(baseline)]) == 0
    out = capsys.readouterr().out
    help_line = next(line for line in out.splitlines() if line.strip().startswith("Help") and "->" in line)
    assert "1.000 -> 0.667" in help_line and "-0.333" in help_line
    assert "new" in next(line for line in out.splitlines() if line.strip().startswith("Greeting") and "->" in line)
    assert main(["evaluate", "--data", str(data), "--fail-under", "0.99"]) == 1
    assert "is below --fail-under 0.990" in capsys.readouterr().err
    assert main(["evaluate", "--data", str(data), "--fail-under", "0.5"]) == 0


def test_cross_validation_of_the_seed_bot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "cv.json"
    assert main(["evaluate", "--cross-validate", "3", "--report", str(report)]) == 0
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["utterances"] == seed_utterance_count()  # every sample utterance of Greeting, Help and Status, once
    assert result["summary"]["micro"]["f1"] > 0.5
    assert "3-fold cross-validation" in capsys.readouterr().out


def test_engine_and_http_agree(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--data", str(data), "--compare-targets", "engine,http"]) == 0
    out = capsys.readouterr().out
    assert "compared 7 utterances on engine, http" in out and "the targets agree on every utterance" in out
    assert main(["evaluate", "--compare-targets", "engine,http"]) == 0  # without --data: the spec's own utterances
    assert f"compared {seed_utterance_count()} utterances on engine, http" in capsys.readouterr().out


def test_a_disagreement_between_targets_is_listed(
    tmp_path: Path, data: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A second real engine serving a variant of the bot that no longer knows Help: any target pair goes through the same code.
    variant = tmp_path / "variant"
    shutil.copytree(seed_bot_dir, variant)
    (variant / "intents" / "Help.yaml").unlink()

    def open_variant(options: EndpointOptions) -> LexEndpoint:
        return open_engine(EndpointOptions(bot_dir=variant, locale_id=options.locale_id))

    monkeypatch.setitem(lex_endpoints.ENDPOINT_OPENERS, "variant", open_variant)
    report = tmp_path / "compare.json"
    assert main(["evaluate", "--data", str(data), "--compare-targets", "engine,variant", "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "the targets disagree on" in out
    assert "'what can you do for me' (expected Help) -> engine: Help; variant:" in out
    result = json.loads(report.read_text(encoding="utf-8"))
    texts = {d["text"] for d in result["disagreements"]}
    assert {"what can you do for me", "i need help"} <= texts and "hello there" not in texts


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--data", "missing.yaml"], "no such file", 1),
        (["--data", "bad.csv"], "bad.csv:1: the header must name the columns", 1),
        (["--data", "data.yaml", "--lex-target", "carrier-pigeon"], "unknown target 'carrier-pigeon'", 2),
        (["--data", "data.yaml", "--bot-dir", "nowhere"], "bot folder nowhere does not exist", 2),
        (["--data", "data.yaml", "--fail-under", "1.5"], "between 0 and 1", 2),
        (["--data", "data.yaml", "--compare-targets", "engine"], "two or more different targets", 2),
        (["--data", "data.yaml", "--baseline", "data.yaml"], "not valid JSON", 1),
        (["--cross-validate", "1"], "2 to 50 folds", 2),
        (["--cross-validate", "3", "--lex-target", "http"], "engine target only", 2),
        ([], "give --data FILE", 2),
        (["--data", "data.yaml", "--lex-target", "aws"], "needs --bot-id and --bot-alias-id", 2),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path,
    data: Path,
    args: list[str],
    message: str,
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad.csv").write_text("utterance,label\nhi,Greeting\n")
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", *args]) == code
    assert message in capsys.readouterr().err


def test_aws_without_credentials_is_a_clear_error(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    argv = ["evaluate", "--data", str(data), "--lex-target", "aws", "--bot-id", "ABCDEFGHIJ", "--bot-alias-id", "TSTALIASID"]
    assert main(argv) == 2
    assert "found no AWS credentials" in capsys.readouterr().err
