"""``chat-lex publish`` end to end against the lexv2-models double, with IAM, Lambda and STS in moto."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.fakes.lexv2_models import FakeLexModelsV2
from tools.publish import publish_command
from tools.publish.pipeline import AwsClients
from tools.publish.retry import RetryingClient, RetryPolicy
from tools.publish.verify import VerifyOutcome, VerifyTarget
from tools.publish.waiters import WaitSettings

REGION = "us-east-1"
ACCOUNT = "123456789012"
EMPTY_POLICY = {"Version": "2012-10-17", "Statement": []}
POLL = 3.0  # distinct from every backoff pause, so tests can tell them apart
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lex-bot"

ORDER_INTENT = """\
name: Order
description: The user orders something.
utterances:
  en_US:
    - order {Item}
    - i want {Count} {Item}
slots:
  - name: Item
    type: StatusTypes
    required: true
    prompt:
      en_US: What would you like?
  - name: Count
    type: AMAZON.Number
    required: false
    prompt:
      en_US: How many?
slot_order: [Item, Count]
"""


@dataclass
class Env:
    """One publish environment: the Lex double, moto clients, recorded sleeps and verifier calls."""

    lex: FakeLexModelsV2
    clients: AwsClients
    sleeps: list[float] = field(default_factory=list)
    verified: list[VerifyTarget] = field(default_factory=list)
    verify_passes: bool = True

    _lambda_arn: str | None = None

    @property
    def lambda_arn(self) -> str:
        if self._lambda_arn is None:
            self._lambda_arn = _create_function()
        return self._lambda_arn

    def verifier(self, target: VerifyTarget) -> VerifyOutcome:
        self.verified.append(target)
        if self.verify_passes:
            return VerifyOutcome(True)
        return VerifyOutcome(False, "Scenario: status check\n  user: check my order status\n  expected Status, got FallbackIntent")

    def publish(self, bot_dir: Path, *flags: str) -> tuple[int, str]:
        parser = argparse.ArgumentParser(prog="chat-lex")
        publish_command.register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["publish", str(bot_dir), "--region", REGION, "--yes", *flags])
        out = io.StringIO()
        code = publish_command.run_publish(
            args, clients=self.clients, verifier=self.verifier, wait=WaitSettings(poll_seconds=POLL, sleep=self.sleeps.append), out=out
        )
        return code, out.getvalue()

    def bot_id(self) -> str:
        bot_id = self.lex.bot_id_by_name("ChatBot")
        assert bot_id is not None
        return bot_id

    def versions(self) -> list[dict[str, Any]]:
        return _all(self.lex.list_bot_versions, "botVersionSummaries", botId=self.bot_id())

    def alias(self, name: str) -> dict[str, Any] | None:
        found = [a for a in _all(self.lex.list_bot_aliases, "botAliasSummaries", botId=self.bot_id()) if a["botAliasName"] == name]
        return None if not found else self.lex.describe_bot_alias(botId=self.bot_id(), botAliasId=found[0]["botAliasId"])

    def policy_statements(self) -> list[dict[str, Any]]:
        policy = self.clients.lambda_.get_policy(FunctionName=self.lambda_arn)
        return json.loads(policy["Policy"])["Statement"]  # type: ignore[no-any-return]


def _all(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list call of the double."""
    out: list[dict[str, Any]] = []
    token = None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        out += page[key]
        token = page.get("nextToken")
        if not token:
            return out


def _lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fulfillment.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def make_env(monkeypatch: pytest.MonkeyPatch, lex: FakeLexModelsV2 | None = None) -> Env:
    fake = lex or FakeLexModelsV2()
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append, rand=lambda: 0.5)
    clients = AwsClients(
        lex=RetryingClient(fake, policy),
        iam=RetryingClient(boto3.client("iam", region_name=REGION), policy),
        lambda_=RetryingClient(boto3.client("lambda", region_name=REGION), policy),
        sts=RetryingClient(boto3.client("sts", region_name=REGION), policy),
    )
    return Env(fake, clients, sleeps=sleeps)


def _create_function() -> str:
    """A fulfillment function in moto (made only by the tests that hook one up)."""
    suffix = uuid.uuid4().hex[:8]  # several environments may share one moto account
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"fulfillment-{suffix}", AssumeRolePolicyDocument=json.dumps(EMPTY_POLICY))
    fn = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=f"chat-lex-fulfillment-{suffix}",
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="fulfillment.handler",
        Code={"ZipFile": _lambda_zip()},
    )
    return str(fn["FunctionArn"])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def env(aws: None, monkeypatch: pytest.MonkeyPatch) -> Env:
    return make_env(monkeypatch)


@pytest.fixture
def bot_dir(tmp_path: Path, seed_bot_dir: Path) -> Path:
    target = tmp_path / "chatbot"
    shutil.copytree(seed_bot_dir, target)
    return target


def _snapshot_of_clean_publish(monkeypatch: pytest.MonkeyPatch, bot_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    clean = make_env(monkeypatch)
    code, out = clean.publish(bot_dir, "--role-arn", ROLE)
    assert code == 0, out
    bot_id = clean.bot_id()
    return clean.lex.draft_snapshot(bot_id), clean.lex.version_snapshot(bot_id, "1")


# ---------------------------------------------------------------- first and repeated publish


def test_first_publish_creates_everything_and_points_the_alias(env: Env, bot_dir: Path) -> None:
    code, out = env.publish(bot_dir, "--role-arn", ROLE, "--lambda-arn", env.lambda_arn)

    assert code == 0, out
    snapshot = env.lex.draft_snapshot(env.bot_id())["en_US"]
    assert sorted(snapshot["intents"]) == ["FallbackIntent", "Greeting", "Help", "Status"]
    assert snapshot["intents"]["Status"]["slots"]["StatusType"]["slotTypeId"] == "StatusTypes"
    assert snapshot["intents"]["Status"]["priorities"] == [(1, "StatusType")]
    assert list(snapshot["slot_types"]) == ["StatusTypes"]
    versions = env.versions()
    assert [v["botVersion"] for v in versions] == ["1"]
    assert versions[0]["description"].startswith("chat-lex fingerprint=")
    live = env.alias("live")
    assert live is not None and live["botVersion"] == "1"
    hook = live["botAliasLocaleSettings"]["en_US"]["codeHookSpecification"]["lambdaCodeHook"]
    assert hook == {"lambdaARN": env.lambda_arn, "codeHookInterfaceVersion": "1.0"}
    alias_arn = f"arn:aws:lex:{REGION}:{ACCOUNT}:bot-alias/{env.bot_id()}/{live['botAliasId']}"
    [statement] = env.policy_statements()
    assert statement["Principal"] == {"Service": "lexv2.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == alias_arn
    # The build was waited for, with polls rather than a fixed sleep.
    assert any(op == "build_bot_locale" for op, _ in env.lex.calls)
    assert env.sleeps


def test_second_publish_without_changes_makes_no_mutating_call(env: Env, bot_dir: Path) -> None:
    assert env.publish(bot_dir, "--role-arn", ROLE, "--lambda-arn", env.lambda_arn)[0] == 0
    before = len(env.lex.mutating_calls())

    code, out = env.publish(bot_dir, "--lambda-arn", env.lambda_arn)

    assert code == 0, out
    assert env.lex.mutating_calls()[before:] == []
    assert [v["botVersion"] for v in env.versions()] == ["1"]
    assert len(env.policy_statements()) == 1  # the permission is added once
    assert "already present" in out


def test_added_intent_creates_only_it_and_a_new_version(env: Env, bot_dir: Path) -> None:
    assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    before = len(env.lex.mutating_calls())
    (bot_dir / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")

    code, out = env.publish(bot_dir)

    assert code == 0, out
    ops = [op for op, _ in env.lex.mutating_calls()[before:]]
    assert ops == [
        "create_intent",
        "create_slot",
        "create_slot",
        "update_intent",
        "build_bot_locale",
        "create_bot_version",
        "update_bot_alias",
    ]
    assert env.alias("live")["botVersion"] == "2"  # type: ignore[index]
    order = env.lex.version_snapshot(env.bot_id(), "2")["en_US"]["intents"]["Order"]
    assert order["priorities"] == [(1, "Item"), (2, "Count")]
    assert "Order" not in env.lex.version_snapshot(env.bot_id(), "1")["en_US"]["intents"]


def test_removed_slot_is_deleted_and_draft_equals_a_clean_publish(env: Env, bot_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (bot_dir / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")
    assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    before = len(env.lex.mutating_calls())
    trimmed = ORDER_INTENT.split("  - name: Count")[0].replace("    - i want {Count} {Item}\n", "") + "slot_order: [Item]\n"
    (bot_dir / "intents" / "Order.yaml").write_text(trimmed, encoding="utf-8")

    code, out = env.publish(bot_dir)

    assert code == 0, out
    ops = [op for op, _ in env.lex.mutating_calls()[before:]]
    assert ops[0] == "delete_slot"
    assert "update_intent" in ops
    clean_draft, _ = _snapshot_of_clean_publish(monkeypatch, bot_dir)
    assert env.lex.draft_snapshot(env.bot_id()) == clean_draft


def test_removed_intent_and_slot_type_are_deleted_in_dependency_order(env: Env, bot_dir: Path) -> None:
    assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    before = len(env.lex.mutating_calls())
    (bot_dir / "intents" / "Status.yaml").unlink()
    (bot_dir / "slot_types" / "StatusTypes.yaml").unlink()

    code, out = env.publish(bot_dir)

    assert code == 0, out
    ops = [op for op, _ in env.lex.mutating_calls()[before:]]
    assert ops.index("delete_intent") < ops.index("delete_slot_type")
    snapshot = env.lex.draft_snapshot(env.bot_id())["en_US"]
    assert "Status" not in snapshot["intents"] and snapshot["slot_types"] == {}


# ---------------------------------------------------------------- failures


def test_build_failure_prints_the_reasons_and_exits_1(aws: None, monkeypatch: pytest.MonkeyPatch, bot_dir: Path) -> None:
    reasons = ["Intent Status: slot StatusType has no prompt", "Slot type StatusTypes: duplicate synonym"]
    env = make_env(monkeypatch, FakeLexModelsV2(build_failures={"en_US": reasons}))

    code, out = env.publish(bot_dir, "--role-arn", ROLE)

    assert code == 1
    for reason in reasons:
        assert reason in out
    assert "Traceback" not in out
    assert env.versions() == []
    assert env.alias("live") is None


def test_interrupted_publish_resumes_and_ends_equal_to_a_clean_one(aws: None, monkeypatch: pytest.MonkeyPatch, bot_dir: Path) -> None:
    (bot_dir / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")
    clean_draft, clean_version = _snapshot_of_clean_publish(monkeypatch, bot_dir)
    total = None
    for cut in (1, 4, 8, 12, 14):
        env = make_env(monkeypatch)
        env.lex.interrupt_after(cut)
        code, out = env.publish(bot_dir, "--role-arn", ROLE)
        assert code == 3, out
        assert "run again" in out and "Traceback" not in out

        code, out = env.publish(bot_dir, "--role-arn", ROLE)

        assert code == 0, out
        assert env.lex.draft_snapshot(env.bot_id()) == clean_draft
        assert [v["botVersion"] for v in env.versions()] == ["1"]
        assert env.lex.version_snapshot(env.bot_id(), "1") == clean_version
        assert env.alias("live")["botVersion"] == "1"  # type: ignore[index]
        total = len(env.lex.mutating_calls())
    assert total is not None and total > 14  # the cuts fell inside the publish, not after it


def test_throttling_is_retried_with_backoff(env: Env, bot_dir: Path) -> None:
    env.lex.throttle("create_intent", on_call=2, times=3)
    env.lex.throttle("build_bot_locale", on_call=1, times=1, code="TooManyRequestsException")

    code, out = env.publish(bot_dir, "--role-arn", ROLE)

    assert code == 0, out
    # Backoff pauses (rand fixed at 0.5): 0.5 * min(20, 0.5 * 2**attempt) for attempts 1, 2, 3 and 1.
    backoffs = [s for s in env.sleeps if s != POLL]
    assert backoffs == [0.5, 1.0, 2.0, 0.5]
    assert len(env.lex.draft_snapshot(env.bot_id())["en_US"]["intents"]) == 4


def test_throttling_that_never_ends_names_the_step(env: Env, bot_dir: Path) -> None:
    env.lex.throttle("create_slot_type", on_call=1, times=100)

    code, out = env.publish(bot_dir, "--role-arn", ROLE)

    assert code == 3
    assert "create slot type failed for slot type StatusTypes in locale en_US" in out
    assert "ThrottlingException" in out and "fix:" in out


def test_access_denied_names_the_missing_permission(env: Env, bot_dir: Path) -> None:
    env.lex.throttle("create_bot", on_call=1, times=1, code="AccessDeniedException")

    code, out = env.publish(bot_dir, "--role-arn", ROLE)

    assert code == 3
    assert "lex:CreateBot" in out


def test_new_bot_without_a_role_is_refused_before_any_change(env: Env, bot_dir: Path) -> None:
    code, out = env.publish(bot_dir)

    assert code == 2  # bad usage: a flag is missing
    assert "--role-arn" in out and "--create-role" in out
    assert env.lex.mutating_calls() == []


# ---------------------------------------------------------------- dry run, verify, prune


def test_dry_run_prints_the_plan_and_changes_nothing(env: Env, bot_dir: Path) -> None:
    code, out = env.publish(bot_dir, "--role-arn", ROLE, "--dry-run", "--lambda-arn", env.lambda_arn)
    assert code == 0, out
    assert env.lex.mutating_calls() == []
    assert "create bot ChatBot" in out and "create [en_US] intent Status" in out and "build  [en_US]" in out
    assert "alias live: create" in out and "lambda permission: add" in out

    assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    before = len(env.lex.mutating_calls())
    (bot_dir / "intents" / "Help.yaml").unlink()
    (bot_dir / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")

    code, out = env.publish(bot_dir, "--dry-run", "--prune-versions", "0")

    assert code == 0, out
    assert env.lex.mutating_calls()[before:] == []
    lines = out.splitlines()
    assert lines.index("  delete [en_US] intent Help") < lines.index("  create [en_US] intent Order")
    assert "alias live: move 1 -> the new version" in out and "prune: delete versions 1" in out


def test_verify_failure_leaves_the_alias_and_prints_the_transcript(env: Env, bot_dir: Path) -> None:
    assert env.publish(bot_dir, "--role-arn", ROLE, "--lambda-arn", env.lambda_arn)[0] == 0
    (bot_dir / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")
    env.verify_passes = False

    code, out = env.publish(bot_dir, "--verify", "--lambda-arn", env.lambda_arn)

    assert code == 1
    assert "expected Status, got FallbackIntent" in out
    assert env.alias("live")["botVersion"] == "1"  # type: ignore[index]
    candidate = env.alias("candidate")
    assert candidate is not None and candidate["botVersion"] == "2"
    assert env.verified == [VerifyTarget(env.bot_id(), candidate["botAliasId"], "en_US", REGION)]
    assert len(env.policy_statements()) == 2  # the candidate alias may invoke the Lambda too

    env.verify_passes = True
    code, out = env.publish(bot_dir, "--verify", "--lambda-arn", env.lambda_arn)

    assert code == 0, out
    assert env.alias("live")["botVersion"] == "2"  # type: ignore[index]
    assert [v["botVersion"] for v in env.versions()] == ["2", "1"]  # the passed run reused version 2


def test_prune_keeps_the_newest_unused_versions_and_every_aliased_one(env: Env, bot_dir: Path) -> None:
    greeting = bot_dir / "intents" / "Greeting.yaml"
    for n in range(4):
        greeting.write_text(greeting.read_text(encoding="utf-8").replace("    - hello\n", f"    - hello\n    - hello number {n}\n"))
        assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    # Pin an older version to another alias: it must survive pruning.
    env.lex.create_bot_alias(botId=env.bot_id(), botAliasName="pinned", botVersion="2")
    assert [v["botVersion"] for v in env.versions()] == ["4", "3", "2", "1"]

    code, out = env.publish(bot_dir, "--prune-versions", "1")

    assert code == 0, out
    # live uses 4, pinned uses 2; of the unused 3 and 1 the newest one (3) is kept.
    assert [v["botVersion"] for v in env.versions()] == ["4", "3", "2"]
    assert "deleted version 1" in out
    # Version numbers are never reused after a delete.
    greeting.write_text(greeting.read_text(encoding="utf-8").replace("    - hello\n", "    - hello\n    - hello again\n"))
    assert env.publish(bot_dir)[0] == 0
    assert env.versions()[0]["botVersion"] == "5"


# ---------------------------------------------------------------- role


def test_create_role_makes_a_least_privilege_role_in_iam(env: Env, bot_dir: Path) -> None:
    code, out = env.publish(bot_dir, "--create-role")

    assert code == 0, out
    iam = boto3.client("iam", region_name=REGION)
    role = iam.get_role(RoleName="chat-lex-ChatBot-lex")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "lexv2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    policy = iam.get_role_policy(RoleName="chat-lex-ChatBot-lex", PolicyName="chat-lex-lex-runtime")["PolicyDocument"]
    assert [s["Action"] for s in policy["Statement"]] == ["polly:SynthesizeSpeech"]
    bot = env.lex.describe_bot(botId=env.bot_id())
    assert bot["roleArn"] == role["Arn"]

    code, out = env.publish(bot_dir, "--create-role", "--sentiment")

    assert code == 0, out
    policy = iam.get_role_policy(RoleName="chat-lex-ChatBot-lex", PolicyName="chat-lex-lex-runtime")["PolicyDocument"]
    assert [s["Action"] for s in policy["Statement"]] == ["polly:SynthesizeSpeech", "comprehend:DetectSentiment"]
    assert env.alias("live")["sentimentAnalysisSettings"] == {"detectSentiment": True}  # type: ignore[index]


def test_a_build_left_running_by_an_earlier_run_is_awaited_not_repeated(env: Env, bot_dir: Path) -> None:
    assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    env.lex.build_bot_locale(botId=env.bot_id(), botVersion="DRAFT", localeId="en_US")  # as if a run died mid-build
    before = len(env.lex.mutating_calls())

    code, out = env.publish(bot_dir)

    assert code == 0, out
    assert env.lex.mutating_calls()[before:] == []
    assert "locale en_US is already built" in out


def test_locales_are_published_selected_and_removed(env: Env, bot_dir: Path) -> None:
    bot_yaml = bot_dir / "bot.yaml"
    original = bot_yaml.read_text(encoding="utf-8")
    bot_yaml.write_text(original + "  es_US:\n    description: Spanish (US)\n    confidence_threshold: 0.5\n", encoding="utf-8")
    assert env.publish(bot_dir, "--role-arn", ROLE)[0] == 0
    assert sorted(env.lex.draft_snapshot(env.bot_id())) == ["en_US", "es_US"]
    assert sorted(env.alias("live")["botAliasLocaleSettings"]) == ["en_US", "es_US"]  # type: ignore[index]

    greeting = bot_dir / "intents" / "Greeting.yaml"
    greeting.write_text(greeting.read_text(encoding="utf-8").replace("    - hello\n", "    - hello\n    - good day\n"))
    before = len(env.lex.mutating_calls())
    code, out = env.publish(bot_dir, "--locale", "en_US", "--alias", "english")

    assert code == 0, out
    touched = {kw.get("localeId") for _, kw in env.lex.mutating_calls()[before:]} - {None}
    assert touched == {"en_US"}
    assert list(env.alias("english")["botAliasLocaleSettings"]) == ["en_US"]  # type: ignore[index]

    bot_yaml.write_text(original, encoding="utf-8")
    before = len(env.lex.mutating_calls())
    code, out = env.publish(bot_dir)

    assert code == 0, out
    assert ("delete_bot_locale", {"botId": env.bot_id(), "botVersion": "DRAFT", "localeId": "es_US"}) in env.lex.mutating_calls()[before:]
    assert list(env.lex.draft_snapshot(env.bot_id())) == ["en_US"]
    assert list(env.alias("live")["botAliasLocaleSettings"]) == ["en_US"]  # type: ignore[index]


def test_an_interruption_at_any_mutating_call_is_finished_by_the_next_run(bot_dir: Path) -> None:
    # Lex only (no Lambda, no IAM), so every cut point of the whole publish can be tried quickly.
    (bot_dir / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")

    def run(lex: FakeLexModelsV2, *flags: str) -> tuple[int, str]:
        parser = argparse.ArgumentParser(prog="chat-lex")
        publish_command.register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["publish", str(bot_dir), "--region", REGION, "--yes", "--role-arn", ROLE, *flags])
        out = io.StringIO()
        clients = AwsClients(lex=lex, iam=None, lambda_=None, sts=None)
        return publish_command.run_publish(args, clients=clients, wait=WaitSettings(sleep=lambda _: None), out=out), out.getvalue()

    clean = FakeLexModelsV2()
    assert run(clean)[0] == 0
    total = len(clean.mutating_calls())
    clean_id = clean.bot_id_by_name("ChatBot")
    assert clean_id is not None and total >= 15
    for cut in range(total):
        lex = FakeLexModelsV2()
        lex.interrupt_after(cut)
        assert run(lex)[0] == 3
        code, out = run(lex)
        assert code == 0, f"cut after {cut} calls:\n{out}"
        bot_id = lex.bot_id_by_name("ChatBot")
        assert bot_id is not None
        assert lex.draft_snapshot(bot_id) == clean.draft_snapshot(clean_id), f"cut after {cut} calls"
        assert lex.version_snapshot(bot_id, "1") == clean.version_snapshot(clean_id, "1"), f"cut after {cut} calls"
        aliases = lex.list_bot_aliases(botId=bot_id)["botAliasSummaries"]
        assert {a["botAliasName"]: a.get("botVersion") for a in aliases} == {"TestBotAlias": "DRAFT", "live": "1"}
