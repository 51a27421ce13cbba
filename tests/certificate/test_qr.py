"""QR payloads: Base45 (RFC 9285 vectors), the compact form, both payload forms, sizes, damage."""

from __future__ import annotations

import base64
import json
import os
import random
import zlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from certificate import (
    CertificateDocument,
    CertificateFormatError,
    CertificateReference,
    MerkleTree,
    QRPayloadError,
    Receipt,
    SealedCertificate,
    SigningKey,
    attach_receipt,
    build_document,
    canonicalize,
    decode_qr_payload,
    disclose,
    make_qr,
    parse_sealed,
    qr_payload,
    reference_payload,
    seal,
    sealed_payload,
)
from certificate.base45 import b45decode, b45encode
from certificate.compact import MAX_UNPACKED_BYTES, pack_sealed, unpack_sealed
from certificate.digest import document_digest
from certificate.qr import QR_ALPHANUMERIC_CAPACITY, qr_version
from certificate.samples import SAMPLE_KINDS, sample_document

# The disclosure a receiving agency typically gets: who, which certificate, issued by whom.
AGENCY_FIELDS = ["/holder/name", "/number", "/issuer/name"]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_base45_rfc9285_vectors(data: bytes, text: str) -> None:
    assert b45encode(data) == text
    assert b45decode(text) == data


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GGW", "does not encode 2 bytes"),
        ("ZZ", "does not encode 1 byte"),
        ("BB8A", "cut short"),
        ("bb8", "not a Base45 character"),
    ],
)
def test_base45_rejects_damage(text: str, problem: str) -> None:
    with pytest.raises(QRPayloadError, match=problem):
        b45decode(text)


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    assert b45decode(b45encode(data)) == data


def _canonical(decoded: SealedCertificate | CertificateReference) -> bytes:
    """The file's RFC 8785 form: equal for equal certificates whatever their key order."""
    assert isinstance(decoded, SealedCertificate)
    return canonicalize(json.loads(decoded.to_json()))


def _large_batch(sealed: SealedCertificate, size: int = 1000) -> SealedCertificate:
    """``sealed`` anchored at leaf 0 of a batch of ``size``: a realistic 10-hash proof."""
    tree = MerkleTree.from_entries([sealed.digest, *(os.urandom(32) for _ in range(size - 1))])
    return attach_receipt(
        sealed,
        Receipt(
            batch_root=tree.root,
            leaf_index=0,
            tree_size=size,
            inclusion_proof=tuple(tree.inclusion_proof(0)),
            chain_id=31337,
            contract_address="0x5FbDB2315678afecb367f032d93F642f64180aa3",
            transaction_hash=os.urandom(32),
            block_number=123_456,
        ),
    )


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_every_type_round_trips_and_disclosed_copies_fit_level_m(
    kind: str, ed25519_key: SigningKey
) -> None:
    anchored = _large_batch(seal(build_document(sample_document(kind, seed=3)), ed25519_key))
    disclosed = disclose(anchored, AGENCY_FIELDS)
    for sealed in (anchored, disclosed):
        payload = sealed_payload(sealed)
        assert set(payload) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        assert decode_qr_payload(payload) == sealed
        assert _canonical(decode_qr_payload(payload)) == _canonical(sealed)
    assert qr_payload(disclosed) == sealed_payload(disclosed)
    version = qr_version(qr_payload(disclosed), error="M")
    assert version is not None and version <= 40


def test_sealed_and_p256_and_unanchored_round_trip(
    p256_key: SigningKey, anchored: Callable[[str, int], SealedCertificate]
) -> None:
    unanchored = seal(
        build_document(sample_document("driving_licence", seed=5, algorithm=p256_key.algorithm)),
        p256_key,
    )
    assert unanchored.receipt is None
    assert decode_qr_payload(sealed_payload(unanchored)) == unanchored
    narrowed = disclose(disclose(anchored("marriage_certificate", 1), ["/face"]), ["/face/wife"])
    assert decode_qr_payload(sealed_payload(narrowed)) == narrowed


def _reseal(
    document: CertificateDocument, key: SigningKey, rng: random.Random
) -> SealedCertificate:
    """``seal(document, key)`` with salts drawn from ``rng``, so the same on every run."""
    data = json.loads(seal(document, key).to_json())
    salts = data["content"]["salts"]
    for path in salts:
        salts[path] = base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()
    digest = document_digest(data["content"]["document"], salts)
    data["digest"] = "0x" + digest.hex()
    data["signature"]["value"] = "0x" + key.sign_digest(digest).hex()
    return parse_sealed(json.dumps(data))


def test_payload_is_deterministic_and_compact(
    anchor_batch: Callable[[list[SealedCertificate]], list[SealedCertificate]],
) -> None:
    # As the `anchored` fixture makes it, but with a seeded key and salts: zlib's output on
    # random bytes varies by a dozen bytes from one draw to the next (1,663-1,679 compact and
    # 1,858-1,875 plain here), enough to carry the ratio across a bound drawn near it.
    rng = random.Random(2)
    key = SigningKey(Ed25519PrivateKey.from_private_bytes(rng.randbytes(32)))
    batch = [
        _reseal(build_document(sample_document("business_licence", seed=2 + i)), key, rng)
        for i in range(5)
    ]
    sealed = anchor_batch(batch)[2]
    assert sealed_payload(sealed) == sealed_payload(sealed)
    plain = zlib.compress(sealed.to_json().encode(), 9)
    assert len(pack_sealed(sealed)) < 0.9 * len(plain)


@settings(max_examples=40)
@given(
    kind=st.sampled_from(SAMPLE_KINDS),
    seed=st.integers(0, 2**32),
    fields=st.lists(
        st.sampled_from(["/holder", "/face", "/number", "/issue_date", "/related"]), max_size=3
    ),
    full=st.booleans(),
)
def test_round_trip_property(
    kind: str, seed: int, fields: list[str], full: bool, ed25519_key: SigningKey
) -> None:
    data = sample_document(kind, seed=seed)
    sealed = seal(build_document(data), ed25519_key)
    if not full:
        sealed = disclose(sealed, [f for f in fields if f != "/related" or data["related"]])
    decoded = decode_qr_payload(sealed_payload(sealed))
    assert decoded == sealed
    assert decode_qr_payload(reference_payload(sealed)) == CertificateReference.of(sealed)


def test_falls_back_to_a_reference_when_too_big(
    anchored: Callable[[str, int], SealedCertificate],
) -> None:
    sealed = anchored("birth_medical_certificate", 4)
    assert len(sealed_payload(sealed)) > QR_ALPHANUMERIC_CAPACITY["H"]
    payload = qr_payload(sealed, error="H")
    assert payload.startswith("HUREN1R:310000:1.2.156.3005.2.")
    reference = decode_qr_payload(payload)
    assert isinstance(reference, CertificateReference)
    assert reference.matches(sealed)
    assert reference.matches(disclose(sealed, []))
    assert not reference.matches(anchored("birth_medical_certificate", 5))
    assert qr_version(payload, error="H") is not None


def test_capacity_table_agrees_with_segno() -> None:
    for level, capacity in QR_ALPHANUMERIC_CAPACITY.items():
        assert qr_version("A" * capacity, error=level) == 40
        assert qr_version("A" * (capacity + 1), error=level) is None


def test_make_qr_image(anchored: Callable[[str, int], SealedCertificate]) -> None:
    payload = qr_payload(disclose(anchored("academic_degree", 6), ["/holder/name"]))
    code = make_qr(payload)
    assert code.mode == "alphanumeric"
    assert code.error in ("M", "Q", "H")
    assert code.svg_data_uri().startswith("data:image/svg+xml")
    with pytest.raises(QRPayloadError, match="does not fit"):
        make_qr("A" * 5000)


def test_scanner_line_endings_are_ignored(
    anchored: Callable[[str, int], SealedCertificate],
) -> None:
    sealed = anchored("food_business_licence", 7)
    assert decode_qr_payload(f"\t{sealed_payload(sealed)}\r\n") == sealed


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ("https://example.com", "not a huren QR payload"),
        ("HC1:6BFOXN", "not a huren QR payload"),
        ("HUREN1:", "empty|cut short"),
        ("HUREN1:ABC", "does not decompress"),
        ("HUREN1:abc", "not a Base45 character"),
        ("HUREN1R:310000:nope", "is not <province>"),
    ],
)
def test_damaged_payloads_are_clear_errors(payload: str, problem: str) -> None:
    with pytest.raises(QRPayloadError, match=problem):
        decode_qr_payload(payload)


def test_cut_short_and_tampered(anchored: Callable[[str, int], SealedCertificate]) -> None:
    payload = sealed_payload(anchored("real_estate_title", 8))
    with pytest.raises(QRPayloadError, match="cut short"):
        decode_qr_payload(payload[: 7 + (len(payload) - 7) // 6 * 3])  # half, whole groups
    raw = bytearray(b45decode(payload[7:]))
    raw[len(raw) // 2] ^= 0x55
    with pytest.raises(CertificateFormatError):
        decode_qr_payload("HUREN1:" + b45encode(bytes(raw)))


def test_reference_validation(anchored: Callable[[str, int], SealedCertificate]) -> None:
    sealed = anchored("driving_licence", 9)
    good = reference_payload(sealed)
    province, identifier, digest = good.removeprefix("HUREN1R:").split(":")
    with pytest.raises(CertificateFormatError, match="province-level"):
        decode_qr_payload(f"HUREN1R:999999:{identifier}:{digest}")
    broken = identifier[:-1] + ("A" if identifier[-1] != "A" else "B")
    with pytest.raises(CertificateFormatError, match="probably mistyped"):
        decode_qr_payload(f"HUREN1R:{province}:{broken}:{digest}")


def _packed(skeleton: bytes, blob: bytes = b"") -> bytes:
    return zlib.compress(len(skeleton).to_bytes(4, "big") + skeleton + blob)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_packed(b"[1]"), "cut short in the digest"),
        (_packed(b"not json", bytes(128)), "structure is damaged"),
        (
            _packed(b'{"state":"sealed","province":310000,"receipt":null}', bytes(128)),
            "structure is damaged",
        ),
        (zlib.compress(b"\x00\x00\x10\x00{}"), "cut short inside"),
        (zlib.compress(b"x") + b"tail", "bytes after its end"),
        (zlib.compress(b"x")[:-3], "cut short"),
        (zlib.compress(bytes(MAX_UNPACKED_BYTES + 10)), "expands to more than"),
    ],
)
def test_compact_form_rejects_malformed_input(data: bytes, problem: str) -> None:
    with pytest.raises(QRPayloadError, match=problem):
        unpack_sealed(data)


def test_compact_form_rejects_trailing_blob_bytes(
    anchored: Callable[[str, int], SealedCertificate],
) -> None:
    raw = zlib.decompress(pack_sealed(anchored("marriage_certificate", 10)))
    with pytest.raises(QRPayloadError, match="2 unexpected bytes"):
        unpack_sealed(zlib.compress(raw + b"!!"))
