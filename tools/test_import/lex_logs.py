"""Amazon Lex V2 conversation logs (CloudWatch Logs text-log records, one JSON object per line) as scenarios.

Each record holds ``sessionId``, ``inputTranscript``, ``messages`` and ``sessionState`` (the
RecognizeText response's shape), so a session's records, in file order, are replayed as the
dialogue ``converse --record`` would write (tools/recording.py). A line may start with the
CloudWatch event's timestamp before the JSON (``aws logs`` exports do).
"""

from __future__ import annotations

import json
from pathlib import Path

from tools.recording import Exchange, exchange_steps
from tools.test_import.gherkin import ImportedScenario, ImportFormatError, ImportResult

MAX_LINE_CHARS = 1024 * 1024  # a text-log record is a few kilobytes


def import_lex_logs(paths: list[Path]) -> list[ImportResult]:
    """One result per log file, one scenario per session in it."""
    results = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        result = ImportResult(f"Lex conversation logs {path.name}")
        sessions: dict[str, ImportedScenario] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            if len(line) > MAX_LINE_CHARS:
                result.warnings.append(f"{where}: a line of {len(line)} characters is not a log record; left out")
                continue
            start = line.find("{")
            try:
                record = json.loads(line[start:]) if start >= 0 else json.loads(line)
            except json.JSONDecodeError as exc:
                result.warnings.append(f"{where}: not a JSON record ({exc.msg}); left out")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("sessionId"), str):
                result.warnings.append(f"{where}: not a Lex V2 text-log record (no sessionId); left out")
                continue
            transcript = record.get("inputTranscript")
            if not isinstance(transcript, str) or not transcript.strip():
                mode = record.get("inputMode", "?")
                result.warnings.append(f"{where}: no text input (input mode {mode}); left out")
                continue
            session = str(record["sessionId"])
            scenario = sessions.get(session)
            if scenario is None:
                scenario = ImportedScenario(f"Session {session}", ["Given a new conversation"], where)
                sessions[session] = scenario
                result.scenarios.append(scenario)
            for step in exchange_steps(Exchange(transcript, record)):
                if step.startswith("#"):
                    result.warnings.append(f"{where}: {step[1:].strip()}")
                scenario.steps.append(step)
        if not result.scenarios:
            first = f" ({result.warnings[0]})" if result.warnings else ""
            raise ImportFormatError(f"{path}: no Lex V2 text-log record with a sessionId and an inputTranscript{first}")
        results.append(result)
    return results
