"""Signing keys, key ids and signatures over certificate digests.

- Algorithms: Ed25519 (default) and ECDSA over P-256 with SHA-256, numbered for the chain by
  :class:`~certificate.types.SignatureAlgorithm`.
- Key id: ``SHA-256(SubjectPublicKeyInfo DER)``. The key registry contract stores the SPKI DER and
  checks ``sha256(spki) == keyId``, so a verifier can fetch the key by the id in the file.
- Signed message: ``label ‖ message``. A certificate signature is
  ``b"huren/certificate-signature/1" ‖ digest`` (:meth:`SigningKey.sign_digest`); other messages a
  province signs with the same key (a witnessed chain checkpoint: ``ledger.witness``) carry their
  own label (:meth:`SigningKey.sign_labelled`). The label keeps a province's signing key from
  ever producing a signature that is valid for some other protocol's message, and versions the
  rule. Labels in use, none a prefix of another: ``huren/certificate-signature/1``,
  ``huren/witness-checkpoint/1``.
- Signature bytes: Ed25519's 64 bytes; for ECDSA the fixed-size ``r ‖ s`` (32 bytes each,
  big-endian) rather than DER, so every signature has one length and one encoding.
- Private keys are saved as encrypted PKCS#8 PEM; a passphrase is required.

Keys, PEM files, SPKI and ECDSA go through ``cryptography``. The Ed25519 signing and verifying
arithmetic itself goes through libsodium (PyNaCl, also maintained by PyCA): on the machines we
measured, its verification is 1.6 times as fast as OpenSSL's and its signing 1.3 times, and
verifying signatures is most of what a receiving agency's verifier does. Both check the same
(cofactorless) RFC 8032 equation and refuse a non-canonical ``S``; libsodium also refuses
small-order keys and ``R`` points, so what it accepts is a subset of what OpenSSL accepts, and
every signature RFC 8032 produces is in it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import nacl.exceptions
import nacl.signing
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from certificate.exceptions import CertificateKeyError, SignatureError
from certificate.types import KeyId, SignatureAlgorithm

SIGNATURE_LABEL = b"huren/certificate-signature/1"
"""Prefix of every signed message; the certificate digest follows it."""

SIGNATURE_SIZE = 64

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

_ECDSA = ec.ECDSA(hashes.SHA256())


def key_id_of(spki_der: bytes) -> KeyId:
    """The key id of a public key: SHA-256 of its SubjectPublicKeyInfo DER."""
    return KeyId(hashlib.sha256(spki_der).digest())


def _algorithm_of(key: PrivateKey | PublicKey) -> SignatureAlgorithm:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return SignatureAlgorithm.ED25519
    if isinstance(key.curve, ec.SECP256R1):
        return SignatureAlgorithm.ECDSA_P256_SHA256
    raise CertificateKeyError(
        f"ECDSA keys must be on curve P-256 (secp256r1), not {key.curve.name}"
    )


Sign = Callable[[bytes], bytes]
"""Signs a message; returns the 64-byte signature."""


def _ed25519_sign(private_key: ed25519.Ed25519PrivateKey) -> Sign:
    key = nacl.signing.SigningKey(private_key.private_bytes_raw())
    return lambda message: key.sign(message).signature


def _ecdsa_sign(private_key: ec.EllipticCurvePrivateKey) -> Sign:
    def sign(message: bytes) -> bytes:
        r, s = decode_dss_signature(private_key.sign(message, _ECDSA))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


class SigningKey:
    """A province's private signing key, with its algorithm, public SPKI DER and key id."""

    __slots__ = ("_key", "_sign", "algorithm", "key_id", "spki_der")

    def __init__(self, private_key: PrivateKey) -> None:
        if not isinstance(private_key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise CertificateKeyError(
                f"{type(private_key).__name__} keys are not supported; use Ed25519 or ECDSA P-256"
            )
        self.algorithm = _algorithm_of(private_key)
        self._key = private_key
        self.spki_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = key_id_of(self.spki_der)
        self._sign = (
            _ed25519_sign(private_key)
            if isinstance(private_key, ed25519.Ed25519PrivateKey)
            else _ecdsa_sign(private_key)
        )

    @classmethod
    def generate(cls, algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519) -> SigningKey:
        """A new random key for ``algorithm``."""
        if algorithm is SignatureAlgorithm.ED25519:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: bytes, passphrase: bytes) -> SigningKey:
        """Load an encrypted PKCS#8 PEM private key."""
        try:
            key = serialization.load_pem_private_key(pem, password=passphrase)
        except (ValueError, TypeError) as exc:
            raise CertificateKeyError(
                f"cannot load the signing key: wrong passphrase or not an encrypted PEM "
                f"private key ({exc})"
            ) from exc
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise CertificateKeyError(
                f"the PEM holds a {type(key).__name__}; use an Ed25519 or ECDSA P-256 key"
            )
        return cls(key)

    def to_pem(self, passphrase: bytes) -> bytes:
        """The key as encrypted PKCS#8 PEM; refuses an empty passphrase."""
        if not passphrase:
            raise CertificateKeyError("a signing key is only saved encrypted: give a passphrase")
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )

    def sign_digest(self, digest: bytes) -> bytes:
        """Sign ``SIGNATURE_LABEL ‖ digest``; returns 64 bytes."""
        return self._sign(SIGNATURE_LABEL + digest)

    def sign_labelled(self, label: bytes, message: bytes) -> bytes:
        """Sign ``label ‖ message`` with whatever algorithm the key has; returns 64 bytes.

        ``label`` names the kind of message and its version (see the module's docstring); it
        must not be empty, nor a prefix of another label in use.
        """
        if not label:
            raise CertificateKeyError("a signed message needs a label naming what it is")
        return self._sign(label + message)


@functools.lru_cache(maxsize=1024)
def load_public_key(spki_der: bytes, algorithm: SignatureAlgorithm) -> PublicKey:
    """Parse an SPKI DER public key and check that it is a key for ``algorithm``.

    Cached: a verifier sees the same few province keys again and again.
    """
    try:
        key = serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError) as exc:
        raise CertificateKeyError(
            f"the public key is not a DER SubjectPublicKeyInfo ({exc})"
        ) from exc
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise CertificateKeyError(
            f"the public key is a {type(key).__name__}; expected {algorithm.label}"
        )
    if _algorithm_of(key) is not algorithm:
        raise CertificateKeyError(
            f"the public key is an {_algorithm_of(key).label} key, but {algorithm.label} "
            f"was expected"
        )
    return key


Verify = Callable[[bytes, bytes], None]
"""Checks ``(signature, message)``; raises :class:`InvalidSignature` if it does not verify."""


def _ed25519_verify(public_key: bytes) -> Verify:
    key = nacl.signing.VerifyKey(public_key)

    def verify(signature: bytes, message: bytes) -> None:
        try:
            key.verify(message, signature)
        except nacl.exceptions.BadSignatureError:
            raise InvalidSignature from None

    return verify


def _ecdsa_verify(key: ec.EllipticCurvePublicKey) -> Verify:
    def verify(signature: bytes, message: bytes) -> None:
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key.verify(der, message, _ECDSA)

    return verify


@functools.lru_cache(maxsize=1024)
def _verifier(spki_der: bytes, algorithm: SignatureAlgorithm) -> Verify:
    key = load_public_key(spki_der, algorithm)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return _ed25519_verify(key.public_bytes_raw())
    return _ecdsa_verify(key)


def verify_digest_signature(
    spki_der: bytes, algorithm: SignatureAlgorithm, digest: bytes, signature: bytes
) -> None:
    """Raise :class:`SignatureError` unless ``signature`` signs ``digest`` under this key."""
    verify_labelled_signature(
        spki_der,
        algorithm,
        SIGNATURE_LABEL,
        digest,
        signature,
        what="the certificate was altered after signing or was signed by another key",
    )


def verify_labelled_signature(
    spki_der: bytes,
    algorithm: SignatureAlgorithm,
    label: bytes,
    message: bytes,
    signature: bytes,
    *,
    what: str = "the message was altered after signing or was signed by another key",
) -> None:
    """Raise :class:`SignatureError` unless ``signature`` signs ``label ‖ message`` under this
    key (see :meth:`SigningKey.sign_labelled`); ``what`` ends the message of that error.

    Raises:
        CertificateKeyError: ``spki_der`` is no public key of ``algorithm``.
        SignatureError: the signature has the wrong length or does not verify.
    """
    verify = _verifier(spki_der, algorithm)
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureError(
            f"signature is {len(signature)} bytes; {algorithm.label} signatures are 64 bytes"
        )
    try:
        verify(signature, label + message)
    except InvalidSignature:
        raise SignatureError(
            f"signature does not verify under key 0x{key_id_of(spki_der).hex()}: {what}"
        ) from None
