"""The docs test's rule (tests/doc_commands.py): what is a command, which commands run, which are skipped."""

from __future__ import annotations

import pytest

from tests.doc_commands import AWS, CONTAINER, MACHINE, SERVER, SUITE, commands_in, fenced_blocks, skip_reason


@pytest.mark.parametrize(
    "command",
    [
        "chat-lex validate bot_spec/chatbot",
        ".venv/bin/chat-lex validate bot_spec/chatbot",
        "chat-lex compile bot_spec/chatbot --format lexjson -o dist/bot.zip",
        "chat-lex evaluate --data tests/data/nlu.yaml --report reports/nlu.json",
        "chat-lex deploy --env dev --dry-run --param VpcId=vpc-0abc",
        "CHAT_LEX_STORE=sqlite:var/chat.db .venv/bin/chat-lex users list",
        "printf 'hello\\n' | chat-lex converse",
        "chat-lex converse bot_spec/chatbot < dialogue.txt",
        "chat-lex converse <<'EOF'\nhello\nEOF",
        "chat-lex test --lex-target http",
        "python -m tools.cli validate",
        "cd build && ls",
        "make docs",
    ],
)
def test_local_commands_are_kept(command: str) -> None:
    assert skip_reason(command) is None


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("chat-lex publish --alias live", AWS),
        (".venv/bin/chat-lex publish bot_spec/chatbot --dry-run", AWS),
        ("chat-lex deploy --env prod", AWS),
        ("aws s3 cp dist/fulfillment.zip s3://bucket/1.zip", AWS),
        ("cd build && aws s3 ls", AWS),
        ("chat-lex test --lex-target aws", AWS),
        ("chat-lex evaluate --data d.yaml --compare-targets engine,aws --bot-id A", AWS),
        ("chat-lex test --lex-target=aws", AWS),
        ("docker build -t chat-lex .", CONTAINER),
        ("podman run --rm chat-lex", CONTAINER),
        ("sudo docker push x", MACHINE),
        ("make run", SERVER),
        ("chat-lex serve --port 8080", SERVER),
        ("CHAT_LEX_BOT=none .venv/bin/chat-lex serve", SERVER),
        ("chat-lex lex-serve bot_spec/chatbot --port 8010", SERVER),
        ("chat-lex converse --explain", "interactive"),
        ("make test", SUITE),
        ("make", MACHINE),
        ("make lock UPGRADE=1", MACHINE),
        ("make setup", MACHINE),
        (".venv/bin/pytest -q conversation_tests", SUITE),
        ("python -m pytest tests/unit", SUITE),
        ("pip install -r requirements/test.lock", MACHINE),
        ("curl http://127.0.0.1:8000/health", MACHINE),
        (".venv/bin/python benchmarks/runtime_bench.py", "benchmark"),
    ],
)
def test_commands_that_leave_the_laptop_or_never_end_are_skipped(command: str, reason: str) -> None:
    found = skip_reason(command)
    assert found is not None and reason in found, found


def block(text: str, doc: str = "d.md") -> list[tuple[int, str, str | None, int]]:
    return [(c.line, c.text, c.skip, c.expected_exit) for b in fenced_blocks(doc, text) for c in commands_in(b)]


def test_commands_keep_their_line_continuations_and_drop_comments() -> None:
    text = "intro\n\n```sh\n# a comment\n.venv/bin/chat-lex deploy --env dev --dry-run \\\n  --param A=1   # why\n\nmake run\n```\n"
    assert block(text) == [
        (5, ".venv/bin/chat-lex deploy --env dev --dry-run \\\n--param A=1   # why", None, 0),
        (8, "make run", SERVER + " (make run)", 0),
    ]


def test_console_blocks_run_prompted_lines_and_skip_output() -> None:
    text = "```console\n$ chat-lex validate\n✓ ChatBot: 4 intents\n$ echo a |\n  wc -l\n1\n```\n"
    assert [(line, command) for line, command, _, _ in block(text)] == [(2, "chat-lex validate"), (4, "echo a |\nwc -l")]


def test_here_documents_belong_to_their_command() -> None:
    text = "```bash\nchat-lex converse <<'EOF'\nhello\ncheck my status\nEOF\nls\n```\n"
    assert block(text) == [
        (2, "chat-lex converse <<'EOF'\nhello\ncheck my status\nEOF", None, 0),
        (6, "ls", None, 0),
    ]


def test_a_trailing_exits_comment_sets_the_expected_exit_code() -> None:
    text = "```sh\nchat-lex validate broken   # exits 1\nchat-lex validate   # exit 1 on errors, as the table says\n```\n"
    assert [exit_code for _, _, _, exit_code in block(text)] == [1, 0]


def test_only_shell_blocks_hold_commands_and_nested_fences_are_found() -> None:
    text = (
        "- a list item:\n  ```sh\n  chat-lex validate\n  ```\n"
        "```yaml\nname: x\n```\n```text\nchat-lex publish [BOT_DIR]\n```\n````markdown\n```sh\nrm -rf /\n```\n````\n"
    )
    blocks = fenced_blocks("d.md", text)
    assert [(b.line, b.language) for b in blocks] == [(2, "sh"), (5, "yaml"), (8, "text"), (11, "markdown")]
    assert block(text) == [(3, "chat-lex validate", None, 0)]


def test_a_skip_marker_leaves_a_block_out_with_its_reason() -> None:
    text = "<!-- docs-test: skip: needs a second terminal -->\n```sh\nchat-lex validate\n```\n"
    assert block(text) == [(3, "chat-lex validate", "needs a second terminal", 0)]


def test_an_untagged_block_has_no_language() -> None:
    assert [b.language for b in fenced_blocks("d.md", "```\nchat-lex validate\n```\n")] == [""]


def test_an_unclosed_fence_runs_to_the_end_of_the_file() -> None:
    assert block("```sh\nchat-lex validate\nmake run\n") == [(2, "chat-lex validate", None, 0), (3, "make run", SERVER + " (make run)", 0)]


@pytest.mark.parametrize("command", ["echo 'unbalanced", 'chat-lex validate "bot_spec/chatbot', "aws s3 ls 'x"])
def test_unparseable_shell_is_classified_by_its_words_and_left_for_bash_to_refuse(command: str) -> None:
    # shlex refuses unbalanced quotes; the rule still sees the program, and bash reports the error when run.
    assert (skip_reason(command) is None) == (not command.startswith("aws"))


def test_oversized_markdown_is_parsed_in_one_pass() -> None:
    text = "```sh\n" + "chat-lex validate \\\n" * 5_000 + "bot_spec/chatbot\n```\n" + "````\n" * 1000
    commands = block(text)
    assert len(commands) == 1 and commands[0][1].endswith("bot_spec/chatbot")


def test_a_here_string_is_not_a_here_document() -> None:
    text = "```sh\nchat-lex users add ana --password-stdin <<< hello\nhello\n```\n"
    assert [line for line, _, _, _ in block(text)] == [2, 3]
