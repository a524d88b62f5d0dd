"""Creating or updating one CloudFormation stack through boto3 and waiting for it, with progress."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tools.publish.errors import PublishError, aws_step
from tools.publish.progress import Progress
from tools.publish.waiters import WaitSettings, wait_for_status

_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
_FAILED = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_FAILED",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
}
_CAPABILITIES = ["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def _current(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc.response.get("Error", {}).get("Message", "")):
            return None
        raise
    return stacks[0] if stacks else None


def _failure_reasons(cfn: Any, name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=name).get("StackEvents", [])
    return [
        f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}"
        for e in events
        if str(e.get("ResourceStatus", "")).endswith("FAILED") and e.get("ResourceStatusReason")
    ][:10]


def deploy_stack(
    cfn: Any,
    name: str,
    template: dict[str, str],
    parameters: dict[str, str],
    *,
    progress: Progress,
    wait: WaitSettings,
) -> dict[str, str]:
    """Create or update ``name``; returns its outputs. ``template`` is TemplateBody or TemplateURL.

    "No updates are to be performed" is success: the stack already matches.
    """
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    with aws_step("deploying the stack", name, "cloudformation"):
        current = _current(cfn, name)
        if current is not None and current["StackStatus"] == "ROLLBACK_COMPLETE":
            raise PublishError(
                "deploying the stack",
                name,
                "the stack's first creation failed and was rolled back; CloudFormation cannot update it",
                f"delete it (aws cloudformation delete-stack --stack-name {name}), fix the cause, and deploy again",
            )
        if current is None:
            cfn.create_stack(StackName=name, Parameters=params, Capabilities=_CAPABILITIES, **template)
            progress.line(f"creating stack {name}")
        else:
            try:
                cfn.update_stack(StackName=name, Parameters=params, Capabilities=_CAPABILITIES, **template)
                progress.line(f"updating stack {name}")
            except ClientError as exc:
                if "No updates are to be performed" not in str(exc.response.get("Error", {}).get("Message", "")):
                    raise
                progress.line(f"stack {name} is up to date")
                return _outputs(current)
        result = wait_for_status(
            lambda: cfn.describe_stacks(StackName=name)["Stacks"][0],
            status_key="StackStatus",
            done=_DONE,
            failed=_FAILED,
            what=f"stack {name}",
            progress=progress,
            settings=wait,
        )
        if result["StackStatus"] not in _DONE:
            reasons = _failure_reasons(cfn, name)
            raise PublishError(
                "deploying the stack",
                name,
                f"ended in {result['StackStatus']}" + "".join(f"\n      {r}" for r in reasons),
                "fix the cause named above (see the stack's events in the console) and deploy again",
            )
    progress.line(f"stack {name}: {result['StackStatus']}")
    return _outputs(result)


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs", [])}
