"""Low-level DynamoDB attribute values: building them, reading them, and measuring an item's size."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from runtime.store.base import Conversation, StoredMessage, UserRecord

Item = dict[str, Any]

MAX_UUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"  # sorts after every message id, before '~' idempotency keys


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: float | int) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one attribute value (the documented item-size rules, rounded up)."""
    (kind, inner), *_ = value.items()
    if kind in ("S", "B"):
        return len(inner.encode("utf-8")) if kind == "S" else len(inner)
    if kind == "N":
        return (len(inner.lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + attribute_size(v) + 1 for k, v in inner.items())
    if kind in ("SS", "NS"):
        return sum(attribute_size({kind[0]: v}) for v in inner)
    return len(json.dumps(inner))


def item_size(item: Item) -> int:
    """An item's size as DynamoDB counts it against the 400 KB limit: names plus values."""
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


MAX_SORT_KEY_BYTES = 1024  # DynamoDB's limit on a sort key value


def idempotency_key(sender_id: str, client_message_id: str) -> str:
    # The sender's length goes in the key so that ("a#b", "c") and ("a", "b#c") never collide.
    key = f"~client#{len(sender_id)}:{sender_id}#{client_message_id}"
    if len(key.encode("utf-8")) <= MAX_SORT_KEY_BYTES:
        return key
    # Long (multi-byte) ids would break the sort-key limit: use their digest, which is as unique.
    digest = hashlib.sha256(f"{len(sender_id)}:{sender_id}#{client_message_id}".encode()).hexdigest()
    return f"~client#sha256:{digest}"


def message_item(message: StoredMessage, expires_at: float) -> Item:
    item: Item = {
        "conversationId": s(message.conversation_id),
        "messageId": s(message.message_id),
        "senderId": s(message.sender_id),
        "senderName": s(message.sender_name),
        "role": s(message.role),
        "content": s(message.content),
        "createdAt": n(message.created_at),
        "metadata": s(json.dumps(message.metadata, ensure_ascii=False, separators=(",", ":"))),
    }
    if message.client_message_id is not None:
        item["clientMessageId"] = s(message.client_message_id)
    if expires_at:
        item["ttl"] = n(int(expires_at))
    return item


def message_from_item(item: Item) -> StoredMessage:
    client = item.get("clientMessageId")
    return StoredMessage(
        message_id=item["messageId"]["S"],
        conversation_id=item["conversationId"]["S"],
        sender_id=item["senderId"]["S"],
        sender_name=item["senderName"]["S"],
        role=item["role"]["S"],
        content=item["content"]["S"],
        client_message_id=None if client is None else client["S"],
        created_at=float(item["createdAt"]["N"]),
        metadata=json.loads(item["metadata"]["S"]),
    )


def is_expired(item: Item, now: float) -> bool:
    """DynamoDB deletes expired items up to 48 h late, and moto never does, so reads filter them."""
    ttl = item.get("ttl")
    return ttl is not None and float(ttl["N"]) <= now


def conversation_from_items(items: list[Item]) -> Conversation | None:
    meta = next((i for i in items if i["sk"]["S"] == "meta"), None)
    if meta is None:
        return None
    members = sorted((float(i["joinedAt"]["N"]), i["memberId"]["S"]) for i in items if i["sk"]["S"].startswith("member#"))
    return Conversation(
        conversation_id=meta["conversationId"]["S"],
        kind=meta["kind"]["S"],
        title=meta["title"]["S"],
        owner_id=meta["ownerId"]["S"],
        members=tuple(m for _, m in members),
        bot_mode=meta["botMode"]["S"],
        created_at=float(meta["createdAt"]["N"]),
    )


def user_item(user: UserRecord) -> Item:
    item: Item = {
        "pk": s(f"user#{user.user_id}"),
        "userId": s(user.user_id),
        "username": s(user.username),
        "email": s(user.email),
        "displayName": s(user.display_name),
        "passwordHash": s(user.password_hash),
        "confirmed": {"BOOL": user.confirmed},
        "createdAt": n(user.created_at),
        "failedLogins": n(user.failed_logins),
    }
    if user.locked_until is not None:
        item["lockedUntil"] = n(user.locked_until)
    return item


def user_from_item(item: Item) -> UserRecord:
    locked = item.get("lockedUntil")
    return UserRecord(
        user_id=item["userId"]["S"],
        username=item["username"]["S"],
        email=item["email"]["S"],
        display_name=item["displayName"]["S"],
        password_hash=item["passwordHash"]["S"],
        confirmed=bool(item["confirmed"]["BOOL"]),
        created_at=float(item["createdAt"]["N"]),
        failed_logins=int(item["failedLogins"]["N"]),
        locked_until=None if locked is None else float(locked["N"]),
    )
