"""Fixtures for the certificate-format tests: keys, sample documents, sealed certificates."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from certificate import (
    CertificateDocument,
    MerkleTree,
    SealedCertificate,
    SignatureAlgorithm,
    SigningKey,
    attach_receipt,
    batch_receipts,
    build_document,
    seal,
)
from certificate.samples import sample_document


@pytest.fixture(scope="session")
def ed25519_key() -> SigningKey:
    """One Ed25519 signing key for the whole session."""
    return SigningKey.generate(SignatureAlgorithm.ED25519)


@pytest.fixture(scope="session")
def p256_key() -> SigningKey:
    """One ECDSA P-256 signing key for the whole session."""
    return SigningKey.generate(SignatureAlgorithm.ECDSA_P256_SHA256)


@pytest.fixture
def document() -> CertificateDocument:
    """A validated real-estate title (it has an array field) issued in Shanghai."""
    return build_document(sample_document("real_estate_title", seed=7))


def _anchor(batch: list[SealedCertificate]) -> list[SealedCertificate]:
    tree = MerkleTree.from_entries([sealed.digest for sealed in batch])
    receipts = batch_receipts(
        tree,
        chain_id=31337,
        contract_address="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        transaction_hash=bytes(range(32)),
        block_number=42,
    )
    return [attach_receipt(s, r) for s, r in zip(batch, receipts, strict=True)]


@pytest.fixture(scope="session")
def anchor_batch() -> Callable[[list[SealedCertificate]], list[SealedCertificate]]:
    """``anchor_batch(batch)``: anchor the batch as one tree and attach every receipt."""
    return _anchor


@pytest.fixture
def anchored(ed25519_key: SigningKey) -> Callable[[str, int], SealedCertificate]:
    """``anchored(kind, seed)``: a sample sealed with Ed25519 and anchored in a batch of 5."""

    def make(kind: str = "real_estate_title", seed: int = 0) -> SealedCertificate:
        batch = [
            seal(build_document(sample_document(kind, seed=seed + i)), ed25519_key)
            for i in range(5)
        ]
        return _anchor(batch)[2]

    return make
