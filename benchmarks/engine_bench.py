"""Turn latency of the local Lex V2 engine: p50/p99 per RecognizeText, in process and over HTTP.

Bots: the seed bot (a 3-turn dialogue with its fulfillment) and a 150-intent bot built
from the CLINC150 train split. Targets (in process, p99): seed < 2 ms, 150 intents < 10 ms.
Run: ``.venv/bin/python benchmarks/engine_bench.py [--append-docs]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from benchmarks.docs_section import append_section, short_commit  # noqa: E402
from bot_spec.definition import BotDefinition, BotLocale, Intent, ResponseSpecification, plain  # noqa: E402
from runtime.lex.endpoints import LexHttpServer  # noqa: E402
from runtime.lex.engine import LocalLexRuntime, local_runtime_for  # noqa: E402

CLINC = ROOT / "external" / "datasets" / "clinc150" / "data_full.json"
SEED_DIALOGUE = ("hello", "check my status", "order")
TARGETS_MS = {"seed": 2.0, "clinc150": 10.0}


def clinc_bot() -> tuple[BotDefinition, list[str]]:
    """A 150-intent bot from the CLINC150 train split, and test utterances to send it."""
    data = json.loads(CLINC.read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = {}
    for text, label in data["train"]:
        by_intent.setdefault(label, []).append(text)
    intents = [
        Intent(name=name, sample_utterances=utterances, closing_response=ResponseSpecification([plain(f"({name})")]))
        for name, utterances in sorted(by_intent.items())
    ]
    intents.append(Intent(name="FallbackIntent", parent_intent_signature="AMAZON.FallbackIntent"))
    locale = BotLocale(locale_id="en_US", nlu_intent_confidence_threshold=0.4, intents=intents)
    return BotDefinition(name="Clinc150", locales=[locale]), [text for text, _ in data["test"]]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return p50 * 1000, p99 * 1000


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def seed_turns(client: Any, ids: dict[str, str], sessions: int) -> list[float]:
    samples = []
    for n in range(sessions):
        for text in SEED_DIALOGUE:
            samples.append(timed(lambda t=text, s=f"bench-{n}": client.recognize_text(**ids, sessionId=s, text=t)))  # type: ignore[misc]
    return samples


def clinc_turns(client: Any, ids: dict[str, str], texts: list[str]) -> list[float]:
    return [timed(lambda t=text, n=n: client.recognize_text(**ids, sessionId=f"clinc-{n}", text=t)) for n, text in enumerate(texts)]  # type: ignore[misc]


class Served:
    """The runtime behind uvicorn in a thread, for the HTTP rows: a boto3 client while entered."""

    def __init__(self, runtime: LocalLexRuntime) -> None:
        self.server = LexHttpServer(runtime)

    def __enter__(self) -> Any:
        self.server.start()
        return boto3.client(
            "lexv2-runtime",
            endpoint_url=self.server.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}),
        )

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=300, help="seed dialogues in process (3 turns each)")
    parser.add_argument("--clinc-turns", type=int, default=1000, help="CLINC150 test utterances in process")
    parser.add_argument("--http-turns", type=int, default=200, help="turns per bot over HTTP")
    parser.add_argument("--append-docs", action="store_true", help="append the table to docs/benchmarks.md")
    args = parser.parse_args()

    rows: list[tuple[str, str, int, float, float, str]] = []
    seed_runtime, seed = local_runtime_for(ROOT / "bot_spec" / "chatbot")
    seed_ids = {"botId": seed.bot_id, "botAliasId": seed.alias_id, "localeId": "en_US"}
    seed_turns(seed_runtime, seed_ids, 5)  # warm-up: NLU build, imports
    samples = seed_turns(seed_runtime, seed_ids, args.sessions)
    rows.append(("seed (3-turn dialogue)", "in process", len(samples), *percentiles(samples), f"p99 < {TARGETS_MS['seed']} ms"))

    definition, clinc_texts = clinc_bot()
    clinc_runtime = LocalLexRuntime()
    build_start = time.perf_counter()
    clinc = clinc_runtime.register_bot(definition)
    clinc_ids = {"botId": clinc.bot_id, "botAliasId": clinc.alias_id, "localeId": "en_US"}
    clinc_turns(clinc_runtime, clinc_ids, clinc_texts[:1])
    build_s = time.perf_counter() - build_start
    samples = clinc_turns(clinc_runtime, clinc_ids, clinc_texts[: args.clinc_turns])
    rows.append(("CLINC150 (150 intents)", "in process", len(samples), *percentiles(samples), f"p99 < {TARGETS_MS['clinc150']} ms"))

    with Served(seed_runtime) as client:
        seed_turns(client, seed_ids, 3)
        samples = seed_turns(client, seed_ids, max(1, args.http_turns // 3))
        rows.append(("seed (3-turn dialogue)", "HTTP (boto3 + uvicorn)", len(samples), *percentiles(samples), "-"))
    with Served(clinc_runtime) as client:
        clinc_turns(client, clinc_ids, clinc_texts[:3])
        samples = clinc_turns(client, clinc_ids, clinc_texts[: args.http_turns])
        rows.append(("CLINC150 (150 intents)", "HTTP (boto3 + uvicorn)", len(samples), *percentiles(samples), "-"))

    lines = [
        "| bot | path | turns | p50 ms | p99 ms | target |",
        "|---|---|---:|---:|---:|---|",
        *[f"| {bot} | {path} | {n} | {p50:.3f} | {p99:.3f} | {target} |" for bot, path, n, p50, p99, target in rows],
    ]
    table = "\n".join(lines)
    print(table)
    print(f"\nCLINC150 NLU build (first turn, 15,000 utterances): {build_s:.2f} s")
    if args.append_docs:
        commit = short_commit()
        section = (
            f"\n## Engine\n\nTurn latency per RecognizeText (`benchmarks/engine_bench.py`, commit {commit}, "
            f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}).\n\n{table}\n\n"
            f"CLINC150 NLU build (first turn, 15,000 utterances): {build_s:.2f} s.\n"
        )
        append_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
