"""Hardhat (for contract developers) compiles to the same bytecode as our artifacts, byte for
byte, metadata hash included: both read ledger/compiler_settings.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger.artifact import artifact_names, digest_sources, load_artifact, sources_digest
from ledger.compiler import compiler_config, find_sources, repo_root

pytestmark = pytest.mark.hardhat

ROOT = repo_root()
HARDHAT = ROOT / "node_modules" / ".bin" / "hardhat"


@pytest.fixture(scope="module")
def hardhat_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "node_modules" / "hardhat").is_dir():
        pytest.skip("Hardhat is not installed (node_modules/hardhat absent): run `npm ci`")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed; Hardhat needs it")
    output = tmp_path_factory.mktemp("hardhat")
    env = {
        **os.environ,
        "HUREN_HARDHAT_DIR": str(output),
        "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true",
    }
    done = subprocess.run(
        [HARDHAT, "compile", "--force"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"hardhat compile failed:\n{done.stdout}\n{done.stderr}"
    return output


def test_hardhat_bytecode_equals_ours(hardhat_output: Path) -> None:
    current = sources_digest(digest_sources(find_sources()))
    compiled_from = {load_artifact(name).sources_sha256 for name in artifact_names()}
    assert compiled_from == {current}, (
        "ledger/artifacts/ is stale; run `.venv/bin/python scripts/compile_contracts.py`"
    )
    for name in artifact_names():
        ours = load_artifact(name)
        path = hardhat_output / "artifacts" / ours.source_name / f"{name}.json"
        theirs = json.loads(path.read_text(encoding="utf-8"))
        assert theirs["abi"] == ours.abi, name
        assert theirs["bytecode"] == ours.bytecode, f"{name}: creation bytecode differs"
        assert theirs["deployedBytecode"] == ours.deployed_bytecode, f"{name}: runtime differs"


def test_hardhat_uses_the_pinned_compiler_and_settings(hardhat_output: Path) -> None:
    build_infos = list((hardhat_output / "artifacts" / "build-info").glob("*.json"))
    assert build_infos
    config = compiler_config()
    for path in build_infos:
        build = json.loads(path.read_text(encoding="utf-8"))
        settings = dict(build["input"]["settings"])
        settings.pop("outputSelection")
        assert settings == config.settings
        assert build["solcLongVersion"] == load_artifact("HurenLedger").compiler_version
        assert sorted(build["input"]["sources"]) == sorted(find_sources())
