"""One dialogue turn with the OrderFlowers code hook: in process (Python) against worker processes.

Each turn of the timed dialogue calls the hook once or twice (DialogCodeHook, then
FulfillmentCodeHook on the last turn). Kinds: ``python`` in process, ``python isolate``
(a Python worker process), ``node`` (the Node.js port through the packaged bootstrap), and
``none`` (no hook) as the floor. Prints p50/p99 per turn and per hook call.
Run: ``.venv/bin/python benchmarks/codehook_bench.py [--rounds N] [--append-docs]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.docs_section import append_section, short_commit  # noqa: E402
from bot_spec.code_hook import CodeHookSpec, parse_cli  # noqa: E402
from runtime.lex.clock import ManualClock  # noqa: E402
from runtime.lex.endpoints import DEFAULT_START  # noqa: E402
from runtime.lex.engine import local_runtime_for  # noqa: E402

BOT = ROOT / "examples" / "orderflowers" / "bot"
DIALOGUE = ("I would like to order some flowers", "roses", "tomorrow", "at 3 pm", "yes")
HOOK_CALLS_PER_DIALOGUE = 6  # a DialogCodeHook per turn, and the FulfillmentCodeHook


def kinds() -> dict[str, CodeHookSpec]:
    found = {
        "none": parse_cli("none"),
        "python (in process)": parse_cli("python:orderflowers_hooks:code_hook"),
        "python (isolate: worker)": CodeHookSpec("python", "orderflowers_hooks:code_hook", isolate=True),
    }
    if shutil.which("node"):
        found["node (worker)"] = parse_cli("node:node/index.js")
    return found


def run(spec: CodeHookSpec, rounds: int) -> list[float]:
    """Seconds per turn over ``rounds`` dialogues (after one warm-up dialogue)."""
    runtime, deployment = local_runtime_for(BOT, clock=ManualClock(DEFAULT_START), code_hook=spec)
    ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "en_US"}
    samples: list[float] = []
    try:
        for n in range(rounds + 1):
            for text in DIALOGUE:
                start = time.perf_counter()
                runtime.recognize_text(**ids, sessionId=f"bench-{n}", text=text)
                if n:  # the first dialogue starts the worker and warms caches
                    samples.append(time.perf_counter() - start)
    finally:
        runtime.close()
    return samples


def table(results: dict[str, list[float]]) -> str:
    floor = statistics.median(results["none"])
    lines = ["| code hook | turn p50 ms | turn p99 ms | per hook call (p50 over none) ms |", "|---|---|---|---|"]
    for name, samples in results.items():
        ordered = sorted(samples)
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        per_call = (p50 - floor) * len(DIALOGUE) / HOOK_CALLS_PER_DIALOGUE
        lines.append(f"| {name} | {p50 * 1000:.2f} | {p99 * 1000:.2f} | {'-' if name == 'none' else f'{per_call * 1000:.2f}'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="dialogues per kind (5 turns each)")
    parser.add_argument("--append-docs", action="store_true", help="append the table to docs/benchmarks.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("FLOWERS_TODAY", "2027-01-15")
    sys.path.insert(0, str(BOT.parent))
    results = {name: run(spec, args.rounds) for name, spec in kinds().items()}
    out = table(results)
    print(out)
    if args.append_docs:
        section = (
            f"\n## Code hooks: one turn, in process against worker processes (at {short_commit()})\n\n"
            f"OrderFlowers example, {args.rounds} five-turn dialogues per kind, `benchmarks/codehook_bench.py`.\n\n{out}\n"
        )
        print(f"appended to {append_section(section)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
