"""`chat-lex users add|list|remove` against a SQLite store in a temporary folder."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from runtime.auth.base import AuthError
from runtime.auth.local import LocalIdentityProvider
from runtime.auth.password_hashing import verify_password
from runtime.store.sqlite_store import SqliteStore
from tools.cli import main


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'var' / 'chat.db'}"


def test_add_list_remove(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, store_url: str, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        monkeypatch,
        "users",
        "--store",
        store_url,
        "add",
        "alice",
        "--email",
        "a@example.com",
        "--display-name",
        "Alice",
        "--password-stdin",
        stdin="Sup3r-secret\n",
    )
    assert code == 0 and out.startswith("added alice (")
    monkeypatch.setenv("CHAT_LEX_STORE", store_url)
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["USERNAME", "DISPLAY", "NAME", "EMAIL", "STATUS", "CREATED"]
    assert row.split()[:4] == ["alice", "Alice", "a@example.com", "confirmed"]

    async def stored_hash() -> str:
        store = SqliteStore(tmp_path / "var" / "chat.db")
        try:
            user = await store.get_user_by_username("alice")
            assert user is not None and user.confirmed
            return user.password_hash
        finally:
            await store.close()

    assert verify_password("Sup3r-secret", asyncio.run(stored_hash()))
    code, out, _ = run(capsys, monkeypatch, "users", "remove", "ALICE")
    assert (code, out.strip()) == (0, "removed ALICE")
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert out.strip() == "no users"


def test_refusals_are_clear(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, store_url: str) -> None:
    add = ["users", "--store", store_url, "add"]
    code, _, err = run(capsys, monkeypatch, *add, "bob", "--email", "b@example.com", "--password-stdin", stdin="password\n")
    assert code == 1 and "uppercase letter" in err and "Passwords need at least 8 characters" in err
    code, _, err = run(capsys, monkeypatch, *add, "bob", "--email", "nope", "--password-stdin", stdin="Sup3r-secret\n")
    assert code == 2 and "valid email" in err  # a malformed argument
    code, _, err = run(capsys, monkeypatch, *add, "b" * 129, "--email", "b@example.com", "--password-stdin", stdin="Sup3r-secret\n")
    assert code == 2 and "limit is 128" in err
    code, _, err = run(capsys, monkeypatch, *add, "bob", "--email", "b@example.com", "--password-stdin", stdin="Aa1!" * 100)
    assert code == 1 and "limit is 256" in err
    code, _, err = run(capsys, monkeypatch, *add, "bob", "--email", "b@example.com", stdin="")  # no terminal to prompt at
    assert code == 2 and "--password-stdin" in err
    code, _, _ = run(capsys, monkeypatch, *add, "bob", "--email", "b@example.com", "--password-stdin", stdin="Sup3r-secret\n")
    assert code == 0
    code, _, err = run(capsys, monkeypatch, *add, "BOB", "--email", "b@example.com", "--password-stdin", stdin="Sup3r-secret\n")
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, monkeypatch, "users", "--store", store_url, "remove", "nobody")
    assert code == 1 and "no user named 'nobody'" in err
    code, _, err = run(
        capsys,
        monkeypatch,
        "users",
        "--store",
        store_url,
        "add",
        "x';DROP_TABLE_users;--",
        "--email",
        "x@example.com",
        "--password-stdin",
        stdin="Sup3r-secret\n",
    )
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "users", "--store", store_url, "list")
    assert "x';DROP_TABLE_users;--" in out and "bob" in out


def test_bad_store_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = run(capsys, monkeypatch, "users", "--store", "mysql://db", "list")
    assert code == 2 and "sqlite:PATH" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, monkeypatch, "users", "--store", f"sqlite:{blocker}/chat.db", "list")
    assert code == 3 and "cannot open the SQLite store" in err
    with pytest.raises(SystemExit) as info:
        run(capsys, monkeypatch, "users", "add", "carol")  # --email is required
    assert info.value.code == 2


@pytest.mark.parametrize("username", ["bad name", "a\x00b", "\u202eevil", "x" * 129, ""])
def test_a_hostile_username_is_bad_usage_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, store_url: str, username: str
) -> None:
    add = ("users", "--store", store_url, "add")
    code, _, err = run(capsys, monkeypatch, *add, username, "--email", "b@example.com", "--password-stdin", stdin="Sup3r-secret\n")
    assert code == 2 and err.startswith("chat-lex users: ") and "Traceback" not in err
    code, out, _ = run(capsys, monkeypatch, "users", "--store", store_url, "list")
    assert out.strip() == "no users"


def test_a_user_the_command_adds_signs_in_and_is_taken_for_sign_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, store_url: str, tmp_path: Path
) -> None:
    """The command and the provider's sign-up share one code path: what one creates, the other sees."""
    add = ("users", "--store", store_url, "add", "carol", "--email", "c@example.com", "--password-stdin")
    assert run(capsys, monkeypatch, *add, stdin="Sup3r-secret\n")[0] == 0

    async def provider_side() -> None:
        store = SqliteStore(tmp_path / "var" / "chat.db")
        try:
            provider = LocalIdentityProvider(store, tmp_path / "keys", "http://localhost/local", "web-client")
            tokens = await provider.sign_in("carol", "Sup3r-secret")
            assert (await provider.verify(tokens.access_token)).username == "carol"
            with pytest.raises(AuthError) as taken:
                await provider.sign_up("CAROL", "An0ther-secret", "c2@example.com")
            assert taken.value.code == "UsernameExists"
            with pytest.raises(AuthError) as wrong:
                await provider.sign_in("carol", "not-the-password")
            assert wrong.value.code == "NotAuthorized"
        finally:
            await store.close()

    asyncio.run(provider_side())
