"""Compare the rebuilt state with what the contract's view functions claim at the same block.

Every read names the block the replay reached (``block=`` on each
:class:`~ledger.contract.HurenLedgerClient` read), so a chain that moved on since cannot cause a
false difference. Anchors and statuses are read in bulk (``anchorsOf``, ``statusesOf``) in
chunks; for very large histories ``sample`` bounds how many roots and certificates are read,
chosen at random with the block number as seed so the same audit reads the same sample. Counters
(``anchorCount``, ``statusChangeCount``, ``keyCount``, ``proposalCount``) are always compared:
they reveal events the replay never saw, which no per-item read can.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from audit._codec import encode
from audit.exceptions import AuditValueError
from audit.state import LedgerState
from audit.types import Difference
from ledger.contract import HurenLedgerClient
from ledger.types import (
    AnchorRecord,
    LogHeadRecord,
    ProposalRecord,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)

__all__ = ["DEFAULT_CHUNK", "Comparison", "compare"]

DEFAULT_CHUNK = 500
"""Roots or digests per bulk view call (well inside nodes' ``eth_call`` gas caps)."""

T = TypeVar("T")


@dataclass(slots=True)
class Comparison:
    """The differences found and how many items of each view were read."""

    block: int
    differences: list[Difference] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    sampled: bool = False

    def _check(self, view: str, key: str, rebuilt: Any, contract: Any) -> None:
        self.checked[view] = self.checked.get(view, 0) + 1
        if rebuilt != contract:
            self.differences.append(Difference(view, key, encode(rebuilt), encode(contract)))


def compare(
    client: HurenLedgerClient,
    state: LedgerState,
    *,
    sample: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Comparison:
    """Compare ``state`` with ``client``'s views at ``state.block``.

    Args:
        client: a read-only client of the deployment.
        state: the rebuilt state (its ``block`` is where the views are read).
        sample: read at most this many anchors and this many statuses (``None``: all).
        chunk: items per bulk call.

    Raises:
        AuditValueError: ``sample`` or ``chunk`` below 1, or a state that replayed nothing.
        LedgerError, Web3 errors: the views could not be read.
    """
    if chunk < 1 or (sample is not None and sample < 1):
        raise AuditValueError("chunk and sample must be at least 1")
    if state.block < 0:
        raise AuditValueError("the state has replayed no block yet")
    block = state.block
    result = Comparison(block)
    rng = random.Random(block)

    def pick(items: Sequence[T]) -> Sequence[T]:
        if sample is None or len(items) <= sample:
            return items
        result.sampled = True
        return rng.sample(list(items), sample)

    _counters(client, state, result)
    _governance(client, state, result)
    _keys(client, state, result)
    roots = pick(list(state.anchors))
    for start in range(0, len(roots), chunk):
        part = roots[start : start + chunk]
        found = client.anchors_of(part, block=block)
        for root, record in zip(part, found, strict=True):
            a = state.anchors[root]
            expected = AnchorRecord(root, a.province, a.count, a.anchored_at, a.block_number)
            result._check("anchorsOf", "0x" + root.hex(), expected, record)
    by_province: dict[int, list[bytes]] = {}
    for code, digest in pick(list(state.statuses)):
        by_province.setdefault(code, []).append(digest)
    for code, digests in by_province.items():
        for start in range(0, len(digests), chunk):
            part = digests[start : start + chunk]
            for digest, status in zip(
                part, client.statuses_of(code, part, block=block), strict=True
            ):
                history = state.statuses[(code, digest)]
                last = history.changes[-1]
                expected_status = StatusRecord(
                    last.state,
                    last.reason,
                    last.effective_at,
                    last.recorded_at,
                    len(history.changes),
                )
                result._check("statusesOf", f"{code}/0x{digest.hex()}", expected_status, status)
    for code in state.provinces:
        heads = state.log_heads.get(code)
        head = heads[-1] if heads else None
        expected_head = (
            LogHeadRecord(code, head.root, head.size, head.anchored_at)
            if head is not None
            else None
        )
        result._check(
            "accessLogHead", str(code), expected_head, client.access_log_head(code, block=block)
        )
    return result


def _counters(client: HurenLedgerClient, state: LedgerState, result: Comparison) -> None:
    block = result.block
    result._check("threshold", "", state.threshold, client.threshold(block=block))
    result._check("members", "", state.members, client.members(block=block))
    result._check("proposalCount", "", len(state.proposals), client.proposal_count(block=block))
    result._check("keyCount", "", len(state.keys), client.key_count(block=block))
    result._check("anchorCount", "", len(state.anchors), client.anchor_count(block=block))
    result._check(
        "statusChangeCount", "", state.status_changes, client.status_change_count(block=block)
    )


def _governance(client: HurenLedgerClient, state: LedgerState, result: Comparison) -> None:
    block = result.block
    for code, p in state.provinces.items():
        expected = ProvinceRecord(code, p.account, p.joined_at, p.member, p.endpoint)
        result._check("province", str(code), expected, client.province(code, block=block))
    for proposal_id, q in state.proposals.items():
        expected_proposal = ProposalRecord(
            id=proposal_id,
            kind=q.kind,
            code=q.code,
            account=q.account,
            threshold=q.threshold,
            proposer=q.proposer,
            executed=q.executed,
            endpoint=q.endpoint,
            approvers=tuple(q.approvers),
        )
        result._check(
            "proposal",
            str(proposal_id),
            expected_proposal,
            client.proposal(proposal_id, block=block),
        )


def _keys(client: HurenLedgerClient, state: LedgerState, result: Comparison) -> None:
    block = result.block
    for key_id, k in state.keys.items():
        expected = SigningKeyRecord(
            key_id, k.province, k.algorithm, k.revoked, k.valid_from, k.valid_until, k.public_key
        )
        result._check(
            "signingKey", "0x" + key_id.hex(), expected, client.signing_key(key_id, block=block)
        )
    for code in state.provinces:
        result._check("keysOf", str(code), state.keys_of(code), client.keys_of(code, block=block))
