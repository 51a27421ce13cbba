"""The transparency-dev/merkle RFC 6962 vectors (Apache-2.0), copied to tests/vectors/rfc6962."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from certificate import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc6962"


def _load(kind: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b(item) for item in vector["proof"] or []]


INCLUSION = _load("inclusion")
CONSISTENCY = _load("consistency")


def test_all_vectors_are_present() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert (VECTORS / "README.md").read_text().count("Apache License 2.0") == 1


@pytest.mark.parametrize(("name", "vector"), INCLUSION, ids=[n for n, _ in INCLUSION])
def test_inclusion_vector(name: str, vector: dict[str, Any]) -> None:
    def run() -> None:
        verify_inclusion(
            _b(vector["leafHash"]),
            vector["leafIdx"],
            vector["treeSize"],
            _proof(vector),
            _b(vector["root"]),
        )

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


@pytest.mark.parametrize(("name", "vector"), CONSISTENCY, ids=[n for n, _ in CONSISTENCY])
def test_consistency_vector(name: str, vector: dict[str, Any]) -> None:
    def run() -> None:
        verify_consistency(
            vector["size1"],
            vector["size2"],
            _proof(vector),
            _b(vector["root1"]),
            _b(vector["root2"]),
        )

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()
