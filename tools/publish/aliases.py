"""Bot aliases: point a named alias at a version, with the Lambda per locale; no call when already there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot_spec.definition import TEST_ALIAS_ID
from tools.publish.discovery import paginate
from tools.publish.errors import PublishError, aws_step
from tools.publish.progress import Progress
from tools.publish.waiters import WaitSettings, wait_for_status

Doc = dict[str, Any]


def alias_arn(region: str, account: str, bot_id: str, alias_id: str) -> str:
    """The ARN Lex invokes the Lambda from (the SourceArn of its permission)."""
    return f"arn:aws:lex:{region}:{account}:bot-alias/{bot_id}/{alias_id}"


def list_aliases(lex: Any, bot_id: str) -> list[Doc]:
    """Summaries of every alias of the bot (TestBotAlias included)."""
    with aws_step("listing aliases", bot_id):
        return list(paginate(lex.list_bot_aliases, "botAliasSummaries", botId=bot_id))


def find_alias(lex: Any, bot_id: str, name: str) -> Doc | None:
    """The full description of the alias called ``name``, or None."""
    summary = next((a for a in list_aliases(lex, bot_id) if a.get("botAliasName") == name), None)
    if summary is None:
        return None
    with aws_step("describing the alias", name):
        result: Doc = lex.describe_bot_alias(botId=bot_id, botAliasId=summary["botAliasId"])
        return result


def locale_settings(locale_ids: list[str], lambda_arn: str | None, current: Doc | None) -> Doc:
    """``botAliasLocaleSettings``: every locale enabled, with the Lambda when one is given.

    Without ``--lambda-arn`` an existing alias keeps the code hook it has, so publishing
    content never unhooks fulfillment by accident.
    """
    existing: Doc = (current or {}).get("botAliasLocaleSettings", {}) or {}
    out: Doc = {}
    for locale_id in locale_ids:
        setting: Doc = {"enabled": True}
        if lambda_arn is not None:
            setting["codeHookSpecification"] = {"lambdaCodeHook": {"lambdaARN": lambda_arn, "codeHookInterfaceVersion": "1.0"}}
        elif "codeHookSpecification" in existing.get(locale_id, {}):
            setting["codeHookSpecification"] = existing[locale_id]["codeHookSpecification"]
        out[locale_id] = setting
    return out


@dataclass(frozen=True)
class AliasOutcome:
    """What happened to the alias: ``created``, ``updated`` or ``unchanged``, and its id."""

    action: str
    alias_id: str | None
    previous_version: str | None


def planned_alias_action(current: Doc | None, version: str, settings: Doc, sentiment: bool) -> str:
    """``create``, ``update`` or ``unchanged`` for moving ``current`` to ``version`` with ``settings``."""
    if current is None:
        return "create"
    same = (
        current.get("botVersion") == version
        and (current.get("botAliasLocaleSettings") or {}) == settings
        and bool((current.get("sentimentAnalysisSettings") or {}).get("detectSentiment")) == sentiment
    )
    return "unchanged" if same else "update"


def point_alias(
    lex: Any,
    bot_id: str,
    name: str,
    version: str,
    *,
    locale_ids: list[str],
    lambda_arn: str | None,
    sentiment: bool,
    progress: Progress,
    wait: WaitSettings,
) -> AliasOutcome:
    """Create the alias, or move it to ``version``; nothing when it is already there."""
    current = find_alias(lex, bot_id, name)
    if current is not None and current.get("botAliasId") == TEST_ALIAS_ID:
        raise PublishError("moving the alias", name, "TestBotAlias (TSTALIASID) always points at DRAFT", "choose another --alias name")
    settings = locale_settings(locale_ids, lambda_arn, current)
    action = planned_alias_action(current, version, settings, sentiment)
    previous = None if current is None else current.get("botVersion")
    if action == "unchanged":
        assert current is not None
        progress.line(f"alias {name} already on version {version}")
        return AliasOutcome("unchanged", str(current["botAliasId"]), previous)
    body: Doc = {"botAliasName": name, "botId": bot_id, "botVersion": version, "botAliasLocaleSettings": settings}
    if sentiment or (current is not None and current.get("sentimentAnalysisSettings")):
        body["sentimentAnalysisSettings"] = {"detectSentiment": sentiment}
    with aws_step(f"{'creating' if current is None else 'moving'} the alias", name):
        if current is None:
            response = lex.create_bot_alias(**body, description="managed by chat-lex publish")
        else:
            if current.get("description"):
                body["description"] = current["description"]
            response = lex.update_bot_alias(**body, botAliasId=current["botAliasId"])
        alias_id = str(response["botAliasId"])
        wait_for_status(
            lambda: lex.describe_bot_alias(botId=bot_id, botAliasId=alias_id),
            status_key="botAliasStatus",
            done={"Available"},
            failed={"Failed"},
            what=f"alias {name}",
            progress=progress,
            settings=wait,
        )
    progress.line(f"alias {name} -> version {version}" + (f" (was {previous})" if previous else ""))
    return AliasOutcome("created" if current is None else "updated", alias_id, previous)
