"""The store the settings name: with a DynamoDB emulator's endpoint (moto's server here) the missing tables are made at
start, as `chat-lex serve --store dynamodb --dynamodb-endpoint URL` needs on a fresh emulator; SQLite is untouched."""

from __future__ import annotations

from pathlib import Path

import boto3

from runtime.store.dynamodb_tables import table_definitions
from runtime.web.backends import open_settings_store
from runtime.web.settings import Settings
from tests.fakes.moto_cognito import REGION, moto_endpoint


async def test_an_emulator_endpoint_gets_the_missing_tables_once(tmp_path: Path) -> None:
    with moto_endpoint() as endpoint:
        settings = Settings(store="dynamodb", dynamodb_endpoint=endpoint, table_prefix="dev-", aws_region=REGION, static_dir=tmp_path)
        expected = {d["TableName"] for d in table_definitions("dev-")}
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
        assert not expected & set(client.list_tables()["TableNames"])
        store = open_settings_store(settings)
        assert expected <= set(client.list_tables()["TableNames"])
        await store.close()
        again = open_settings_store(settings)  # the tables exist: nothing to make, nothing refused
        await again.ensure_private_conversation("u1", "U")
        assert [c.conversation_id for c in await again.list_conversations("u1")] == ["private-u1"]
        await again.close()


async def test_sqlite_needs_no_tables(tmp_path: Path) -> None:
    store = open_settings_store(Settings(store=f"sqlite:{tmp_path / 'chat.db'}", static_dir=tmp_path))
    await store.ensure_private_conversation("u1", "U")
    await store.close()
    assert (tmp_path / "chat.db").is_file()
