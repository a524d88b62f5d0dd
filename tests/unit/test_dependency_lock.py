"""The locks hold every dependency that pyproject.toml declares, pinned exactly and hashed.

``make setup`` installs ``requirements/test.lock`` alone (``--require-hashes --no-deps``), so a dependency
declared in pyproject.toml but missing from the lock would be missing from every fresh install.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
TEST_LOCK = ROOT / "requirements" / "test.lock"
RUNTIME_LOCK = ROOT / "requirements" / "runtime.lock"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def read_lock(path: Path) -> dict[str, tuple[Version, int]]:
    """Each pinned package of a pip-compile lock: its version and how many hashes it carries."""
    pins: dict[str, tuple[Version, int]] = {}
    current: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (Version(match.group(2)), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            current = None
    return pins


def missing_from_lock(requirements: list[str], lock: dict[str, tuple[Version, int]]) -> list[str]:
    """The requirements that the lock lacks, or pins at a version outside their specifier."""
    problems = []
    for text in requirements:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        if name not in lock:
            problems.append(f"{req.name}: not in the lock")
        elif not req.specifier.contains(lock[name][0], prereleases=True):
            problems.append(f"{req.name}: the lock pins {lock[name][0]}, outside {req.specifier}")
    return problems


def _declared() -> tuple[list[str], list[str]]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"]), list(project["optional-dependencies"]["test"])


def test_the_test_lock_holds_every_runtime_and_test_dependency() -> None:
    runtime, test = _declared()
    assert missing_from_lock(runtime + test, read_lock(TEST_LOCK)) == []


def test_the_runtime_lock_holds_every_runtime_dependency_at_the_test_locks_version() -> None:
    runtime, _ = _declared()
    runtime_pins, test_pins = read_lock(RUNTIME_LOCK), read_lock(TEST_LOCK)
    assert missing_from_lock(runtime, runtime_pins) == []
    # The image runs what the suite tested: every runtime pin is the test lock's pin.
    assert {name: pin[0] for name, pin in runtime_pins.items()} == {name: test_pins[name][0] for name in runtime_pins}


@pytest.mark.parametrize("lock_path", [TEST_LOCK, RUNTIME_LOCK], ids=["test", "runtime"])
def test_every_pin_is_exact_and_hashed(lock_path: Path) -> None:
    pins = read_lock(lock_path)
    assert pins, f"{lock_path.name} pins nothing"
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []


def test_a_dependency_the_lock_lacks_is_reported() -> None:
    lock = {"boto3": (Version("1.40.0"), 2)}
    assert missing_from_lock(["boto3>=1.34", "made-up-package>=1"], lock) == ["made-up-package: not in the lock"]
    assert missing_from_lock(["boto3>=1.41"], lock) == ["boto3: the lock pins 1.40.0, outside >=1.41"]


def test_the_build_backend_is_locked_too() -> None:
    # setup installs the project with --no-build-isolation, so the backend must come from the lock.
    assert "setuptools" in read_lock(TEST_LOCK)
