"""The SQLite schema as ordered migrations, recorded in ``schema_version``."""

from __future__ import annotations

import sqlite3

from runtime.store.errors import StoreUnavailable

# Append only: a migration, once released, never changes; the next one fixes it.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE messages (
        conversation_id   TEXT NOT NULL,
        message_id        TEXT NOT NULL,
        sender_id         TEXT NOT NULL,
        sender_name       TEXT NOT NULL,
        role              TEXT NOT NULL,
        content           TEXT NOT NULL,
        client_message_id TEXT,
        created_at        REAL NOT NULL,
        metadata          TEXT NOT NULL,
        expires_at        REAL NOT NULL DEFAULT 0,  -- 0 keeps the message forever
        PRIMARY KEY (conversation_id, message_id)
    );
    -- NULL client ids are distinct in a SQLite UNIQUE index, so only messages that carry one are deduplicated.
    CREATE UNIQUE INDEX messages_idempotency ON messages (conversation_id, sender_id, client_message_id);
    CREATE INDEX messages_by_sender ON messages (sender_id, message_id);
    CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at > 0;
    CREATE TABLE conversations (
        conversation_id TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,
        title           TEXT NOT NULL,
        owner_id        TEXT NOT NULL,
        bot_mode        TEXT NOT NULL,
        created_at      REAL NOT NULL
    );
    CREATE TABLE members (
        conversation_id TEXT NOT NULL REFERENCES conversations (conversation_id) ON DELETE CASCADE,
        user_id         TEXT NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
    );
    CREATE INDEX members_by_user ON members (user_id);
    CREATE TABLE users (
        user_id       TEXT PRIMARY KEY,
        username      TEXT NOT NULL,
        username_key  TEXT NOT NULL UNIQUE,  -- casefolded: usernames are case-insensitive, as in Cognito
        email         TEXT NOT NULL,
        display_name  TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        confirmed     INTEGER NOT NULL,
        created_at    REAL NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  REAL
    );
    CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        expires_at REAL NOT NULL,
        family     TEXT NOT NULL,
        consumed   INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX refresh_by_user ON refresh_tokens (user_id);
    CREATE INDEX refresh_by_family ON refresh_tokens (family);
    """,
    """
    -- Revoked access/id token ids (jti) and sign-in sessions (origin_jti), kept until those tokens expire.
    CREATE TABLE revoked_tokens (
        token_id   TEXT PRIMARY KEY,
        expires_at REAL NOT NULL
    );
    CREATE INDEX revoked_expiry ON revoked_tokens (expires_at);
    """,
    """
    -- WebSocket connections of the serverless transport; attributes is a JSON object of short strings.
    CREATE TABLE connections (
        connection_id TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL,
        display_name  TEXT NOT NULL,
        connected_at  REAL NOT NULL,
        expires_at    REAL NOT NULL,
        attributes    TEXT NOT NULL
    );
    CREATE INDEX connections_by_user ON connections (user_id);
    CREATE INDEX connections_expiry ON connections (expires_at);
    -- Fixed-window rate counters shared by processes; a row lives until its window ends.
    CREATE TABLE rate_counters (
        counter_key    TEXT NOT NULL,
        window_seconds INTEGER NOT NULL,
        window_start   INTEGER NOT NULL,
        count          INTEGER NOT NULL,
        expires_at     REAL NOT NULL,
        PRIMARY KEY (counter_key, window_seconds, window_start)
    );
    CREATE INDEX rate_counters_expiry ON rate_counters (expires_at);
    """,
)


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at REAL NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, applied_at: float) -> int:
    """Apply the migrations the database lacks, each in its own transaction; returns the version."""
    conn.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait and then see the result
    try:
        version = current_version(conn)
        if version > len(MIGRATIONS):
            raise StoreUnavailable(
                f"the database has schema version {version}, newer than this chat-lex knows ({len(MIGRATIONS)}); upgrade chat-lex"
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (number, applied_at))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction; split on complete statements instead.
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]
