"""Signing keys: both algorithms, key ids, encrypted PEM, and every way a signature can fail."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from certificate import (
    SIGNATURE_LABEL,
    CertificateKeyError,
    SignatureAlgorithm,
    SignatureError,
    SigningKey,
    UnknownAlgorithmError,
    key_id_of,
)
from certificate.signing import (
    load_public_key,
    verify_digest_signature,
    verify_labelled_signature,
)

DIGEST = hashlib.sha256(b"certificate").digest()


@pytest.mark.parametrize("algorithm", list(SignatureAlgorithm))
def test_sign_and_verify(algorithm: SignatureAlgorithm) -> None:
    key = SigningKey.generate(algorithm)
    assert key.algorithm is algorithm
    assert key.key_id == hashlib.sha256(key.spki_der).digest() == key_id_of(key.spki_der)
    signature = key.sign_digest(DIGEST)
    assert len(signature) == 64
    verify_digest_signature(key.spki_der, algorithm, DIGEST, signature)
    for position in (0, 31, 32, 63):
        tampered = bytearray(signature)
        tampered[position] ^= 0x01
        with pytest.raises(SignatureError, match="does not verify"):
            verify_digest_signature(key.spki_der, algorithm, DIGEST, bytes(tampered))
    with pytest.raises(SignatureError):
        verify_digest_signature(key.spki_der, algorithm, DIGEST[:-1] + b"\x00", signature)
    with pytest.raises(SignatureError, match="64 bytes"):
        verify_digest_signature(key.spki_der, algorithm, DIGEST, signature[:-1])


def test_the_signed_message_carries_the_domain_label() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    key = SigningKey(private)
    private.public_key().verify(key.sign_digest(DIGEST), SIGNATURE_LABEL + DIGEST)


@pytest.mark.parametrize("algorithm", list(SignatureAlgorithm))
def test_labelled_signatures_are_bound_to_their_label(algorithm: SignatureAlgorithm) -> None:
    """A message signed under one label verifies under it and under no other, not even as a
    certificate signature over the same bytes."""
    key = SigningKey.generate(algorithm)
    label = b"huren/witness-checkpoint/1"
    signature = key.sign_labelled(label, DIGEST)
    verify_labelled_signature(key.spki_der, algorithm, label, DIGEST, signature)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_labelled_signature(key.spki_der, algorithm, b"huren/other/1", DIGEST, signature)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_digest_signature(key.spki_der, algorithm, DIGEST, signature)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_labelled_signature(key.spki_der, algorithm, label, DIGEST, key.sign_digest(DIGEST))
    with pytest.raises(CertificateKeyError, match="label"):
        key.sign_labelled(b"", DIGEST)


def test_ed25519_signatures_agree_with_openssl() -> None:
    """libsodium signs and verifies; OpenSSL's signatures verify, and so do ours under OpenSSL.

    Ed25519 signatures are deterministic (RFC 8032), so both libraries make the same bytes.
    """
    private = ed25519.Ed25519PrivateKey.generate()
    key = SigningKey(private)
    openssl_signature = private.sign(SIGNATURE_LABEL + DIGEST)
    assert key.sign_digest(DIGEST) == openssl_signature
    verify_digest_signature(key.spki_der, SignatureAlgorithm.ED25519, DIGEST, openssl_signature)


def test_ed25519_malleated_signature_is_refused() -> None:
    """``S + L`` satisfies the verification equation too; RFC 8032 requires ``S < L``."""
    key = SigningKey.generate(SignatureAlgorithm.ED25519)
    signature = key.sign_digest(DIGEST)
    group_order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(signature[32:], "little") + group_order
    malleated = signature[:32] + s.to_bytes(32, "little")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_digest_signature(key.spki_der, SignatureAlgorithm.ED25519, DIGEST, malleated)


@pytest.mark.parametrize("algorithm", list(SignatureAlgorithm))
def test_encrypted_pem_round_trip(algorithm: SignatureAlgorithm) -> None:
    key = SigningKey.generate(algorithm)
    pem = key.to_pem(b"correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    loaded = SigningKey.from_pem(pem, b"correct horse")
    assert loaded.key_id == key.key_id and loaded.algorithm is algorithm
    with pytest.raises(CertificateKeyError, match="wrong passphrase"):
        SigningKey.from_pem(pem, b"wrong")
    with pytest.raises(CertificateKeyError):
        SigningKey.from_pem(b"not a pem", b"x")
    with pytest.raises(CertificateKeyError, match="passphrase"):
        key.to_pem(b"")


def test_unsupported_keys_are_refused() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(CertificateKeyError, match="P-256"):
        SigningKey(p384)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(CertificateKeyError, match="not supported"):
        SigningKey(rsa_key)  # type: ignore[arg-type]
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(CertificateKeyError, match="RSA"):
        SigningKey.from_pem(pem, b"pw")
    rsa_spki = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(CertificateKeyError, match="RSA"):
        load_public_key(rsa_spki, SignatureAlgorithm.ED25519)


def test_public_key_must_match_the_algorithm() -> None:
    ed = SigningKey.generate(SignatureAlgorithm.ED25519)
    with pytest.raises(CertificateKeyError, match="Ed25519 key, but ECDSA-P256-SHA256"):
        load_public_key(ed.spki_der, SignatureAlgorithm.ECDSA_P256_SHA256)
    with pytest.raises(CertificateKeyError, match="DER"):
        load_public_key(b"\x30\x00", SignatureAlgorithm.ED25519)


def test_algorithm_codes_are_fixed() -> None:
    assert SignatureAlgorithm.ED25519 == 1
    assert SignatureAlgorithm.ECDSA_P256_SHA256 == 2
    assert SignatureAlgorithm.from_code(2) is SignatureAlgorithm.ECDSA_P256_SHA256
    assert SignatureAlgorithm.from_label("Ed25519") is SignatureAlgorithm.ED25519
    with pytest.raises(UnknownAlgorithmError, match="code 3"):
        SignatureAlgorithm.from_code(3)
    with pytest.raises(UnknownAlgorithmError, match="'ed25519' is not supported"):
        SignatureAlgorithm.from_label("ed25519")
