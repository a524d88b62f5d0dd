"""What the Dockerfile promises, checked without building it: its settings are valid `chat-lex serve` settings,
it writes only under its volume, it copies only what the build context holds, and its build lock is real."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from runtime.web.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
BUILD_SCRIPT = ROOT / "tools" / "container" / "build_local.sh"
_AWK = re.compile(r"awk '(/\^setuptools==/[^']*)'")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in logical]


def runtime_stage() -> list[tuple[str, str]]:
    found = instructions()
    last_from = max(i for i, (name, _) in enumerate(found) if name == "FROM")
    return found[last_from:]


def runtime_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for name, args in runtime_stage():
        if name == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    return env


def test_the_settings_are_ones_serve_accepts() -> None:
    env = {k: v for k, v in runtime_env().items() if k.startswith("CHAT_LEX_")}
    known = {env_name(name) for name in Settings.__dataclass_fields__}
    assert set(env) <= known, f"not a chat-lex setting: {sorted(set(env) - known)}"
    settings = Settings.from_env(env)  # raises SettingsError on a bad value
    assert settings.host == "0.0.0.0"  # reachable through the published port
    exposed = [args for name, args in runtime_stage() if name == "EXPOSE"]
    assert exposed == [str(settings.port)]


def test_it_writes_only_under_its_volume() -> None:
    settings = Settings.from_env(runtime_env())
    volumes = [args for name, args in runtime_stage() if name == "VOLUME"]
    assert volumes == ['["/data"]']
    assert settings.store == "sqlite:/data/chat.db" and settings.auth_key_dir.startswith("/data/")


def test_it_runs_as_a_numeric_non_root_user() -> None:
    users = [args for name, args in runtime_stage() if name == "USER"]
    assert len(users) == 1 and re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", users[0]), users


def test_the_bot_it_serves_is_copied_in() -> None:
    bot = Settings.from_env(runtime_env()).bot
    assert bot.startswith("local:/app/")
    copies = [args.split() for name, args in runtime_stage() if name == "COPY" and not args.startswith("--from")]
    workdir = next(args for name, args in runtime_stage() if name == "WORKDIR")
    assert any(f"{workdir}/{dest}" == bot[len("local:") :] and (ROOT / src).is_dir() for src, dest in copies)


def test_the_healthcheck_runs_the_probe_module() -> None:
    checks = [args for name, args in runtime_stage() if name == "HEALTHCHECK"]
    assert len(checks) == 1 and '"-m", "runtime.web.healthcheck"' in checks[0]
    assert (ROOT / "runtime" / "web" / "healthcheck.py").is_file()


def _ignored() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return {line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")}


def test_the_context_keeps_out_what_the_image_does_not_need() -> None:
    assert {".git", ".venv*", "var", "external", "tests"} <= _ignored()


def test_every_copied_source_is_in_the_context() -> None:
    ignored = _ignored()
    sources = [args.split()[:-1] for name, args in instructions() if name == "COPY" and not args.startswith("--from")]
    for source in (path for group in sources for path in group):
        assert (ROOT / source).exists(), source
        assert not any(source == pattern or source.startswith(pattern + "/") for pattern in ignored), source


@pytest.mark.parametrize("holder", [DOCKERFILE, BUILD_SCRIPT])
def test_the_build_lock_is_the_pinned_setuptools_of_test_lock(holder: Path) -> None:
    # The Dockerfile and build_local.sh cut the same lines out of test.lock: the pin and all its hashes.
    program = _AWK.search(holder.read_text(encoding="utf-8"))
    assert program is not None, f"no setuptools extraction in {holder.name}"
    lines = subprocess.run(
        ["awk", program.group(1), str(ROOT / "requirements" / "test.lock")], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert re.fullmatch(r"setuptools==[0-9.]+ \\", lines[0]), lines
    assert len(lines) >= 2 and all(re.fullmatch(r" +--hash=sha256:[0-9a-f]{64}( \\)?", line) for line in lines[1:]), lines
    assert not lines[-1].endswith("\\")
