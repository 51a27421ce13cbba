"""Checks a verifier runs on a sealed certificate, each raising on failure.

Each function answers one question and raises one of our errors when the answer is no, so the
verifier's check that owns the question can turn it into a named result:

- :func:`verify_digest` — do the fields (and withheld hashes) hash to the stated digest?
- :func:`verify_signature` — did the given key sign the stated digest?
- :func:`verify_receipt` — does the receipt's proof put the stated digest under its batch root?

Signature and receipt are checked against the *stated* digest, which :func:`verify_digest` binds
to the content; a verdict is VALID only when all of them pass. Whether the key and the root are
registered on chain for the issuing province is the verifier's question, not this package's; so is
the rest of the receipt: an RFC 6962 audit path does not pin the tree size (a path for leaf 0 of 5
leaves also verifies for 6), so compare ``tree_size`` with the count anchored for ``batch_root``,
and the chain id, contract, transaction and block with the chain itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certificate.digest import disclosed_digest, fields_digest, flatten
from certificate.exceptions import (
    CertificateStateError,
    DigestMismatchError,
    SignatureError,
)
from certificate.sealed_file import FullContent, Receipt, SealedCertificate
from certificate.signing import key_id_of, verify_digest_signature
from certificate.types import Digest, SignatureAlgorithm


def recompute_digest(
    sealed: SealedCertificate, *, values: Mapping[str, Any] | None = None
) -> Digest:
    """The digest of the content as it is in the file (full or disclosed).

    ``values`` may hand over a full copy's fields as :meth:`SealedCertificate.disclosed_values`
    gave them (in digest order), so a verifier that already flattened the document does not
    flatten it again; a disclosed copy's digest comes from its salts and withheld hashes, and
    ignores them.
    """
    content = sealed.content
    if isinstance(content, FullContent):
        if values is None:
            return fields_digest(flatten(content.document.model_dump(mode="json")), content.salts)
        return fields_digest(list(values.items()), content.salts)
    return disclosed_digest(
        {path: (field.value, field.salt) for path, field in content.fields.items()},
        content.withheld,
    )


def verify_digest(sealed: SealedCertificate) -> Digest:
    """The recomputed digest; raises :class:`DigestMismatchError` if it differs from the file's."""
    digest = recompute_digest(sealed)
    if digest != sealed.digest:
        raise DigestMismatchError(
            f"the certificate's fields hash to 0x{digest.hex()}, not to the stated digest "
            f"0x{sealed.digest.hex()}: a field, salt or withheld hash was altered"
        )
    return digest


def verify_signature(
    sealed: SealedCertificate, spki_der: bytes, algorithm: SignatureAlgorithm
) -> None:
    """Check the signature with a public key (SPKI DER) and its algorithm, e.g. from the chain.

    The key must be the one the file names (same key id) and of the algorithm the document names.
    """
    key_id = key_id_of(spki_der)
    if key_id != sealed.signature.key_id:
        raise SignatureError(
            f"the certificate was signed by key 0x{sealed.signature.key_id.hex()}, but the key "
            f"given is 0x{key_id.hex()}"
        )
    if algorithm is not sealed.algorithm:
        raise SignatureError(
            f"the document names {sealed.algorithm.label} but the key is registered for "
            f"{algorithm.label}"
        )
    verify_digest_signature(spki_der, algorithm, sealed.digest, sealed.signature.value)


def verify_receipt(sealed: SealedCertificate) -> Receipt:
    """The receipt, after checking that its inclusion proof leads to its batch root."""
    receipt = sealed.receipt
    if receipt is None:
        raise CertificateStateError(
            "the certificate is sealed but not anchored yet: it has no receipt to verify"
        )
    receipt.verify_proof(sealed.digest)
    return receipt
