"""Bot versions: create one only when the spec changed, find the latest, prune old ones.

A version's description carries the fingerprint of the spec it was made from
(``chat-lex fingerprint=<hash>``), so re-publishing an unchanged spec makes no version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tools.publish.discovery import paginate
from tools.publish.errors import PublishError, aws_step
from tools.publish.progress import Progress
from tools.publish.waiters import WaitSettings, wait_for_status

FINGERPRINT_PREFIX = "chat-lex fingerprint="
_FINGERPRINT = re.compile(r"chat-lex fingerprint=([0-9a-f]+)")


def version_description(fingerprint: str) -> str:
    """The description a new version gets."""
    return f"{FINGERPRINT_PREFIX}{fingerprint}"


def fingerprint_in(description: str | None) -> str | None:
    """The fingerprint a version description carries, if any."""
    match = _FINGERPRINT.search(description or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class VersionInfo:
    """A numbered version and the fingerprint it was published with."""

    number: int
    fingerprint: str | None


def list_versions(lex: Any, bot_id: str) -> list[VersionInfo]:
    """Every numbered version of the bot, newest first."""
    with aws_step("listing versions", bot_id):
        summaries = list(paginate(lex.list_bot_versions, "botVersionSummaries", botId=bot_id))
    versions = [
        VersionInfo(int(s["botVersion"]), fingerprint_in(s.get("description"))) for s in summaries if str(s.get("botVersion", "")).isdigit()
    ]
    return sorted(versions, key=lambda v: v.number, reverse=True)


def create_version(lex: Any, bot_id: str, locale_ids: list[str], fingerprint: str, progress: Progress, wait: WaitSettings) -> str:
    """Snapshot DRAFT (the given locales) as a new version and wait until it is Available."""
    spec = {locale_id: {"sourceBotVersion": "DRAFT"} for locale_id in locale_ids}
    with aws_step("creating a version", bot_id):
        response = lex.create_bot_version(botId=bot_id, description=version_description(fingerprint), botVersionLocaleSpecification=spec)
        version = str(response["botVersion"])
        result = wait_for_status(
            lambda: lex.describe_bot_version(botId=bot_id, botVersion=version),
            status_key="botStatus",
            done={"Available"},
            failed={"Failed", "Inactive"},
            what=f"version {version}",
            progress=progress,
            settings=wait,
        )
    if result.get("botStatus") != "Available":
        reasons = "; ".join(result.get("failureReasons", [])) or "no reason given"
        raise PublishError("creating a version", f"bot {bot_id}", f"version {version} is {result.get('botStatus')}: {reasons}", "run again")
    return version


def versions_to_prune(versions: list[VersionInfo], used: set[str], keep: int) -> list[str]:
    """Versions to delete: every unused one beyond the newest ``keep`` unused ones."""
    unused = sorted((v.number for v in versions if str(v.number) not in used), reverse=True)
    return [str(n) for n in unused[keep:]]


def delete_versions(lex: Any, bot_id: str, numbers: list[str], progress: Progress) -> None:
    """Delete the given versions (their aliases were checked by the caller)."""
    for number in numbers:
        with aws_step("deleting a version", f"version {number} of bot {bot_id}"):
            lex.delete_bot_version(botId=bot_id, botVersion=number)
        progress.line(f"deleted version {number}")
