"""Compiled contract artifacts: the checked-in ABI and bytecode the runtime deploys and calls.

The artifacts live in ``ledger/artifacts/`` (package data), one JSON file per deployable contract
and per interface, written by ``scripts/compile_contracts.py``
(:func:`ledger.compiler.write_artifacts`). Loading them never needs a compiler::

    artifact = load_artifact("HurenLedger")
    contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)

The JSON form is deterministic (sorted keys, two-space indent, trailing newline), so regenerating
from unchanged sources gives a zero diff.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, cast, get_args

from eth_typing import ABI, HexStr

from ledger.exceptions import LedgerArtifactError, LedgerArtifactNotFoundError

__all__ = [
    "ARTIFACT_FORMAT",
    "CONTRACT_NAME",
    "Artifact",
    "ContractKind",
    "artifact_names",
    "digest_sources",
    "load_artifact",
    "sources_digest",
]

CONTRACT_NAME = "HurenLedger"
"""The artifact of the ledger contract itself (the one deployed; the others are its parts)."""

ARTIFACT_FORMAT = "huren-artifact-2"
"""Value of the ``format`` key of every artifact file; bump it when the layout changes."""

ContractKind = Literal["contract", "library", "interface"]
"""Solidity's ``contractKind`` of an artifact's contract (abstract contracts get no artifact)."""

_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_HEX = re.compile(r"0x(?:[0-9a-f]{2})*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: what deploying and calling it needs, and where it came from.

    ``sources`` maps the source unit name of every file in the compilation (``contracts/…``) to
    the SHA-256 of its bytes; ``sources_sha256`` digests that map (see :func:`sources_digest`).
    Interfaces have empty bytecode (``"0x"``). ``storage_layout`` is solc's ``storageLayout``
    (``storage``: every state variable's slot, offset and type; ``types``: their sizes, struct
    members, mapping key and value types), from which :mod:`ledger.storage_layout` derives the
    slot of any stored value.
    """

    contract_name: str
    source_name: str
    kind: ContractKind
    abi: ABI
    bytecode: HexStr
    deployed_bytecode: HexStr
    storage_layout: Mapping[str, Any]
    compiler_version: str
    compiler_settings: Mapping[str, Any]
    sources: Mapping[str, str]
    sources_sha256: str

    @property
    def deployable(self) -> bool:
        """Whether the artifact has creation bytecode (a contract or library, not an interface)."""
        return self.bytecode != "0x"

    def to_json(self) -> str:
        """The artifact's file content: deterministic JSON with a trailing newline."""
        document = {
            "abi": self.abi,
            "bytecode": self.bytecode,
            "compiler": {"settings": self.compiler_settings, "version": self.compiler_version},
            "contractName": self.contract_name,
            "deployedBytecode": self.deployed_bytecode,
            "format": ARTIFACT_FORMAT,
            "kind": self.kind,
            "sourceName": self.source_name,
            "sources": self.sources,
            "sourcesSha256": self.sources_sha256,
            "storageLayout": self.storage_layout,
        }
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Artifact:
        """Parse and check an artifact file's content.

        Raises:
            LedgerArtifactError: the text is not an artifact of the current format.
        """
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise LedgerArtifactError(f"artifact is not valid JSON: {error}") from error
        if not isinstance(document, dict):
            raise LedgerArtifactError("artifact is not a JSON object")
        if document.get("format") != ARTIFACT_FORMAT:
            raise LedgerArtifactError(
                f"artifact format is {document.get('format')!r}, expected {ARTIFACT_FORMAT!r}; "
                "regenerate with scripts/compile_contracts.py"
            )
        compiler = _field(document, "compiler", dict)
        kind = _field(document, "kind", str)
        if kind not in get_args(ContractKind):
            raise LedgerArtifactError(f"artifact has unknown kind {kind!r}")
        sources = _field(document, "sources", dict)
        if not all(isinstance(k, str) and _is_sha256(v) for k, v in sources.items()):
            raise LedgerArtifactError("artifact 'sources' must map names to SHA-256 hex digests")
        abi = _field(document, "abi", list)
        if not all(isinstance(entry, dict) for entry in abi):
            raise LedgerArtifactError("artifact 'abi' must be a list of objects")
        artifact = cls(
            contract_name=_field(document, "contractName", str),
            source_name=_field(document, "sourceName", str),
            kind=cast(ContractKind, kind),
            abi=cast(ABI, abi),
            bytecode=HexStr(_hex_field(document, "bytecode")),
            deployed_bytecode=HexStr(_hex_field(document, "deployedBytecode")),
            storage_layout=_storage_layout_field(document),
            compiler_version=_field(compiler, "version", str),
            compiler_settings=_field(compiler, "settings", dict),
            sources=sources,
            sources_sha256=_field(document, "sourcesSha256", str),
        )
        if not _is_sha256(artifact.sources_sha256):
            raise LedgerArtifactError("artifact 'sourcesSha256' is not a SHA-256 hex digest")
        return artifact


def digest_sources(sources: Mapping[str, str]) -> dict[str, str]:
    """SHA-256 hex digest of each source's UTF-8 bytes, by source unit name, sorted."""
    return {
        name: hashlib.sha256(sources[name].encode("utf-8")).hexdigest() for name in sorted(sources)
    }


def sources_digest(sources: Mapping[str, str]) -> str:
    """SHA-256 over per-file digests (from :func:`digest_sources`), in ``sha256sum`` format,
    sorted by source name.

    The same value comes out of ``find contracts -name '*.sol' | LC_ALL=C sort | xargs sha256sum
    | sha256sum`` at the repository root.
    """
    lines = "".join(f"{sources[name]}  {name}\n" for name in sorted(sources))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def artifact_names(directory: Path | None = None) -> list[str]:
    """Names of the contracts that have an artifact, sorted."""
    folder = _folder(directory)
    return sorted(
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".json")
    )


def load_artifact(name: str, directory: Path | None = None) -> Artifact:
    """Load the artifact of contract ``name`` (e.g. ``"HurenLedger"``).

    Args:
        name: the Solidity contract (or interface) name.
        directory: where to look instead of the package's ``ledger/artifacts/``.

    Raises:
        LedgerArtifactNotFoundError: there is no artifact of that name.
        LedgerArtifactError: the file exists but is not a valid artifact for ``name``.
    """
    if not _NAME.fullmatch(name):
        raise LedgerArtifactNotFoundError(f"{name!r} is not a contract name")
    entry = _folder(directory) / f"{name}.json"
    if not entry.is_file():
        raise LedgerArtifactNotFoundError(
            f"no artifact for contract {name!r} in {entry}; "
            "regenerate with scripts/compile_contracts.py"
        )
    artifact = Artifact.from_json(entry.read_text(encoding="utf-8"))
    if artifact.contract_name != name:
        raise LedgerArtifactError(
            f"{entry} holds contract {artifact.contract_name!r}, expected {name!r}"
        )
    return artifact


def _folder(directory: Path | None) -> Traversable:
    if directory is not None:
        return directory
    return resources.files("ledger") / "artifacts"


def _field(document: Mapping[str, Any], key: str, kind: type[Any]) -> Any:
    value = document.get(key)
    if not isinstance(value, kind):
        raise LedgerArtifactError(f"artifact field {key!r} is missing or not a {kind.__name__}")
    return value


def _hex_field(document: Mapping[str, Any], key: str) -> str:
    value = _field(document, key, str)
    if not _HEX.fullmatch(value):
        raise LedgerArtifactError(f"artifact field {key!r} is not lower-case 0x-prefixed hex")
    return cast(str, value)


def _storage_layout_field(document: Mapping[str, Any]) -> dict[str, Any]:
    layout = _field(document, "storageLayout", dict)
    if not isinstance(layout.get("storage"), list) or not isinstance(layout.get("types"), dict):
        raise LedgerArtifactError("artifact 'storageLayout' needs a 'storage' list and 'types'")
    return cast(dict[str, Any], layout)


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None
