"""Checkpoints: resume a replay where the last one stopped instead of at the deployment block.

A checkpoint holds the block it reached, that block's hash, the rebuilt state and the violations
found so far, in the compact binary format of :mod:`audit._checkpoint_format`, with the
SHA-256 of all of it (``state_hash``). Loading it recomputes the hash (an altered or truncated
file is refused) and :meth:`Checkpoint.verify` checks that it belongs to this deployment and that
the chain still has the same block at its height: after a reorganisation below the checkpoint the
replay must start over, never build on a history the chain no longer holds.

Files are written atomically (temporary file, fsync, rename): a crash leaves the previous
checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

from audit._checkpoint_format import FORMAT_VERSION, CheckpointBody, read_file, write_bytes
from audit.exceptions import AuditCheckpointError
from audit.state import LedgerState
from audit.types import Violation
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.exceptions import LedgerRpcError

__all__ = ["CHECKPOINT_VERSION", "Checkpoint"]

CHECKPOINT_VERSION = FORMAT_VERSION


@dataclass(frozen=True, slots=True)
class Checkpoint(CheckpointBody):
    """A replay's progress: ``state`` and ``violations`` as of block ``block_number``."""

    @property
    def state_hash(self) -> bytes:
        """SHA-256 over the checkpoint's serialized content (what :meth:`save` writes)."""
        return write_bytes(self)[1]

    @classmethod
    def _of(cls, body: CheckpointBody) -> Checkpoint:
        return cls(*(getattr(body, field.name) for field in fields(CheckpointBody)))

    @classmethod
    def take(
        cls, deployment: Deployment, rpc: RpcClient, state: LedgerState, violations: list[Violation]
    ) -> Checkpoint:
        """A checkpoint of ``state`` (a copy: later replay does not change it) at its block."""
        block_hash = _block_hash(rpc, state.block)
        body = CheckpointBody(
            deployment.chain_id,
            deployment.address.lower(),
            state.block,
            block_hash,
            state,
            tuple(violations),
        )
        copy, _ = read_file(write_bytes(body)[0], "in memory")
        return cls._of(copy)

    def save(self, path: Path) -> None:
        """Write the checkpoint atomically."""
        data, _ = write_bytes(self)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
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
            AuditCheckpointError: unreadable, another format version, altered or malformed.
        """
        try:
            data = path.read_bytes()
        except OSError as error:
            raise AuditCheckpointError(f"cannot read checkpoint {path}: {error}") from error
        body, _ = read_file(data, str(path))
        if body.state.block != body.block_number:
            raise AuditCheckpointError(f"checkpoint {path} names two different blocks")
        return cls._of(body)

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
