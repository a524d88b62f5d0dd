"""Publish building blocks: retry, comparison, plan order, progress, error messages, versions, permissions."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bot_spec.formats.yaml_spec import load_spec
from tools.publish.compare import differing_fields
from tools.publish.errors import PublishError, aws_step
from tools.publish.lambda_permission import grants_invoke, statement_id
from tools.publish.plan import display_order, plan_locale
from tools.publish.progress import Progress
from tools.publish.retry import RetryingClient, RetryPolicy
from tools.publish.role import permissions_policy, role_name
from tools.publish.versions import VersionInfo, fingerprint_in, version_description, versions_to_prune


def _client_error(code: str, operation: str = "CreateIntent") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "boom"}}, operation)


class _Flaky:
    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        self.calls = 0

    def do(self, **kwargs: Any) -> str:
        self.calls += 1
        if self.codes:
            raise _client_error(self.codes.pop(0))
        return "ok"


# ---------------------------------------------------------------- retry


@pytest.mark.parametrize("code", ["ThrottlingException", "TooManyRequestsException", "ConflictException", "PreconditionFailedException"])
def test_transient_errors_are_retried_with_growing_jittered_pauses(code: str) -> None:
    sleeps: list[float] = []
    flaky = _Flaky([code, code, code])
    client = RetryingClient(flaky, RetryPolicy(sleep=sleeps.append, rand=lambda: 1.0, base_delay=1.0, max_delay=5.0))
    assert client.do() == "ok"
    assert sleeps == [2.0, 4.0, 5.0]  # capped at max_delay


def test_other_errors_are_not_retried_and_retries_end() -> None:
    sleeps: list[float] = []
    flaky = _Flaky(["ValidationException"])
    with pytest.raises(ClientError):
        RetryingClient(flaky, RetryPolicy(sleep=sleeps.append)).do()
    assert flaky.calls == 1 and sleeps == []
    endless = _Flaky(["ThrottlingException"] * 50)
    with pytest.raises(ClientError):
        RetryingClient(endless, RetryPolicy(sleep=sleeps.append, max_attempts=4)).do()
    assert endless.calls == 4


def test_jitter_stays_within_the_exponential_bound() -> None:
    policy = RetryPolicy(rand=lambda: 0.999, base_delay=0.5, max_delay=20.0)
    assert [round(policy.delay(n), 2) for n in (1, 2, 3, 10)] == [1.0, 2.0, 4.0, 19.98]
    assert RetryPolicy(rand=lambda: 0.0).delay(5) == 0.0


# ---------------------------------------------------------------- errors


def test_access_denied_names_the_permission_and_the_step() -> None:
    with pytest.raises(PublishError) as exc, aws_step("create intent", "intent Status in locale en_US"):
        raise _client_error("AccessDeniedException", "CreateIntent")
    text = exc.value.render()
    assert "create intent failed for intent Status in locale en_US" in text
    assert "lex:CreateIntent" in text


def test_lambda_errors_name_lambda_permissions() -> None:
    with pytest.raises(PublishError) as exc, aws_step("granting", "fn", "lambda"):
        raise _client_error("AccessDeniedException", "AddPermission")
    assert "lambda:AddPermission" in exc.value.render()


# ---------------------------------------------------------------- comparison and plan


def test_aws_defaults_do_not_count_as_differences_but_real_values_do() -> None:
    desired = {"intentName": "I", "sampleUtterances": [{"utterance": "hi"}]}
    live = {"intentName": "I", "sampleUtterances": [{"utterance": "hi"}], "dialogCodeHook": {"enabled": False}, "inputContexts": []}
    assert differing_fields("UpdateIntent", desired, live) == []
    live["description"] = "left over"
    assert differing_fields("UpdateIntent", desired, live) == ["description"]
    desired["fulfillmentCodeHook"] = {"enabled": True}
    assert "fulfillmentCodeHook" in differing_fields("UpdateIntent", desired, live)


def test_settings_lex_fills_in_are_not_differences_but_dropped_settings_are() -> None:
    prompt = {"messageGroups": [{"message": {"plainText": {"value": "Which?"}}}], "maxRetries": 1}
    desired = {"slotName": "S", "slotTypeId": "T", "valueElicitationSetting": {"slotConstraint": "Required", "promptSpecification": prompt}}
    filled = {
        **prompt,
        "allowInterrupt": True,
        "messageSelectionStrategy": "Random",
        "promptAttemptsSpecification": {"Initial": {"allowedInputTypes": {"allowAudioInput": True, "allowDTMFInput": True}}},
    }
    live: dict[str, Any] = {**desired, "valueElicitationSetting": {"slotConstraint": "Required", "promptSpecification": filled}}
    live["obfuscationSetting"] = {"obfuscationSettingType": "None"}
    assert differing_fields("UpdateSlot", desired, live) == []
    # A sample utterance the spec no longer has is a difference, even deep inside.
    live["valueElicitationSetting"]["sampleUtterances"] = [{"utterance": "old"}]
    assert differing_fields("UpdateSlot", desired, live) == ["valueElicitationSetting"]
    declination = {"messageGroups": [{"message": {"plainText": {"value": "OK"}}}]}
    intent_live = {"intentName": "I", "intentConfirmationSetting": {"promptSpecification": prompt, "declinationResponse": declination}}
    trimmed = {"intentName": "I", "intentConfirmationSetting": {"promptSpecification": prompt}}
    assert differing_fields("UpdateIntent", trimmed, intent_live) == ["intentConfirmationSetting"]


def test_a_new_locale_plan_updates_the_fallback_and_orders_creates(seed_bot_dir: Any) -> None:
    defn = load_spec(seed_bot_dir)
    plan = plan_locale(defn.locales[0], None)
    described = [c.describe() for c in plan.changes]
    assert described[0] == "create [en_US] locale en_US"
    assert "update [en_US] intent FallbackIntent (all)" in described
    assert not any("create [en_US] intent FallbackIntent" in d for d in described)
    assert described.index("create [en_US] slot type StatusTypes") < described.index("create [en_US] intent Status")
    assert described.index("create [en_US] slot Status.StatusType") < described.index("update [en_US] slot priorities Status")
    assert plan.needs_build
    assert display_order(plan.changes) == plan.changes  # nothing to delete


# ---------------------------------------------------------------- progress


def test_progress_updates_one_line_on_a_tty_and_writes_lines_elsewhere() -> None:
    tty = io.StringIO()
    progress = Progress(tty, tty=True)
    progress.status("building: Building (0s)", key="Building")
    progress.status("building: Building (2s)", key="Building")
    progress.settle("building: Built after 4s")
    assert tty.getvalue().count("\n") == 1 and "\r\x1b[K" in tty.getvalue()

    plain = io.StringIO()
    progress = Progress(plain, tty=False)
    progress.status("building: Building (0s)", key="Building")
    progress.status("building: Building (2s)", key="Building")
    progress.settle("building: Built after 4s")
    assert plain.getvalue().splitlines() == ["building: Building (0s)", "building: Built after 4s"]
    assert "\r" not in plain.getvalue()


# ---------------------------------------------------------------- versions, permissions, role


def test_fingerprints_round_trip_through_the_version_description() -> None:
    assert fingerprint_in(version_description("0a1b2c3d4e5f6789")) == "0a1b2c3d4e5f6789"
    assert fingerprint_in("made by hand") is None
    assert fingerprint_in(None) is None


def test_pruning_keeps_aliased_versions_and_the_newest_unused_ones() -> None:
    history = [VersionInfo(n, None) for n in (6, 5, 4, 3, 2, 1)]
    assert versions_to_prune(history, used={"6", "2"}, keep=2) == ["3", "1"]
    assert versions_to_prune(history, used={"6"}, keep=0) == ["5", "4", "3", "2", "1"]
    assert versions_to_prune(history, used=set(), keep=10) == []


def test_permission_statements_must_match_principal_action_and_source() -> None:
    source = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST"
    good = {
        "Effect": "Allow",
        "Principal": {"Service": "lexv2.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Condition": {"ArnLike": {"AWS:SourceArn": source}},
    }
    assert grants_invoke(good, source)
    assert not grants_invoke({**good, "Condition": {"ArnLike": {"AWS:SourceArn": source + "X"}}}, source)
    assert not grants_invoke({**good, "Principal": {"Service": "lex.amazonaws.com"}}, source)
    assert not grants_invoke({**good, "Effect": "Deny"}, source)
    assert statement_id("ABC", "DEF") == "chat-lex-ABC-DEF"


def test_the_bot_role_is_least_privilege() -> None:
    assert role_name("My Bot!") == "chat-lex-My-Bot--lex"
    assert len(role_name("x" * 200)) == 64
    actions = [s["Action"] for s in permissions_policy(sentiment=False)["Statement"]]
    assert actions == ["polly:SynthesizeSpeech"]
    with_sentiment = json.dumps(permissions_policy(sentiment=True))
    assert "comprehend:DetectSentiment" in with_sentiment and "comprehend:*" not in with_sentiment
