"""``chat-lex publish [BOT_DIR]``: the argument parser and the exit codes around the pipeline."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TextIO

from bot_spec import SEED_BOT_DIR
from bot_spec.code_hook import CodeHookSpec
from bot_spec.definition import BotDefinition
from bot_spec.diagnostics import SpecError
from bot_spec.formats.yaml_spec import load_spec
from bot_spec.names import is_lex_name
from tools.code_hook_option import code_hook_arg
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_SERVICE_ERROR, EXIT_USAGE
from tools.publish.clients import default_region, publish_clients
from tools.publish.empty_account import EMPTY_ACCOUNT_NOTICE, empty_account_clients, has_credentials
from tools.publish.errors import REGION_FIX, BuildFailed, PublishError, UsageError, VerifyFailed
from tools.publish.pipeline import AwsClients, Publisher, PublishOptions, PublishReport, select_locales
from tools.publish.progress import Progress
from tools.publish.retry import RetryPolicy
from tools.publish.verify import CANDIDATE_ALIAS, Verifier, run_conversation_tests
from tools.publish.waiters import WaitSettings

DEFAULT_BOT_DIR = SEED_BOT_DIR


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """``--region`` and ``--endpoint-url``: where the AWS calls go (publish and deploy)."""
    parser.add_argument("--region", type=region_name, help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
    parser.add_argument("--endpoint-url", type=endpoint_url, help="send every AWS call to this endpoint (tests, emulators)")


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    """The publish flags (deploy reuses some of them)."""
    parser.add_argument("--alias", default="live", type=_alias_name, help="alias to point at the new version (default: live)")
    add_aws_arguments(parser)
    role = parser.add_mutually_exclusive_group()
    role.add_argument("--role-arn", type=_arn("role"), help="IAM role the bot runs as (trusted by lexv2.amazonaws.com)")
    role.add_argument("--create-role", action="store_true", help="create a least-privilege role for the bot")
    hook = parser.add_mutually_exclusive_group()
    hook.add_argument("--lambda-arn", type=_arn("lambda"), help="fulfillment Lambda to hook to the alias (and grant Lex invoke on)")
    hook.add_argument(
        "--code-hook",
        type=_publish_code_hook,
        metavar="SPEC",
        help="lambda:ARN (as --lambda-arn) or none (attach nothing); default: the lambda: hook bot.yaml names, if any",
    )
    parser.add_argument(
        "--locale", action="append", dest="locales", type=_locale_id, metavar="LOCALE", help="publish only this locale (repeatable)"
    )
    parser.add_argument(
        "--sentiment", action="store_true", help="turn on sentiment analysis for the alias (adds comprehend to a created role)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and change nothing; with no AWS credentials at all, plan against an empty account",
    )
    parser.add_argument(
        "--verify", action="store_true", help="run the conversation features against alias 'candidate' before moving the alias"
    )
    parser.add_argument(
        "--prune-versions", type=_non_negative, metavar="N", help="keep the newest N versions no alias uses, delete older ones"
    )
    parser.add_argument("--yes", action="store_true", help="do not ask before applying a plan that deletes resources")


_LOCALE_ID = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
_ARN = {
    "role": re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$"),
    "lambda": re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]{1,64}(:[\w$-]{1,128})?$"),
}


def _alias_name(text: str) -> str:
    if not is_lex_name(text) or text == "TestBotAlias":  # BotAliasName follows Lex's naming rule
        raise argparse.ArgumentTypeError(f"{text[:120]!r} is not a usable alias name: 1-100 letters, digits, _ or -, and not TestBotAlias")
    return text


def _locale_id(text: str) -> str:
    if not _LOCALE_ID.match(text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a locale id; use the form en_US")
    return text


def _arn(kind: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if not _ARN[kind].match(text):
            example = "arn:aws:iam::123456789012:role/name" if kind == "role" else "arn:aws:lambda:us-east-1:123456789012:function:name"
            raise argparse.ArgumentTypeError(f"{text[:120]!r} is not a {kind} ARN (e.g. {example})")
        return text

    return check


def _publish_code_hook(text: str) -> CodeHookSpec:
    """argparse type: on AWS the alias calls a deployed Lambda, so only lambda:ARN or none can be published."""
    spec = code_hook_arg(text)
    if spec.kind == "none" or (spec.kind == "lambda" and _ARN["lambda"].match(spec.target)):
        return spec
    raise argparse.ArgumentTypeError(
        f"{text[:80]!r}: an alias calls a deployed Lambda; give lambda:arn:aws:lambda:REGION:ACCOUNT:function:NAME or none "
        "(deploy a Python hook with chat-lex package-fulfillment first)"
    )


def lambda_for(args: argparse.Namespace, defn: BotDefinition) -> str | None:
    """The Lambda to attach: --lambda-arn, --code-hook lambda:ARN, else one every published locale of the spec names."""
    if args.lambda_arn is not None:
        return str(args.lambda_arn)
    given: CodeHookSpec | None = getattr(args, "code_hook", None)
    if given is not None:
        return given.target if given.kind == "lambda" else None
    named = {loc.code_hook.target for loc in defn.locales if loc.code_hook is not None and loc.code_hook.kind == "lambda"}
    if len(named) == 1 and all(loc.code_hook is not None for loc in defn.locales):
        arn = next(iter(named))
        return arn if _ARN["lambda"].match(arn) else None
    return None


def region_name(text: str) -> str:
    """argparse type: an AWS region name such as eu-west-1."""
    if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$", text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an AWS region (e.g. us-east-1)")
    return text


def endpoint_url(text: str) -> str:
    """argparse type: an http(s) URL."""
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", text) or len(text) > 2048:
        raise argparse.ArgumentTypeError(f"{text[:120]!r} is not an http(s) URL")
    return text


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0 or value > 100:  # Lex keeps at most 100 versions per bot
        raise argparse.ArgumentTypeError(f"expected 0..100, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``publish``."""
    parser = subparsers.add_parser(
        "publish",
        help="publish the bot to Amazon Lex V2: DRAFT, build, version, alias",
        description="Make the bot's DRAFT equal the spec, build it, version it and point an alias at it. Idempotent and resumable.",
    )
    parser.add_argument("bot_dir", nargs="?", default=str(DEFAULT_BOT_DIR), help="bot spec folder (default: bot_spec/chatbot)")
    add_publish_arguments(parser)
    parser.set_defaults(func=run_publish)


def options_from_args(
    args: argparse.Namespace, region: str, defn: BotDefinition | None = None, *, assumed_empty_account: bool = False
) -> PublishOptions:
    """PublishOptions from parsed flags (and the spec's lambda: code hook when no flag names one)."""
    return PublishOptions(
        assumed_empty_account=assumed_empty_account,
        alias=args.alias,
        region=region,
        role_arn=args.role_arn,
        create_role=bool(args.create_role),
        lambda_arn=lambda_for(args, defn) if defn is not None else args.lambda_arn,
        locales=args.locales,
        dry_run=bool(args.dry_run),
        verify=bool(args.verify),
        prune_versions=args.prune_versions,
        sentiment=bool(args.sentiment),
    )


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():  # nobody to ask: a deleting plan needs --yes
        raise UsageError("confirming the plan", "publish", f"{question} There is no terminal to ask at.", "pass --yes to apply it")
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def summarize(report: PublishReport, progress: Progress) -> None:
    """The closing lines: what changed."""
    if report.version is None:
        return
    progress.line(
        f"published bot {report.bot_id}: {len(report.changes)} change(s), builds {', '.join(report.builds) or 'none'}, "
        f"version {report.version} ({'new' if report.version_created else 'unchanged'}), alias {report.alias_action}"
        + (f", pruned {', '.join(report.pruned)}" if report.pruned else "")
    )


def run_publish(
    args: argparse.Namespace,
    *,
    clients: AwsClients | None = None,
    verifier: Verifier = run_conversation_tests,
    wait: WaitSettings | None = None,
    out: TextIO | None = None,
) -> int:
    """The publish command; tests inject clients, the verifier, the wait settings and the output."""
    stream = out if out is not None else sys.stdout
    progress = Progress(stream)
    try:
        if args.verify and args.alias == CANDIDATE_ALIAS:
            raise UsageError(
                "checking the options", "--alias", f"--verify tests through alias {CANDIDATE_ALIAS}", "publish to another alias"
            )
        defn = select_locales(load_spec(args.bot_dir), args.locales)
        region = args.region or default_region()
        assumed_empty = clients is None and args.dry_run and args.endpoint_url is None and not has_credentials()
        if assumed_empty:
            progress.line(EMPTY_ACCOUNT_NOTICE)
            clients = empty_account_clients()
            region = region or "(no region set)"
        if region is None:
            raise UsageError("choosing the region", "publish", "no AWS region is configured", REGION_FIX)
        if clients is None:
            clients = publish_clients(region, args.endpoint_url, RetryPolicy(on_retry=_retry_notice(progress)))
        confirm = None if args.yes else _ask
        publisher = Publisher(
            clients,
            options_from_args(args, region, defn, assumed_empty_account=assumed_empty),
            progress=progress,
            verifier=verifier,
            wait=wait,
            confirm=confirm,
        )
        summarize(publisher.run(defn), progress)
    except SpecError as exc:
        for diag in exc.diagnostics:
            print(diag.render(), file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BuildFailed as exc:
        progress.line(f"error: the build of locale {exc.locale_id} failed:")
        for reason in exc.reasons or ["(Lex gave no reason)"]:
            progress.line(f"    - {reason}")
        progress.line("    fix: correct the spec (chat-lex validate), then publish again; the alias was not moved")
        return EXIT_INPUT_ERROR
    except VerifyFailed as exc:
        progress.line(f"error: the conversation tests failed against alias candidate ({exc.locale_id}); the alias was not moved")
        progress.line(exc.transcript)
        return EXIT_INPUT_ERROR
    except UsageError as exc:
        progress.line(exc.render())
        return EXIT_USAGE
    except PublishError as exc:
        progress.line(exc.render())
        return EXIT_SERVICE_ERROR
    except Exception as exc:  # the last line of defence: a message, never a traceback
        progress.line(f"error: publish stopped on an unexpected {type(exc).__name__}: {exc}")
        progress.line("    fix: run again (it resumes where it stopped); if it repeats, report it with this output")
        return EXIT_SERVICE_ERROR
    return EXIT_OK


def _retry_notice(progress: Progress) -> Callable[[str, str, int, float], None]:
    def notice(operation: str, code: str, attempt: int, delay: float) -> None:
        progress.status(f"  {operation}: {code}, retry {attempt} in {delay:.1f}s")

    return notice
