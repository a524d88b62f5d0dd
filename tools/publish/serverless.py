"""``chat-lex deploy --architecture serverless``: what it adds to the stack plan.

The serverless architecture deploys the dynamodb stack and the websocket-api stack
(infrastructure/websocket-api.yaml). Before the second, the runtime Lambda zip is built
(``chat-lex package-runtime``) and uploaded to S3 under a key named by its sha256, so a new
build is a new ``RuntimeCodeKey`` and CloudFormation updates the functions' code, and an
unchanged build changes nothing. ``--param RuntimeCodeKey=...`` deploys a zip already in
the bucket instead. The Cognito pool comes from the same environment's cognito stack when
it exists (``--param UserPoolId=... --param UserPoolClientId=...`` otherwise), and the bot
from ``--param BotId=... --param BotAliasId=...``.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from tools.lambda_zip import PackagingError
from tools.publish.errors import UsageError, aws_step
from tools.publish.progress import Progress
from tools.publish.stacks import Wired, stack_name
from tools.runtime_package_commands import build_runtime_zip, describe, entry_module_file, native_plan

BUILD_SOURCE = "chat-lex package-runtime"
CODE_KEY_PREFIX = "chat-lex/runtime-lambda-"
LAYER_PARAMETER = "DependencyLayerArns"


def builds_zip(explicit: dict[str, str]) -> bool:
    """Whether deploy builds and uploads the zip (no ``--param RuntimeCodeKey`` given)."""
    return "RuntimeCodeKey" not in explicit


def known_inputs(env: str, explicit: dict[str, str], bucket: str | None, lambda_arch: str) -> dict[str, str | Wired]:
    """Values the websocket-api stack gets from outside the two stacks: the cognito stack, the build, the flags."""
    known: dict[str, str | Wired] = {
        "UserPoolId": Wired(stack_name(env, "cognito"), "UserPoolId"),
        "UserPoolClientId": Wired(stack_name(env, "cognito"), "UserPoolClientId"),
        "LambdaArchitecture": lambda_arch,
    }
    if bucket:
        known["RuntimeCodeBucket"] = bucket
    if builds_zip(explicit):
        known["RuntimeCodeKey"] = Wired(BUILD_SOURCE, "RuntimeCodeKey")
    return known


def check_inputs(explicit: dict[str, str], bucket: str | None, lambda_arch: str) -> None:
    """Refuse, before any AWS call, what would deploy functions that cannot run."""
    if not builds_zip(explicit):
        return
    if bucket is None and "RuntimeCodeBucket" not in explicit:
        raise UsageError(
            "choosing the code bucket",
            "runtime zip",
            "the serverless architecture uploads the runtime Lambda zip to S3, and no bucket was named",
            "pass --code-bucket BUCKET (or --template-bucket BUCKET), an S3 bucket in this region you may write to",
        )
    if explicit.get("LambdaArchitecture", lambda_arch) != lambda_arch:
        raise UsageError(
            "choosing the architecture",
            "runtime zip",
            f"--param LambdaArchitecture={explicit['LambdaArchitecture']} differs from the zip's --lambda-arch {lambda_arch}",
            f"pass --lambda-arch {explicit['LambdaArchitecture']} instead; the compiled libraries must match the functions",
        )
    try:
        _, needs_layer = native_plan(lambda_arch)
    except PackagingError as exc:
        raise UsageError("planning the runtime zip", "runtime zip", str(exc), "run `make setup`") from exc
    if needs_layer and not explicit.get(LAYER_PARAMETER):
        raise UsageError(
            "planning the runtime zip",
            "runtime zip",
            f"{', '.join(needs_layer)} installed here cannot load on the python3.11 Lambda ({lambda_arch}, glibc 2.26), "
            "so the zip cannot carry them",
            f"build a layer with them (docs/deploy.md, 'The runtime Lambda zip') and pass --param {LAYER_PARAMETER}=<layer ARN>",
        )


def plan_lines(explicit: dict[str, str], bucket: str | None, lambda_arch: str) -> list[str]:
    """The build-and-upload step, for the printed plan."""
    if not builds_zip(explicit):
        return [f"0. runtime zip: s3://{explicit.get('RuntimeCodeBucket', bucket)}/{explicit['RuntimeCodeKey']} (given)"]
    target = explicit.get("RuntimeCodeBucket", bucket) or "<--code-bucket>"
    return [f"0. {BUILD_SOURCE} --lambda-arch {lambda_arch}, then upload to s3://{target}/{CODE_KEY_PREFIX}<sha256>.zip"]


def build_and_upload(s3: Any, bucket: str, lambda_arch: str, progress: Progress) -> str:
    """Build the zip, upload it unless that key is already there, and return its key."""
    with tempfile.TemporaryDirectory(prefix="chat-lex-runtime-") as folder:
        try:
            result = build_runtime_zip(Path(folder) / "runtime-lambda.zip", lambda_arch)
        except PackagingError as exc:
            raise UsageError("building the runtime zip", "runtime zip", str(exc), "run `make setup`, then deploy again") from exc
        for line in describe(result):
            progress.line("   " + line)
        if not result.has_entry:
            raise UsageError(
                "building the runtime zip",
                "runtime zip",
                f"{entry_module_file()} is not in this checkout, so the functions would have no handler",
                "deploy from a checkout that has the serverless handlers",
            )
        body = result.path.read_bytes()
    key = f"{CODE_KEY_PREFIX}{hashlib.sha256(body).hexdigest()[:32]}.zip"
    with aws_step("uploading the runtime zip", f"s3://{bucket}/{key}", "s3"):
        try:
            s3.head_object(Bucket=bucket, Key=key)
            progress.line(f"   s3://{bucket}/{key} is already there")
            return key
        except ClientError as exc:  # a missing key is the usual case
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    progress.line(f"   uploaded s3://{bucket}/{key} ({len(body)} bytes)")
    return key
