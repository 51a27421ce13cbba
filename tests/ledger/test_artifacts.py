"""The checked-in contract artifacts, the compiler toolchain and the solcjs shim."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version
from solcx.wrapper import VERSION_REGEX

from ledger.artifact import (
    Artifact,
    artifact_names,
    digest_sources,
    load_artifact,
    sources_digest,
)
from ledger.compiler import (
    ARTIFACTS_DIR,
    ERRORS_MODULE,
    SHIM,
    compile_sources,
    compiler_config,
    find_node_modules,
    find_sources,
    write_artifacts,
)
from ledger.exceptions import LedgerArtifactNotFoundError, LedgerCompileError

REGENERATE = "run `.venv/bin/python scripts/compile_contracts.py` and commit ledger/artifacts/"

needs_solcjs = pytest.mark.skipif(
    shutil.which("node") is None or find_node_modules() is None,
    reason="needs Node.js and node_modules/solc (run `npm ci`)",
)


@needs_solcjs
def test_checked_in_artifacts_equal_a_fresh_compile(tmp_path: Path) -> None:
    stale = tmp_path / "Removed.json"
    stale.write_text("{}\n")

    errors_module = tmp_path / "contract_errors.py"
    report = write_artifacts(directory=tmp_path, errors_module=errors_module)

    assert report.removed == (stale,)
    assert artifact_names(tmp_path) == artifact_names(), REGENERATE
    for name in artifact_names():
        fresh, checked_in = load_artifact(name, tmp_path), load_artifact(name)
        assert checked_in.abi == fresh.abi, f"{name}: ABI differs; {REGENERATE}"
        assert checked_in.bytecode == fresh.bytecode, f"{name}: bytecode differs; {REGENERATE}"
        assert checked_in.deployed_bytecode == fresh.deployed_bytecode, REGENERATE
        # Everything else too, byte for byte: regenerating gives a zero diff.
        fresh_text = (tmp_path / f"{name}.json").read_bytes()
        assert (ARTIFACTS_DIR / f"{name}.json").read_bytes() == fresh_text, REGENERATE
    # The generated error classes follow the ABI and its NatSpec too.
    assert ERRORS_MODULE.read_bytes() == errors_module.read_bytes(), REGENERATE


def test_checked_in_artifacts_cover_the_current_sources() -> None:
    current = digest_sources(find_sources())
    for name in artifact_names():
        artifact = load_artifact(name)
        assert artifact.sources == current, f"{name} was compiled from other sources; {REGENERATE}"
        assert artifact.sources_sha256 == sources_digest(current)


def test_ledger_artifact_is_deployable_with_the_pinned_compiler() -> None:
    artifact = load_artifact("HurenLedger")
    config = compiler_config()

    assert artifact.kind == "contract"
    assert artifact.deployable
    assert artifact.source_name == "contracts/HurenLedger.sol"
    assert re.fullmatch(
        rf"{re.escape(config.solc_version)}\+commit\.[0-9a-f]{{8}}", artifact.compiler_version
    )
    assert artifact.compiler_settings == config.settings
    assert any(entry["type"] == "constructor" for entry in artifact.abi)


def test_interfaces_have_abi_only() -> None:
    artifacts = [load_artifact(name) for name in artifact_names()]
    interfaces = [artifact for artifact in artifacts if artifact.kind == "interface"]
    assert interfaces
    for artifact in interfaces:
        assert not artifact.deployable
        assert artifact.bytecode == artifact.deployed_bytecode == "0x"


def test_artifact_files_are_deterministic_json() -> None:
    for name in artifact_names():
        text = (ARTIFACTS_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert Artifact.from_json(text).to_json() == text


def test_unknown_artifact_raises_lookup_error() -> None:
    with pytest.raises(LedgerArtifactNotFoundError) as caught:
        load_artifact("NoSuchContract")
    assert isinstance(caught.value, LookupError)
    with pytest.raises(LedgerArtifactNotFoundError):
        load_artifact("../compiler_settings")


@needs_solcjs
def test_shim_answers_version_like_native_solc() -> None:
    stdout = subprocess.run(
        [SHIM, "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout

    version = compiler_config().solc_version
    assert re.fullmatch(
        rf"solc, the solidity compiler commandline interface\n"
        rf"Version: {re.escape(version)}\+commit\.[0-9a-f]{{8}}\.Emscripten\.clang\n",
        stdout,
    )
    match = re.search(VERSION_REGEX, stdout)  # how py-solc-x reads it
    assert match is not None
    assert Version("".join(match.groups())).base_version == version


@needs_solcjs
def test_shim_refuses_unsupported_arguments() -> None:
    assert subprocess.run([SHIM, "--help"], capture_output=True, timeout=60).returncode == 0
    refused = subprocess.run([SHIM, "--bin", "x.sol"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert "unsupported arguments" in refused.stderr


@needs_solcjs
def test_syntax_error_raises_compile_error_with_compiler_message() -> None:
    source = "pragma solidity 0.8.37;\ncontract Broken {\n    function f( {}\n}\n"

    with pytest.raises(LedgerCompileError) as caught:
        compile_sources({"contracts/Broken.sol": source})

    message = str(caught.value)
    assert "ParserError" in message
    assert "contracts/Broken.sol:3" in message
    assert [e["type"] for e in caught.value.errors] == ["ParserError"]
