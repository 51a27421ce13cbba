"""Compile ``contracts/**/*.sol`` and write the checked-in artifacts (``ledger/artifacts/``).

Only development needs this module; the runtime loads artifacts with
:func:`ledger.artifact.load_artifact` and never runs a compiler.

The compiler version and settings are pinned in ``ledger/compiler_settings.json``, which
``hardhat.config.js`` reads too, so both compile to the same bytecode, metadata hash included.
Compilation goes through py-solc-x's ``compile_standard`` (Standard JSON) with:

1. a native ``solc`` on ``PATH`` if its ``--version`` is the pinned version, else
2. the shim ``ledger/_solc_shim/solc``: a ``solc``-compatible command running the npm ``solc``
   package (solcjs) on Node.js; it looks for ``node_modules`` in ``$HUREN_NODE_MODULES``, then
   at the repository root, then above the working directory. ``$HUREN_NODE`` names the Node.js
   executable (default ``node``).

Source unit names are paths relative to the repository root (``contracts/HurenLedger.sol``),
the names Hardhat uses, because they enter the metadata whose hash ends the bytecode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import solcx
from eth_typing import ABI, HexStr
from solcx.exceptions import SolcError

from ledger.artifact import Artifact, ContractKind, digest_sources, sources_digest
from ledger.exceptions import LedgerCompileError, LedgerCompilerNotFoundError
from ledger.revert import render_error_module

__all__ = [
    "ARTIFACTS_DIR",
    "ERRORS_MODULE",
    "SETTINGS_FILE",
    "SHIM",
    "Compilation",
    "CompilerConfig",
    "WriteReport",
    "compile_contracts",
    "compile_sources",
    "compiler_config",
    "find_node_modules",
    "find_solc",
    "find_sources",
    "render_errors_module",
    "repo_root",
    "write_artifacts",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
SETTINGS_FILE = _PACKAGE_DIR / "compiler_settings.json"
"""The one place the compiler version and settings are pinned (also read by Hardhat)."""
SHIM = _PACKAGE_DIR / "_solc_shim" / "solc"
"""``solc``-compatible executable running the npm ``solc`` package on Node.js."""
ARTIFACTS_DIR = _PACKAGE_DIR / "artifacts"
"""Where :func:`write_artifacts` writes by default (package data)."""
ERRORS_MODULE = _PACKAGE_DIR / "contract_errors.py"
"""The generated exception classes of the ledger contract's custom errors."""
ERRORS_CONTRACT = "HurenLedger"
"""The deployed contract whose custom errors :data:`ERRORS_MODULE` names."""

# What we ask the compiler for. Output selection does not change the bytecode.
_OUTPUT_SELECTION: Mapping[str, Any] = {
    "*": {
        "*": [
            "abi",
            "evm.bytecode.object",
            "evm.bytecode.linkReferences",
            "evm.deployedBytecode.object",
            "metadata",
            "storageLayout",
        ],
        "": ["ast"],
    }
}


@dataclass(frozen=True)
class CompilerConfig:
    """The pinned compiler: release version (``"0.8.37"``) and Standard JSON ``settings``
    (without ``outputSelection``)."""

    solc_version: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class Compilation:
    """The result of one compilation: an artifact per contract and interface (not per abstract
    contract), by contract name, and the compiler's warnings, formatted."""

    artifacts: Mapping[str, Artifact]
    warnings: tuple[str, ...]
    natspec: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=dict)
    """Per contract, solc's ``userdoc`` and ``devdoc`` (from its metadata): the NatSpec the
    generated error classes take their docstrings from."""


@dataclass(frozen=True)
class WriteReport:
    """What :func:`write_artifacts` did: the compilation, and the files it wrote (new or changed
    content) and removed (no longer matching a contract)."""

    compilation: Compilation
    directory: Path
    written: tuple[Path, ...]
    removed: tuple[Path, ...]


def compiler_config(path: Path = SETTINGS_FILE) -> CompilerConfig:
    """Read the pinned compiler version and settings from ``compiler_settings.json``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        version = document["solcVersion"]
        settings = document["settings"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LedgerCompileError(f"cannot read compiler settings from {path}: {error}") from error
    if not isinstance(version, str) or not isinstance(settings, dict):
        raise LedgerCompileError(f"{path}: 'solcVersion' must be a string, 'settings' an object")
    return CompilerConfig(solc_version=version, settings=settings)


def repo_root() -> Path:
    """The repository this package sits in (the folder holding ``contracts/``)."""
    root = _PACKAGE_DIR.parent
    if not (root / "contracts").is_dir():
        raise LedgerCompileError(
            f"no contracts/ folder next to the ledger package ({root}); pass root= explicitly"
        )
    return root


def find_sources(root: Path | None = None) -> dict[str, str]:
    """Every ``contracts/**/*.sol`` under ``root``, by source unit name, as exact text.

    The bytes are decoded as UTF-8 without newline translation: the metadata hash covers them.
    """
    root = repo_root() if root is None else root
    paths = sorted((root / "contracts").rglob("*.sol"))
    if not paths:
        raise LedgerCompileError(f"no Solidity sources in {root / 'contracts'}")
    sources: dict[str, str] = {}
    for path in paths:
        try:
            sources[path.relative_to(root).as_posix()] = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise LedgerCompileError(f"cannot read {path}: {error}") from error
    return sources


def find_node_modules() -> Path | None:
    """The ``node_modules`` folder holding the npm ``solc`` package, searched as the shim does:
    ``$HUREN_NODE_MODULES``, the repository root, then the working directory and its parents."""
    for candidate in _node_modules_candidates():
        if (candidate / "solc" / "soljson.js").is_file():
            return candidate
    return None


def find_solc(config: CompilerConfig | None = None) -> Path:
    """The compiler executable to use: a native ``solc`` of the pinned version on ``PATH``,
    else the solcjs shim.

    Raises:
        LedgerCompilerNotFoundError: neither is usable.
    """
    config = compiler_config() if config is None else config
    native = shutil.which("solc")
    if native is not None and _native_version(native) == config.solc_version:
        return Path(native)
    node = os.environ.get("HUREN_NODE", "node")
    if shutil.which(node) is None:
        raise LedgerCompilerNotFoundError(
            f"no solc {config.solc_version} on PATH and no Node.js ({node!r}) to run the npm "
            "solc package; install Node.js 20+ and run `npm ci`"
        )
    if find_node_modules() is None:
        raise LedgerCompilerNotFoundError(
            f"no solc {config.solc_version} on PATH and no npm solc package found; run `npm ci` "
            "at the repository root or set HUREN_NODE_MODULES"
        )
    if not os.access(SHIM, os.X_OK):
        raise LedgerCompilerNotFoundError(f"the solc shim {SHIM} is not executable (chmod +x)")
    return SHIM


def compile_sources(
    sources: Mapping[str, str],
    *,
    solc_binary: Path | None = None,
    config: CompilerConfig | None = None,
) -> Compilation:
    """Compile ``sources`` (source unit name → text) with the pinned settings.

    Args:
        sources: every source of the compilation; imports must resolve among them.
        solc_binary: the compiler executable; :func:`find_solc` by default.
        config: the compiler pin; :func:`compiler_config` by default.

    Raises:
        LedgerCompileError: the compiler reported errors (its messages are the exception's
            text, its diagnostics ``errors``), or could not run, or is not the pinned version.
        LedgerCompilerNotFoundError: no compiler is available.
    """
    config = compiler_config() if config is None else config
    binary = find_solc(config) if solc_binary is None else solc_binary
    if not sources:
        raise LedgerCompileError("nothing to compile: no sources")
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": {**config.settings, "outputSelection": _OUTPUT_SELECTION},
    }
    output = _run_solc(standard_input, binary)
    diagnostics = output.get("errors", [])
    warnings = tuple(
        str(d.get("formattedMessage", d.get("message", "")))
        for d in diagnostics
        if d.get("severity") != "error"
    )
    digests = digest_sources(sources)
    artifacts: dict[str, Artifact] = {}
    natspec: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
    for source_name, contract_name, kind in _contract_definitions(output):
        if kind is None:  # abstract contract: only a base for others
            continue
        if contract_name in artifacts:
            raise LedgerCompileError(
                f"contract name {contract_name!r} is defined in both "
                f"{artifacts[contract_name].source_name} and {source_name}; artifacts are keyed "
                "by contract name, so names must be unique"
            )
        compiled = output.get("contracts", {}).get(source_name, {}).get(contract_name)
        if compiled is None:
            raise LedgerCompileError(f"compiler output lacks {source_name}:{contract_name}")
        artifacts[contract_name] = _artifact(
            compiled, source_name, contract_name, kind, config, digests
        )
        metadata_output = json.loads(compiled["metadata"])["output"]
        natspec[contract_name] = (metadata_output["userdoc"], metadata_output["devdoc"])
    return Compilation(
        artifacts=dict(sorted(artifacts.items())), warnings=warnings, natspec=natspec
    )


def compile_contracts(root: Path | None = None, *, solc_binary: Path | None = None) -> Compilation:
    """Compile every ``contracts/**/*.sol`` of the repository at ``root`` (default: this one)."""
    return compile_sources(find_sources(root), solc_binary=solc_binary)


def write_artifacts(
    root: Path | None = None,
    directory: Path | None = None,
    *,
    errors_module: Path | None = ERRORS_MODULE,
    solc_binary: Path | None = None,
) -> WriteReport:
    """Compile the contracts and (re)write their artifacts, one ``<Contract>.json`` each, and
    the Python module of the ledger contract's custom errors.

    Files whose content is unchanged are left alone; ``*.json`` files that no longer match a
    contract are removed.

    Args:
        root: the repository holding ``contracts/``; this package's repository by default.
        directory: where to write; ``ledger/artifacts/`` by default.
        errors_module: where to write the error classes (``None``: don't);
            ``ledger/contract_errors.py`` by default.
        solc_binary: the compiler executable; :func:`find_solc` by default.
    """
    compilation = compile_contracts(root, solc_binary=solc_binary)
    directory = ARTIFACTS_DIR if directory is None else directory
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, artifact in compilation.artifacts.items():
        path = directory / f"{name}.json"
        content = artifact.to_json()
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8", newline="\n")
            written.append(path)
    if errors_module is not None:
        content = render_errors_module(compilation)
        if not errors_module.is_file() or errors_module.read_text(encoding="utf-8") != content:
            errors_module.write_text(content, encoding="utf-8", newline="\n")
            written.append(errors_module)
    removed: list[Path] = []
    for path in sorted(directory.glob("*.json")):
        if path.stem not in compilation.artifacts:
            path.unlink()
            removed.append(path)
    return WriteReport(
        compilation=compilation, directory=directory, written=tuple(written), removed=tuple(removed)
    )


def render_errors_module(compilation: Compilation) -> str:
    """The source of ``ledger/contract_errors.py`` for ``compilation``'s ledger contract."""
    userdoc, devdoc = compilation.natspec[ERRORS_CONTRACT]
    return render_error_module(
        compilation.artifacts[ERRORS_CONTRACT].abi,
        userdoc=userdoc,
        devdoc=devdoc,
        source=f"ledger/artifacts/{ERRORS_CONTRACT}.json",
    )


# --- internals --------------------------------------------------------------------------------


def _run_solc(standard_input: Mapping[str, Any], binary: Path) -> dict[str, Any]:
    try:
        output = solcx.compile_standard(dict(standard_input), solc_binary=binary)
    except SolcError as error:
        if error.error_dict:
            failures = [d for d in error.error_dict if d.get("severity") == "error"]
            raise LedgerCompileError(error.message, failures) from error
        raise LedgerCompileError(f"the compiler {binary} failed: {error}") from error
    except (OSError, ValueError, subprocess.CalledProcessError) as error:
        raise LedgerCompileError(f"the compiler {binary} failed: {error}") from error
    return cast(dict[str, Any], output)


def _contract_definitions(
    output: Mapping[str, Any],
) -> Iterator[tuple[str, str, ContractKind | None]]:
    """(source name, contract name, kind or None if abstract) for every top-level contract."""
    for source_name, source in sorted(output.get("sources", {}).items()):
        for node in source.get("ast", {}).get("nodes", []):
            if node.get("nodeType") != "ContractDefinition":
                continue
            kind: ContractKind | None = node["contractKind"]
            if node.get("abstract", False):
                kind = None
            yield source_name, node["name"], kind


def _artifact(
    compiled: Mapping[str, Any],
    source_name: str,
    contract_name: str,
    kind: ContractKind,
    config: CompilerConfig,
    digests: Mapping[str, str],
) -> Artifact:
    evm = compiled["evm"]
    if evm["bytecode"].get("linkReferences"):
        raise LedgerCompileError(
            f"{source_name}:{contract_name} needs linking to external libraries "
            f"({sorted(evm['bytecode']['linkReferences'])}); artifacts do not support that"
        )
    version = json.loads(compiled["metadata"])["compiler"]["version"]
    if not version.startswith(f"{config.solc_version}+"):
        raise LedgerCompileError(
            f"the compiler is solc {version}, but {SETTINGS_FILE.name} pins {config.solc_version}"
        )
    return Artifact(
        contract_name=contract_name,
        source_name=source_name,
        kind=kind,
        abi=cast(ABI, compiled["abi"]),
        bytecode=HexStr("0x" + evm["bytecode"]["object"]),
        deployed_bytecode=HexStr("0x" + evm["deployedBytecode"]["object"]),
        storage_layout=_storage_layout(compiled),
        compiler_version=version,
        compiler_settings=config.settings,
        sources=dict(digests),
        sources_sha256=sources_digest(digests),
    )


def _storage_layout(compiled: Mapping[str, Any]) -> dict[str, Any]:
    """solc's storage layout of a contract, with ``types`` an empty object rather than null
    (solc's answer for a contract without state variables, such as an interface)."""
    layout = compiled.get("storageLayout") or {}
    return {"storage": list(layout.get("storage") or []), "types": dict(layout.get("types") or {})}


def _node_modules_candidates() -> Iterator[Path]:
    if env := os.environ.get("HUREN_NODE_MODULES"):
        yield Path(env)
    yield _PACKAGE_DIR.parent / "node_modules"
    cwd = Path.cwd()
    for directory in (cwd, *cwd.parents):
        yield directory / "node_modules"


def _native_version(path: str) -> str | None:
    """The release version of the native compiler at ``path``, or None if it is not one."""
    try:
        return str(solcx.wrapper.get_solc_version(path))
    except (SolcError, OSError, ValueError, subprocess.CalledProcessError):
        return None
