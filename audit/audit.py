"""One audit run: replay (from a checkpoint if there is one), check, compare, cross-check a store
and the witnesses' signed checkpoints.

:func:`run_audit` is what ``huren audit`` calls and what tests and the benchmark call directly.
It reads the chain at one explicit block (``to_block``, by default the head minus a finality
depth) so every part of the report describes the same ledger.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from audit.checkpoint import Checkpoint
from audit.compare import Comparison, compare
from audit.exceptions import AuditValueError
from audit.replay import Progress, Rebuild, ReplayStats, replay
from audit.state import LedgerState
from audit.store_check import StoreClient, StoreReport, check_store
from audit.types import Violation
from audit.witness_check import WitnessReport, WitnessSources, check_witnesses
from ledger.anvil import DEFAULT_CHAIN_ID
from ledger.artifact import load_artifact
from ledger.chain import RpcClient
from ledger.contract import CONTRACT_NAME, HurenLedgerClient
from ledger.deploy import Deployment
from ledger.events import DEFAULT_PAGE_SIZE, EventReader

__all__ = ["DEFAULT_FINALITY_DEPTH", "AuditReport", "finality_depth", "run_audit"]

DEFAULT_FINALITY_DEPTH = 12
"""Blocks below the head that an audit treats as final on a public-style chain. A QBFT or IBFT
consortium chain has immediate finality (pass 0); anvil, the embedded chain, gets 0."""


def finality_depth(chain_id: int) -> int:
    """The default finality depth for a chain: 0 on the embedded anvil chain."""
    return 0 if chain_id == DEFAULT_CHAIN_ID else DEFAULT_FINALITY_DEPTH


@dataclass(slots=True)
class AuditReport:
    """Everything one audit run found, about the ledger as of block ``to_block``."""

    deployment: Deployment
    to_block: int
    resumed_from: int | None
    replay: ReplayStats
    state: LedgerState
    violations: list[Violation]
    comparison: Comparison | None
    store: StoreReport | None
    seconds: dict[str, float]
    witness: WitnessReport | None = None

    @property
    def ok(self) -> bool:
        """Every invariant holds, every view agrees, and the store and the witnesses (if
        checked) are consistent."""
        return (
            not self.violations
            and (self.comparison is None or not self.comparison.differences)
            and (self.store is None or not self.store.violations)
            and (self.witness is None or not self.witness.violations)
        )


def run_audit(
    w3: Web3,
    deployment: Deployment,
    *,
    to_block: int | None = None,
    checkpoint: Path | None = None,
    store: StoreClient | None = None,
    witnesses: WitnessSources | None = None,
    compare_views: bool = True,
    sample: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit ``deployment`` up to ``to_block``.

    Args:
        w3: connected to the chain (:func:`ledger.chain.connect`).
        deployment: where the ledger lives and the block its history starts.
        to_block: the last block to replay (default: head minus :func:`finality_depth`).
        checkpoint: a checkpoint file: resumed from when it exists, written after the replay.
        store: a province node's auditor API to cross-check.
        witnesses: where to collect the witnesses' checkpoints of the replayed blocks, to check
            their signatures and compare them with each other and with the chain.
        compare_views: compare with the contract's views (on by default).
        sample: read at most this many anchors and statuses from the views.
        page_size: blocks per ``eth_getLogs``.
        progress: called with the block replay has reached.

    Raises:
        AuditValueError: another chain, or a block range outside the deployment's history.
        AuditCheckpointError: the checkpoint cannot be used (altered, other deployment, reorg).
        AuditStoreError: the store cannot be read.
        LedgerError: the chain cannot be read.
    """
    rpc = RpcClient.for_web3(w3)
    chain_id = int(rpc.call("eth_chainId"), 16)
    if chain_id != deployment.chain_id:
        raise AuditValueError(
            f"the node serves chain {chain_id}; the deployment is on chain {deployment.chain_id}"
        )
    head = int(rpc.call("eth_blockNumber"), 16)
    if to_block is None:
        to_block = max(deployment.block_number, head - finality_depth(chain_id))
    if not deployment.block_number <= to_block <= head:
        raise AuditValueError(
            f"block {to_block} is outside the ledger's history (blocks "
            f"{deployment.block_number}..{head})"
        )
    seconds: dict[str, float] = {}
    rebuild = Rebuild(bytes.fromhex(deployment.transaction_hash.removeprefix("0x")))
    from_block, resumed_from = deployment.block_number, None
    if checkpoint is not None and checkpoint.exists():
        saved = Checkpoint.load(checkpoint)
        saved.verify(deployment, rpc)
        if saved.block_number > to_block:
            raise AuditValueError(
                f"the checkpoint is at block {saved.block_number}, past block {to_block}"
            )
        rebuild = Rebuild(rebuild.bootstrap_tx, saved.state, list(saved.violations))
        from_block = resumed_from = saved.block_number + 1
    reader = EventReader(rpc, load_artifact(CONTRACT_NAME).abi, page_size=page_size)
    stats = replay(rebuild, reader, deployment.address, from_block, to_block, progress=progress)
    seconds["replay"] = stats.seconds
    if checkpoint is not None:
        started = time.perf_counter()
        Checkpoint.take(deployment, rpc, rebuild.state, rebuild.violations).save(checkpoint)
        seconds["checkpoint"] = time.perf_counter() - started
    comparison = None
    if compare_views:
        started = time.perf_counter()
        comparison = compare(
            HurenLedgerClient(w3, deployment.address), rebuild.state, sample=sample
        )
        seconds["compare"] = time.perf_counter() - started
    store_report = None
    if store is not None:
        started = time.perf_counter()
        store_report = check_store(store, rebuild.state, deployment)
        seconds["store"] = time.perf_counter() - started
    witness_report = None
    if witnesses is not None:
        started = time.perf_counter()
        witness_report = check_witnesses(
            witnesses, rebuild.state, deployment, rpc, from_block=from_block, to_block=to_block
        )
        seconds["witnesses"] = time.perf_counter() - started
    return AuditReport(
        deployment=deployment,
        to_block=to_block,
        resumed_from=resumed_from,
        replay=stats,
        state=rebuild.state,
        violations=rebuild.violations,
        comparison=comparison,
        store=store_report,
        seconds=seconds,
        witness=witness_report,
    )
