"""`/api/*`: conversations, paged history, rooms and room membership, for an authenticated user."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath

from runtime.auth.base import AuthError, Identity
from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.protocol import conversation_payload, message_payload
from runtime.chat.service import Sender
from runtime.store.base import MAX_ID_LENGTH
from runtime.store.errors import ConversationNotFound, InvalidArgument
from runtime.store.ids import is_message_id
from runtime.web.auth_routes import auth_error
from runtime.web.context import ChatContext
from runtime.web.rest_bodies import ApiError, bearer_token, read_body

CHAT_ERROR_STATUS = {"NOT_FOUND": 404, "NOT_A_MEMBER": 403}


def _context(request: Request[Any, Any, Any]) -> ChatContext:
    context: ChatContext = request.app.state.chat
    return context


async def _sender(request: Request[Any, Any, Any]) -> Sender:
    try:
        identity: Identity = await _context(request).backends.identity.verify(bearer_token(request))
    except AuthError as exc:
        raise auth_error(exc) from None
    return Sender(identity.user_id, identity.display_name or identity.username)


def _chat_error(exc: ChatError) -> ApiError:
    # The service refuses bad arguments as a protocol BAD_FRAME; over REST that is the API's InvalidParameter.
    code = "InvalidParameter" if exc.code == errors.BAD_FRAME else exc.code
    return ApiError(CHAT_ERROR_STATUS.get(exc.code, 400), code, exc.message)


def _conversation_id(value: str) -> str:
    if not value or len(value) > MAX_ID_LENGTH:
        raise ApiError(400, "InvalidParameter", f"the conversation id must be 1 to {MAX_ID_LENGTH} characters")
    return value


@get("/api/conversations", summary="Your private conversation with the bot and the rooms you are in")
async def list_conversations(request: Request[Any, Any, Any]) -> dict[str, Any]:
    conversations = await _context(request).service.list_conversations(await _sender(request))
    return {"conversations": [conversation_payload(c) for c in conversations]}


@get("/api/conversations/{conversation_id:str}/messages", summary="One page of history (cursor: before=<nextBefore>)")
async def conversation_messages(request: Request[Any, Any, Any], conversation_id: FromPath[str]) -> dict[str, Any]:
    sender = await _sender(request)
    before = request.query_params.get("before") or None
    if before is not None and not is_message_id(before):
        raise ApiError(400, "InvalidParameter", "before must be the nextBefore value of an earlier page")
    raw_limit = request.query_params.get("limit", "50")
    # The range is the service's to check; here only that it is a number (digits only: no sign, no "1e3", no spaces).
    limit = int(raw_limit) if raw_limit.isdigit() and len(raw_limit) <= 6 else 0
    try:
        page = await _context(request).service.history(sender, _conversation_id(conversation_id), before=before, limit=limit)
    except ChatError as exc:
        raise _chat_error(exc) from None
    return {"conversationId": conversation_id, "messages": [message_payload(m) for m in page.messages], "nextBefore": page.next_before}


@post("/api/rooms", status_code=201, summary="Create a room; you are its owner and first member")
async def create_room(request: Request[Any, Any, Any]) -> dict[str, Any]:
    sender = await _sender(request)
    body = await read_body(request, required={"title": 100}, optional={"botMode": 16})
    try:
        room = await _context(request).service.create_room(sender, body["title"], bot_mode=body.get("botMode", "mention"))
    except ChatError as exc:
        raise _chat_error(exc) from None
    except InvalidArgument as exc:
        raise ApiError(400, "InvalidParameter", str(exc)) from None
    return conversation_payload(room)


@post("/api/rooms/{conversation_id:str}/members", status_code=200, summary="Join a room by its id")
async def join_room(request: Request[Any, Any, Any], conversation_id: FromPath[str]) -> dict[str, Any]:
    sender = await _sender(request)
    try:
        room = await _context(request).service.join(sender, _conversation_id(conversation_id))
    except ChatError as exc:
        raise _chat_error(exc) from None
    except ConversationNotFound:
        raise ApiError(404, "NOT_FOUND", f"no room {conversation_id!r}") from None
    return conversation_payload(room)
