"""Cross-check the witnesses: the checkpoints province nodes signed, against the keys the replay
rebuilt and the chain the auditor reads.

Sources are province nodes' witness APIs (:mod:`ledger.witness_api`): by default every member's
node at the endpoint its province registered on chain (as the replay rebuilt it), or the URLs the
auditor names. From each the auditor reads every checkpoint in the audited block range and the
evidence of contradicted checkpoints the node kept, and checks each signature against the key
history *it rebuilt from events* (not against anyone's view calls):

* ``witnesses_agree``: validly signed checkpoints that differ at one height: a fork of the chain,
  or a province signing what its chain does not hold; the evidence is the signed checkpoints;
* ``witness_key_registered``: a signature by a key not registered for that province, or used
  outside the key's window at the block's time;
* ``witness_signature_valid``: a signature that does not verify under the registered key (a node
  serving it altered it, or never checked it);
* ``witness_matches_chain``: a validly signed checkpoint that is not the block the auditor's own
  endpoint serves at that height (that endpoint, or the witnesses, are on another chain).

A signature by a key revoked since is counted, not reported: it may be honest, and it no longer
proves anything (:func:`ledger.witness.verify_cosignature`). A source that cannot be read is
listed in the report, not as a finding: witnesses add evidence, their absence removes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.state import LedgerState
from audit.types import Invariant, KeyEntry, Violation
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.exceptions import WitnessSourceError
from ledger.types import SigningKeyRecord
from ledger.witness import (
    Checkpoint,
    CheckpointPool,
    KeyLookup,
    Rejected,
    SignedCheckpoint,
    WitnessedCheckpoint,
    WitnessRejection,
    read_checkpoints,
)
from ledger.witness_api import (
    CheckpointModel,
    CosignatureModel,
    SignedCheckpointModel,
    WitnessClient,
)

__all__ = ["MAX_EVIDENCE", "WitnessReport", "WitnessSources", "check_witnesses"]

MAX_EVIDENCE = 10_000
"""Most contradicted checkpoints read from one node; a node with more is not read further."""

_KEY_FINDINGS = {
    WitnessRejection.UNKNOWN_KEY,
    WitnessRejection.OTHER_PROVINCE,
    WitnessRejection.OUTSIDE_WINDOW,
}


@dataclass(frozen=True, slots=True)
class WitnessSources:
    """Where the auditor collects checkpoints: ``urls``, or when none are given, every member's
    node at the endpoint registered on chain; read through ``client``."""

    client: WitnessClient
    urls: tuple[str, ...] = ()


@dataclass(slots=True)
class WitnessReport:
    """What the witnesses signed in the audited range, and what is wrong with it."""

    sources: list[str]
    unreachable: dict[str, str] = field(default_factory=dict)
    checkpoints: int = 0
    signatures: int = 0
    revoked: int = 0
    newest: WitnessedCheckpoint | None = None
    violations: list[Violation] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON."""
        newest = self.newest
        return {
            "sources": self.sources,
            "unreachable": self.unreachable,
            "checkpoints": self.checkpoints,
            "signatures": self.signatures,
            "revoked_key_signatures": self.revoked,
            "newest": None if newest is None else _witnessed_json(newest),
            "violations": [v.to_json() for v in self.violations],
        }


def check_witnesses(
    sources: WitnessSources,
    state: LedgerState,
    deployment: Deployment,
    rpc: RpcClient,
    *,
    from_block: int,
    to_block: int,
) -> WitnessReport:
    """Collect the checkpoints of blocks ``from_block``..``to_block`` and check them.

    Raises:
        LedgerError: the auditor's endpoint cannot be read (to compare with the chain).
    """
    urls = list(sources.urls) or sorted(
        {p.endpoint for p in state.provinces.values() if p.member and p.endpoint}
    )
    report = WitnessReport(sources=urls)
    pool = CheckpointPool((deployment.chain_id, deployment.address), _keys(state))
    for url in urls:
        try:
            for signed in _collect(sources.client, url, from_block, to_block):
                for rejected in pool.add(signed):
                    _judge(report, url, rejected)
        except WitnessSourceError as error:
            report.unreachable[url] = str(error)
    witnessed = pool.witnessed()
    report.checkpoints = len(witnessed)
    report.signatures = sum(len(w.signers) for w in witnessed)
    report.newest = max(witnessed, key=lambda w: w.checkpoint.block_number, default=None)
    for conflict in pool.conflicts():
        report.violations.append(
            Violation(
                Invariant.WITNESSES_AGREE,
                f"block {conflict.block_number} was signed as {len(conflict.checkpoints)} "
                "different blocks: " + "; ".join(_describe(w) for w in conflict.checkpoints),
                subject=f"block {conflict.block_number}",
                evidence=[_witnessed_json(w) for w in conflict.checkpoints],
            )
        )
    report.violations += _against_chain(witnessed, deployment, rpc)
    return report


def _collect(
    client: WitnessClient, url: str, from_block: int, to_block: int
) -> list[SignedCheckpoint]:
    """Every checkpoint in the range the node at ``url`` serves, and both sides of the evidence
    it kept.

    Raises:
        WitnessSourceError: also when the node's pages do not advance, or its evidence passes
            :data:`MAX_EVIDENCE` items (a node cannot keep the auditor reading forever).
    """
    found: list[SignedCheckpoint] = []
    after = from_block - 1
    while after < to_block:
        page = client.page(url, after)
        found += [item.to_signed() for item in page.items]
        if page.next_after is None:
            break
        after = _advanced(url, after, page.next_after)
    kept, conflict_after = 0, 0
    while True:
        evidence = client.conflicts(url, conflict_after)
        for item in evidence.items:
            found += [item.claimed.to_signed()] + ([item.ours.to_signed()] if item.ours else [])
        kept += len(evidence.items)
        if evidence.next_after is None:
            break
        if kept > MAX_EVIDENCE:
            raise WitnessSourceError(
                f"the node at {url} serves more than {MAX_EVIDENCE} conflicts", url
            )
        conflict_after = _advanced(url, conflict_after, evidence.next_after)
    return [s for s in found if from_block <= s.checkpoint.block_number <= to_block]


def _advanced(url: str, after: int, next_after: int) -> int:
    if next_after <= after:
        raise WitnessSourceError(f"the node at {url} pages backwards ({after} → {next_after})", url)
    return next_after


def _judge(report: WitnessReport, url: str, rejected: Rejected) -> None:
    """Count or report a signature that does not count."""
    where = f"{url}: block {rejected.checkpoint.block_number}"
    evidence = {
        "checkpoint": CheckpointModel.of(rejected.checkpoint).model_dump(),
        "signature": CosignatureModel.of(rejected.cosignature).model_dump(),
    }
    if rejected.reason == WitnessRejection.KEY_REVOKED:
        report.revoked += 1
    elif rejected.reason in _KEY_FINDINGS:
        report.violations.append(
            Violation(Invariant.WITNESS_KEY_REGISTERED, rejected.message, (), where, evidence)
        )
    elif rejected.reason == WitnessRejection.BAD_SIGNATURE:
        report.violations.append(
            Violation(Invariant.WITNESS_SIGNATURE_VALID, rejected.message, (), where, evidence)
        )


def _against_chain(
    witnessed: Sequence[WitnessedCheckpoint], deployment: Deployment, rpc: RpcClient
) -> list[Violation]:
    """Witnessed checkpoints that are not the blocks the auditor's endpoint serves."""
    heights = sorted({w.checkpoint.block_number for w in witnessed})
    chain = dict(
        zip(
            heights,
            read_checkpoints(rpc, deployment.chain_id, deployment.address, heights),
            strict=True,
        )
    )
    found = []
    for w in witnessed:
        block: Checkpoint = chain[w.checkpoint.block_number]
        if block != w.checkpoint:
            found.append(
                Violation(
                    Invariant.WITNESS_MATCHES_CHAIN,
                    f"{_describe(w)}, but the auditor's endpoint serves block "
                    f"{block.block_number} as hash 0x{block.block_hash.hex()}, state root "
                    f"0x{block.state_root.hex()}",
                    subject=f"block {block.block_number}",
                    evidence={
                        "witnessed": _witnessed_json(w),
                        "chain": CheckpointModel.of(block).model_dump(),
                    },
                )
            )
    return found


def _keys(state: LedgerState) -> KeyLookup:
    """The key records the replay rebuilt, as the chain would answer for them."""

    def lookup(key_id: bytes) -> SigningKeyRecord | None:
        entry: KeyEntry | None = state.keys.get(key_id)
        if entry is None:
            return None
        return SigningKeyRecord(
            key_id=entry.key_id,
            province=entry.province,
            algorithm=entry.algorithm,
            revoked=entry.revoked,
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
            public_key=entry.public_key,
        )

    return lookup


def _describe(witnessed: WitnessedCheckpoint) -> str:
    c = witnessed.checkpoint
    signers = ", ".join(str(p) for p in witnessed.provinces)
    return (
        f"{signers} signed block {c.block_number} as hash 0x{c.block_hash.hex()}, state root "
        f"0x{c.state_root.hex()}, time {c.block_time}"
    )


def _witnessed_json(witnessed: WitnessedCheckpoint) -> dict[str, Any]:
    return SignedCheckpointModel.of(
        SignedCheckpoint(witnessed.checkpoint, witnessed.signers)
    ).model_dump()
