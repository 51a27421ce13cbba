"""The ledger rebuilt from its events: a pure state machine.

:class:`LedgerState` starts empty and :meth:`~LedgerState.apply` folds in one decoded event at a
time, in chain order. It never talks to a chain, never raises on a strange event and never judges
one: it records what the events say, the way the contract would have stored it, so the invariant
checker (:mod:`audit.invariants`) can judge each event against the state before it and the
comparison (:mod:`audit.compare`) can set the result beside the contract's views.

An event that names something unknown (a retirement of a key never registered, an approval of a
proposal never made) changes nothing here; the checker reports it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from audit._codec import decode, encode
from audit.exceptions import AuditCheckpointError
from audit.types import (
    AnchorEntry,
    CertificateHistory,
    KeyEntry,
    LogHeadEntry,
    ProposalEntry,
    ProvinceEntry,
    StatusChange,
)
from ledger.types import CertificateState, DecodedEvent, ProposalKind

__all__ = ["LedgerState"]


@dataclass(slots=True)
class LedgerState:
    """Everything the ledger's events say, up to and including block ``block``.

    ``members`` lists current members in joining order, as the contract's ``members()`` does.
    ``clock`` is the ``(block, block time)`` of the last event that carried a time, for the
    monotonic-time check across pages and checkpoints.
    """

    block: int = -1
    events: int = 0
    threshold: int = 0
    members: list[int] = field(default_factory=list)
    provinces: dict[int, ProvinceEntry] = field(default_factory=dict)
    proposals: dict[int, ProposalEntry] = field(default_factory=dict)
    keys: dict[bytes, KeyEntry] = field(default_factory=dict)
    anchors: dict[bytes, AnchorEntry] = field(default_factory=dict)
    statuses: dict[tuple[int, bytes], CertificateHistory] = field(default_factory=dict)
    status_changes: int = 0
    log_heads: dict[int, list[LogHeadEntry]] = field(default_factory=dict)
    clock: tuple[int, int] | None = None

    # --- applying events ---------------------------------------------------------------------

    def apply(self, event: DecodedEvent, block_time: int | None = None) -> None:
        """Fold one event into the state.

        ``block_time`` is the time of the event's block; only ``ProvinceAdded`` needs it (its
        event carries no time, the contract stores the block time as ``joinedAt``).
        """
        handler = _HANDLERS.get(event.name)
        if handler is not None:
            handler(self, event, block_time)
        self.events += 1
        if event.block_number > self.block:
            self.block = event.block_number
        time = event_time(event)
        if time is not None and (self.clock is None or event.block_number >= self.clock[0]):
            self.clock = (event.block_number, time)

    def _province_added(self, event: DecodedEvent, block_time: int | None) -> None:
        a = event.args
        code = int(a["code"])
        previous = self.provinces.get(code)
        accounts = previous.accounts if previous is not None else []
        self.provinces[code] = ProvinceEntry(
            code=code,
            account=str(a["account"]),
            endpoint=str(a["endpoint"]),
            member=True,
            joined_at=block_time or 0,
            joined_block=event.block_number,
            accounts=[*accounts, str(a["account"])],
        )
        if code not in self.members:
            self.members.append(code)

    def _province_removed(self, event: DecodedEvent, _: int | None) -> None:
        code = int(event.args["code"])
        entry = self.provinces.get(code)
        if entry is not None:
            entry.member = False
        if code in self.members:
            self.members.remove(code)

    def _account_replaced(self, event: DecodedEvent, _: int | None) -> None:
        entry = self.provinces.get(int(event.args["code"]))
        if entry is not None:
            entry.account = str(event.args["account"])
            entry.accounts.append(entry.account)

    def _endpoint_changed(self, event: DecodedEvent, _: int | None) -> None:
        entry = self.provinces.get(int(event.args["code"]))
        if entry is not None:
            entry.endpoint = str(event.args["endpoint"])

    def _threshold_changed(self, event: DecodedEvent, _: int | None) -> None:
        self.threshold = int(event.args["threshold"])

    def _proposal_created(self, event: DecodedEvent, _: int | None) -> None:
        a = event.args
        proposal_id = int(a["id"])
        if proposal_id in self.proposals:
            return
        # An unknown kind (only a forged log has one) is kept as ADD_MEMBER; the checker reports it.
        self.proposals[proposal_id] = ProposalEntry(
            id=proposal_id,
            kind=ProposalKind(int(a["kind"])) if int(a["kind"]) <= 3 else ProposalKind.ADD_MEMBER,
            code=int(a["code"]),
            account=str(a["account"]),
            endpoint=str(a["endpoint"]),
            threshold=int(a["threshold"]),
            proposer=int(a["proposer"]),
        )

    def _proposal_approved(self, event: DecodedEvent, _: int | None) -> None:
        proposal = self.proposals.get(int(event.args["id"]))
        if proposal is None:
            return
        proposal.approvals = self.count_approvals(proposal, int(event.args["code"]))
        proposal.approvers.append(int(event.args["code"]))

    def _proposal_executed(self, event: DecodedEvent, _: int | None) -> None:
        proposal = self.proposals.get(int(event.args["id"]))
        if proposal is not None:
            proposal.executed = True

    def _key_registered(self, event: DecodedEvent, _: int | None) -> None:
        a = event.args
        key_id = bytes(a["keyId"])
        if key_id in self.keys:
            return
        self.keys[key_id] = KeyEntry(
            key_id=key_id,
            province=int(a["code"]),
            algorithm=int(a["algorithm"]),
            public_key=bytes(a["publicKey"]),
            valid_from=int(a["validFrom"]),
        )

    def _key_retired(self, event: DecodedEvent, _: int | None) -> None:
        key = self.keys.get(bytes(event.args["keyId"]))
        if key is not None:
            key.valid_until = int(event.args["validUntil"])

    def _key_revoked(self, event: DecodedEvent, _: int | None) -> None:
        key = self.keys.get(bytes(event.args["keyId"]))
        if key is not None:
            key.revoked = True
            key.compromised_at = int(event.args["compromisedAt"])
            key.valid_until = int(event.args["validUntil"])

    def _root_anchored(self, event: DecodedEvent, _: int | None) -> None:
        a = event.args
        root = bytes(a["root"])
        if root in self.anchors:
            return  # the first anchor stands; the checker reports the second
        self.anchors[root] = AnchorEntry(
            root=root,
            province=int(a["code"]),
            count=int(a["count"]),
            anchored_at=int(a["anchoredAt"]),
            block_number=event.block_number,
            log_index=event.log_index,
            transaction_hash=bytes(event.transaction_hash),
        )

    def _access_log_anchored(self, event: DecodedEvent, _: int | None) -> None:
        a = event.args
        code = int(a["code"])
        self.log_heads.setdefault(code, []).append(
            LogHeadEntry(
                province=code,
                root=bytes(a["root"]),
                size=int(a["size"]),
                anchored_at=int(a["anchoredAt"]),
                block_number=event.block_number,
                log_index=event.log_index,
                transaction_hash=bytes(event.transaction_hash),
            )
        )

    def _status_changed(self, event: DecodedEvent, _: int | None) -> None:
        a = event.args
        key = (int(a["code"]), bytes(a["digest"]))
        history = self.statuses.get(key)
        if history is None:
            history = self.statuses[key] = CertificateHistory(province=key[0], digest=key[1])
        state = int(a["state"])  # an unknown state (a forged log) counts as final; reported
        history.changes.append(
            StatusChange(
                state=CertificateState(state) if state <= 2 else CertificateState.REVOKED,
                reason=int(a["reason"]),
                effective_at=int(a["effectiveAt"]),
                recorded_at=int(a["recordedAt"]),
                root=bytes(a["root"]),
                block_number=event.block_number,
                log_index=event.log_index,
                transaction_hash=bytes(event.transaction_hash),
            )
        )
        self.status_changes += 1

    # --- questions the checker and the comparison ask ------------------------------------------

    def is_member(self, code: int) -> bool:
        """Whether ``code`` is a member now (at the state's current position)."""
        entry = self.provinces.get(code)
        return entry is not None and entry.member

    def count_approvals(self, proposal: ProposalEntry, approver: int) -> int:
        """Approvals the contract counts when ``approver`` votes now: earlier approvers that are
        still members, plus the voter."""
        return 1 + sum(1 for earlier in proposal.approvers if self.is_member(earlier))

    def keys_of(self, code: int) -> list[bytes]:
        """Ids of the keys ``code`` registered, in registration order."""
        return [key.key_id for key in self.keys.values() if key.province == code]

    def certificates(self) -> int:
        """Certificates in all anchored batches."""
        return sum(anchor.count for anchor in self.anchors.values())

    def status_keys(self) -> Iterator[tuple[int, bytes]]:
        """(province, digest) of every certificate with a status change."""
        return iter(self.statuses)

    # --- serialization ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The state as JSON-ready data (dicts become lists of their entries)."""
        return {
            "block": self.block,
            "events": self.events,
            "threshold": self.threshold,
            "members": list(self.members),
            "provinces": encode(list(self.provinces.values())),
            "proposals": encode(list(self.proposals.values())),
            "keys": encode(list(self.keys.values())),
            "anchors": encode(list(self.anchors.values())),
            "statuses": encode(list(self.statuses.values())),
            "status_changes": self.status_changes,
            "log_heads": [encode(heads) for heads in self.log_heads.values()],
            "clock": list(self.clock) if self.clock is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> LedgerState:
        """Rebuild a state from :meth:`to_json`'s output.

        Raises:
            AuditCheckpointError: the data is not a serialized state.
        """
        if not isinstance(data, dict):
            raise AuditCheckpointError("a serialized state is a JSON object")
        try:
            provinces = decode(list[ProvinceEntry], data["provinces"])
            proposals = decode(list[ProposalEntry], data["proposals"])
            keys = decode(list[KeyEntry], data["keys"])
            anchors = decode(list[AnchorEntry], data["anchors"])
            statuses = decode(list[CertificateHistory], data["statuses"])
            heads = [decode(list[LogHeadEntry], h) for h in data["log_heads"]]
            clock = data["clock"]
            return cls(
                block=decode(int, data["block"]),
                events=decode(int, data["events"]),
                threshold=decode(int, data["threshold"]),
                members=decode(list[int], data["members"]),
                provinces={p.code: p for p in provinces},
                proposals={p.id: p for p in proposals},
                keys={k.key_id: k for k in keys},
                anchors={a.root: a for a in anchors},
                statuses={(s.province, s.digest): s for s in statuses},
                status_changes=decode(int, data["status_changes"]),
                log_heads={h[0].province: h for h in heads if h},
                clock=(int(clock[0]), int(clock[1])) if clock is not None else None,
            )
        except KeyError as missing:
            raise AuditCheckpointError(f"the serialized state lacks {missing}") from None
        except (TypeError, ValueError, IndexError) as error:
            raise AuditCheckpointError(f"the serialized state is malformed: {error}") from error

    def state_hash(self) -> bytes:
        """SHA-256 of the canonical JSON of :meth:`to_json`: equal states, equal hashes."""
        return state_hash(self.to_json())


def state_hash(serialized: Any) -> bytes:
    """SHA-256 of serialized state data in canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(serialized, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).digest()


_TIME_ARGS = {
    "RootAnchored": "anchoredAt",
    "AccessLogAnchored": "anchoredAt",
    "StatusChanged": "recordedAt",
    "KeyRegistered": "validFrom",
    "KeyRetired": "validUntil",
}


def event_time(event: DecodedEvent) -> int | None:
    """The block time an event states, for events that carry it."""
    name = _TIME_ARGS.get(event.name)
    return int(event.args[name]) if name is not None else None


_Handler = Callable[[LedgerState, DecodedEvent, "int | None"], None]
_HANDLERS: dict[str, _Handler] = {
    "ProvinceAdded": LedgerState._province_added,
    "ProvinceRemoved": LedgerState._province_removed,
    "ProvinceAccountReplaced": LedgerState._account_replaced,
    "ProvinceEndpointChanged": LedgerState._endpoint_changed,
    "ThresholdChanged": LedgerState._threshold_changed,
    "ProposalCreated": LedgerState._proposal_created,
    "ProposalApproved": LedgerState._proposal_approved,
    "ProposalExecuted": LedgerState._proposal_executed,
    "KeyRegistered": LedgerState._key_registered,
    "KeyRetired": LedgerState._key_retired,
    "KeyRevoked": LedgerState._key_revoked,
    "RootAnchored": LedgerState._root_anchored,
    "AccessLogAnchored": LedgerState._access_log_anchored,
    "StatusChanged": LedgerState._status_changed,
}
