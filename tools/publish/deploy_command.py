"""``chat-lex deploy --env dev|stg|prod [--architecture container|serverless]``: the CloudFormation stacks in order.

container (the default): dynamodb, cognito, iam, fulfillment, lexbot (generated from the
spec), then ``chat-lex publish`` (build, version, alias), then iam again with the bot alias
id (the runtime may call RecognizeText on that alias only), then runtime (ECS Fargate).

serverless: the runtime Lambda zip is built and uploaded (``tools/publish/serverless.py``),
then dynamodb and websocket-api (API Gateway WebSocket API and Lambda functions).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, TextIO

from bot_spec import SEED_BOT_DIR
from bot_spec.definition import BotDefinition
from bot_spec.diagnostics import SpecError
from bot_spec.formats.yaml_spec import load_spec
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_SERVICE_ERROR, EXIT_USAGE
from tools.publish import serverless
from tools.publish.clients import default_region, make_client, publish_clients
from tools.publish.cloudformation_runner import deploy_stack
from tools.publish.errors import REGION_FIX, BuildFailed, PublishError, UsageError, aws_step
from tools.publish.pipeline import AwsClients, Publisher, PublishOptions
from tools.publish.progress import Progress
from tools.publish.publish_command import add_aws_arguments
from tools.publish.retry import RetryPolicy
from tools.publish.stacks import (
    ALL_PARTS,
    ARCHITECTURES,
    ENVIRONMENTS,
    MAX_INLINE_TEMPLATE_BYTES,
    STACK_ORDER,
    Stack,
    Wired,
    describe_plan,
    plan_stacks,
)
from tools.publish.waiters import WaitSettings
from tools.runtime_package_commands import ARCHITECTURES as LAMBDA_ARCHITECTURES
from tools.runtime_package_commands import host_architecture

MAX_PARAMETER_CHARS = 4096  # CloudFormation's limit on a parameter value
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")  # S3's general purpose bucket naming rules


def _parameter(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. VpcId=vpc-0abc), got {text[:80]!r}")
    if len(value) > MAX_PARAMETER_CHARS:
        raise argparse.ArgumentTypeError(f"the value of {name} is longer than {MAX_PARAMETER_CHARS} characters")
    return name, value


def _bucket(text: str) -> str:
    if not BUCKET_NAME.fullmatch(text) or ".." in text:
        raise argparse.ArgumentTypeError(f"{text[:80]!r} is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)")
    return text


def _parts(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in parts if p not in ALL_PARTS]
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"unknown stack {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL_PARTS)}")
    return parts


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``deploy``."""
    parser = subparsers.add_parser(
        "deploy",
        help="deploy the CloudFormation stacks (tables, user pool, roles, fulfillment, bot, runtime) and publish the bot",
        description="Deploy chat-lex to AWS. container: "
        + ", ".join(STACK_ORDER)
        + "; publish runs after the bot stack. serverless: the runtime Lambda zip to S3, then "
        + ", ".join(ARCHITECTURES["serverless"])
        + ".",
    )
    parser.add_argument("--env", required=True, choices=ENVIRONMENTS, help="deployment environment")
    parser.add_argument(
        "--architecture",
        choices=tuple(ARCHITECTURES),
        default="container",
        help="container: ECS Fargate behind a load balancer (default); serverless: API Gateway WebSocket API and Lambda",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the stack order and parameters; call no AWS API (no credentials needed)"
    )
    parser.add_argument(
        "--param", action="append", type=_parameter, default=[], metavar="NAME=VALUE", help="a stack parameter (repeatable)"
    )
    parser.add_argument(
        "--stacks", type=_parts, default=None, metavar="A,B", help="deploy only these stacks of the architecture (default: all)"
    )
    parser.add_argument("--skip-publish", action="store_true", help="do not run publish after the bot stack")
    parser.add_argument("--bot-dir", default=str(SEED_BOT_DIR), help="bot spec folder (default: bot_spec/chatbot)")
    add_aws_arguments(parser)
    parser.add_argument("--template-bucket", help="S3 bucket for templates larger than CloudFormation's 51,200-byte inline limit")
    parser.add_argument("--code-bucket", type=_bucket, help="serverless: S3 bucket for the runtime Lambda zip (default: --template-bucket)")
    parser.add_argument(
        "--lambda-arch",
        choices=LAMBDA_ARCHITECTURES,
        default=host_architecture(),
        help="serverless: architecture of the functions and of the zip's compiled libraries (default: this machine's)",
    )
    parser.set_defaults(func=run_deploy)


class Deployer:
    """Deploys planned stacks in order, resolving wired parameters from outputs as they appear."""

    def __init__(
        self,
        env: str,
        defn: BotDefinition,
        region: str,
        cfn: Any,
        s3: Any,
        publish: AwsClients | None,
        *,
        progress: Progress,
        wait: WaitSettings,
        template_bucket: str | None = None,
    ) -> None:
        self.env = env
        self.defn = defn
        self.region = region
        self.cfn = cfn
        self.s3 = s3
        self.publish_clients = publish
        self.progress = progress
        self.wait = wait
        self.template_bucket = template_bucket
        self.outputs: dict[str, str] = {}

    def _outputs_of(self, name: str) -> dict[str, str]:
        with aws_step("reading outputs", name, "cloudformation"):
            try:
                stack = self.cfn.describe_stacks(StackName=name)["Stacks"][0]
            except Exception:
                return {}
        return {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs", [])}

    def _resolve(self, stack: Stack) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, value in stack.parameters.items():
            if isinstance(value, Wired):
                if value.output not in self.outputs and value.source.startswith("chat-lex-"):
                    self.outputs.update({k: v for k, v in self._outputs_of(value.source).items() if k not in self.outputs})
                if value.output not in self.outputs:
                    raise PublishError(
                        "wiring parameters",
                        stack.name,
                        f"{key} should come from {value.source}, which has no output {value.output} (not deployed yet?)",
                        f"deploy {value.source} first, or pass --param {key}=...",
                    )
                values[key] = self.outputs[value.output]
            else:
                values[key] = value
        return values

    def _template_argument(self, stack: Stack) -> dict[str, str]:
        size = len(stack.body.encode("utf-8"))
        if size <= MAX_INLINE_TEMPLATE_BYTES:
            return {"TemplateBody": stack.body}
        if not self.template_bucket:
            raise PublishError(
                "uploading the template",
                stack.name,
                f"the template is {size} bytes; CloudFormation takes at most {MAX_INLINE_TEMPLATE_BYTES} inline",
                "pass --template-bucket BUCKET (an S3 bucket in this region you may write to)",
            )
        key = f"chat-lex/{stack.name}.template"
        with aws_step("uploading the template", f"s3://{self.template_bucket}/{key}", "s3"):
            self.s3.put_object(Bucket=self.template_bucket, Key=key, Body=stack.body.encode("utf-8"))
        return {"TemplateURL": f"https://{self.template_bucket}.s3.{self.region}.amazonaws.com/{key}"}

    def deploy(self, stack: Stack, extra: dict[str, str] | None = None) -> None:
        values = {**self._resolve(stack), **(extra or {})}
        outs = deploy_stack(self.cfn, stack.name, self._template_argument(stack), values, progress=self.progress, wait=self.wait)
        self.outputs.update(outs)

    def publish(self) -> None:
        if self.publish_clients is None:
            return
        options = PublishOptions(
            alias="live",
            region=self.region,
            role_arn=self.outputs.get("BotRoleArn"),
            lambda_arn=self.outputs.get("LambdaArn") or None,
        )
        self.progress.line("publishing the bot")
        report = Publisher(self.publish_clients, options, progress=self.progress, wait=self.wait).run(self.defn)
        if report.bot_id:
            self.outputs["BotId"] = report.bot_id
        if report.alias_id:
            self.outputs["BotAliasId"] = report.alias_id


def run_deploy(
    args: argparse.Namespace,
    *,
    cfn: Any = None,
    s3: Any = None,
    clients: AwsClients | None = None,
    wait: WaitSettings | None = None,
    out: TextIO | None = None,
) -> int:
    """The deploy command; tests inject the CloudFormation client, publish clients, waits and output."""
    progress = Progress(out if out is not None else sys.stdout)
    try:
        defn = load_spec(args.bot_dir)
        explicit = dict(args.param)
        order = ARCHITECTURES[args.architecture]
        parts = args.stacks or list(order)
        foreign = [p for p in parts if p not in order]
        if foreign:
            raise UsageError(
                "choosing the stacks",
                "--stacks",
                f"{', '.join(foreign)} is not part of the {args.architecture} architecture",
                f"choose from {', '.join(order)}",
            )
        is_serverless = args.architecture == "serverless"
        code_bucket = args.code_bucket or args.template_bucket
        builds = is_serverless and "websocket-api" in parts and serverless.builds_zip(explicit)
        known = serverless.known_inputs(args.env, explicit, code_bucket, args.lambda_arch) if is_serverless else None
        stacks = plan_stacks(args.env, defn, explicit, parts, order=order, known_outputs=known)
        publishes = not args.skip_publish and not is_serverless
        progress.line(f"Deployment {args.env} ({args.architecture}): stacks in order")
        if is_serverless and "websocket-api" in parts:
            for line in serverless.plan_lines(explicit, code_bucket, args.lambda_arch):
                progress.line(line)
        for line in describe_plan(stacks, publish=publishes):
            progress.line(line)
        if is_serverless and "websocket-api" in parts:
            serverless.check_inputs(explicit, code_bucket, args.lambda_arch)
        missing = [f"{s.name}: {name}" for s in stacks for name in s.missing]
        if missing:
            progress.line("error: parameters without a value: " + "; ".join(missing))
            progress.line("    fix: pass each as --param NAME=VALUE")
            return EXIT_USAGE
        if args.dry_run:
            progress.line("dry run: no stack was created or changed")
            return EXIT_OK
        region = args.region or default_region()
        if region is None:
            raise UsageError("choosing the region", "deploy", "no AWS region is configured", REGION_FIX)
        policy = RetryPolicy()
        cfn = cfn if cfn is not None else make_client("cloudformation", region, args.endpoint_url, policy)
        s3 = s3 if s3 is not None else make_client("s3", region, args.endpoint_url, policy)
        if clients is None and publishes:
            clients = publish_clients(region, args.endpoint_url, policy)
        deployer = Deployer(
            args.env,
            defn,
            region,
            cfn,
            s3,
            clients if publishes else None,
            progress=progress,
            wait=wait or WaitSettings(poll_seconds=10.0),
            template_bucket=args.template_bucket,
        )
        if builds:
            bucket = explicit.get("RuntimeCodeBucket") or code_bucket or ""
            progress.line(f"building the runtime zip ({args.lambda_arch})")
            deployer.outputs["RuntimeCodeKey"] = serverless.build_and_upload(s3, bucket, args.lambda_arch, progress)
        iam_stack = next((s for s in stacks if s.part == "iam"), None)
        for stack in stacks:
            deployer.deploy(stack)
            if stack.part == "lexbot" and publishes:
                deployer.publish()
                if iam_stack is not None:
                    ids: dict[str, str] = {k: deployer.outputs[k] for k in ("BotId", "BotAliasId") if k in deployer.outputs}
                    deployer.deploy(iam_stack, extra=ids)
        progress.line(f"deployed {', '.join(s.name for s in stacks)}")
        for key in ("Url", "WebSocketUrl", "ApiGatewayManagementEndpoint"):
            if key in deployer.outputs:
                progress.line(f"{key}: {deployer.outputs[key]}")
    except SpecError as exc:
        for diag in exc.diagnostics:
            print(diag.render(), file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BuildFailed as exc:
        progress.line(f"error: the build of locale {exc.locale_id} failed: {'; '.join(exc.reasons) or 'no reason given'}")
        return EXIT_INPUT_ERROR
    except UsageError as exc:
        progress.line(exc.render())
        return EXIT_USAGE
    except PublishError as exc:
        progress.line(exc.render())
        return EXIT_SERVICE_ERROR
    except Exception as exc:  # the last line of defence: a message, never a traceback
        progress.line(f"error: deploy stopped on an unexpected {type(exc).__name__}: {exc}")
        progress.line("    fix: run again (it resumes where it stopped); if it repeats, report it with this output")
        return EXIT_SERVICE_ERROR
    return EXIT_OK
