"""Few-shot NLU through the public path: CloudFormation template -> ``chat-lex import`` -> ``chat-lex lex-serve`` -> boto3.

One draw of a small bot (``--shots`` utterances per intent of CLINC150 or BANKING77, ``--seed``) is written
as a CloudFormation template, imported with the CLI, served by ``chat-lex lex-serve`` in its own process
and asked every test utterance with boto3's ``recognize_text`` (issue 17's measurement). The same imported
spec is also scored in process with ``NluModel``, as ``nlu_bench.py --few-shot`` does, and the two are
compared utterance by utterance. The served engine reads the word knowledge learned from the *other* corpus
(``CHAT_LEX_WORD_KNOWLEDGE``), so no corpus informs its own score.

Run: .venv/bin/python benchmarks/nlu_public_path.py [--corpus clinc150|banking77] [--shots 10] [--seed 0] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import EndpointConnectionError  # noqa: E402

from benchmarks.nlu_bench import DATA, NOW, _intent_name, draw, locale_from  # noqa: E402
from bot_spec.definition import BotDefinition  # noqa: E402
from bot_spec.formats.cloudformation import dump_template, to_template  # noqa: E402
from bot_spec.formats.yaml_spec import load_spec  # noqa: E402
from runtime.lex.nlu import NluModel  # noqa: E402
from runtime.lex.word_knowledge import KNOWLEDGE_ENV  # noqa: E402
from tools.word_knowledge_build import corpus_pairs, learn  # noqa: E402

CLI = [sys.executable, "-m", "tools.cli"]
FALLBACK = "FallbackIntent"


def test_set(corpus: str, quick: bool) -> list[tuple[str, str]]:
    """(text, expected intent name) pairs; out-of-scope text expects FallbackIntent. Quick: CLINC150 val subset."""
    if corpus == "clinc150":
        data = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
        inside = data["val"][::3] if quick else data["test"]
        outside = data["oos_val"] if quick else data["oos_test"]
        return [(t, _intent_name(label)) for t, label in inside] + [(t, FALLBACK) for t, _ in outside]
    pairs = corpus_pairs("banking77", "test")
    return [(t, _intent_name(label)) for t, label in (pairs[::3] if quick else pairs)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def import_bot(corpus: str, shots: int, seed: int, work: Path) -> Path:
    """The drawn bot as a CloudFormation template, imported by the CLI into ``work/bot``."""
    locale = locale_from(draw(corpus_pairs(corpus, "train"), shots, seed), 0.40)
    template = work / "bot.cfn.yaml"
    name = f"{corpus.capitalize()}{shots}Shot"
    template.write_text(dump_template(to_template(BotDefinition(name=name, locales=[locale]), include_role=False)), encoding="utf-8")
    done = subprocess.run([*CLI, "import", str(template), "-o", str(work / "bot")], cwd=ROOT, capture_output=True, text=True, check=False)
    # The corpora repeat a few utterances up to punctuation, which the lint reports as errors (exit 1);
    # the spec is written all the same and the engine serves it.
    if not (work / "bot" / "bot.yaml").is_file():
        raise SystemExit(f"chat-lex import failed ({done.returncode}): {done.stderr or done.stdout}")
    return work / "bot"


def served_answers(bot: Path, table_path: Path, items: list[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """Per utterance, through lex-serve and boto3: the session's intent, the best scored intent and its score."""
    port = free_port()
    env = {**os.environ, KNOWLEDGE_ENV: str(table_path)}
    log = (bot.parent / "lex-serve.log").open("w", encoding="utf-8")  # one JSON line per request: kept out of the table
    command = [*CLI, "lex-serve", str(bot), "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert server.stdout is not None
        ids = dict(part.split("=", 1) for part in server.stdout.readline().split())
        client: Any = boto3.client(  # untyped on purpose: the ids are passed as keyword arguments
            "lexv2-runtime",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"max_attempts": 0}, read_timeout=120),
        )
        deadline = time.monotonic() + 30
        while True:  # the first turn builds the NLU; wait for the server to listen
            try:
                client.recognize_text(**ids, sessionId="warm-up", text="hello")
                break
            except EndpointConnectionError:  # until uvicorn listens
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        out = []
        for n, (text, _) in enumerate(items):
            reply: dict[str, Any] = client.recognize_text(**ids, sessionId=f"s{n}", text=text)
            scored = [i for i in reply.get("interpretations", []) if "nluConfidence" in i]
            best: dict[str, Any] = scored[0] if scored else {"intent": {"name": FALLBACK}, "nluConfidence": {"score": 0.0}}
            out.append((reply["sessionState"]["intent"]["name"], best["intent"]["name"], float(best["nluConfidence"]["score"])))
        return out
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def in_process_answers(bot: Path, table_path: Path, items: list[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """The same, from ``NluModel`` in this process (what ``nlu_bench.py --few-shot`` measures)."""
    from runtime.lex.word_knowledge import WordKnowledge

    locale = load_spec(bot).locale("en_US")
    assert locale is not None
    model = NluModel.build(locale, knowledge=WordKnowledge.from_json(table_path.read_text(encoding="utf-8")))
    out = []
    for text, _ in items:
        result = model.interpret(text, now=NOW)
        best = next((i for i in result.interpretations if i.score is not None), None)
        out.append((result.top().intent_name, best.intent_name if best else FALLBACK, best.score or 0.0 if best else 0.0))
    return out


def figures(items: list[tuple[str, str]], answers: list[tuple[str, str, float]]) -> dict[str, float]:
    inside = [(want, a) for (_, want), a in zip(items, answers, strict=True) if want != FALLBACK]
    outside = [a for (_, want), a in zip(items, answers, strict=True) if want == FALLBACK]
    out = {
        "raw": 100 * sum(a[1] == want for want, a in inside) / len(inside),
        "at_threshold": 100 * sum(a[0] == want for want, a in inside) / len(inside),
    }
    if outside:
        out["oos_recall"] = 100 * sum(a[0] == FALLBACK for a in outside) / len(outside)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", choices=("clinc150", "banking77"), default="clinc150")
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="CLINC150: every third val utterance and oos_val; BANKING77: a third of test")
    args = parser.parse_args()
    if not 1 <= args.shots <= 1000:
        parser.error("--shots takes 1 to 1000")
    other = "banking77" if args.corpus == "clinc150" else "clinc150"
    items = test_set(args.corpus, args.quick)
    with tempfile.TemporaryDirectory(prefix="nlu-public-") as folder:
        work = Path(folder)
        table_path = work / f"knowledge-{other}.json"
        table_path.write_text(learn([other]).to_json(), encoding="utf-8")
        bot = import_bot(args.corpus, args.shots, args.seed, work)
        served = served_answers(bot, table_path, items)
        local = in_process_answers(bot, table_path, items)
    differ = sum(a != b for a, b in zip(served, local, strict=True))
    print(f"{args.corpus}, {args.shots} per intent, draw {args.seed}, {len(items)} utterances, knowledge from {other} only")
    print("| path | raw top-1 % | in-scope at 0.40 % | OOS recall at 0.40 % |")
    print("|---|---|---|---|")
    for name, answers in (("import + lex-serve + boto3", served), ("NluModel in process", local)):
        f = figures(items, answers)
        oos = f"{f['oos_recall']:.1f}" if "oos_recall" in f else "-"
        print(f"| {name} | {f['raw']:.1f} | {f['at_threshold']:.1f} | {oos} |")
    print(f"utterances whose answer differs between the two: {differ}")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
