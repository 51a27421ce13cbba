"""Receipts: what each certificate of an anchored batch gets, and attaching one to its file.

Once a batch's Merkle root is anchored on chain, :func:`batch_receipts` makes the receipt of
every leaf (the root, the leaf's inclusion proof, the transaction), and :func:`attach_receipt`
turns a certificate's file from ``sealed`` to ``anchored``. Pure: no chain, no storage; the
caller says where the root was anchored.
"""

from __future__ import annotations

from certificate.exceptions import CertificateStateError
from certificate.merkle import MerkleTree
from certificate.sealed_file import Receipt, SealedCertificate
from certificate.types import SealState

__all__ = ["attach_receipt", "batch_receipts"]


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
