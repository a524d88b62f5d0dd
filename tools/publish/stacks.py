"""The deployment's CloudFormation stacks: their order, templates and how parameters are wired.

A parameter gets its value from, in order: ``Env``; an explicit ``--param NAME=VALUE``; an
output of the same name of an earlier stack (``MessagesTableArn``, ``BotRoleArn``...); the
template's default. Anything else is missing, and deploy says so before touching AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot_spec.definition import BotDefinition
from bot_spec.formats.cloudformation import load_template, to_template

INFRASTRUCTURE_DIR = Path(__file__).resolve().parents[2] / "infrastructure"
# The order stacks are deployed in; "lexbot" is generated from the bot spec, never hand-written.
STACK_ORDER: tuple[str, ...] = ("dynamodb", "cognito", "iam", "fulfillment", "lexbot", "runtime")
# The serverless architecture: the tables, then the WebSocket API with its Lambda functions.
SERVERLESS_STACK_ORDER: tuple[str, ...] = ("dynamodb", "websocket-api")
ARCHITECTURES: dict[str, tuple[str, ...]] = {"container": STACK_ORDER, "serverless": SERVERLESS_STACK_ORDER}
ALL_PARTS: tuple[str, ...] = tuple(dict.fromkeys(STACK_ORDER + SERVERLESS_STACK_ORDER))
ENVIRONMENTS: tuple[str, ...] = ("dev", "stg", "prod")
# CloudFormation accepts an inline TemplateBody up to 51,200 bytes; larger ones go through S3.
MAX_INLINE_TEMPLATE_BYTES = 51_200


@dataclass(frozen=True)
class Wired:
    """A parameter value that an earlier stack (or publish) will output."""

    source: str
    output: str

    def __str__(self) -> str:
        return f"<{self.output} from {self.source}>"


@dataclass
class Stack:
    """One stack to deploy: its name, template text, parsed template and resolved parameters."""

    part: str
    name: str
    body: str
    template: dict[str, Any]
    parameters: dict[str, str | Wired]
    missing: list[str]


def stack_name(env: str, part: str) -> str:
    """``chat-lex-<env>-<part>``."""
    return f"chat-lex-{env}-{part}"


def template_text(part: str, defn: BotDefinition, infrastructure_dir: Path = INFRASTRUCTURE_DIR) -> str:
    """The template of one part: a file under ``infrastructure/``, or the generated bot template."""
    if part == "lexbot":
        # The bot's role comes from the iam stack (BotRoleArn), so the generated template has none.
        return json.dumps(to_template(defn, include_role=False), indent=1)
    return (infrastructure_dir / f"{part}.yaml").read_text(encoding="utf-8")


def output_names(template: dict[str, Any]) -> list[str]:
    """The names of a template's outputs."""
    outputs = template.get("Outputs") or {}
    return list(outputs) if isinstance(outputs, dict) else []


# Values publish produces between the lexbot and runtime stacks.
PUBLISH_OUTPUTS = ("BotAliasId",)


def plan_stacks(
    env: str,
    defn: BotDefinition,
    explicit: dict[str, str],
    parts: list[str],
    *,
    infrastructure_dir: Path = INFRASTRUCTURE_DIR,
    known_outputs: dict[str, str | Wired] | None = None,
    order: tuple[str, ...] = STACK_ORDER,
) -> list[Stack]:
    """Every selected stack of ``order``, in that order, with parameters wired from earlier stacks."""
    available: dict[str, str | Wired] = dict(known_outputs or {})
    stacks: list[Stack] = []
    for part in order:
        body = template_text(part, defn, infrastructure_dir)
        template = load_template(body, f"{part} template")
        if part in parts:
            params: dict[str, str | Wired] = {}
            missing: list[str] = []
            for name, spec in (template.get("Parameters") or {}).items():
                if name == "Env":
                    params[name] = env
                elif name in explicit:
                    params[name] = explicit[name]
                elif name in available:
                    params[name] = available[name]
                elif isinstance(spec, dict) and "Default" in spec:
                    continue  # CloudFormation applies the default
                else:
                    missing.append(name)
            stacks.append(Stack(part, stack_name(env, part), body, template, params, missing))
        for output in output_names(template):
            available.setdefault(output, Wired(stack_name(env, part), output))
        if part == "lexbot":
            for output in PUBLISH_OUTPUTS:
                available.setdefault(output, Wired("chat-lex publish", output))
    return stacks


def describe_plan(stacks: list[Stack], *, publish: bool = True) -> list[str]:
    """Lines showing the order and every parameter (secrets are not parameters here)."""
    lines: list[str] = []
    parts = [s.part for s in stacks]
    for n, stack in enumerate(stacks, 1):
        source = "generated from the bot spec" if stack.part == "lexbot" else f"infrastructure/{stack.part}.yaml"
        lines.append(f"{n}. {stack.name} ({source})")
        for name, value in stack.parameters.items():
            lines.append(f"     {name} = {value}")
        for name in stack.missing:
            lines.append(f"     {name} = MISSING (pass --param {name}=...)")
        if stack.part == "lexbot" and publish:
            lines.append("   then: chat-lex publish (build, version, alias live, Lambda permission)")
            if "iam" in parts:
                iam = stacks[parts.index("iam")].name
                lines.append(f"   then: {iam} again with BotId and BotAliasId (RecognizeText on that alias only)")
    return lines
