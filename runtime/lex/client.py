"""The Lex V2 runtime client interface, and its boto3-backed implementation for AWS.

``LocalLexRuntime`` and a boto3 ``lexv2-runtime`` client both satisfy
``LexRuntimeClient``, so callers switch between the local engine and real Lex by
configuration alone.
"""

from __future__ import annotations

from typing import Any, Protocol, cast


class LexTextClient(Protocol):
    """RecognizeText alone, with boto3's keyword arguments: all the chat runtime's bot participant asks of Lex."""

    def recognize_text(
        self,
        *,
        botId: str,
        botAliasId: str,
        localeId: str,
        sessionId: str,
        text: str,
        sessionState: dict[str, Any] = ...,
        requestAttributes: dict[str, str] = ...,
    ) -> Any: ...


class LexRuntimeClient(LexTextClient, Protocol):
    """The four Lex V2 runtime operations, with boto3's keyword arguments and answers."""

    def put_session(
        self,
        *,
        botId: str,
        botAliasId: str,
        localeId: str,
        sessionId: str,
        sessionState: dict[str, Any],
        messages: list[dict[str, Any]] = ...,
        requestAttributes: dict[str, str] = ...,
        responseContentType: str = ...,
    ) -> Any: ...

    def get_session(self, *, botId: str, botAliasId: str, localeId: str, sessionId: str) -> Any: ...

    def delete_session(self, *, botId: str, botAliasId: str, localeId: str, sessionId: str) -> Any: ...


def aws_lex_client(region: str, endpoint_url: str | None = None) -> LexRuntimeClient:
    """A boto3 ``lexv2-runtime`` client; ``endpoint_url`` points it at the local HTTP engine."""
    import boto3

    # boto3's stubs type each call with its own TypedDicts; the shapes are the same.
    return cast(LexRuntimeClient, boto3.client("lexv2-runtime", region_name=region, endpoint_url=endpoint_url))
