"""The index of every security probe: the ones in this folder, and the ones that live beside the code they test.

A probe that fits better next to its module (a unit test of the JWT verifier, the spec
reader's alias cap) stays there and is listed here, so this folder is the one place to
find them all. The test below fails when a listed test is renamed or removed, so the
index cannot go stale silently; docs/security.md describes the same surfaces.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Probe -> tests elsewhere that cover it ("path::function").
ELSEWHERE: dict[str, list[str]] = {
    "forged, tampered, expired and garbage tokens": [
        "tests/unit/test_auth_jwt_verify.py::test_forgeries_are_refused",
        "tests/unit/test_auth_jwt_verify.py::test_garbage_tokens_are_invalid_not_crashes",
        "tests/integration/test_web_rest.py::test_socket_refuses_expired_and_foreign_tokens_with_4401",
        "tests/integration/test_web_socket.py::test_bad_or_missing_tokens_close_4401_before_any_data",
        "tests/integration/test_web_socket.py::test_a_socket_is_closed_4401_when_its_token_expires",
        "tests/integration/test_auth_cognito.py::test_expired_tampered_and_forged_tokens",
    ],
    "malformed, oversized and hostile frames": [
        "tests/integration/test_web_socket.py::test_malformed_hostile_and_refused_frames_get_an_error_and_the_connection_stays_usable",
        "tests/integration/test_web_socket.py::test_a_frame_over_the_transports_limit_closes_1009",
        "tests/integration/test_web_socket.py::test_connections_per_user_are_limited",
        "tests/integration/test_web_socket.py::test_rate_limit_refuses_then_the_connection_still_works",
    ],
    "malformed, oversized and hostile REST bodies; static path traversal": [
        "tests/integration/test_web_rest.py::test_malformed_oversized_and_hostile_bodies_get_clear_errors",
        "tests/integration/test_web_rest.py::test_static_pages_and_assets_without_path_traversal",
    ],
    "idempotent retries store a message once": [
        "tests/integration/test_web_socket.py::test_retry_is_acked_with_the_same_id_and_not_delivered_twice",
        "tests/integration/test_store_contract.py::test_same_client_id_is_stored_once",
        "tests/unit/test_chat_service.py::test_retry_with_same_client_message_id_acks_same_id_without_second_fanout",
    ],
    "YAML spec files: alias bombs, size, value and depth caps, binary, tags": [
        "tests/unit/test_spec_source.py::test_alias_bomb_is_refused",
        "tests/unit/test_spec_source.py::test_self_referencing_alias_is_refused",
        "tests/unit/test_spec_source.py::test_file_over_the_size_cap_is_refused_before_parsing",
        "tests/unit/test_spec_source.py::test_folder_over_the_total_cap_is_refused_before_parsing",
        "tests/unit/test_spec_source.py::test_file_with_too_many_values_is_refused_before_composing",
        "tests/unit/test_spec_source.py::test_deep_nesting_is_refused",
        "tests/unit/test_spec_source.py::test_binary_garbage",
        "tests/unit/test_spec_source.py::test_yaml_tags_are_refused",
        "tests/unit/test_spec_source.py::test_fifo_and_device_links_are_not_read",
        "tests/unit/test_spec_fuzz.py::test_mutated_specs_never_crash",
    ],
    "imports: zip bombs, CloudFormation aliases, binary and oversized templates": [
        "tests/unit/test_formats_lexjson.py::test_zip_bomb_member_is_refused_by_size",
        "tests/unit/test_formats_lexjson.py::test_zip_expanding_past_the_total_cap_is_refused",
        "tests/unit/test_formats_cloudformation.py::test_oversized_template_is_refused",
        "tests/integration/test_import_errors.py::test_binary_and_oversized_templates",
    ],
    "the Jinja sandbox of reply templates": [
        "tests/unit/test_fulfillment_replies.py::test_the_sandbox_blocks_reaching_into_python",
        "tests/unit/test_fulfillment_replies.py::test_oversized_templates_and_files_are_refused",
        "tests/unit/test_spec_lint.py::test_reply_template_nested_too_deeply",
    ],
    "code-hook (Lambda) responses": [
        "tests/unit/test_engine_codehooks.py::test_each_invalid_response_kind_is_dependency_failed_section_4",
        "tests/unit/test_engine_codehooks.py::test_deeply_nested_response_is_dependency_failed",
        "tests/unit/test_engine_codehooks.py::test_lambda_failures_are_dependency_failed",
    ],
    "the local Lex HTTP endpoint": [
        "tests/integration/test_lex_http_boto3.py::test_malformed_raw_requests_get_lex_validation_errors",
    ],
}

# Probe -> the module of this folder that holds it.
HERE: dict[str, str] = {
    "hostile names in imports (../, absolute, NUL, look-alikes) write nothing": "test_import_paths.py",
    "import value, depth and whole-bot caps; 5 MB hostile template": "test_import_limits.py",
    "lone surrogates in frames and REST bodies": "test_unicode_text.py",
    "security headers on every route": "test_security_headers.py",
    "forged tokens over the socket (4401), IDOR on private chats and rooms, binary frames": "test_socket_probes.py",
    "parallel wrong passwords lock the account after five checks (SQLite, DynamoDB, HTTP)": "test_login_lockout.py",
    "/auth/* rate limits per address and per username, Retry-After, shared through Redis": "test_auth_rate_limit.py",
    "tokens in the subprotocol or an auth frame; no token in a whole session's log": "test_token_transport.py",
    "sign-out revokes the session's tokens and closes its open sockets": "test_token_revocation.py",
    "a client that stops reading is reset 5 s after its backlog overflows, logged once": "test_slow_consumer.py",
    "malformed frames spend the rate budget, close the socket past 20 a minute, sampled logs": "test_bad_frames.py",
    "Redis down: local delivery, in-process buckets, ready=false, recovery": "test_redis_down.py",
    "resume replays a window, so late commits and out-of-order publications are not skipped": "test_resume_gaps.py",
}


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize("probe", sorted(ELSEWHERE))
def test_every_listed_probe_exists(probe: str) -> None:
    for node_id in ELSEWHERE[probe]:
        file, function = node_id.split("::")
        assert (ROOT / file).is_file(), node_id
        assert function in _functions(ROOT / file), f"{node_id} is gone: update the index ({probe})"


def test_every_module_here_is_indexed() -> None:
    here = Path(__file__).parent
    modules = {p.name for p in here.glob("test_*.py")} - {Path(__file__).name}
    assert modules == set(HERE.values())
