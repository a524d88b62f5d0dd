"""The Lex V2 runtime's exceptions, with the HTTP status and error code Lex sends."""

from __future__ import annotations

from typing import ClassVar


class LexError(Exception):
    """A Lex V2 runtime error; ``code`` is the ``x-amzn-ErrorType`` botocore maps to a class."""

    code: ClassVar[str] = "InternalServerException"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_body(self) -> dict[str, str]:
        """The JSON error body Lex returns."""
        return {"message": self.message}


class ValidationException(LexError):
    """The request is malformed; the message names the field."""

    code = "ValidationException"
    http_status = 400


class AccessDeniedException(LexError):
    """The caller may not do this."""

    code = "AccessDeniedException"
    http_status = 403


class ResourceNotFoundException(LexError):
    """The bot, alias, locale or session does not exist."""

    code = "ResourceNotFoundException"
    http_status = 404


class ConflictException(LexError):
    """Another request on the same session is still running."""

    code = "ConflictException"
    http_status = 409


class DependencyFailedException(LexError):
    """The code hook failed: an exception, a timeout or an invalid response."""

    code = "DependencyFailedException"
    http_status = 424


class ThrottlingException(LexError):
    """Too many requests."""

    code = "ThrottlingException"
    http_status = 429


class InternalServerException(LexError):
    """The engine failed; a bug on our side."""

    code = "InternalServerException"
    http_status = 500


class BadGatewayException(LexError):
    """A downstream service answered with nonsense."""

    code = "BadGatewayException"
    http_status = 502


ERROR_CLASSES: dict[str, type[LexError]] = {
    cls.code: cls
    for cls in (
        ValidationException,
        AccessDeniedException,
        ResourceNotFoundException,
        ConflictException,
        DependencyFailedException,
        ThrottlingException,
        InternalServerException,
        BadGatewayException,
    )
}
