"""Sealing a validated document and attaching the receipt once its batch is anchored.

The node seals first (salts, digest, signature: the certificate is complete and can be handed
out) and anchors later in a batch; :func:`attach_receipt` then turns the file from ``sealed`` to
``anchored``, with the receipts :func:`batch_receipts` makes for every leaf of the anchored batch.
Both steps are pure: no chain, no storage.
"""

from __future__ import annotations

from operator import itemgetter

from certificate.digest import flatten, new_salts, salted_digest
from certificate.document import CertificateDocument
from certificate.exceptions import CertificateKeyError, CertificateStateError
from certificate.merkle import MerkleTree
from certificate.sealed_file import (
    SEALED_FORMAT,
    FullContent,
    Receipt,
    SealedCertificate,
    SignatureBlock,
)
from certificate.signing import SigningKey
from certificate.types import SealState


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


def attach_receipt(sealed: SealedCertificate, receipt: Receipt) -> SealedCertificate:
    """The anchored certificate: ``sealed`` with a receipt whose proof leads to its batch root.

    The proof is checked here so a node never hands out a receipt that a verifier would reject.
    """
    if sealed.receipt is not None:
        raise CertificateStateError(
            f"certificate 0x{sealed.digest.hex()} is already anchored in transaction "
            f"0x{sealed.receipt.transaction_hash.hex()}"
        )
    receipt.verify_proof(sealed.digest)
    return sealed.model_copy(update={"state": SealState.ANCHORED, "receipt": receipt})


def batch_receipts(
    tree: MerkleTree,
    *,
    chain_id: int,
    contract_address: str,
    transaction_hash: bytes,
    block_number: int,
) -> list[Receipt]:
    """The receipt of every leaf of ``tree``, in leaf order, once its root is anchored by
    ``transaction_hash`` in ``block_number`` on the named chain and contract."""
    return [
        Receipt(
            batch_root=tree.root,
            leaf_index=leaf,
            tree_size=tree.size,
            inclusion_proof=tuple(tree.inclusion_proof(leaf)),
            chain_id=chain_id,
            contract_address=contract_address,
            transaction_hash=transaction_hash,
            block_number=block_number,
        )
        for leaf in range(tree.size)
    ]
