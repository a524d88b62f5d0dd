"""``chat-lex package-runtime``: a deterministic zip whose modules import with only what Lambda adds beside it."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tools import runtime_package_commands as rp
from tools.lambda_zip import FIXED_TIME, MAX_UNZIPPED_BYTES, MAX_ZIP_BYTES, PackagingError, platform_fits_lambda

# Runs inside `python -I -S`: no site-packages, no environment, no current folder on sys.path;
# then only the unpacked zip, what the Lambda runtime provides (boto3...) and the layer.
IMPORT_PROBE = r"""
import importlib, json, sys, sysconfig, zoneinfo
unpacked, provided, layer = sys.argv[1:4]
modules = json.loads(sys.argv[4])
sys.path[:] = [unpacked, provided, layer] + [p for p in sys.path if p.startswith(sysconfig.get_paths()["stdlib"])]
zoneinfo.reset_tzpath(to=[])  # time zones must come from the packaged tzdata
origins = {}
for name in modules:
    importlib.import_module(name)
for name in ("runtime", "bot_spec", "jwt", "msgspec", "redis", "jsonschema", "rpds", "tzdata", "boto3", "cryptography"):
    module = sys.modules.get(name) or importlib.import_module(name)
    origins[name] = module.__file__
from runtime.auth.jwt_verify import RSAAlgorithm  # RS256 for Cognito tokens needs cryptography
from runtime.chat.protocol import encode
origins["tokyo"] = str(zoneinfo.ZoneInfo("Asia/Tokyo"))
print(json.dumps(origins))
"""


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="chat-lex")
    rp.register(parser.add_subparsers())
    args = parser.parse_args(["package-runtime", *argv])
    code: int = args.func(args)
    return code


def _link_distributions(names: tuple[str, ...], target: Path) -> None:
    """Symlink the top-level packages of installed distributions into ``target`` (a stand-in for Lambda's own site-packages or a layer)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        dist = importlib.metadata.distribution(name)
        tops = {f.parts[0] for f in dist.files or [] if f.parts and not f.parts[0].endswith(".dist-info")}
        tops -= {"..", "__pycache__"}
        for top in sorted(tops):
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (target / top).exists():
                (target / top).symlink_to(source)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> rp.RuntimeZip:
    return rp.build_runtime_zip(tmp_path_factory.mktemp("zip") / "runtime-lambda.zip", rp.host_architecture())


def test_two_builds_are_byte_identical(built: rp.RuntimeZip, tmp_path: Path) -> None:
    again = rp.build_runtime_zip(tmp_path / "again.zip", built.architecture)
    assert again.path.read_bytes() == built.path.read_bytes()


def test_entries_are_sorted_dated_and_readable_without_caches(built: rp.RuntimeZip) -> None:
    with zipfile.ZipFile(built.path) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and len(names) == len(set(names)) == built.files
    assert {i.date_time for i in infos} == {FIXED_TIME}
    for info in infos:
        mode = info.external_attr >> 16
        assert mode == (0o755 if ".so" in PurePosixPath(info.filename).suffixes else 0o644), info.filename
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith("runtime/web/static/")]  # the browser UI is served elsewhere
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"boto3", "botocore", "s3transfer", "urllib3", "dateutil"}  # Lambda provides the SDK
    assert {"runtime", "bot_spec", "jwt", "msgspec", "redis", "jsonschema", "tzdata"} <= tops
    assert "runtime/web/settings.py" in names and "runtime/chat/schemas/in.sendmessage.json" in names


def test_the_zip_fits_lambdas_limits_with_its_layer(built: rp.RuntimeZip) -> None:
    assert built.size < MAX_ZIP_BYTES
    layer = sum(
        Path(str(importlib.metadata.distribution(d).locate_file(f))).stat().st_size
        for d in built.needs_layer
        for f in importlib.metadata.distribution(d).files or []
    )
    assert built.unzipped + layer < MAX_UNZIPPED_BYTES


def test_modules_import_from_the_zip_beside_lambdas_sdk_and_the_layer(built: rp.RuntimeZip, tmp_path: Path) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(unpacked)
    provided, layer = tmp_path / "provided", tmp_path / "layer"
    _link_distributions(rp.LAMBDA_PROVIDED, provided)
    _link_distributions(built.needs_layer, layer)
    modules = list(rp.LAMBDA_MODULES) + ([rp.ENTRY_MODULE] if built.has_entry else [])
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_PROBE, str(unpacked), str(provided), str(layer), json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert done.returncode == 0, done.stderr
    origins = json.loads(done.stdout)
    for name in ("runtime", "bot_spec", "jwt", "msgspec", "redis", "jsonschema", "rpds", "tzdata"):
        assert origins[name].startswith(str(unpacked)), (name, origins[name])
    assert origins["boto3"].startswith(str(provided))
    expected_crypto = layer if "cryptography" in built.needs_layer else unpacked
    assert origins["cryptography"].startswith(str(expected_crypto))
    assert origins["tokyo"] == "Asia/Tokyo"


def test_without_the_layer_the_gap_shows(built: rp.RuntimeZip, tmp_path: Path) -> None:
    # The report is true: what needs_layer names really is missing from the zip.
    if not built.needs_layer:
        pytest.skip("every compiled library fits the Lambda here; nothing is left to a layer")
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(unpacked)
    _link_distributions(rp.LAMBDA_PROVIDED, tmp_path / "provided")
    (tmp_path / "layer").mkdir()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_PROBE, str(unpacked), str(tmp_path / "provided"), str(tmp_path / "layer"), "[]"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "cryptography" in done.stderr


@pytest.mark.parametrize(
    ("platform", "architecture", "fits"),
    [
        ("any", "x86_64", True),
        ("manylinux2014_x86_64", "x86_64", True),
        ("manylinux_2_17_x86_64", "x86_64", True),
        ("manylinux_2_26_x86_64", "x86_64", True),
        ("manylinux_2_28_x86_64", "x86_64", False),  # newer glibc than Amazon Linux 2
        ("manylinux_2_34_x86_64", "x86_64", False),
        ("manylinux2014_aarch64", "arm64", True),
        ("manylinux2014_x86_64", "arm64", False),
        ("manylinux_2_17_aarch64", "x86_64", False),
        ("musllinux_1_2_x86_64", "x86_64", False),
        ("macosx_11_0_arm64", "arm64", False),
        ("linux_x86_64", "x86_64", False),  # built from source on some machine
    ],
)
def test_wheel_platforms_that_load_on_the_python311_lambda(platform: str, architecture: str, fits: bool) -> None:
    assert platform_fits_lambda(platform, architecture) is fits


def test_another_architecture_leaves_every_compiled_library_to_a_layer(tmp_path: Path) -> None:
    other = "arm64" if rp.host_architecture() == "x86_64" else "x86_64"
    result = rp.build_runtime_zip(tmp_path / "other.zip", other)
    assert result.vendored_native == () and set(result.needs_layer) == set(rp.NATIVE)
    with zipfile.ZipFile(result.path) as archive:
        assert not [n for n in archive.namelist() if ".so" in n]


def test_command_prints_size_handlers_and_what_a_layer_must_supply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dist" / "runtime-lambda.zip"
    assert run_command("-o", str(out)) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}:" in printed and "runtime.serverless.lambda_entry.on_message" in printed
    assert "left to the Lambda runtime: boto3" in printed


def test_a_folder_as_output_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("-o", str(tmp_path)) == 2
    assert "is a folder" in capsys.readouterr().err


def test_an_unwritable_output_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert run_command("-o", str(blocker / "runtime.zip")) == 1
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--lambda-arch", "sparc"], ["--lambda-arch", ""], ["--lambda-arch", "x86_64;rm -rf /"]])
def test_bad_architecture_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run_command(*argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "Traceback" not in err


def test_unknown_architecture_in_the_api_is_a_packaging_error(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="x86_64 or arm64"):
        rp.build_runtime_zip(tmp_path / "x.zip", "mips")


def test_the_missing_handler_module_is_reported(built: rp.RuntimeZip, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rp, "ENTRY_MODULE", "runtime.serverless.not_there")
    lines = rp.describe(built.__class__(**{**built.__dict__, "has_entry": False}))
    assert any("runtime/serverless/not_there.py is not in this checkout" in line for line in lines)
    assert rp.entry_module_file() == "runtime/serverless/not_there.py"
