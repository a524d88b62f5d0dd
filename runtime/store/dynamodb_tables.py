"""The DynamoDB tables the chat runtime uses, their keys and indexes, and ``create_tables`` for tests and dev.

``<prefix>messages``       PK conversationId, SK messageId (UUIDv7).
                           Idempotency items share the table: SK ``~client#<len(sender)>:<sender>#<clientMessageId>``
                           ('~' sorts after every UUID, so message queries bound by the largest UUID never see them).
                           GSI ``bySender`` (senderId, messageId): idempotency items lack senderId, so it holds messages only.
                           ``ttl`` (epoch seconds) is the TTL attribute.
``<prefix>conversations``  PK conversationId, SK sk: ``meta`` (kind, title, ownerId, botMode, createdAt) or
                           ``member#<userId>`` (memberId, joinedAt). GSI ``byMember`` (memberId, conversationId).
``<prefix>connections``    PK connectionId (userId, displayName, connectedAt, expiresAt, attributes map, attributesVersion,
                           ``ttl`` = expiresAt rounded up): WebSocket connections of the serverless transport (API Gateway).
                           GSI ``UserIdIndex`` (userId): a user's connections, for fan-out.
``<prefix>rate_limits``    PK counterKey ``<window seconds>:<window start>:<key>`` (``count``, ``ttl`` = the window's end):
                           fixed-window rate counters shared by concurrent Lambda invocations.
``<prefix>users``          PK pk: ``user#<userId>`` (the profile), ``username#<casefolded username>`` (the unique claim,
                           holding userId), ``refresh#<sha256 of token>`` (tokenUser, tokenFamily, expiresAt, consumed, ttl),
                           ``revoked#<jti or origin_jti>`` (expiresAt, ttl = the revoked tokens' expiry).
                           GSIs ``refreshByUser`` (tokenUser) and ``refreshByFamily`` (tokenFamily) are sparse: only
                           refresh-token items carry those attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def table_names(prefix: str) -> dict[str, str]:
    return {name: f"{prefix}{name}" for name in ("messages", "conversations", "connections", "users", "rate_limits")}


def _gsi(name: str, hash_key: str, range_key: str | None = None) -> dict[str, Any]:
    keys: list[dict[str, str]] = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": keys, "Projection": {"ProjectionType": "ALL"}}


def table_definitions(prefix: str) -> list[dict[str, Any]]:
    """``create_table`` arguments for every table (on-demand billing)."""
    names = table_names(prefix)

    def strings(*attrs: str) -> list[dict[str, str]]:
        return [{"AttributeName": a, "AttributeType": "S"} for a in attrs]

    return [
        {
            "TableName": names["messages"],
            "KeySchema": [{"AttributeName": "conversationId", "KeyType": "HASH"}, {"AttributeName": "messageId", "KeyType": "RANGE"}],
            "AttributeDefinitions": strings("conversationId", "messageId", "senderId"),
            "GlobalSecondaryIndexes": [_gsi("bySender", "senderId", "messageId")],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": names["conversations"],
            "KeySchema": [{"AttributeName": "conversationId", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": strings("conversationId", "sk", "memberId"),
            "GlobalSecondaryIndexes": [_gsi("byMember", "memberId", "conversationId")],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": names["connections"],
            "KeySchema": [{"AttributeName": "connectionId", "KeyType": "HASH"}],
            "AttributeDefinitions": strings("connectionId", "userId"),
            "GlobalSecondaryIndexes": [_gsi("UserIdIndex", "userId")],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": names["users"],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": strings("pk", "tokenUser", "tokenFamily"),
            "GlobalSecondaryIndexes": [_gsi("refreshByUser", "tokenUser"), _gsi("refreshByFamily", "tokenFamily")],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": names["rate_limits"],
            "KeySchema": [{"AttributeName": "counterKey", "KeyType": "HASH"}],
            "AttributeDefinitions": strings("counterKey"),
            "BillingMode": "PAY_PER_REQUEST",
        },
    ]


def create_tables(client: DynamoDBClient, prefix: str) -> None:
    """Create the tables that do not exist yet, wait for them, and switch TTL on."""
    existing = set(client.list_tables().get("TableNames", []))
    for definition in table_definitions(prefix):
        name = definition["TableName"]
        if name in existing:
            continue
        client.create_table(**definition)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
