"""Deterministic Lambda deployment zips, shared by ``package-fulfillment`` and ``package-runtime``.

Equal inputs give equal bytes: entries are sorted, dated 1980-01-01 (the earliest a zip entry
can hold), compressed at level 9 and marked rw-r--r-- (rwxr-xr-x for shared libraries), with
no ``__pycache__`` or ``.pyc``. The zip is written beside its target and renamed, so a failed
build never leaves half a zip behind. Files of installed distributions come from their RECORD
(``importlib.metadata``), never from a download.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
MAX_ZIP_BYTES = 50 * 1024 * 1024  # Lambda's limit for a directly uploaded zip
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # Lambda's limit for the unzipped function and its layers
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib")
SKIPPED_SUFFIXES = (".pyc", ".c")
# The python3.11 Lambda runtime runs on Amazon Linux 2: glibc 2.26 (Lambda runtimes table).
LAMBDA_PY311_GLIBC = (2, 26)
ARCH_OF_LAMBDA = {"x86_64": "x86_64", "arm64": "aarch64"}
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_(\w+)$")
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


class PackagingError(Exception):
    """The zip cannot be built; the message says why and what to do."""


def zip_entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with the fixed time, deflate and fixed Unix permissions."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if ".so" in Path(name).suffixes or name.endswith(NATIVE_SUFFIXES) else 0o644
    info.external_attr = mode << 16  # Lambda must be able to read every file
    info.create_system = 3  # Unix, so the permission bits are honoured
    return info


def write_zip(contents: Mapping[str, bytes], output: Path, *, label: str = "package") -> int:
    """Write ``contents`` (name in zip -> bytes) as a deterministic zip; returns its size in bytes."""
    unzipped = sum(len(data) for data in contents.values())
    if unzipped > MAX_UNZIPPED_BYTES:
        raise PackagingError(f"the unzipped {label} would be {unzipped} bytes; Lambda allows {MAX_UNZIPPED_BYTES}")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{label}-", suffix=".zip", dir=output.parent)
        try:
            with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
                for name in sorted(contents):
                    archive.writestr(zip_entry(name), contents[name], compresslevel=9)
            os.replace(tmp_name, output)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
    except OSError as exc:
        raise PackagingError(f"cannot write {output} ({exc}); choose a writable path with -o") from exc
    size = output.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise PackagingError(f"{output} is {size} bytes; Lambda accepts at most {MAX_ZIP_BYTES} for a direct upload")
    return size


def read_files(files: Iterator[tuple[str, Path]] | list[tuple[str, Path]]) -> dict[str, bytes]:
    """(name in zip, file) pairs read into a name -> bytes mapping."""
    contents: dict[str, bytes] = {}
    for name, path in files:
        try:
            contents[name] = path.read_bytes()
        except OSError as exc:
            raise PackagingError(f"cannot read {path} ({exc}); is the installation complete?") from exc
    return contents


def tree_files(root: Path, prefix: str, *, exclude: tuple[str, ...] = ()) -> Iterator[tuple[str, Path]]:
    """(name in zip, file) for every file under ``root`` but caches and the ``exclude`` sub-folders."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        if any(relative == e or relative.startswith(e + "/") for e in exclude):
            continue
        yield f"{prefix}/{relative}", path


def distribution(name: str) -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise PackagingError(f"{name} is not installed; run `make setup` (or `pip install {name}`) in this environment") from exc


def distribution_files(dist_name: str, packages: tuple[str, ...], *, native: bool) -> Iterator[tuple[str, Path]]:
    """(name in zip, file) for the named top-level packages/modules of an installed distribution.

    ``packages`` are top-level names: a package folder (``jwt``), a module (``six`` for
    ``six.py``, ``_cffi_backend`` for its ``.so``) or a bundled-library folder (``cffi.libs``).
    Compiled files are kept only when ``native``; METADATA and licence files always travel.
    """
    dist = distribution(dist_name)
    for entry in dist.files or []:
        parts = entry.parts
        if not parts or "__pycache__" in parts or entry.name.endswith(SKIPPED_SUFFIXES):
            continue
        if not native and (entry.name.endswith(NATIVE_SUFFIXES) or ".so." in entry.name):
            continue
        top = parts[0]
        is_notice = top.endswith(".dist-info") and (entry.name == "METADATA" or "licenses" in parts[1:-1])
        is_ours = top in packages or (len(parts) == 1 and top.split(".")[0] in packages)
        if not (is_ours or is_notice):
            continue
        yield entry.as_posix(), Path(str(dist.locate_file(entry)))


def wheel_tags(dist_name: str) -> list[str]:
    """The ``Tag:`` lines of an installed distribution's WHEEL file (e.g. cp311-abi3-manylinux_2_34_x86_64)."""
    text = distribution(dist_name).read_text("WHEEL") or ""
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]


def platform_fits_lambda(platform: str, architecture: str, glibc: tuple[int, int] = LAMBDA_PY311_GLIBC) -> bool:
    """Whether a wheel platform tag loads on a Lambda of ``architecture`` (x86_64 | arm64) with ``glibc``."""
    if platform == "any":
        return True
    machine = ARCH_OF_LAMBDA[architecture]
    for legacy, version in _LEGACY_MANYLINUX.items():
        if platform == f"{legacy}_{machine}":
            return version <= glibc
    match = _MANYLINUX.match(platform)
    if match is None or match.group(3) != machine:
        return False  # musllinux, macOS, Windows, another machine
    return (int(match.group(1)), int(match.group(2))) <= glibc


def lambda_compatible(dist_name: str, architecture: str) -> bool:
    """Whether an installed distribution's wheel loads in the python3.11 Lambda runtime of ``architecture``."""
    tags = wheel_tags(dist_name)
    if not tags:
        return False  # installed from source: built for this machine, whatever it is
    return any(platform_fits_lambda(platform, architecture) for tag in tags for platform in tag.split("-")[-1].split("."))
