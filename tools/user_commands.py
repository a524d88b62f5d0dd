"""`chat-lex users add|list|remove`: manage the local identity provider's users in the configured store."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from runtime.auth.base import AuthError
from runtime.auth.input_limits import MAX_PASSWORD, check_display_name, check_email, check_username
from runtime.auth.local import check_new_password, create_user
from runtime.auth.password_policy import PASSWORD_POLICY
from runtime.store.base import Store
from runtime.store.errors import InvalidStoreUrl, StoreError, StoreUnavailable
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_SERVICE_ERROR, EXIT_USAGE
from tools.store_options import add_store_options, open_store_from_args


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "users",
        help="add, list and remove users of the local identity provider",
        description="Manage the local identity provider's users, stored in the chat store.",
    )
    add_store_options(parser)
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a confirmed user", description=f"Add a confirmed user. {PASSWORD_POLICY.describe()}.")
    add.add_argument("username")
    add.add_argument("--email", required=True)
    add.add_argument("--display-name", default=None, help="the name others see (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    add.set_defaults(func=run_add)

    listing = actions.add_parser("list", help="list users")
    listing.set_defaults(func=run_list)

    remove = actions.add_parser("remove", help="remove a user and sign them out everywhere")
    remove.add_argument("username")
    remove.set_defaults(func=run_remove)


def _error(message: str) -> None:
    print(f"chat-lex users: {message}", file=sys.stderr)


def _with_store(args: argparse.Namespace, work: Callable[[Store], Awaitable[int]]) -> int:
    async def run() -> int:
        store = open_store_from_args(args)
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except StoreUnavailable as exc:
        _error(f"cannot use the store {args.store}: {exc}")
        return EXIT_SERVICE_ERROR
    except InvalidStoreUrl as exc:
        _error(str(exc))
        return EXIT_USAGE
    except StoreError as exc:
        _error(str(exc))
        return EXIT_INPUT_ERROR


def read_password(from_stdin: bool, stdin: TextIO | None = None) -> str:
    """The new password: the first line of stdin, or typed twice at a terminal."""
    stream = stdin or sys.stdin
    if from_stdin:
        line = stream.readline(MAX_PASSWORD + 2)
        return line.removesuffix("\n").removesuffix("\r")
    if not stream.isatty():
        raise AuthError("InvalidParameter", "no terminal to type a password at; pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AuthError("InvalidParameter", "the two passwords differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    try:  # the arguments first: a malformed one is bad usage
        username = check_username(args.username)
        email = check_email(args.email)
        display_name = check_display_name(args.display_name if args.display_name is not None else username)
        typed = read_password(args.password_stdin)
    except AuthError as exc:
        _error(exc.message)
        return EXIT_USAGE
    try:  # then the password that was read: a weak one is an error in the input
        password = check_new_password(typed)
    except AuthError as exc:
        _error(exc.message)
        return EXIT_INPUT_ERROR

    async def work(store: Store) -> int:
        try:  # the same checks, hashing and storing as a sign-up on the web
            user = await create_user(store, username, password, email, display_name, confirmed=True)
        except AuthError as exc:
            taken = f"a user named {username!r} already exists; remove it first or choose another username"
            _error(taken if exc.code == "UsernameExists" else exc.message)
            return EXIT_INPUT_ERROR
        print(f"added {username} ({user.user_id})")
        return EXIT_OK

    return _with_store(args, work)


def run_list(args: argparse.Namespace) -> int:
    async def work(store: Store) -> int:
        users = await store.list_users()
        if not users:
            print("no users")
            return EXIT_OK
        rows = [("USERNAME", "DISPLAY NAME", "EMAIL", "STATUS", "CREATED")]
        now = time.time()
        for u in users:
            status = "locked" if u.locked_until and u.locked_until > now else ("confirmed" if u.confirmed else "unconfirmed")
            rows.append((u.username, u.display_name, u.email, status, time.strftime("%Y-%m-%d %H:%M", time.gmtime(u.created_at))))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        return EXIT_OK

    return _with_store(args, work)


def run_remove(args: argparse.Namespace) -> int:
    try:
        username = check_username(args.username)
    except AuthError as exc:
        _error(exc.message)
        return EXIT_USAGE

    async def work(store: Store) -> int:
        if not await store.delete_user(username):
            _error(f"no user named {username!r}; `chat-lex users list` shows who there is")
            return EXIT_INPUT_ERROR
        print(f"removed {username}")
        return EXIT_OK

    return _with_store(args, work)
