"""Deploying the ledger contract and recording where it lives.

A deployment record (chain id, address, deployment block and transaction, hash of the bytecode)
is what every other part needs to find the ledger: nodes write through it, verifiers check
receipts against it, auditors replay from its block. It is stored as a small JSON file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address

from ledger.artifact import CONTRACT_NAME, load_artifact
from ledger.exceptions import LedgerDeploymentError

if TYPE_CHECKING:  # the record is read where web3.py is not needed (huren verify)
    from web3 import Web3

    from ledger.sender import TransactionSender

__all__ = ["Deployment", "Founder", "deploy_ledger"]


@dataclass(frozen=True, slots=True)
class Founder:
    """A province that is a member from the deployment on."""

    code: int
    account: str
    endpoint: str


@dataclass(frozen=True, slots=True)
class Deployment:
    """Where a ledger contract lives and where its history starts."""

    chain_id: int
    address: str
    block_number: int
    transaction_hash: str
    bytecode_sha256: str
    contract: str = CONTRACT_NAME

    def save(self, path: Path) -> None:
        """Write the record atomically (a crash leaves the old file or the new one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(self), f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Deployment:
        """Read a record written by :meth:`save`."""
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except FileNotFoundError:
            raise LedgerDeploymentError(
                f"no deployment record at {path}: deploy first (huren chain up)"
            ) from None
        except (ValueError, TypeError) as exc:
            raise LedgerDeploymentError(f"deployment record {path} is malformed: {exc}") from exc

    def is_live(self, w3: Web3) -> bool:
        """Whether the chain ``w3`` talks to is the one this record names and holds the code."""
        if w3.eth.chain_id != self.chain_id:
            return False
        code = bytes(w3.eth.get_code(to_checksum_address(self.address)))
        return code == bytes.fromhex(load_artifact(self.contract).deployed_bytecode[2:])


def deploy_ledger(
    w3: Web3, sender: TransactionSender, founders: Sequence[Founder], threshold: int
) -> Deployment:
    """Deploy ``HurenLedger`` with its founding members and approval threshold."""
    artifact = load_artifact(CONTRACT_NAME)
    args = encode(
        ["uint32[]", "address[]", "string[]", "uint16"],
        [
            [f.code for f in founders],
            [to_checksum_address(f.account) for f in founders],
            [f.endpoint for f in founders],
            threshold,
        ],
    )
    bytecode = bytes.fromhex(artifact.bytecode[2:])
    receipt = sender.send(None, bytecode + args)
    address = receipt["contractAddress"]
    if address is None:
        raise LedgerDeploymentError("the deployment transaction created no contract")
    return Deployment(
        chain_id=w3.eth.chain_id,
        address=str(address),
        block_number=int(receipt["blockNumber"]),
        transaction_hash="0x" + bytes(receipt["transactionHash"]).hex(),
        bytecode_sha256=hashlib.sha256(bytecode).hexdigest(),
    )
