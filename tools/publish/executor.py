"""Applying a publish plan to the bot's DRAFT: the calls, in order, with ids resolved as they appear.

Every step is idempotent because the plan is recomputed from what AWS holds at the start
of each run; a run that stopped half-way leaves resources the next plan simply keeps.
"""

from __future__ import annotations

from typing import Any

from bot_spec.definition import DRAFT_VERSION, FALLBACK_SIGNATURE, BotDefinition, BotLocale
from bot_spec.formats import api_plan
from tools.publish.discovery import LiveLocale, paginate
from tools.publish.errors import BuildFailed, PublishError, aws_step
from tools.publish.plan import Change, LocalePlan, desired_slot, match_live_intent
from tools.publish.progress import Progress
from tools.publish.waiters import WaitSettings, wait_for_status

# Lex refuses edits while a locale is being created or built; these statuses accept them.
EDITABLE_LOCALE = {"NotBuilt", "Built", "Failed", "ReadyExpressTesting"}
_ONLY_IN_CREATE_BOT = ("botTags", "testBotAliasTags")


class DraftExecutor:
    """Creates, updates and deletes DRAFT resources of one bot, and builds its locales."""

    def __init__(self, lex: Any, progress: Progress, wait: WaitSettings) -> None:
        self.lex = lex
        self.progress = progress
        self.wait = wait

    # ------------------------------------------------------------ bot

    def wait_bot_available(self, bot_id: str) -> None:
        """Wait until the bot accepts changes."""
        with aws_step("waiting for the bot", bot_id):
            result = wait_for_status(
                lambda: self.lex.describe_bot(botId=bot_id),
                status_key="botStatus",
                done={"Available"},
                failed={"Failed", "Inactive"},
                what=f"bot {bot_id}",
                progress=self.progress,
                settings=self.wait,
            )
        if result.get("botStatus") != "Available":
            reasons = "; ".join(result.get("failureReasons", [])) or "no reason given"
            raise PublishError(
                "waiting for the bot",
                bot_id,
                f"the bot is {result.get('botStatus')}: {reasons}",
                "fix it in the Lex console, then run again",
            )

    def create_bot(self, defn: BotDefinition, role_arn: str) -> str:
        """Create the bot and wait until it is Available; returns its id."""
        with aws_step("creating the bot", defn.name):
            response = self.lex.create_bot(**api_plan.bot_kwargs(defn, role_arn))
        bot_id = str(response["botId"])
        self.progress.line(f"created bot {defn.name} ({bot_id})")
        self.wait_bot_available(bot_id)
        return bot_id

    def update_bot(self, bot_id: str, defn: BotDefinition, role_arn: str) -> None:
        """Replace the bot's settings with the spec's."""
        kwargs = {k: v for k, v in api_plan.bot_kwargs(defn, role_arn).items() if k not in _ONLY_IN_CREATE_BOT}
        with aws_step("updating the bot", defn.name):
            self.lex.update_bot(botId=bot_id, **kwargs)
        self.progress.line(f"updated bot {defn.name}")
        self.wait_bot_available(bot_id)

    # ------------------------------------------------------------ locales

    def wait_locale_editable(self, bot_id: str, locale_id: str) -> str:
        """Wait while the locale is Creating or Building; returns the settled status."""
        with aws_step("waiting for the locale", locale_id):
            result = wait_for_status(
                lambda: self.lex.describe_bot_locale(botId=bot_id, botVersion=DRAFT_VERSION, localeId=locale_id),
                status_key="botLocaleStatus",
                done=EDITABLE_LOCALE,
                failed=set(),
                what=f"locale {locale_id}",
                progress=self.progress,
                settings=self.wait,
            )
        return str(result["botLocaleStatus"])

    def delete_locale(self, bot_id: str, locale_id: str) -> None:
        """Delete a locale the spec no longer has."""
        self.wait_locale_editable(bot_id, locale_id)
        with aws_step("deleting the locale", locale_id):
            self.lex.delete_bot_locale(botId=bot_id, botVersion=DRAFT_VERSION, localeId=locale_id)
        self.progress.line(f"deleted locale {locale_id}")

    def apply_locale(self, bot_id: str, plan: LocalePlan) -> None:
        """Run one locale's changes in plan order."""
        locale = plan.locale
        ids: dict[str, Any] = {"botId": bot_id, "botVersion": DRAFT_VERSION, "localeId": locale.locale_id}
        if plan.live is not None and plan.changes:
            self.wait_locale_editable(bot_id, locale.locale_id)
        run = _LocaleRun(self.lex, ids, locale, plan.live)
        for change in plan.changes:
            with aws_step(f"{change.action} {change.kind.replace('_', ' ')}", _resource(change)):
                run.apply(change)
            self.progress.line(change.describe())
            if change.kind == "locale" and change.action == "create":
                self.wait_locale_editable(bot_id, locale.locale_id)

    def build_locale(self, bot_id: str, locale_id: str, *, changed: bool = True) -> None:
        """Build the locale and wait; a Failed build raises BuildFailed with Lex's reasons.

        ``changed=False`` (nothing edited in this run) skips the build when a build that was
        already running, e.g. from an interrupted publish, ends in Built.
        """
        if self.wait_locale_editable(bot_id, locale_id) == "Built" and not changed:
            self.progress.line(f"locale {locale_id} is already built")
            return
        ids = {"botId": bot_id, "botVersion": DRAFT_VERSION, "localeId": locale_id}
        with aws_step("starting the build", f"locale {locale_id}"):
            self.lex.build_bot_locale(**ids)
        with aws_step("building", f"locale {locale_id}"):
            result = wait_for_status(
                lambda: self.lex.describe_bot_locale(**ids),
                status_key="botLocaleStatus",
                done={"Built"},
                failed={"Failed", "NotBuilt"},
                what=f"building {locale_id}",
                progress=self.progress,
                settings=self.wait,
            )
        if result["botLocaleStatus"] != "Built":
            raise BuildFailed(locale_id, [str(r) for r in result.get("failureReasons", [])])


def _resource(change: Change) -> str:
    where = f" in locale {change.locale_id}" if change.locale_id else ""
    name = f"{change.intent_name}.{change.name}" if change.kind == "slot" else change.name
    return f"{change.kind.replace('_', ' ')} {name}{where}"


class _LocaleRun:
    """The ids known in one locale (live ones plus those created during this run)."""

    def __init__(self, lex: Any, ids: dict[str, Any], locale: BotLocale, live: LiveLocale | None) -> None:
        self.lex = lex
        self.ids = ids
        self.locale = locale
        self.type_ids: dict[str, str] = {}
        self.intent_ids: dict[str, str] = {}
        self.slot_ids: dict[str, dict[str, str]] = {}
        if live is not None:
            self.type_ids = {name: type_id for name, (type_id, _) in live.slot_types.items()}
            for name, live_intent in live.intents.items():
                self.intent_ids[name] = live_intent.intent_id
                self.slot_ids[name] = {s: ls.slot_id for s, ls in live_intent.slots.items()}
            # The spec's fallback intent updates Lex's own, whatever each side calls it.
            for intent in locale.intents:
                match = match_live_intent(intent, live)
                if match is not None and match[0] != intent.name:
                    self.intent_ids[intent.name] = self.intent_ids.pop(match[0])
                    self.slot_ids[intent.name] = self.slot_ids.pop(match[0], {})

    def _type_id(self, type_name: str) -> str:
        # Built-in types (AMAZON.*) are referenced by name; custom ones by the id Lex gave them.
        return self.type_ids.get(type_name, type_name)

    def _intent(self, name: str) -> Any:
        intent = self.locale.intent(name)
        if intent is None:  # the plan only names spec intents for creates and updates
            raise KeyError(name)
        return intent

    def apply(self, change: Change) -> None:
        handler = getattr(self, f"_{change.action}_{change.kind}")
        handler(change)

    def _create_locale(self, change: Change) -> None:
        self.lex.create_bot_locale(**{**api_plan.locale_kwargs(self.locale), **self.ids})

    def _update_locale(self, change: Change) -> None:
        self.lex.update_bot_locale(**{**api_plan.locale_kwargs(self.locale), **self.ids})

    def _create_slot_type(self, change: Change) -> None:
        slot_type = self.locale.slot_type(change.name)
        assert slot_type is not None
        response = self.lex.create_slot_type(**{**api_plan.slot_type_kwargs(slot_type), **self.ids})
        self.type_ids[change.name] = str(response["slotTypeId"])

    def _update_slot_type(self, change: Change) -> None:
        slot_type = self.locale.slot_type(change.name)
        assert slot_type is not None
        self.lex.update_slot_type(**{**api_plan.slot_type_kwargs(slot_type), **self.ids, "slotTypeId": self.type_ids[change.name]})

    def _delete_slot_type(self, change: Change) -> None:
        self.lex.delete_slot_type(**self.ids, slotTypeId=self.type_ids.pop(change.name))

    def _create_intent(self, change: Change) -> None:
        response = self.lex.create_intent(**{**api_plan.intent_kwargs(self._intent(change.name)), **self.ids})
        self.intent_ids[change.name] = str(response["intentId"])
        self.slot_ids[change.name] = {}

    def _fallback_id(self) -> str:
        """The id of the fallback intent Lex created with the locale (FALLBCKINT in practice)."""
        for summary in paginate(self.lex.list_intents, "intentSummaries", **self.ids):
            if summary.get("parentIntentSignature") == FALLBACK_SIGNATURE:
                return str(summary["intentId"])
        return api_plan.FALLBACK_INTENT_ID

    def _update_intent(self, change: Change) -> None:
        intent = self._intent(change.name)
        if change.name not in self.intent_ids and intent.is_fallback:
            self.intent_ids[change.name] = self._fallback_id()
        kwargs: dict[str, Any] = {**api_plan.intent_kwargs(intent), **self.ids, "intentId": self.intent_ids[change.name]}
        # UpdateIntent replaces the whole intent: always send the priorities, or Lex drops them.
        priorities = api_plan.slot_priorities(intent, self.slot_ids.get(change.name, {}))
        if priorities:
            kwargs["slotPriorities"] = priorities
        self.lex.update_intent(**kwargs)

    def _update_slot_priorities(self, change: Change) -> None:
        self._update_intent(change)

    def _delete_intent(self, change: Change) -> None:
        self.lex.delete_intent(**self.ids, intentId=self.intent_ids.pop(change.name))
        self.slot_ids.pop(change.name, None)

    def _slot_request(self, change: Change) -> dict[str, Any]:
        assert change.intent_name is not None
        slot = self._intent(change.intent_name).slot(change.name)
        assert slot is not None
        body = desired_slot(slot, self._type_id(slot.slot_type_name))
        return {**body, **self.ids, "intentId": self.intent_ids[change.intent_name]}

    def _create_slot(self, change: Change) -> None:
        assert change.intent_name is not None
        response = self.lex.create_slot(**self._slot_request(change))
        self.slot_ids.setdefault(change.intent_name, {})[change.name] = str(response["slotId"])

    def _update_slot(self, change: Change) -> None:
        assert change.intent_name is not None
        slot_id = self.slot_ids[change.intent_name][change.name]
        self.lex.update_slot(**self._slot_request(change), slotId=slot_id)

    def _delete_slot(self, change: Change) -> None:
        assert change.intent_name is not None
        slot_id = self.slot_ids[change.intent_name].pop(change.name)
        self.lex.delete_slot(**self.ids, intentId=self.intent_ids[change.intent_name], slotId=slot_id)
