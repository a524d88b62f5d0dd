"""`/api/*`: conversations, paged history, rooms and room membership, for an authenticated user."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath

from runtime.auth.base import AuthError, Identity
from runtime.chat.errors import ChatError
from runtime.chat.service import Sender, conversation_payload
from runtime.store.base import BOT_MODES, MAX_ID_LENGTH
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
    return ApiError(CHAT_ERROR_STATUS.get(exc.code, 400), exc.code, exc.message)


def _conversation_id(value: str) -> str:
    if not value or len(value) > MAX_ID_LENGTH:
        raise ApiError(400, "InvalidParameter", f"the conversation id must be 1 to {MAX_ID_LENGTH} characters")
    return value


@get("/api/conversations", summary="Your private conversation with the bot and the rooms you are in")
async def list_conversations(request: Request[Any, Any, Any]) -> dict[str, Any]:
    sender = await _sender(request)
    store = _context(request).backends.store
    await store.ensure_private_conversation(sender.user_id, sender.display_name)
    conversations = await store.list_conversations(sender.user_id)
    return {"conversations": [conversation_payload(c) for c in conversations]}


@get("/api/conversations/{conversation_id:str}/messages", summary="One page of history (cursor: before=<nextBefore>)")
async def conversation_messages(request: Request[Any, Any, Any], conversation_id: FromPath[str]) -> dict[str, Any]:
    sender = await _sender(request)
    before = request.query_params.get("before") or None
    if before is not None and not is_message_id(before):
        raise ApiError(400, "InvalidParameter", "before must be the nextBefore value of an earlier page")
    raw_limit = request.query_params.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        raise ApiError(400, "InvalidParameter", "limit must be a whole number from 1 to 200")
    try:
        page = await _context(request).service.history(sender, _conversation_id(conversation_id), before=before, limit=int(raw_limit))
    except ChatError as exc:
        raise _chat_error(exc) from None
    return {"conversationId": conversation_id, "messages": page["messages"], "nextBefore": page["nextBefore"]}


@post("/api/rooms", status_code=201, summary="Create a room; you are its owner and first member")
async def create_room(request: Request[Any, Any, Any]) -> dict[str, Any]:
    sender = await _sender(request)
    body = await read_body(request, required={"title": 100}, optional={"botMode": 16})
    title = body["title"].strip()
    if not title:
        raise ApiError(400, "InvalidParameter", "title must not be blank")
    bot_mode = body.get("botMode", "mention")
    if bot_mode not in BOT_MODES:
        raise ApiError(400, "InvalidParameter", f"botMode must be one of {', '.join(sorted(BOT_MODES))}")
    context = _context(request)
    try:
        room = await context.backends.store.create_room(title, sender.user_id, bot_mode=bot_mode)
        # The owner's open sockets start receiving the room's events at once.
        room = await context.service.join(sender, room.conversation_id)
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
