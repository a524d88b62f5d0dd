"""``chat-lex publish`` end to end: discover, plan, apply, build, version, alias, permission, prune.

Each step reads what AWS holds before it acts, so the pipeline is idempotent: an unchanged
spec makes no mutating call, and a run that stopped half-way finishes the job when run again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot_spec.definition import BotDefinition
from tools.publish import aliases, discovery, lambda_permission, role, versions
from tools.publish.errors import PublishError, UsageError, VerifyFailed, aws_step
from tools.publish.executor import DraftExecutor
from tools.publish.plan import Change, LocalePlan, display_order, plan_bot, plan_locale
from tools.publish.progress import Progress
from tools.publish.verify import CANDIDATE_ALIAS, Verifier, VerifyTarget, run_conversation_tests
from tools.publish.waiters import WaitSettings


@dataclass
class PublishOptions:
    """What the user asked for (the CLI flags)."""

    alias: str = "live"
    region: str = "us-east-1"
    role_arn: str | None = None
    create_role: bool = False
    lambda_arn: str | None = None
    locales: list[str] | None = None
    dry_run: bool = False
    verify: bool = False
    prune_versions: int | None = None
    sentiment: bool = False
    # A dry run without credentials: the account is assumed empty, so a missing role is a note, not an error.
    assumed_empty_account: bool = False


@dataclass
class AwsClients:
    """The boto3 clients publish talks to (tests pass doubles or moto-backed clients)."""

    lex: Any
    iam: Any
    lambda_: Any
    sts: Any


@dataclass
class PublishReport:
    """What publish did (or, with --dry-run, would do)."""

    bot_id: str | None
    changes: list[Change] = field(default_factory=list)
    builds: list[str] = field(default_factory=list)
    version: str | None = None
    version_created: bool = False
    alias_action: str = "unchanged"
    alias_id: str | None = None
    permissions_added: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)


def select_locales(defn: BotDefinition, locale_ids: list[str] | None) -> BotDefinition:
    """The definition restricted to ``locale_ids`` (all when None); unknown ids are an error."""
    if not locale_ids:
        return defn
    known = [loc.locale_id for loc in defn.locales]
    unknown = [lid for lid in locale_ids if lid not in known]
    if unknown:
        raise UsageError(
            "selecting locales", ", ".join(unknown), f"the spec has no locale {', '.join(unknown)}", f"use one of: {', '.join(known)}"
        )
    chosen = copy.deepcopy(defn)
    chosen.locales = [loc for loc in chosen.locales if loc.locale_id in locale_ids]
    return chosen


@dataclass
class _Discovered:
    bot_id: str | None
    described: dict[str, Any] | None
    bot_change: Change | None
    locale_plans: list[LocalePlan]
    locale_deletions: list[str]
    latest: versions.VersionInfo | None
    role_missing: bool = False  # a new bot, and neither --role-arn, the spec's role nor --create-role


class Publisher:
    """Runs one publish; ``progress`` receives every line the user sees."""

    def __init__(
        self,
        clients: AwsClients,
        options: PublishOptions,
        *,
        progress: Progress,
        verifier: Verifier = run_conversation_tests,
        wait: WaitSettings | None = None,
        confirm: Callable[[str], bool] | None = None,
    ) -> None:
        self.clients = clients
        self.options = options
        self.progress = progress
        self.verifier = verifier
        self.wait = wait or WaitSettings()
        self.confirm = confirm

    # ------------------------------------------------------------ discovery and plan

    def _discover(self, defn: BotDefinition) -> _Discovered:
        lex = self.clients.lex
        summary = discovery.find_bot(lex, defn.name)
        bot_id = None if summary is None else str(summary["botId"])
        described = None if bot_id is None else discovery.describe_bot(lex, bot_id)
        role_arn = self.options.role_arn or defn.role_arn
        role_missing = described is None and role_arn is None and not self.options.create_role
        if role_missing and not self.options.dry_run:  # a dry run shows the whole plan first, then says so
            raise _role_needed(defn)
        bot_change = plan_bot(defn, role_arn, described, role_explicit=self.options.role_arn is not None)
        live_ids = [] if bot_id is None else discovery.list_locale_ids(lex, bot_id)
        plans = []
        for locale in defn.locales:
            live = discovery.read_locale(lex, bot_id, locale.locale_id) if bot_id and locale.locale_id in live_ids else None
            plans.append(plan_locale(locale, live))
        wanted = {loc.locale_id for loc in defn.locales}
        deletions = [lid for lid in live_ids if lid not in wanted] if not self.options.locales else []
        history = [] if bot_id is None else versions.list_versions(lex, bot_id)
        return _Discovered(bot_id, described, bot_change, plans, deletions, history[0] if history else None, role_missing)

    def _show_plan(self, defn: BotDefinition, found: _Discovered, fingerprint: str, version_needed: bool) -> list[Change]:
        where = "new" if found.bot_id is None else f"id {found.bot_id}"
        self.progress.line(f"Plan for bot {defn.name} ({where}) in {self.options.region}:")
        changes: list[Change] = [found.bot_change] if found.bot_change else []
        changes += [Change("delete", "locale", lid, lid) for lid in found.locale_deletions]
        for lp in found.locale_plans:
            changes += lp.changes
        for change in display_order(changes):
            self.progress.line(f"  {change.describe()}")
        for lp in found.locale_plans:
            if lp.needs_build:
                self.progress.line(f"  build  [{lp.locale.locale_id}]")
        if not changes and not any(lp.needs_build for lp in found.locale_plans):
            self.progress.line("  DRAFT already equals the spec; nothing to build")
        latest = found.latest
        if version_needed:
            since = "" if latest is None else f"; latest version {latest.number} has {latest.fingerprint or 'no fingerprint'}"
            self.progress.line(f"  version: create a new one (spec fingerprint {fingerprint}{since})")
        else:
            assert latest is not None
            self.progress.line(f"  version: keep {latest.number} (spec unchanged, fingerprint {fingerprint})")
        return changes

    # ------------------------------------------------------------ the run

    def run(self, defn: BotDefinition) -> PublishReport:
        """Publish ``defn`` (already restricted to the chosen locales)."""
        fingerprint = defn.without_replies().fingerprint()
        found = self._discover(defn)
        version_needed = found.latest is None or found.latest.fingerprint != fingerprint
        changes = self._show_plan(defn, found, fingerprint, version_needed)
        report = PublishReport(
            bot_id=found.bot_id, changes=changes, builds=[lp.locale.locale_id for lp in found.locale_plans if lp.needs_build]
        )
        if self.options.dry_run:
            self._show_rest_of_plan(defn, found, version_needed)
            self.progress.line("dry run: nothing was changed")
            if found.role_missing and not self.options.assumed_empty_account:
                raise _role_needed(defn)
            return report
        deletions = [c for c in changes if c.action == "delete"]
        if deletions and self.confirm is not None and not self.confirm(f"The plan deletes {len(deletions)} resource(s). Apply it?"):
            raise PublishError("confirming the plan", defn.name, "you declined the plan", "run again and answer yes, or pass --yes")
        bot_id = self._apply_draft(defn, found, report)
        report.bot_id = bot_id
        if version_needed:
            report.version = versions.create_version(
                self.clients.lex, bot_id, [loc.locale_id for loc in defn.locales], fingerprint, self.progress, self.wait
            )
            report.version_created = True
            self.progress.line(f"created version {report.version}")
        else:
            assert found.latest is not None
            report.version = str(found.latest.number)
            self.progress.line(f"version {report.version} already holds this spec")
        self._move_alias(defn, bot_id, report)
        if self.options.prune_versions is not None:
            report.pruned = self._prune(bot_id, report.version)
        return report

    def _apply_draft(self, defn: BotDefinition, found: _Discovered, report: PublishReport) -> str:
        executor = DraftExecutor(self.clients.lex, self.progress, self.wait)
        role_arn = self.options.role_arn or defn.role_arn
        if self.options.create_role and not self.options.role_arn:
            role_arn = role.ensure_bot_role(self.clients.iam, defn.name, sentiment=self.options.sentiment)
            self.progress.line(f"bot role {role_arn}")
        bot_change = found.bot_change
        if found.bot_id is None:
            assert role_arn is not None  # checked in _discover
            bot_id = executor.create_bot(defn, role_arn)
        else:
            bot_id = found.bot_id
            executor.wait_bot_available(bot_id)
            assert found.described is not None
            current_role = str(found.described.get("roleArn", ""))
            if self.options.create_role and role_arn != current_role and bot_change is None:
                bot_change = Change("update", "bot", defn.name, fields=("roleArn",))
            if bot_change is not None:
                executor.update_bot(bot_id, defn, role_arn or current_role)
        for locale_id in found.locale_deletions:
            executor.delete_locale(bot_id, locale_id)
        for lp in found.locale_plans:
            executor.apply_locale(bot_id, lp)
        changed = found.bot_change is not None or bool(found.locale_deletions)
        for lp in found.locale_plans:
            if lp.needs_build:
                executor.build_locale(bot_id, lp.locale.locale_id, changed=changed or bool(lp.changes))
        return bot_id

    # ------------------------------------------------------------ alias, verification, permission

    def _account(self) -> str:
        with aws_step("finding the AWS account", "sts:GetCallerIdentity", "sts"):
            return str(self.clients.sts.get_caller_identity()["Account"])

    def _grant(self, bot_id: str, alias_id: str, alias_name: str, report: PublishReport) -> None:
        if self.options.lambda_arn is None:
            return
        source = aliases.alias_arn(self.options.region, self._account(), bot_id, alias_id)
        if lambda_permission.ensure_invoke_permission(self.clients.lambda_, self.options.lambda_arn, bot_id, alias_id, source):
            report.permissions_added.append(source)
            self.progress.line(f"granted Lex alias {alias_name} lambda:InvokeFunction on {self.options.lambda_arn}")
        else:
            self.progress.line(f"Lambda permission for alias {alias_name} already present")

    def _point(self, bot_id: str, name: str, version: str, locale_ids: list[str]) -> aliases.AliasOutcome:
        return aliases.point_alias(
            self.clients.lex,
            bot_id,
            name,
            version,
            locale_ids=locale_ids,
            lambda_arn=self.options.lambda_arn,
            sentiment=self.options.sentiment,
            progress=self.progress,
            wait=self.wait,
        )

    def _move_alias(self, defn: BotDefinition, bot_id: str, report: PublishReport) -> None:
        assert report.version is not None
        locale_ids = [loc.locale_id for loc in defn.locales]
        lex = self.clients.lex
        current = aliases.find_alias(lex, bot_id, self.options.alias)
        settings = aliases.locale_settings(locale_ids, self.options.lambda_arn, current)
        action = aliases.planned_alias_action(current, report.version, settings, self.options.sentiment)
        if self.options.verify and action != "unchanged":
            candidate = self._point(bot_id, CANDIDATE_ALIAS, report.version, locale_ids)
            assert candidate.alias_id is not None
            self._grant(bot_id, candidate.alias_id, CANDIDATE_ALIAS, report)
            for locale_id in locale_ids:
                self.progress.line(f"verifying version {report.version} through alias {CANDIDATE_ALIAS} ({locale_id})")
                verdict = self.verifier(VerifyTarget(bot_id, candidate.alias_id, locale_id, self.options.region))
                if not verdict.passed:
                    raise VerifyFailed(locale_id, verdict.transcript)
            self.progress.line("conversation tests passed")
        outcome = self._point(bot_id, self.options.alias, report.version, locale_ids)
        report.alias_action = outcome.action
        report.alias_id = outcome.alias_id
        assert outcome.alias_id is not None
        self._grant(bot_id, outcome.alias_id, self.options.alias, report)

    def _prune(self, bot_id: str, keep_version: str | None) -> list[str]:
        keep = self.options.prune_versions or 0
        used = {str(a.get("botVersion")) for a in aliases.list_aliases(self.clients.lex, bot_id) if a.get("botVersion")}
        if keep_version is not None:
            used.add(keep_version)
        doomed = versions.versions_to_prune(versions.list_versions(self.clients.lex, bot_id), used, keep)
        versions.delete_versions(self.clients.lex, bot_id, doomed, self.progress)
        if not doomed:
            self.progress.line(f"no versions to prune (keeping the newest {keep} unused)")
        return doomed

    def _show_rest_of_plan(self, defn: BotDefinition, found: _Discovered, version_needed: bool) -> None:
        name = self.options.alias
        lex = self.clients.lex
        current = None if found.bot_id is None else aliases.find_alias(lex, found.bot_id, name)
        target = "the new version" if version_needed else f"version {found.latest.number if found.latest else '?'}"
        if current is None:
            self.progress.line(f"  alias {name}: create -> {target}")
        else:
            version = "NEW" if version_needed else str(found.latest.number if found.latest else "")
            settings = aliases.locale_settings([lp.locale.locale_id for lp in found.locale_plans], self.options.lambda_arn, current)
            action = aliases.planned_alias_action(current, version, settings, self.options.sentiment)
            if action == "unchanged":
                self.progress.line(f"  alias {name}: unchanged (version {current.get('botVersion')})")
            else:
                self.progress.line(f"  alias {name}: move {current.get('botVersion')} -> {target}")
        if self.options.verify and (current is None or version_needed):
            self.progress.line(f"  verify: alias {CANDIDATE_ALIAS} first, conversation tests, then {name}")
        if self.options.lambda_arn is not None:
            if current is None or found.bot_id is None:
                self.progress.line(f"  lambda permission: add for alias {name}")
            else:
                source = aliases.alias_arn(self.options.region, self._account(), found.bot_id, str(current["botAliasId"]))
                missing = lambda_permission.needs_permission(self.clients.lambda_, self.options.lambda_arn, source)
                self.progress.line(f"  lambda permission: {'add' if missing else 'present'} for alias {name}")
        if self.options.create_role and not self.options.role_arn:
            self.progress.line(f"  role: ensure IAM role {role.role_name(defn.name)} (trusted by lexv2.amazonaws.com)")
        elif found.role_missing and self.options.assumed_empty_account:
            self.progress.line("  role: none given; if the bot is new, publish needs --role-arn ARN or --create-role")
        elif found.role_missing:
            self.progress.line("  role: MISSING (a new bot needs --role-arn ARN or --create-role)")
        if self.options.prune_versions is not None and found.bot_id is not None:
            used = {
                str(a.get("botVersion"))
                for a in aliases.list_aliases(lex, found.bot_id)
                if a.get("botVersion") and a.get("botAliasName") != name
            }
            if not version_needed and found.latest is not None:
                used.add(str(found.latest.number))
            doomed = versions.versions_to_prune(versions.list_versions(lex, found.bot_id), used, self.options.prune_versions)
            self.progress.line(f"  prune: delete versions {', '.join(doomed)}" if doomed else "  prune: nothing to delete")


def _role_needed(defn: BotDefinition) -> UsageError:
    return UsageError(
        "creating the bot", defn.name, "a new bot needs the IAM role Lex runs it as", "pass --role-arn ARN, or --create-role to make one"
    )
