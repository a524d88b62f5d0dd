"""The Lex V2 runtime API: the local engine (in process and over HTTP) and a boto3-backed client.

Heavy parts load on first use, so importing a name from here stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.lex.clock import ManualClock
from runtime.lex.errors import (
    AccessDeniedException,
    BadGatewayException,
    ConflictException,
    DependencyFailedException,
    InternalServerException,
    LexError,
    ResourceNotFoundException,
    ThrottlingException,
    ValidationException,
)

if TYPE_CHECKING:
    from runtime.lex.client import LexRuntimeClient, aws_lex_client
    from runtime.lex.codehooks import CodeHook
    from runtime.lex.engine import BotDeployment, LocalLexRuntime, decode_header, local_runtime_for
    from runtime.lex.http import create_lex_http_app

_LAZY = {
    "LexRuntimeClient": "runtime.lex.client",
    "aws_lex_client": "runtime.lex.client",
    "CodeHook": "runtime.lex.codehooks",
    "BotDeployment": "runtime.lex.engine",
    "LocalLexRuntime": "runtime.lex.engine",
    "decode_header": "runtime.lex.engine",
    "local_runtime_for": "runtime.lex.engine",
    "create_lex_http_app": "runtime.lex.http",
}

__all__ = [
    "AccessDeniedException",
    "BadGatewayException",
    "BotDeployment",
    "CodeHook",
    "ConflictException",
    "DependencyFailedException",
    "InternalServerException",
    "LexError",
    "LexRuntimeClient",
    "LocalLexRuntime",
    "ManualClock",
    "ResourceNotFoundException",
    "ThrottlingException",
    "ValidationException",
    "aws_lex_client",
    "create_lex_http_app",
    "decode_header",
    "local_runtime_for",
]


def __getattr__(name: str) -> Any:
    # Litestar, botocore and the NLU load only when these names are first used.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'runtime.lex' has no attribute {name!r}")
