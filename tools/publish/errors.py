"""Publish failures a person reads: which step, which resource, what AWS said, how to fix it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError

# Error codes AWS services use for "the caller may not do this".
_ACCESS_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "AuthorizationError"}
_BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
}
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}

# What to do when no region is configured; boto3 reads either variable (AWS_REGION first).
REGION_FIX = "pass --region, or set AWS_REGION or AWS_DEFAULT_REGION"


class PublishError(Exception):
    """A publish or deploy step failed; ``render()`` is the message for the user."""

    def __init__(self, step: str, resource: str, detail: str, fix: str) -> None:
        self.step = step
        self.resource = resource
        self.detail = detail
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        """Three lines: where it failed, what was said, what to do."""
        return f"error: {self.step} failed for {self.resource}\n    {self.detail}\n    fix: {self.fix}"


class UsageError(PublishError):
    """The command line cannot work as given (a missing or contradictory flag): exit code 2, nothing was changed."""


class BuildFailed(Exception):
    """A locale build ended in Failed; carries Lex's ``failureReasons``."""

    def __init__(self, locale_id: str, reasons: list[str]) -> None:
        self.locale_id = locale_id
        self.reasons = reasons
        super().__init__(f"build of locale {locale_id} failed: {'; '.join(reasons) or 'no reason given'}")


class VerifyFailed(Exception):
    """The conversation tests failed against the candidate alias; carries their transcripts."""

    def __init__(self, locale_id: str, transcript: str) -> None:
        self.locale_id = locale_id
        self.transcript = transcript
        super().__init__(f"conversation tests failed against the candidate alias ({locale_id})")


def fix_for_client_error(exc: ClientError, permission_prefix: str) -> str:
    """What the user should do about an AWS error, by error code."""
    code = exc.response.get("Error", {}).get("Code", "")
    operation = exc.operation_name
    if code in _ACCESS_DENIED:
        return f"grant the caller the IAM permission {permission_prefix}:{operation} on this resource, then run again"
    if code in _BAD_CREDENTIALS:
        return "refresh your AWS credentials (aws sso login, or check AWS_PROFILE / AWS_ACCESS_KEY_ID), then run again"
    if code in _THROTTLED:
        return "AWS kept throttling after every retry; wait a minute and run again (publish resumes where it stopped)"
    if code == "ResourceNotFoundException":
        return "the resource vanished while publishing (deleted by someone else?); run again to recreate it"
    if code == "ServiceQuotaExceededException":
        return "a Lex quota is reached: remove unused versions (--prune-versions N) or resources, or ask AWS for a higher quota"
    if code in ("ConflictException", "PreconditionFailedException"):
        return "the resource is busy (a build or another publish in progress) or the name is taken; wait, check the console, run again"
    if code == "ValidationException":
        return "AWS rejected the request shape or a value; check the field it names in the spec (chat-lex validate) and run again"
    return "run again (publish is resumable); if it persists, look the error code up in the AWS docs for this operation"


@contextmanager
def aws_step(step: str, resource: str, permission_prefix: str = "lex") -> Iterator[None]:
    """Turn any AWS or botocore failure inside the block into a PublishError naming the step."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        detail = f"{error.get('Code', 'Error')} in {exc.operation_name}: {error.get('Message', '')}"
        raise PublishError(step, resource, detail, fix_for_client_error(exc, permission_prefix)) from exc
    except NoCredentialsError as exc:
        raise PublishError(
            step, resource, str(exc), "configure AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
        ) from exc
    except NoRegionError as exc:
        raise PublishError(step, resource, str(exc), REGION_FIX) from exc
    except EndpointConnectionError as exc:
        raise PublishError(
            step, resource, str(exc), "check the network or --endpoint-url, then run again (publish resumes where it stopped)"
        ) from exc
    except BotoCoreError as exc:
        raise PublishError(
            step, resource, str(exc), "this request could not be sent as built; report it with the spec that caused it"
        ) from exc
