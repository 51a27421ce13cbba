"""Sealed certificates: sealing, anchoring, parsing, the JSON Schema, and tamper detection."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from certificate import (
    CertificateDocument,
    CertificateError,
    CertificateFormatError,
    CertificateJSONError,
    CertificateKeyError,
    CertificateSchemaError,
    CertificateStateError,
    DigestMismatchError,
    ProofError,
    SealedCertificate,
    SealState,
    SignatureAlgorithm,
    SignatureError,
    SigningKey,
    attach_receipt,
    build_document,
    disclose,
    parse_sealed,
    recompute_digest,
    seal,
    sealed_certificate_schema,
    verify_digest,
    verify_receipt,
    verify_signature,
)
from certificate.registry import make_format_checker
from certificate.samples import SAMPLE_KINDS, sample_document

SCHEMA = Draft202012Validator(sealed_certificate_schema(), format_checker=make_format_checker())


def verify_all(sealed: SealedCertificate, key: SigningKey) -> None:
    verify_digest(sealed)
    verify_signature(sealed, key.spki_der, key.algorithm)
    if sealed.anchored:
        verify_receipt(sealed)


@pytest.mark.parametrize("algorithm", list(SignatureAlgorithm))
@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_seal_anchor_parse_verify(
    kind: str,
    algorithm: SignatureAlgorithm,
    ed25519_key: SigningKey,
    p256_key: SigningKey,
    anchor_batch: Callable[[list[SealedCertificate]], list[SealedCertificate]],
) -> None:
    key = ed25519_key if algorithm is SignatureAlgorithm.ED25519 else p256_key
    documents = [
        build_document(sample_document(kind, seed=seed, algorithm=algorithm)) for seed in range(3)
    ]
    sealed = [seal(document, key) for document in documents]
    assert sealed[0].state is SealState.SEALED and not sealed[0].anchored
    SCHEMA.validate(json.loads(sealed[0].to_json()))
    assert parse_sealed(sealed[0].to_json()) == sealed[0]
    with pytest.raises(CertificateStateError, match="not anchored"):
        verify_receipt(sealed[0])
    for certificate in anchor_batch(sealed):
        text = certificate.to_json()
        SCHEMA.validate(json.loads(text))
        parsed = parse_sealed(text.encode())
        assert parsed == certificate and parsed.state is SealState.ANCHORED
        verify_all(parsed, key)
        assert parsed.algorithm is algorithm
        copy = disclose(parsed, ["/holder/name"])
        SCHEMA.validate(json.loads(copy.to_json()))
        verify_all(parse_sealed(copy.to_json()), key)


def test_sealing_twice_gives_new_salts_and_digest(
    document: CertificateDocument, ed25519_key: SigningKey
) -> None:
    first, second = seal(document, ed25519_key), seal(document, ed25519_key)
    assert first.digest != second.digest
    assert recompute_digest(first) == first.digest
    assert first.issuing_province == 310000


def test_key_must_match_the_documents_algorithm(
    document: CertificateDocument, p256_key: SigningKey
) -> None:
    with pytest.raises(CertificateKeyError, match="names Ed25519"):
        seal(document, p256_key)


def test_signature_checks_key_id_and_algorithm(
    document: CertificateDocument, ed25519_key: SigningKey, p256_key: SigningKey
) -> None:
    sealed = seal(document, ed25519_key)
    with pytest.raises(SignatureError, match="signed by key"):
        verify_signature(sealed, p256_key.spki_der, SignatureAlgorithm.ECDSA_P256_SHA256)
    with pytest.raises(SignatureError, match="registered for ECDSA"):
        verify_signature(sealed, ed25519_key.spki_der, SignatureAlgorithm.ECDSA_P256_SHA256)
    other = SigningKey.generate()
    forged = sealed.model_copy(
        update={"signature": sealed.signature.model_copy(update={"key_id": other.key_id})}
    )
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(forged, other.spki_der, SignatureAlgorithm.ED25519)


def test_receipts(
    anchored: Callable[..., SealedCertificate],
    document: CertificateDocument,
    ed25519_key: SigningKey,
) -> None:
    certificate = anchored()
    assert certificate.receipt is not None
    with pytest.raises(CertificateStateError, match="already anchored"):
        attach_receipt(certificate, certificate.receipt)
    stranger = seal(document, ed25519_key)
    with pytest.raises(ProofError):
        attach_receipt(stranger, certificate.receipt)
    data = _json(certificate)
    data["receipt"]["leaf_index"] = 5
    with pytest.raises(CertificateSchemaError, match="leaf index 5 is not inside a batch of 5"):
        parse_sealed(json.dumps(data))


def _json(certificate: SealedCertificate) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(certificate.to_json())
    return value


MALFORMATIONS: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("version", lambda d: d.update(version="huren/sealed-certificate/2"), "reads"),
    ("state without receipt", lambda d: d.update(state="sealed"), "has a receipt"),
    ("receipt missing", lambda d: d.pop("receipt"), "/receipt: is missing"),
    ("unknown member", lambda d: d.update(extra=1), "/extra: is not a field"),
    ("province", lambda d: d.update(issuing_province=320000), "does not contain"),
    ("unknown province", lambda d: d.update(issuing_province=999999), "province-level"),
    (
        "digest case",
        lambda d: d.update(digest=d["digest"].upper().replace("0X", "0x")),
        "lowercase",
    ),
    ("digest length", lambda d: d.update(digest=d["digest"][:-2]), "64 lowercase hex"),
    ("signature length", lambda d: d["signature"].update(value="0x00"), "128 lowercase hex"),
    ("salt", lambda d: d["content"]["salts"].update({"/number": "short"}), "22 base64url"),
    ("salt path", lambda d: d["content"]["salts"].update({"number": "A" * 22}), "JSON Pointer"),
    ("form", lambda d: d["content"].update(form="partial"), "form"),
    ("proof hash", lambda d: d["receipt"]["inclusion_proof"].append("0x12"), "64 lowercase hex"),
    ("address", lambda d: d["receipt"].update(contract_address="0x1234"), "40 hex digits"),
    ("negative block", lambda d: d["receipt"].update(block_number=-1), "block_number"),
    ("holder", lambda d: d["content"]["document"]["holder"].update(id_number="1"), "holder"),
]


@pytest.mark.parametrize(
    ("name", "mutate", "message"), MALFORMATIONS, ids=[m[0] for m in MALFORMATIONS]
)
def test_malformed_files_are_refused_by_parser_and_schema(
    name: str,
    mutate: Callable[[dict[str, Any]], Any],
    message: str,
    anchored: Callable[..., SealedCertificate],
) -> None:
    data = _json(anchored())
    mutate(data)
    with pytest.raises(CertificateFormatError, match=message):
        parse_sealed(json.dumps(data))
    if name not in ("province", "holder"):  # cross-field and check-digit rules need code
        assert not SCHEMA.is_valid(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{", "not valid UTF-8 JSON"),
        (b"\xff\xfe{}", "not valid UTF-8 JSON"),
        (b'{"version": 1, "version": 2}', "appears twice"),
        (b'{"digest": NaN}', "NaN is not a JSON number"),
        (b"[]", "must be a JSON object"),
    ],
)
def test_unreadable_files(text: bytes, message: str) -> None:
    with pytest.raises((CertificateJSONError, CertificateSchemaError), match=message):
        parse_sealed(text)


def _spans(data: bytes, patterns: list[bytes]) -> set[int]:
    positions: set[int] = set()
    for pattern in patterns:
        for match in re.finditer(pattern, data):
            positions.update(range(match.start(1), match.end(1)))
    return positions


# Receipt fields the verifier checks against the chain, not against the proof: the anchored
# count (tree_size), where and when it was anchored. Withheld paths only order the hashes.
CHAIN_CHECKED = [
    rb'"tree_size":(\d+)',
    rb'"chain_id":(\d+)',
    rb'"contract_address":"(0x[0-9a-fA-F]+)"',
    rb'"transaction_hash":"(0x[0-9a-f]+)"',
    rb'"block_number":(\d+)',
]


@pytest.mark.parametrize("form", ["full", "disclosed"])
def test_every_single_changed_byte_is_detected(
    form: str, anchored: Callable[..., SealedCertificate], ed25519_key: SigningKey
) -> None:
    certificate = anchored("business_licence", 3)
    if form == "disclosed":
        certificate = disclose(certificate, ["/holder", "/face/address"])
    data = certificate.to_json().encode()
    skip = _spans(data, CHAIN_CHECKED)
    if form == "disclosed":
        withheld = data.index(b'"withheld":')
        skip |= {i + withheld for i in _spans(data[withheld:], [rb'"(/[^"]*)":"0x'])}
    verify_all(parse_sealed(data), ed25519_key)
    undetected = []
    for position in range(len(data)):
        if position in skip:
            continue
        changed = bytearray(data)
        changed[position] ^= 0x01
        try:
            verify_all(parse_sealed(bytes(changed)), ed25519_key)
        except CertificateError:
            continue
        undetected.append((position, data[max(0, position - 20) : position + 20]))
    assert undetected == []


def test_digest_mismatch_names_the_problem(
    anchored: Callable[..., SealedCertificate], ed25519_key: SigningKey
) -> None:
    data = _json(anchored())
    data["content"]["document"]["face"]["area"] = "房屋建筑面积999.99㎡"
    with pytest.raises(DigestMismatchError, match="a field, salt or withheld hash was altered"):
        verify_digest(parse_sealed(json.dumps(data)))
