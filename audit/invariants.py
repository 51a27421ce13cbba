"""The ledger's invariants, checked against the rebuilt state event by event.

The contract enforces most of these rules itself; the auditor checks them anyway, because it
trusts no one: a node (or a proxy in front of one) can answer ``eth_getLogs`` with anything, and
a contract upgraded or deployed from other sources could emit events its rules forbid.

:class:`InvariantChecker` is called with each event *before* the state applies it, so it sees the
ledger as the event's transaction found it, then once more at the end (:meth:`finish`). A
governance change is judged across its transaction: the contract emits the change
(``ProvinceAdded``, ``ThresholdChanged``, …) just before ``ProposalExecuted``, so the checker
holds it until the execution arrives or the transaction ends. Each violation names its invariant
(:class:`~audit.types.Invariant`) and the events that break it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from audit.state import LedgerState, event_time
from audit.types import EventRef, Invariant, ProposalEntry, TxOrigin, Violation
from certificate.exceptions import CertificateError
from certificate.signing import key_id_of, load_public_key
from certificate.types import SignatureAlgorithm
from ledger.types import CertificateState, DecodedEvent, ProposalKind

__all__ = ["InvariantChecker"]

_SPKI_LENGTH = {SignatureAlgorithm.ED25519: 44, SignatureAlgorithm.ECDSA_P256_SHA256: 91}
"""The SubjectPublicKeyInfo DER length the key registry accepts per algorithm (P-256 points
uncompressed)."""
_CHANGE_EVENTS = ("ProvinceAdded", "ProvinceRemoved", "ProvinceAccountReplaced", "ThresholdChanged")
_ACTOR_ARG = {
    "ProvinceEndpointChanged": "code",
    "ProposalCreated": "proposer",
    "ProposalApproved": "code",
    "KeyRegistered": "code",
    "KeyRetired": "code",
    "KeyRevoked": "code",
    "StatusChanged": "code",
}
_ANCHORING = ("RootAnchored", "AccessLogAnchored")
_ZERO = bytes(32)


@dataclass(slots=True)
class _Vote:
    """The last approval seen in the current transaction."""

    proposal: int
    approvals: int
    threshold: int
    event: EventRef


class InvariantChecker:
    """Judges each event against the state before it.

    Args:
        bootstrap_tx: hash of the deployment transaction, whose membership and threshold events
            are the founders' and need no proposal.
    """

    def __init__(self, bootstrap_tx: bytes) -> None:
        self.bootstrap_tx = bootstrap_tx
        self._tx: bytes | None = None
        self._pending: list[DecodedEvent] = []
        self._vote: _Vote | None = None
        self._executed = False
        self._sender_flagged = False

    def check(
        self, state: LedgerState, event: DecodedEvent, origin: TxOrigin | None = None
    ) -> list[Violation]:
        """The violations ``event`` commits, given ``state`` before it (and any the end of the
        previous transaction revealed).

        ``origin`` is the node's account of the event's transaction; without it (a synthetic
        history) the sender rule is not checked.
        """
        found: list[Violation] = []
        if event.transaction_hash != self._tx:
            found += self._end_transaction()
            self._tx = bytes(event.transaction_hash)
            self._sender_flagged = False
        ref = EventRef.of(event)
        if origin is not None and not self._sender_flagged:
            sender_found = self._check_sender(state, event, ref, origin)
            self._sender_flagged = bool(sender_found)
            found += sender_found
        found += self._check_actor(state, event, ref)
        found += self._check_clock(state, event, ref)
        rule = _RULES.get(event.name)
        if rule is not None:
            found += rule(self, state, event, ref)
        return found

    def finish(self, state: LedgerState) -> list[Violation]:
        """Violations that only the end of the replay reveals (a governance transaction that
        did not complete)."""
        del state
        found = self._end_transaction()
        self._tx = None
        return found

    # --- rules for every event -----------------------------------------------------------------

    @staticmethod
    def _check_actor(state: LedgerState, event: DecodedEvent, ref: EventRef) -> list[Violation]:
        if event.name in _ANCHORING:
            code = int(event.args["code"])
            if not state.is_member(code):
                return [
                    _v(Invariant.ONLY_MEMBERS_ANCHORED, f"{code} anchored while not a member", ref)
                ]
            return []
        arg = _ACTOR_ARG.get(event.name)
        if arg is None:
            return []
        code = int(event.args[arg])
        if not state.is_member(code):
            return [_v(Invariant.ONLY_MEMBERS_ACTED, f"{code} acted while not a member", ref)]
        return []

    def _check_sender(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef, origin: TxOrigin
    ) -> list[Violation]:
        """The transaction came from the account the acting province had at that point (the
        deployment transaction: created this ledger). At most one finding per transaction.

        Governance effects (``ProvinceAdded``, ``ThresholdChanged``, …) name no actor: their
        transaction's approval or proposal event, earlier in it, is the one judged.
        """
        tx = "0x" + bytes(event.transaction_hash).hex()
        if origin.sender is None:
            return [
                _v(
                    Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT,
                    f"the node knows no transaction {tx}, which the event names",
                    ref,
                )
            ]
        if origin.block_number != event.block_number:
            return [
                _v(
                    Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT,
                    f"the node puts transaction {tx} in block {origin.block_number}, its "
                    f"event in block {event.block_number}",
                    ref,
                )
            ]
        if event.transaction_hash == self.bootstrap_tx:
            if origin.creates_ledger:
                return []
            return [
                _v(
                    Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT,
                    f"the deployment transaction {tx}, sent by {origin.sender}, did not "
                    "create this ledger",
                    ref,
                )
            ]
        arg = "code" if event.name in _ANCHORING else _ACTOR_ARG.get(event.name)
        if arg is None:
            return []
        code = int(event.args[arg])
        entry = state.provinces.get(code)
        account = entry.account if entry is not None else None
        if account is not None and account.lower() == origin.sender.lower():
            return []
        return [
            _v(
                Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT,
                f"{event.name} of {code} was sent by {origin.sender}, not by {code}'s "
                f"account {account or '(none: never a member)'}",
                ref,
            )
        ]

    @staticmethod
    def _check_clock(state: LedgerState, event: DecodedEvent, ref: EventRef) -> list[Violation]:
        time = event_time(event)
        if time is None or state.clock is None:
            return []
        block, last = state.clock
        if event.block_number == block and time != last:
            return [
                _v(
                    Invariant.BLOCK_TIME_MONOTONIC,
                    f"block {block} states time {time}, an earlier event of it stated {last}",
                    ref,
                )
            ]
        if event.block_number > block and time < last:
            return [
                _v(
                    Invariant.BLOCK_TIME_MONOTONIC,
                    f"block {event.block_number} states time {time}, before block {block}'s {last}",
                    ref,
                )
            ]
        return []

    # --- anchors --------------------------------------------------------------------------------

    def _root_anchored(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        root, count = bytes(event.args["root"]), int(event.args["count"])
        found = []
        if root == _ZERO or count == 0:
            found.append(_v(Invariant.EVENT_WELL_FORMED, "a zero root or an empty batch", ref))
        first = state.anchors.get(root)
        if first is not None:
            found.append(
                Violation(
                    Invariant.ROOT_ANCHORED_ONCE,
                    f"root 0x{root.hex()} anchored again (first by {first.province})",
                    (first.event(), ref),
                )
            )
        return found

    def _log_anchored(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        code, size = int(event.args["code"]), int(event.args["size"])
        heads = state.log_heads.get(code)
        if heads and size <= heads[-1].size:
            return [
                Violation(
                    Invariant.ACCESS_LOG_GROWS,
                    f"{code}'s access-log head shrank or stalled: {heads[-1].size} then {size}",
                    (heads[-1].event(), ref),
                )
            ]
        if bytes(event.args["root"]) == _ZERO:
            return [_v(Invariant.EVENT_WELL_FORMED, "a zero access-log root", ref)]
        return []

    # --- certificate status -----------------------------------------------------------------------

    def _status_changed(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        a = event.args
        code, digest, root = int(a["code"]), bytes(a["digest"]), bytes(a["root"])
        new, effective, recorded = int(a["state"]), int(a["effectiveAt"]), int(a["recordedAt"])
        found: list[Violation] = []
        anchor = state.anchors.get(root)
        if anchor is None or anchor.province != code:
            owner = "nobody" if anchor is None else str(anchor.province)
            evidence = (ref,) if anchor is None else (anchor.event(), ref)
            found.append(
                Violation(
                    Invariant.ONLY_ISSUER_CHANGED_STATUS,
                    f"{code} changed 0x{digest.hex()} naming root 0x{root.hex()}, "
                    f"anchored by {owner}",
                    evidence,
                )
            )
        if new > CertificateState.REVOKED:
            found.append(_v(Invariant.EVENT_WELL_FORMED, f"unknown certificate state {new}", ref))
        history = state.statuses.get((code, digest))
        last = history.changes[-1] if history is not None and history.changes else None
        current = last.state if last is not None else CertificateState.ACTIVE
        before = (last.event(), ref) if last is not None else (ref,)
        if current == CertificateState.REVOKED:
            found.append(
                Violation(
                    Invariant.REVOKED_IS_FINAL, f"revoked 0x{digest.hex()} changed again", before
                )
            )
        elif (new == CertificateState.SUSPENDED and current == CertificateState.SUSPENDED) or (
            new == CertificateState.ACTIVE and current != CertificateState.SUSPENDED
        ):
            found.append(
                Violation(
                    Invariant.STATUS_TRANSITION_VALID,
                    f"0x{digest.hex()} went from {current.name} to {CertificateState(new).name}",
                    before,
                )
            )
        problems = []
        if effective > recorded:
            problems.append(f"takes effect at {effective}, after it was recorded ({recorded})")
        if anchor is not None and effective < anchor.anchored_at:
            problems.append(f"takes effect at {effective}, before its batch ({anchor.anchored_at})")
        if last is not None and effective < last.effective_at:
            problems.append(f"takes effect at {effective}, before the change before it")
        found += [
            Violation(Invariant.STATUS_TRANSITION_VALID, f"0x{digest.hex()} {p}", before)
            for p in problems
        ]
        return found

    # --- signing keys -----------------------------------------------------------------------------

    def _key_registered(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        key_id, public_key = bytes(event.args["keyId"]), bytes(event.args["publicKey"])
        algorithm = int(event.args["algorithm"])
        problems = []
        if key_id_of(public_key) != key_id:
            problems.append("the key id is not SHA-256 of the public key")
        if not _is_spki(public_key, algorithm):
            problems.append(f"the public key is no SubjectPublicKeyInfo of algorithm {algorithm}")
        if key_id in state.keys:
            problems.append("the key id was already registered")
        return [
            _v(Invariant.EVENT_WELL_FORMED, f"key 0x{key_id.hex()}: {p}", ref) for p in problems
        ]

    def _key_closed(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        code, key_id = int(event.args["code"]), bytes(event.args["keyId"])
        key = state.keys.get(key_id)
        if key is None or key.province != code:
            owner = "nobody" if key is None else str(key.province)
            return [
                _v(
                    Invariant.KEYS_REGISTERED_BEFORE_USE,
                    f"{code} closed key 0x{key_id.hex()}, registered by {owner}",
                    ref,
                )
            ]
        until = int(event.args["validUntil"])
        if event.name == "KeyRetired":
            if key.valid_until is not None:
                return [_v(Invariant.KEYS_USED_INSIDE_WINDOW, "a closed key was retired", ref)]
            return []
        if key.revoked:
            return [_v(Invariant.KEYS_USED_INSIDE_WINDOW, "a revoked key was revoked again", ref)]
        expected = max(int(event.args["compromisedAt"]), key.valid_from)
        if key.valid_until is not None:
            expected = min(expected, key.valid_until)
        if until != expected:
            return [
                _v(
                    Invariant.KEYS_USED_INSIDE_WINDOW,
                    f"key 0x{key_id.hex()} revoked with its window closing at {until}, "
                    f"not {expected}",
                    ref,
                )
            ]
        return []

    # --- governance ------------------------------------------------------------------------------

    def _proposal_created(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        proposal_id, kind = int(event.args["id"]), int(event.args["kind"])
        found = []
        if proposal_id != len(state.proposals) + 1:
            found.append(
                _v(Invariant.EVENT_WELL_FORMED, f"proposal id {proposal_id} out of sequence", ref)
            )
        if kind > ProposalKind.CHANGE_THRESHOLD:
            found.append(_v(Invariant.EVENT_WELL_FORMED, f"unknown proposal kind {kind}", ref))
        return found

    def _proposal_approved(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        proposal_id, code = int(event.args["id"]), int(event.args["code"])
        proposal = state.proposals.get(proposal_id)
        if proposal is None:
            return [
                _v(Invariant.MEMBERSHIP_CHANGES_APPROVED, f"unknown proposal {proposal_id}", ref)
            ]
        found = []
        if proposal.executed:
            found.append(_v(Invariant.MEMBERSHIP_CHANGES_APPROVED, "approval after execution", ref))
        if code in proposal.approvers:
            found.append(_v(Invariant.MEMBERSHIP_CHANGES_APPROVED, f"{code} approved twice", ref))
        counted = state.count_approvals(proposal, code)
        if counted != int(event.args["approvals"]):
            found.append(
                _v(
                    Invariant.MEMBERSHIP_CHANGES_APPROVED,
                    f"the event claims {event.args['approvals']} approvals; members gave {counted}",
                    ref,
                )
            )
        self._vote = _Vote(proposal_id, counted, state.threshold, ref)
        return found

    def _change(self, state: LedgerState, event: DecodedEvent, ref: EventRef) -> list[Violation]:
        found = self._check_change_facts(state, event, ref)
        if event.transaction_hash != self.bootstrap_tx:
            self._pending.append(event)
        return found

    @staticmethod
    def _check_change_facts(
        state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        a = event.args
        problem = None
        if event.name == "ProvinceAdded":
            code = int(a["code"])
            if not (110000 <= code <= 829999 and code % 10000 == 0):
                problem = f"{code} is no GB/T 2260 province code"
            elif state.is_member(code):
                problem = f"{code} added while already a member"
        elif event.name == "ProvinceRemoved":
            entry = state.provinces.get(int(a["code"]))
            if entry is None or not entry.member or entry.account != a["account"]:
                problem = f"{a['code']} removed while not a member with account {a['account']}"
        elif event.name == "ProvinceAccountReplaced":
            entry = state.provinces.get(int(a["code"]))
            if entry is None or not entry.member or entry.account != a["previous"]:
                problem = f"{a['code']}'s account replaced, but it was not {a['previous']}"
        elif int(a["previous"]) != state.threshold:
            problem = f"threshold said to change from {a['previous']}, but it was {state.threshold}"
        return [] if problem is None else [_v(Invariant.EVENT_WELL_FORMED, problem, ref)]

    def _proposal_executed(
        self, state: LedgerState, event: DecodedEvent, ref: EventRef
    ) -> list[Violation]:
        proposal_id = int(event.args["id"])
        proposal = state.proposals.get(proposal_id)
        pending, self._pending = self._pending, []
        vote, self._vote = self._vote, None
        self._executed = True
        evidence = (*(EventRef.of(p) for p in pending), ref)
        if proposal is None or proposal.executed:
            what = "unknown" if proposal is None else "already executed"
            return [
                Violation(
                    Invariant.MEMBERSHIP_CHANGES_APPROVED,
                    f"{what} proposal {proposal_id} executed",
                    evidence,
                )
            ]
        found = []
        if vote is None or vote.proposal != proposal_id or vote.approvals < vote.threshold:
            have = 0 if vote is None or vote.proposal != proposal_id else vote.approvals
            need = state.threshold if vote is None else vote.threshold
            found.append(
                Violation(
                    Invariant.MEMBERSHIP_CHANGES_APPROVED,
                    f"proposal {proposal_id} executed with {have} of {need} approvals",
                    evidence if vote is None else (vote.event, *evidence),
                )
            )
        if not _carries_out(proposal, pending):
            found.append(
                Violation(
                    Invariant.MEMBERSHIP_CHANGES_APPROVED,
                    f"proposal {proposal_id} ({proposal.kind.name}) executed, but the changes "
                    f"made were {[p.name for p in pending] or 'none'}",
                    evidence,
                )
            )
        return found

    def _end_transaction(self) -> list[Violation]:
        found = [
            _v(
                Invariant.MEMBERSHIP_CHANGES_APPROVED,
                f"{change.name} without an executed proposal",
                EventRef.of(change),
            )
            for change in self._pending
        ]
        vote = self._vote
        if vote is not None and vote.approvals >= vote.threshold and not self._executed:
            found.append(
                _v(
                    Invariant.MEMBERSHIP_CHANGES_APPROVED,
                    f"proposal {vote.proposal} reached {vote.approvals} approvals but was not "
                    "executed",
                    vote.event,
                )
            )
        self._pending, self._vote, self._executed = [], None, False
        return found


def _carries_out(proposal: ProposalEntry, changes: list[DecodedEvent]) -> bool:
    """Whether ``changes`` are exactly what executing ``proposal`` does."""
    if len(changes) != 1:
        return False
    (change,) = changes
    a = change.args
    if proposal.kind == ProposalKind.ADD_MEMBER:
        return (
            change.name == "ProvinceAdded"
            and int(a["code"]) == proposal.code
            and a["account"] == proposal.account
            and a["endpoint"] == proposal.endpoint
        )
    if proposal.kind == ProposalKind.REMOVE_MEMBER:
        return change.name == "ProvinceRemoved" and int(a["code"]) == proposal.code
    if proposal.kind == ProposalKind.REPLACE_ACCOUNT:
        return (
            change.name == "ProvinceAccountReplaced"
            and int(a["code"]) == proposal.code
            and a["account"] == proposal.account
        )
    return change.name == "ThresholdChanged" and int(a["threshold"]) == proposal.threshold


def _is_spki(public_key: bytes, code: int) -> bool:
    """Whether ``public_key`` is a SubjectPublicKeyInfo DER of the key type that algorithm
    ``code`` names, and of the length the key registry accepts for it."""
    try:
        algorithm = SignatureAlgorithm.from_code(code)
        load_public_key(public_key, algorithm)
    except CertificateError:
        return False
    return len(public_key) == _SPKI_LENGTH[algorithm]


def _v(invariant: Invariant, message: str, event: EventRef) -> Violation:
    return Violation(invariant, message, (event,))


_Rule = Callable[[InvariantChecker, LedgerState, DecodedEvent, EventRef], list[Violation]]
_RULES: dict[str, _Rule] = {
    "RootAnchored": InvariantChecker._root_anchored,
    "AccessLogAnchored": InvariantChecker._log_anchored,
    "StatusChanged": InvariantChecker._status_changed,
    "KeyRegistered": InvariantChecker._key_registered,
    "KeyRetired": InvariantChecker._key_closed,
    "KeyRevoked": InvariantChecker._key_closed,
    "ProposalCreated": InvariantChecker._proposal_created,
    "ProposalApproved": InvariantChecker._proposal_approved,
    "ProposalExecuted": InvariantChecker._proposal_executed,
    "ProvinceAdded": InvariantChecker._change,
    "ProvinceRemoved": InvariantChecker._change,
    "ProvinceAccountReplaced": InvariantChecker._change,
    "ThresholdChanged": InvariantChecker._change,
}
