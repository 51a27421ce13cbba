"""Certificate-format benchmark: sealing and verifying rates, Merkle tree build and proofs.

Pure Python, no chain. Per round, in this one thread (one core):

- reference: bare Ed25519 sign and verify of libsodium (what the format uses) and verify of
  OpenSSL, to show how fast the (shared) machine was during the run;
- seal: :func:`build_document` + :func:`seal` of 2,000 sample documents of every shipped type
  (validate against the type schema, canonicalize and hash every field with a fresh salt, sign);
  once with Ed25519 (the default) and once with ECDSA P-256;
- verify: :func:`verify_digest` + :func:`verify_signature` + :func:`verify_receipt` of the same
  documents, sealed, anchored in one batch and parsed beforehand; and the same including
  :func:`parse_sealed` of the JSON text;
- steps: microseconds per certificate of each step of those (Ed25519), and of one bare SHA-256,
  so the rates can be read against their parts;
- Merkle: :meth:`MerkleTree.from_entries` over 1,000,000 digests (root and every level kept), and
  the inclusion proofs of all of its leaves.

Values are medians of ``rounds`` rounds of CPU time (``time.process_time``, so the rates are per
core even when the shared machine is busy); ``scale`` multiplies the sizes.

    python scripts/bench.py --only format --no-write
"""

from __future__ import annotations

import gc
import hashlib
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificate import (
    SIGNATURE_LABEL,
    MerkleTree,
    SealedCertificate,
    SignatureAlgorithm,
    SigningKey,
    attach_receipt,
    batch_receipts,
    build_document,
    parse_sealed,
    seal,
    verify_digest,
    verify_receipt,
    verify_signature,
)
from certificate.samples import sample_documents
from certificate.signing import load_public_key

if TYPE_CHECKING:  # annotations only: the module also runs loaded from its path alone
    from benchmarks import Measurement

DOCUMENTS = 2_000
"""Documents sealed and verified per round, at scale 1."""
LEAVES = 1_000_000
"""Leaves of the benchmarked Merkle tree, at scale 1."""


def _timed(action: Callable[[], object]) -> float:
    """CPU seconds of this (single-threaded) process: other load on the shared machine does not
    count, so the rate is per core."""
    gc.collect()
    started = time.process_time()
    action()
    return time.process_time() - started


def _anchor(batch: list[SealedCertificate]) -> list[SealedCertificate]:
    tree = MerkleTree.from_entries([sealed.digest for sealed in batch])
    receipts = batch_receipts(
        tree,
        chain_id=31337,
        contract_address="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        transaction_hash=hashlib.sha256(tree.root).digest(),
        block_number=1,
    )
    return [attach_receipt(s, r) for s, r in zip(batch, receipts, strict=True)]


def _format_rates(
    rounds: int, count: int, algorithm: SignatureAlgorithm
) -> tuple[float, float, float, int]:
    key = SigningKey.generate(algorithm)
    data = sample_documents(count, seed=1, algorithm=algorithm)
    sealed: list[SealedCertificate] = []

    def seal_all() -> None:
        sealed[:] = [seal(build_document(item), key) for item in data]

    seal_times = [_timed(seal_all) for _ in range(rounds)]
    anchored = _anchor(sealed)
    texts = [certificate.to_json() for certificate in anchored]
    parsed = [parse_sealed(text) for text in texts]
    fields = sum(len(certificate.disclosed_values()) for certificate in parsed) // len(parsed)

    def verify_all() -> None:
        for certificate in parsed:
            verify_digest(certificate)
            verify_signature(certificate, key.spki_der, algorithm)
            verify_receipt(certificate)

    def parse_and_verify_all() -> None:
        for text in texts:
            certificate = parse_sealed(text)
            verify_digest(certificate)
            verify_signature(certificate, key.spki_der, algorithm)
            verify_receipt(certificate)

    verify_times = [_timed(verify_all) for _ in range(rounds)]
    parse_times = [_timed(parse_and_verify_all) for _ in range(rounds)]
    return (
        count / statistics.median(seal_times),
        count / statistics.median(verify_times),
        count / statistics.median(parse_times),
        fields,
    )


def _step_costs(rounds: int, count: int) -> list[tuple[str, float, str]]:
    """Microseconds per certificate of each step of sealing and verifying (Ed25519), and of
    one bare SHA-256 of a field-sized message: where the time of the rates above goes."""
    key = SigningKey.generate()
    data = sample_documents(count, seed=2)
    documents = [build_document(item) for item in data]
    anchored = _anchor([seal(document, key) for document in documents])
    message = bytes(80)

    def verify_signatures() -> None:
        for certificate in anchored:
            verify_signature(certificate, key.spki_der, SignatureAlgorithm.ED25519)

    steps: list[tuple[str, Callable[[], object], str]] = [
        (
            "validate a document",
            lambda: [build_document(item) for item in data],
            "build_document: schema, check characters, face fields",
        ),
        (
            "seal a validated document",
            lambda: [seal(d, key) for d in documents],
            "flatten, salts, JCS and a leaf hash per field, field Merkle root, sign",
        ),
        (
            "recompute a digest",
            lambda: [verify_digest(c) for c in anchored],
            "verify_digest: flatten, JCS and a leaf hash per field, field Merkle root",
        ),
        ("verify a signature", verify_signatures, "verify_signature (libsodium)"),
        (
            "verify an inclusion proof",
            lambda: [verify_receipt(c) for c in anchored],
            "verify_receipt: batch of the same size",
        ),
        (
            "one SHA-256 of 80 bytes",
            lambda: [hashlib.sha256(message).digest() for _ in data],
            "hashlib; a certificate of ~25 fields takes ~50 (leaves and field tree)",
        ),
    ]
    return [
        (name, statistics.median([_timed(action) for _ in range(rounds)]) / count * 1e6, how)
        for name, action, how in steps
    ]


def _merkle_times(rounds: int, leaves: int) -> tuple[float, float]:
    digests = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(leaves)]
    trees: list[MerkleTree] = []

    def build() -> None:
        trees[:] = [MerkleTree.from_entries(digests)]

    build_times = [_timed(build) for _ in range(rounds)]
    tree = trees[0]

    def all_proofs() -> None:
        proof = tree.inclusion_proof
        for index in range(tree.size):
            proof(index)

    proof_times = [_timed(all_proofs) for _ in range(rounds)]
    return statistics.median(build_times), statistics.median(proof_times)


def _reference_rates(rounds: int, count: int) -> tuple[float, float, float]:
    """Bare Ed25519 rates: how fast this machine is during this run.

    Signing and verifying as the format does them (libsodium, through PyNaCl), and verifying as
    OpenSSL does (through ``cryptography``), the library the format used before.
    """
    key = SigningKey.generate()
    message = SIGNATURE_LABEL + bytes(32)
    signature = key.sign_digest(bytes(32))
    public = load_public_key(key.spki_der, SignatureAlgorithm.ED25519)
    assert isinstance(public, Ed25519PublicKey)
    sodium = nacl.signing.VerifyKey(public.public_bytes_raw())

    def sign_all() -> None:
        for _ in range(count):
            key.sign_digest(bytes(32))

    def verify_all_sodium() -> None:
        for _ in range(count):
            sodium.verify(message, signature)

    def verify_all_openssl() -> None:
        for _ in range(count):
            public.verify(signature, message)

    signs, verifies, openssl_verifies = (
        count / statistics.median([_timed(action) for _ in range(rounds)])
        for action in (sign_all, verify_all_sodium, verify_all_openssl)
    )
    return signs, verifies, openssl_verifies


def run(rounds: int = 5, scale: float = 1.0) -> list[Measurement]:
    """Measure; each value is the median of ``rounds`` rounds, sizes multiplied by ``scale``."""
    count = max(1, round(DOCUMENTS * scale))
    leaves = max(1, round(LEAVES * scale))
    where = f"median of {rounds} rounds, CPU time of one thread"
    docs = f"{count:,} sample documents of all 7 types"
    signs, verifies, openssl_verifies = _reference_rates(rounds, count)
    results: list[Measurement] = [
        {
            "name": "reference: bare Ed25519 signatures per second",
            "value": round(signs),
            "unit": "signatures/s",
            "command_note": f"libsodium (PyNaCl) sign of 61 bytes, {count:,} per round; {where}",
        },
        {
            "name": "reference: bare Ed25519 verifications per second",
            "value": round(verifies),
            "unit": "verifications/s",
            "command_note": f"libsodium (PyNaCl) verify, {count:,} per round; {where}",
        },
        {
            "name": "reference: bare Ed25519 verifications per second, OpenSSL",
            "value": round(openssl_verifies),
            "unit": "verifications/s",
            "command_note": f"cryptography (OpenSSL) verify, {count:,} per round; {where}",
        },
    ]
    for algorithm, label in (
        (SignatureAlgorithm.ED25519, "Ed25519"),
        (SignatureAlgorithm.ECDSA_P256_SHA256, "ECDSA P-256"),
    ):
        sealed, verified, parsed, fields = _format_rates(rounds, count, algorithm)
        note = f"{docs} (~{fields} fields each), {label}; {where}"
        results += [
            {
                "name": f"documents sealed per second ({label})",
                "value": round(sealed),
                "unit": "documents/s",
                "command_note": f"build_document + seal (validate, JCS, hash, sign); {note}",
            },
            {
                "name": f"certificates verified per second ({label})",
                "value": round(verified),
                "unit": "certificates/s",
                "command_note": f"verify_digest + verify_signature + verify_receipt; {note}",
            },
            {
                "name": f"certificates parsed and verified per second ({label})",
                "value": round(parsed),
                "unit": "certificates/s",
                "command_note": f"parse_sealed of the JSON text, then the same checks; {note}",
            },
        ]
    results += [
        {
            "name": f"µs per certificate: {name}",
            "value": round(micros, 1),
            "unit": "µs",
            "command_note": f"{how}; {docs}, Ed25519; {where}",
        }
        for name, micros, how in _step_costs(rounds, count)
    ]
    build, proofs = _merkle_times(rounds, leaves)
    results += [
        {
            "name": f"Merkle tree build, {leaves:,} leaves",
            "value": round(build, 3),
            "unit": "s",
            "command_note": f"MerkleTree.from_entries (leaf hashes, all levels, root); {where}",
        },
        {
            "name": f"all inclusion proofs of a {leaves:,}-leaf tree",
            "value": round(proofs, 3),
            "unit": "s",
            "command_note": f"MerkleTree.inclusion_proof for every leaf of the built tree; {where}",
        },
    ]
    return results
