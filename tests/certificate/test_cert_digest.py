"""Field leaves and digest: a fixed vector, an independent re-implementation, and the edge cases."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import rfc8785

from certificate import (
    DIGEST_LABEL,
    CertificateSchemaError,
    SaltError,
    build_document,
    canonical_field,
    field_leaf,
    flatten,
)
from certificate.digest import (
    disclosed_digest,
    document_digest,
    new_salts,
    validate_pointer,
    validate_salt,
)
from certificate.merkle import root_from_leaf_hashes

VECTOR = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "certificate" / "digest-v1.json").read_text()
)


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash over already hashed leaves, transcribed from the RFC."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_fixed_vector_with_the_library() -> None:
    document = VECTOR["document"]
    build_document(document)
    fields = flatten(document)
    assert [path for path, _ in fields] == [f["path"] for f in VECTOR["fields"]]
    for (path, value), expected in zip(fields, VECTOR["fields"], strict=True):
        salt = VECTOR["salts"][path]
        assert canonical_field(path, value, salt).decode() == expected["canonical"]
        assert "0x" + field_leaf(path, value, salt).hex() == expected["leaf"]
    leaves = [bytes.fromhex(f["leaf"][2:]) for f in VECTOR["fields"]]
    assert "0x" + root_from_leaf_hashes(leaves).hex() == VECTOR["field_root"]
    assert "0x" + document_digest(document, VECTOR["salts"]).hex() == VECTOR["digest"]


def test_fixed_vector_independently() -> None:
    """Recompute the vector from the written scheme with rfc8785 and hashlib only."""
    leaves = []
    for entry in VECTOR["fields"]:
        pointer = entry["path"]
        value: object = VECTOR["document"]
        for token in pointer[1:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            value = value[int(token)] if isinstance(value, list) else value[token]  # type: ignore[index]
        canonical = rfc8785.dumps([pointer, value, VECTOR["salts"][pointer]])  # type: ignore[list-item]
        assert canonical.decode() == entry["canonical"]
        leaves.append(hashlib.sha256(b"\x00" + canonical).digest())
    root = _mth(leaves)
    assert "0x" + root.hex() == VECTOR["field_root"]
    digest = hashlib.sha256(b"huren/certificate-digest/1" + root).digest()
    assert "0x" + digest.hex() == VECTOR["digest"]
    assert len(VECTOR["fields"]) >= 20


def test_flatten_names_every_leaf_by_json_pointer_in_code_point_order() -> None:
    fields = flatten(
        {"b": {"x/y": 1, "t~": [], "n": None}, "a": [{"k": True}, {}], "é": "", "Z": {}}
    )
    assert fields == [
        ("/Z", {}),
        ("/a/0/k", True),
        ("/a/1", {}),
        ("/b/n", None),
        ("/b/t~0", []),
        ("/b/x~1y", 1),
        ("/é", ""),
    ]
    for path, _ in fields:
        validate_pointer(path)
    with pytest.raises(CertificateSchemaError):
        flatten({1: "x"})  # type: ignore[dict-item]


def test_pointers() -> None:
    for good in ("/a", "/a/0", "/a~0b", "/a~1b", "/", "/é/中"):
        assert validate_pointer(good) == good
    for bad in ("", "a", "/a~2", "/a~", 7):
        with pytest.raises(CertificateSchemaError, match="JSON Pointer"):
            validate_pointer(bad)


def test_salts_are_fresh_16_byte_values() -> None:
    salts = new_salts(500)
    assert len(set(salts)) == 500
    for salt in salts:
        assert validate_salt(salt, "/p") == salt
        assert len(base64.urlsafe_b64decode(salt + "==")) == 16


@pytest.mark.parametrize(
    "salt",
    [
        "AAAAAAAAAAAAAAAAAAAAA",  # 15.75 bytes
        "AAAAAAAAAAAAAAAAAAAAAAA",  # too long
        "AAAAAAAAAAAAAAAAAAAAAB",  # non-canonical: the last character carries stray bits
        "AAAAAAAAAAAAAAAAAAAA+A",  # standard, not url-safe, base64
        "AAAAAAAAAAAAAAAAAAAA==",  # padding
        12,
    ],
)
def test_malformed_salts(salt: object) -> None:
    with pytest.raises(SaltError, match="22 base64url characters"):
        validate_salt(salt, "/holder/name")


def test_digest_is_domain_separated_from_merkle_hashes() -> None:
    document = VECTOR["document"]
    leaves = [bytes.fromhex(f["leaf"][2:]) for f in VECTOR["fields"]]
    root = root_from_leaf_hashes(leaves)
    digest = document_digest(document, VECTOR["salts"])
    assert digest != root
    assert digest == hashlib.sha256(DIGEST_LABEL + root).digest()
    assert DIGEST_LABEL[0] not in (0, 1)


def test_salts_must_match_the_fields_exactly() -> None:
    document = VECTOR["document"]
    salts = dict(VECTOR["salts"])
    salts.pop("/holder/name")
    with pytest.raises(CertificateSchemaError, match=r"no salt for field.*/holder/name"):
        document_digest(document, salts)
    salts["/holder/nmae"] = VECTOR["salts"]["/holder/name"]
    with pytest.raises(CertificateSchemaError, match=r"unknown field.*/holder/nmae"):
        document_digest(document, salts)


def test_a_field_cannot_be_both_disclosed_and_withheld() -> None:
    with pytest.raises(CertificateSchemaError, match="both disclosed and withheld"):
        disclosed_digest({"/a": (1, "A" * 22)}, {"/a": b"\x00" * 32})
