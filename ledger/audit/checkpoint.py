"""Checkpoints: resume a replay where the last one stopped instead of at the deployment block.

A checkpoint holds the block it reached, that block's hash, the serialized rebuilt state, the
violations found so far, and the SHA-256 of the state and violations together (``state_hash``).
Loading it recomputes the hash (an altered or truncated file is refused) and :meth:`Checkpoint.
verify` checks that it belongs to this deployment and that the chain still has the same block at
its height: after a reorganisation below the checkpoint the replay must start over, never build
on a history the chain no longer holds.

Files are JSON, written atomically (temporary file, fsync, rename): a crash leaves the previous
checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.audit._codec import decode, encode
from ledger.audit.exceptions import AuditCheckpointError
from ledger.audit.state import LedgerState, state_hash
from ledger.audit.types import Violation
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.exceptions import LedgerRpcError

__all__ = ["CHECKPOINT_VERSION", "Checkpoint"]

CHECKPOINT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A replay's progress: ``state`` and ``violations`` as of block ``block_number``."""

    chain_id: int
    address: str
    block_number: int
    block_hash: bytes
    state: LedgerState
    violations: tuple[Violation, ...]

    @property
    def state_hash(self) -> bytes:
        """SHA-256 over the canonical JSON of the state and the violations."""
        return state_hash(self._payload())

    def _payload(self) -> dict[str, Any]:
        return {"state": self.state.to_json(), "violations": encode(list(self.violations))}

    @classmethod
    def take(
        cls, deployment: Deployment, rpc: RpcClient, state: LedgerState, violations: list[Violation]
    ) -> Checkpoint:
        """A checkpoint of ``state`` (a copy: later replay does not change it) at its block."""
        copy = LedgerState.from_json(state.to_json())
        return cls(
            chain_id=deployment.chain_id,
            address=deployment.address.lower(),
            block_number=state.block,
            block_hash=_block_hash(rpc, state.block),
            state=copy,
            violations=tuple(violations),
        )

    def save(self, path: Path) -> None:
        """Write the checkpoint atomically."""
        payload = self._payload()
        document = {
            "version": CHECKPOINT_VERSION,
            "chain_id": self.chain_id,
            "address": self.address,
            "block_number": self.block_number,
            "block_hash": "0x" + self.block_hash.hex(),
            "state_hash": "0x" + state_hash(payload).hex(),
            **payload,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(document, f, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint and check its state hash.

        Raises:
            AuditCheckpointError: unreadable, another version, or altered.
        """
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise AuditCheckpointError(f"cannot read checkpoint {path}: {error}") from error
        if not isinstance(document, dict) or document.get("version") != CHECKPOINT_VERSION:
            raise AuditCheckpointError(f"{path} is not a version {CHECKPOINT_VERSION} checkpoint")
        try:
            checkpoint = cls(
                chain_id=decode(int, document["chain_id"]),
                address=decode(str, document["address"]),
                block_number=decode(int, document["block_number"]),
                block_hash=decode(bytes, document["block_hash"]),
                state=LedgerState.from_json(document["state"]),
                violations=tuple(decode(list[Violation], document["violations"])),
            )
            stated = decode(bytes, document["state_hash"])
        except KeyError as missing:
            raise AuditCheckpointError(f"checkpoint {path} lacks {missing}") from None
        if checkpoint.state_hash != stated:
            raise AuditCheckpointError(
                f"checkpoint {path} does not match its state hash: it was altered or damaged"
            )
        if checkpoint.state.block != checkpoint.block_number:
            raise AuditCheckpointError(f"checkpoint {path} names two different blocks")
        return checkpoint

    def verify(self, deployment: Deployment, rpc: RpcClient) -> None:
        """Check that this checkpoint continues ``deployment``'s history on the chain ``rpc``
        talks to.

        Raises:
            AuditCheckpointError: another chain or contract, or the chain no longer holds the
                checkpoint's block (a reorganisation).
        """
        if self.chain_id != deployment.chain_id or self.address != deployment.address.lower():
            raise AuditCheckpointError(
                f"the checkpoint is for {self.address} on chain {self.chain_id}, not "
                f"{deployment.address} on chain {deployment.chain_id}"
            )
        try:
            current = _block_hash(rpc, self.block_number)
        except AuditCheckpointError:
            current = None
        if current != self.block_hash:
            raise AuditCheckpointError(
                f"the chain no longer holds block {self.block_number} as checkpointed "
                f"(0x{self.block_hash.hex()}): it was reorganised; delete the checkpoint and "
                "replay from the deployment block"
            )


def _block_hash(rpc: RpcClient, number: int) -> bytes:
    try:
        block = rpc.call("eth_getBlockByNumber", [hex(number), False])
    except LedgerRpcError as error:
        raise AuditCheckpointError(f"cannot read block {number}: {error}") from error
    if not isinstance(block, dict) or not isinstance(block.get("hash"), str):
        raise AuditCheckpointError(f"the chain has no block {number}")
    return bytes.fromhex(block["hash"][2:])
