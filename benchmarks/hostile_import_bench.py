"""Hostile-import benchmark: time and peak memory of ``chat-lex import`` on 5 MB templates built to hurt.

Run ``.venv/bin/python benchmarks/hostile_import_bench.py``; each input is imported by the
real CLI in a child process, so the child's peak RSS (``getrusage``) is the import's own.
Every input must be refused; the table gives seconds and MB per input. The worst figure
belongs in docs/security.md.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The child reports its own peak RSS on its last stdout line, after the import has run.
# VmHWM belongs to the process's memory map, which exec replaces; ru_maxrss would also
# count the pages of the (possibly large) parent the child was forked from.
_CHILD = (
    "import re, resource, sys\n"
    "from tools.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "try:\n"
    "    peak = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
    "except (OSError, AttributeError):\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "print(f'PEAK_KB {peak}')\n"
    "sys.exit(code)\n"
)


TARGET_BYTES = 5 * 1024 * 1024 - 4096  # just under the import's 5 MB file cap

_HEAD = (
    "Resources:\n  Bot:\n    Type: AWS::Lex::Bot\n    Properties:\n      Name: Hostile\n"
    "      RoleArn: arn:aws:iam::123456789012:role/x\n      DataPrivacy: {ChildDirected: false}\n"
    "      IdleSessionTTLInSeconds: 300\n      BotLocales:\n        - LocaleId: en_US\n"
    "          NluConfidenceThreshold: 0.4\n          Intents:\n            - Name: Big\n              SampleUtterances: "
)


def flat_yaml() -> str:
    """A flow list of short utterances filling 5 MB: about 1.7 million values."""
    items = (TARGET_BYTES - len(_HEAD)) // 3
    return _HEAD + "[" + ",".join("u" + str(i % 10) for i in range(items - 1)) + "]\n"


def utterance_yaml() -> str:
    """340,000 well-formed ``{Utterance: u}`` items, each a mapping (the shape a real template holds)."""
    return _HEAD + "[" + ",".join("{Utterance: u}" for _ in range(340_000)) + "]\n"


def deep_yaml() -> str:
    """2,800 lists each nested 900 levels (under libyaml's own 1,000 cap): 5 MB of brackets."""
    return _HEAD + "[" + ",".join(["[" * 900 + "]" * 900] * 2_800) + "]\n"


def flat_json() -> str:
    """The same flat list as JSON: about 1.2 million values."""
    items = (TARGET_BYTES - 300) // 4
    doc = {
        "Resources": {
            "Bot": {
                "Type": "AWS::Lex::Bot",
                "Properties": {
                    "Name": "H",
                    "BotLocales": [{"LocaleId": "en_US", "Intents": [{"Name": "Big", "SampleUtterances": ["u"] * items}]}],
                },
            }
        }
    }
    return json.dumps(doc, separators=(",", ":"))


def lexjson_zip(intents: int = 5, distinct: bool = False) -> bytes:
    """A LexJson export whose intents each sit just under the per-file cap (500,000 values); five pass the whole-bot cap."""
    from bot_spec.formats import lexjson
    from bot_spec.formats.yaml_spec import load_spec

    files = lexjson.to_files(load_spec(PROJECT_ROOT / "bot_spec" / "chatbot"))
    template = json.loads(files[next(k for k in files if k.endswith("/Help/Intent.json"))])
    for n in range(intents):
        utterances = [{"utterance": f"x {i}" if distinct else "x"} for i in range(249_000)]
        doc = dict(template, name=f"Filler{n}", identifier=f"FILLER{n:04d}", sampleUtterances=utterances)
        files[f"ChatBot/BotLocales/en_US/Intents/Filler{n}/Intent.json"] = json.dumps(doc).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


INPUTS: dict[str, tuple[str, Callable[[], str | bytes]]] = {
    "flat YAML list (1.7 M values)": ("flat.yaml", flat_yaml),
    "340,000 utterance mappings (YAML)": ("utterances.yaml", utterance_yaml),
    "nested 900 levels (YAML)": ("deep.yaml", deep_yaml),
    "flat JSON list (1.3 M values)": ("flat.json", flat_json),
    "LexJson zip, 5 intents of 249,000 utterances": ("bot.zip", lexjson_zip),
    "largest accepted: LexJson zip, 3 intents of 249,000 distinct utterances": ("largest.zip", lambda: lexjson_zip(3, distinct=True)),
}
# Inputs inside every cap: imported (written, then lint reports Lex's quotas), measured as the worst accepted case.
ACCEPTED = {"largest.zip"}


def measure(source: Path, out: Path) -> tuple[int, float, float, str]:
    """Run ``chat-lex import source -o out`` in a child: exit code, seconds, its peak RSS in MB, its error line."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "import", str(source), "-o", str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    peak_kb = next((int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("PEAK_KB ")), 0)
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    return done.returncode, seconds, peak_kb / 1024, errors[-1] if errors else done.stderr.strip()[-200:]


def make_inputs(folder: Path) -> None:
    """Write every hostile input into ``folder`` (run in a child, so this process stays small)."""
    for name, build in INPUTS.values():
        data = build()
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def main() -> int:
    """Print one row per input; exit 1 if a hostile one was imported or the largest valid one was not."""
    if len(sys.argv) == 3 and sys.argv[1] == "--make":
        make_inputs(Path(sys.argv[2]))
        return 0
    accepted = False
    print("| input | bytes | exit | seconds | peak RSS (MB) | refusal |")
    print("|---|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        # A forked child starts with its parent's pages counted in its RSS; building the
        # inputs in another process keeps that baseline at a bare interpreter.
        subprocess.run([sys.executable, __file__, "--make", tmp], check=True)
        for label, (name, _) in INPUTS.items():
            source = Path(tmp) / name
            code, seconds, peak, line = measure(source, Path(tmp) / f"out-{name}")
            written = (Path(tmp) / f"out-{name}" / "bot.yaml").is_file()
            if name not in ACCEPTED:
                accepted = accepted or written
            elif not written:
                line = "expected to be imported, was not: " + line
                accepted = True
            shown = line.split(": error ", 1)[-1][-110:]
            print(f"| {label} | {source.stat().st_size:,} | {code} | {seconds:.2f} | {peak:.0f} | {shown} |")
    return 1 if accepted else 0


if __name__ == "__main__":
    sys.exit(main())
