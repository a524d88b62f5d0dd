"""The local engine over HTTP, on the Lex V2 runtime REST paths, so boto3 can talk to it.

Point an unmodified ``boto3.client("lexv2-runtime", endpoint_url=...)`` at the app:
requests are the Lex REST-JSON shapes, errors carry ``x-amzn-ErrorType`` so botocore
raises the matching ``client.exceptions.*``. SigV4 signatures are not checked.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar import Litestar, Request, Response, delete, get, post
from litestar.exceptions import HTTPException

from runtime.lex import utterance
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.errors import InternalServerException, LexError, ValidationException

MAX_BODY_BYTES = 256 * 1024  # a RecognizeText body is text (1024 chars) plus state; far below this
_PREFIX = "/bots/{botId:str}/botAliases/{botAliasId:str}/botLocales/{localeId:str}/sessions/{sessionId:str}"
_log = logging.getLogger("chat_lex.lex_http")


def _error_response(error: LexError) -> Response[bytes]:
    return Response(
        content=json.dumps(error.to_body()).encode("utf-8"),
        status_code=error.http_status,
        media_type="application/json",
        headers={"x-amzn-ErrorType": error.code},
    )


def _headers_response(headers: dict[str, str]) -> Response[bytes]:
    # Content-Type goes in as a header: Litestar's media_type would append a second "; charset=utf-8".
    return Response(content=b"", status_code=200, headers=headers)


def _json_response(body: dict[str, Any]) -> Response[bytes]:
    return Response(content=json.dumps(body).encode("utf-8"), status_code=200, media_type="application/json")


async def _read_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationException(f"the request body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationException(f"the request body is not valid JSON ({exc})") from None
    except RecursionError:
        raise ValidationException("the request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ValidationException("the request body must be a JSON object")
    return body


async def _run(operation: str, ids: dict[str, Any], call: Callable[[], Response[bytes]]) -> Response[bytes]:
    """Run an engine call off the event loop, turn Lex errors into Lex HTTP errors, log one JSON line."""
    started = time.perf_counter()
    try:
        response = await anyio.to_thread.run_sync(call)
    except LexError as error:
        response = _error_response(error)
    except Exception:  # a bug must reach the client as Lex's 500, never as a traceback
        _log.exception(json.dumps({"event": "lex_http_internal_error", "operation": operation, **ids}))
        response = _error_response(InternalServerException("The local Lex engine failed on this request; see the server log."))
    if _log.isEnabledFor(logging.INFO):
        record = {
            "event": "lex_http_request",
            "operation": operation,
            **{k: str(v)[:100] for k, v in ids.items()},
            "status": response.status_code,
            "error": response.headers.get("x-amzn-ErrorType"),
            "ms": round((time.perf_counter() - started) * 1000, 3),
        }
        _log.info(json.dumps(record))
    return response


def _path_ids(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {name: request.path_params[name] for name in ("botId", "botAliasId", "localeId", "sessionId")}


def _known(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise ValidationException(f"unknown field(s) in the request body: {', '.join(unknown)[:200]}")
    return {k: body[k] for k in names if k in body}


def create_lex_http_app(runtime: LocalLexRuntime) -> Litestar:
    """A Litestar app serving RecognizeText, RecognizeUtterance (text), PutSession, GetSession and DeleteSession for ``runtime``."""

    @post(_PREFIX + "/text", status_code=200)
    async def recognize_text(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            body = _known(await _read_json(request), ("text", "sessionState", "requestAttributes"))
        except LexError as error:
            return _error_response(error)
        if "text" not in body:
            return _error_response(ValidationException("text is required: the user's utterance, 1-1024 characters"))
        ids = _path_ids(request)
        return await _run("RecognizeText", ids, lambda: _json_response(runtime.recognize_text(**ids, **body)))

    @post(_PREFIX + "/utterance", status_code=200)
    async def recognize_utterance(request: Request[Any, Any, Any]) -> Response[bytes]:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return _error_response(ValidationException(f"the request body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted"))
        ids = _path_ids(request)
        headers = request.headers

        def call() -> Response[bytes]:
            answer = utterance.recognize_utterance(
                runtime,
                ids,
                body=raw,
                request_type=headers.get("content-type"),
                response_type=headers.get("response-content-type"),
                session_state=headers.get("x-amz-lex-session-state"),
                request_attributes=headers.get("x-amz-lex-request-attributes"),
            )
            return _headers_response(answer)

        return await _run("RecognizeUtterance", ids, call)

    @post(_PREFIX, status_code=200)
    async def put_session(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            body = _known(await _read_json(request), ("sessionState", "messages", "requestAttributes"))
        except LexError as error:
            return _error_response(error)
        if "sessionState" not in body:
            return _error_response(ValidationException("sessionState is required"))
        content_type = request.headers.get("ResponseContentType")
        ids = _path_ids(request)

        def call() -> Response[bytes]:
            result = runtime.put_session(**ids, **body, responseContentType=content_type)
            headers = {
                "content-type": result["contentType"],
                "x-amz-lex-session-state": result["sessionState"],
                "x-amz-lex-session-id": result["sessionId"],
            }
            if "messages" in result:
                headers["x-amz-lex-messages"] = result["messages"]
            if "requestAttributes" in result:
                headers["x-amz-lex-request-attributes"] = result["requestAttributes"]
            return _headers_response(headers)

        return await _run("PutSession", ids, call)

    @get(_PREFIX)
    async def get_session(request: Request[Any, Any, Any]) -> Response[bytes]:
        ids = _path_ids(request)
        return await _run("GetSession", ids, lambda: _json_response(runtime.get_session(**ids)))

    @delete(_PREFIX, status_code=200)
    async def delete_session(request: Request[Any, Any, Any]) -> Response[bytes]:
        ids = _path_ids(request)
        return await _run("DeleteSession", ids, lambda: _json_response(runtime.delete_session(**ids)))

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
        # Routing errors (unknown path, wrong method) in Lex's error shape, not Litestar's.
        error = ValidationException(f"{request.method} {request.url.path[:200]}: {exc.detail}")
        response = _error_response(error)
        response.status_code = exc.status_code
        response.headers["x-amzn-ErrorType"] = "UnknownOperationException" if exc.status_code in (404, 405) else error.code
        return response

    return Litestar(
        route_handlers=[recognize_text, recognize_utterance, put_session, get_session, delete_session],
        exception_handlers={HTTPException: http_error},
        request_max_body_size=MAX_BODY_BYTES * 4,
        debug=False,
        logging_config=None,  # the host process configures logging; Litestar must not reconfigure the root logger
    )
