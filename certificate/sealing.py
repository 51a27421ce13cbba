"""Sealing a validated document: salts, digest, signature.

The node seals first (the certificate is then complete and can be handed out) and anchors it
later in a batch; :mod:`certificate.receipts` then turns the sealed file into an anchored one.
Pure: no chain, no storage.
"""

from __future__ import annotations

from operator import itemgetter

from certificate.digest import flatten, new_salts, salted_digest
from certificate.document import CertificateDocument
from certificate.exceptions import CertificateKeyError
from certificate.sealed_file import (
    SEALED_FORMAT,
    FullContent,
    SealedCertificate,
    SignatureBlock,
)
from certificate.signing import SigningKey
from certificate.types import SealState

__all__ = ["seal"]


def seal(document: CertificateDocument, key: SigningKey) -> SealedCertificate:
    """Salt every field, compute the digest and sign it: a sealed, not yet anchored certificate.

    Every call draws fresh salts, so sealing the same document twice gives two different digests.
    """
    if key.algorithm is not document.signature_algorithm:
        raise CertificateKeyError(
            f"the document names {document.signature_algorithm.label} but the signing key is "
            f"{key.algorithm.label}; seal with a key of the named algorithm"
        )
    fields = flatten(document.model_dump(mode="json"))
    salts = new_salts(len(fields))
    digest, _ = salted_digest(fields, salts)
    # Every part below is already validated or made here; validating again would run the
    # document's checks a second time and double the cost of sealing.
    return SealedCertificate.trusted(
        version=SEALED_FORMAT,
        state=SealState.SEALED,
        issuing_province=document.issuing_province,
        digest=digest,
        content=FullContent.trusted(
            form="full",
            document=document,
            salts=dict(zip(map(itemgetter(0), fields), salts, strict=True)),
        ),
        signature=SignatureBlock.trusted(key_id=key.key_id, value=key.sign_digest(digest)),
        receipt=None,
    )
