"""Test support: real sealed certificates on the session's chain: keys registered, batches anchored.

:class:`Issuer` does what a province node does, in-process and without storage: it registers a
signing key with the ledger, seals sample documents with it, builds the batch's RFC 6962 tree,
anchors the root and attaches each certificate's receipt. Every certificate and batch is fresh
(new salts, so new digests and roots), so tests can share the session's ledger.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from web3 import Web3

from certificate.document import build_document
from certificate.merkle import MerkleTree
from certificate.receipts import attach_receipt, batch_receipts
from certificate.samples import sample_document
from certificate.sealed_file import SealedCertificate
from certificate.sealing import seal
from certificate.signing import SigningKey
from certificate.types import SignatureAlgorithm
from ledger.chain import RpcClient
from ledger.contract import HurenLedgerClient


class Issuer:
    """One province issuing certificates on the test ledger."""

    def __init__(self, client: HurenLedgerClient, province: int, chain_id: int) -> None:
        self.client = client
        self.province = province
        self.chain_id = chain_id
        self.key = self.new_key()

    def new_key(self, algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519) -> SigningKey:
        """A fresh signing key, registered on chain for this province."""
        key = SigningKey.generate(algorithm)
        self.client.register_key(key.spki_der, int(algorithm))
        return key

    def document(self, kind: str = "marriage_certificate", **changes: Any) -> dict[str, Any]:
        """A sample document of this province, with top-level fields replaced by ``changes``."""
        data = sample_document(kind, seed=random.randrange(2**32), province=self.province)
        data.update(changes)
        return data

    def seal(
        self, document: Mapping[str, Any] | None = None, key: SigningKey | None = None
    ) -> SealedCertificate:
        """A sealed, not yet anchored certificate."""
        return seal(build_document(document or self.document()), key or self.key)

    def anchor(
        self,
        batch: list[SealedCertificate],
        client: HurenLedgerClient | None = None,
        *,
        send: bool = True,
    ) -> list[SealedCertificate]:
        """Anchor ``batch`` as one Merkle tree (by ``client``'s province, default this one).

        With ``send=False`` the receipts are made up and the root never reaches the chain.
        """
        tree = MerkleTree.from_entries([s.digest for s in batch])
        if send:
            receipt = (client or self.client).anchor(tree.root, len(batch))
            transaction_hash = bytes(receipt["transactionHash"])
            block_number = int(receipt["blockNumber"])
        else:  # made up: the root never reaches the chain
            transaction_hash, block_number = random.randbytes(32), 1
        receipts = batch_receipts(
            tree,
            chain_id=self.chain_id,
            contract_address=self.client.address,
            transaction_hash=transaction_hash,
            block_number=block_number,
        )
        return [attach_receipt(s, r) for s, r in zip(batch, receipts, strict=True)]

    def issue(self, count: int = 1, key: SigningKey | None = None) -> list[SealedCertificate]:
        """``count`` anchored certificates in one batch."""
        return self.anchor([self.seal(key=key) for _ in range(count)])


def advance_time(w3: Web3, seconds: int) -> None:
    """Move the chain's clock forward (anvil), so later blocks get later timestamps."""
    rpc = RpcClient.for_web3(w3)
    rpc.call("evm_increaseTime", [seconds])
    rpc.call("evm_mine", [])
