"""The auditor: rebuild the ledger from its event history and hold everyone to it.

Auditors need not trust any province, the contract's view functions, or a province's database:
:func:`run_audit` replays every event of a deployment (resumable from a :class:`Checkpoint`),
checks the ledger's invariants against the rebuilt :class:`LedgerState`, compares that state
with the contract's views at the same block, cross-checks a province's store through its
node's auditor API, and checks the checkpoints the provinces' nodes signed as witnesses
(:func:`check_witnesses`: forks, unregistered keys, blocks that are not the chain's). Findings
are data (:class:`Violation`, :class:`Difference`), never exceptions; :mod:`audit.exceptions`
holds the errors that stop an audit from running.

Data flow::

    EventReader ──events──▶ Rebuild (InvariantChecker → LedgerState) ──▶ compare(views)
    transaction_origins ──senders──┘                                  ├─▶ check_store(node API)
                                              witness APIs of nodes ──┴─▶ check_witnesses
"""

from audit.audit import AuditReport, finality_depth, run_audit
from audit.checkpoint import Checkpoint
from audit.compare import Comparison, compare
from audit.exceptions import (
    AuditCheckpointError,
    AuditError,
    AuditStoreAnswerError,
    AuditStoreError,
    AuditValueError,
)
from audit.invariants import InvariantChecker
from audit.queries import anchored_between, key_active_at, status_of_at, was_valid_at
from audit.replay import Rebuild, ReplayStats, replay, transaction_origins
from audit.report import render_report, report_json
from audit.state import LedgerState
from audit.store_check import StoreClient, StoreReport, check_store
from audit.types import Difference, EventRef, Invariant, TxOrigin, Violation
from audit.witness_check import WitnessReport, WitnessSources, check_witnesses

__all__ = [
    "AuditCheckpointError",
    "AuditError",
    "AuditReport",
    "AuditStoreAnswerError",
    "AuditStoreError",
    "AuditValueError",
    "Checkpoint",
    "Comparison",
    "Difference",
    "EventRef",
    "Invariant",
    "InvariantChecker",
    "LedgerState",
    "Rebuild",
    "ReplayStats",
    "StoreClient",
    "StoreReport",
    "TxOrigin",
    "Violation",
    "WitnessReport",
    "WitnessSources",
    "anchored_between",
    "check_store",
    "check_witnesses",
    "compare",
    "finality_depth",
    "key_active_at",
    "render_report",
    "replay",
    "report_json",
    "run_audit",
    "status_of_at",
    "transaction_origins",
    "was_valid_at",
]
