"""The checkpoint file format (version 2): compact, and read back without reflection.

A 1,000,000-certificate ledger has a few thousand anchors and status histories; as
type-hint-driven JSON its checkpoint took longer to load than replaying the chain. The bulky
records are now fixed-width binary rows that :func:`struct.iter_unpack` reads in one pass, and the
few small ones (provinces, proposals, keys, violations) are a JSON object of plain arrays, each
decoded by a function written for its type::

    file    = MAGIC "HURENCKP" ‖ version u16 ‖ SHA-256(body) ‖ body length u64 ‖ body
    body    = 5 sections, each  length u64 ‖ bytes
    section 0  meta JSON: chain, contract, block, block hash, small state parts, violations
            1  anchors         32s root, u32 province, u32 count, u64 anchoredAt, u64 block,
                               u64 log index, 32s transaction
            2  status histories  u32 province, 32s digest, u32 number of changes
            3  status changes  u8 state, u8 reason, u64 effectiveAt, u64 recordedAt, 32s root,
                               u64 block, u64 log index, 32s transaction (histories in order)
            4  log heads       u32 province, 32s root, u64 size, u64 anchoredAt, u64 block,
                               u64 log index, 32s transaction

Integers are big-endian; every width is the event field's ABI width (the event decoder has
already refused a value that does not fit), or 64 bits for block numbers and log indexes.
Nothing in a file is ever executed or looked up by name: a damaged file is an
:class:`~audit.exceptions.AuditCheckpointError`, never another exception.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

from audit.exceptions import AuditCheckpointError
from audit.state import LedgerState
from audit.types import (
    AnchorEntry,
    CertificateHistory,
    EventRef,
    Invariant,
    KeyEntry,
    LogHeadEntry,
    ProposalEntry,
    ProvinceEntry,
    StatusChange,
    Violation,
)
from ledger.types import CertificateState, ProposalKind

__all__ = ["FORMAT_VERSION", "MAGIC", "CheckpointBody", "read_file", "write_bytes"]

MAGIC = b"HURENCKP"
FORMAT_VERSION = 2

_PREFIX = struct.Struct(">8sH32sQ")
_LENGTH = struct.Struct(">Q")
_ANCHOR = struct.Struct(">32sIIQQQ32s")
_HISTORY = struct.Struct(">I32sI")
_CHANGE = struct.Struct(">BBQQ32sQQ32s")
_HEAD = struct.Struct(">I32sQQQQ32s")
_SECTIONS = 5
_STATES = tuple(CertificateState)


@dataclass(frozen=True, slots=True)
class CheckpointBody:
    """What a checkpoint file holds."""

    chain_id: int
    address: str
    block_number: int
    block_hash: bytes
    state: LedgerState
    violations: tuple[Violation, ...]


def write_bytes(body: CheckpointBody) -> tuple[bytes, bytes]:
    """The file's bytes and the SHA-256 of its body.

    Raises:
        AuditCheckpointError: a number does not fit its field (only a forged history has one).
    """
    try:
        sections = [_meta(body), *_bulk(body.state)]
    except struct.error as error:
        raise AuditCheckpointError(f"the state cannot be checkpointed: {error}") from error
    payload = b"".join(_LENGTH.pack(len(s)) + s for s in sections)
    digest = hashlib.sha256(payload).digest()
    return _PREFIX.pack(MAGIC, FORMAT_VERSION, digest, len(payload)) + payload, digest


def read_file(data: bytes, name: str) -> tuple[CheckpointBody, bytes]:
    """The checkpoint in ``data`` and its body's SHA-256, checked against the stated one.

    Raises:
        AuditCheckpointError: not a checkpoint, another format version, altered, truncated or
            malformed (``name`` names the file in the message).
    """
    if len(data) < _PREFIX.size or not data.startswith(MAGIC):
        raise AuditCheckpointError(
            f"{name} is not a checkpoint of this auditor (or one older than format "
            f"{FORMAT_VERSION}): delete it and replay from the deployment block"
        )
    _, version, stated, length = _PREFIX.unpack_from(data)
    if version != FORMAT_VERSION:
        raise AuditCheckpointError(
            f"{name} is a version {version} checkpoint, not {FORMAT_VERSION}"
        )
    payload = memoryview(data)[_PREFIX.size :]
    digest = hashlib.sha256(payload).digest()
    if len(payload) != length or digest != stated:
        raise AuditCheckpointError(
            f"checkpoint {name} does not match its state hash: it was altered or damaged"
        )
    try:
        return _parse(payload), digest
    except AuditCheckpointError as error:
        raise AuditCheckpointError(f"checkpoint {name}: {error}") from None
    except (struct.error, ValueError, TypeError, KeyError, IndexError) as error:
        raise AuditCheckpointError(f"checkpoint {name} is malformed: {error!r}") from None


# --- writing ------------------------------------------------------------------------------------


def _meta(body: CheckpointBody) -> bytes:
    state = body.state
    meta = {
        "chain_id": body.chain_id,
        "address": body.address,
        "block_number": body.block_number,
        "block_hash": body.block_hash.hex(),
        "block": state.block,
        "events": state.events,
        "threshold": state.threshold,
        "members": state.members,
        "status_changes": state.status_changes,
        "clock": list(state.clock) if state.clock is not None else None,
        "provinces": [
            [p.code, p.account, p.endpoint, p.member, p.joined_at, p.joined_block, p.accounts]
            for p in state.provinces.values()
        ],
        "proposals": [
            [
                p.id,
                int(p.kind),
                p.code,
                p.account,
                p.endpoint,
                p.threshold,
                p.proposer,
                p.approvers,
                p.approvals,
                p.executed,
            ]
            for p in state.proposals.values()
        ],
        "keys": [
            [
                k.key_id.hex(),
                k.province,
                k.algorithm,
                k.public_key.hex(),
                k.valid_from,
                k.valid_until,
                k.revoked,
                k.compromised_at,
            ]
            for k in state.keys.values()
        ],
        "violations": [
            [
                str(v.invariant),
                v.message,
                v.subject,
                [[e.name, e.block_number, e.log_index, e.transaction_hash.hex()] for e in v.events],
            ]
            for v in body.violations
        ],
    }
    return json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode()


def _bulk(state: LedgerState) -> list[bytes]:
    anchor, history, change, head = _ANCHOR.pack, _HISTORY.pack, _CHANGE.pack, _HEAD.pack
    anchors = b"".join(
        anchor(
            a.root,
            a.province,
            a.count,
            a.anchored_at,
            a.block_number,
            a.log_index,
            a.transaction_hash,
        )
        for a in state.anchors.values()
    )
    histories = b"".join(
        history(h.province, h.digest, len(h.changes)) for h in state.statuses.values()
    )
    changes = b"".join(
        change(
            c.state,
            c.reason,
            c.effective_at,
            c.recorded_at,
            c.root,
            c.block_number,
            c.log_index,
            c.transaction_hash,
        )
        for h in state.statuses.values()
        for c in h.changes
    )
    heads = b"".join(
        head(
            h.province,
            h.root,
            h.size,
            h.anchored_at,
            h.block_number,
            h.log_index,
            h.transaction_hash,
        )
        for entries in state.log_heads.values()
        for h in entries
    )
    return [anchors, histories, changes, heads]


# --- reading ------------------------------------------------------------------------------------


def _sections(payload: memoryview) -> list[memoryview]:
    sections, offset = [], 0
    for _ in range(_SECTIONS):
        (length,) = _LENGTH.unpack_from(payload, offset)
        offset += _LENGTH.size
        if offset + length > len(payload):
            raise AuditCheckpointError("a section runs past the end of the file")
        sections.append(payload[offset : offset + length])
        offset += length
    if offset != len(payload):
        raise AuditCheckpointError("unexpected bytes after the last section")
    return sections


def _rows(section: memoryview, shape: struct.Struct, what: str) -> list[tuple[Any, ...]]:
    if len(section) % shape.size:
        raise AuditCheckpointError(f"the {what} section is not a whole number of rows")
    return list(shape.iter_unpack(section))


def _parse(payload: memoryview) -> CheckpointBody:
    meta_bytes, anchor_bytes, history_bytes, change_bytes, head_bytes = _sections(payload)
    meta = json.loads(bytes(meta_bytes))
    if not isinstance(meta, dict):
        raise AuditCheckpointError("the meta section is not a JSON object")
    changes = [
        StatusChange(_STATES[s], *rest) for s, *rest in _rows(change_bytes, _CHANGE, "change")
    ]
    statuses: dict[tuple[int, bytes], CertificateHistory] = {}
    taken = 0
    for province, digest, count in _rows(history_bytes, _HISTORY, "history"):
        statuses[(province, digest)] = CertificateHistory(
            province, digest, changes[taken : taken + count]
        )
        taken += count
    if taken != len(changes):
        raise AuditCheckpointError("the status histories do not hold exactly the changes")
    heads: dict[int, list[LogHeadEntry]] = {}
    for row in _rows(head_bytes, _HEAD, "log head"):
        heads.setdefault(row[0], []).append(LogHeadEntry(*row))
    anchors = (AnchorEntry(*row) for row in _rows(anchor_bytes, _ANCHOR, "anchor"))
    clock = meta["clock"]
    state = LedgerState(
        block=_int(meta["block"]),
        events=_int(meta["events"]),
        threshold=_int(meta["threshold"]),
        members=[_int(code) for code in meta["members"]],
        provinces={p.code: p for p in map(_province, meta["provinces"])},
        proposals={p.id: p for p in map(_proposal, meta["proposals"])},
        keys={k.key_id: k for k in map(_key, meta["keys"])},
        anchors={a.root: a for a in anchors},
        statuses=statuses,
        status_changes=_int(meta["status_changes"]),
        log_heads=heads,
        clock=(_int(clock[0]), _int(clock[1])) if clock is not None else None,
    )
    return CheckpointBody(
        chain_id=_int(meta["chain_id"]),
        address=_str(meta["address"]),
        block_number=_int(meta["block_number"]),
        block_hash=bytes.fromhex(_str(meta["block_hash"])),
        state=state,
        violations=tuple(map(_violation, meta["violations"])),
    )


def _int(value: Any) -> int:
    if type(value) is not int:
        raise AuditCheckpointError(f"expected an integer, got {value!r}")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise AuditCheckpointError(f"expected a string, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise AuditCheckpointError(f"expected true or false, got {value!r}")
    return value


def _province(row: list[Any]) -> ProvinceEntry:
    code, account, endpoint, member, joined_at, joined_block, accounts = row
    return ProvinceEntry(
        _int(code),
        _str(account),
        _str(endpoint),
        _bool(member),
        _int(joined_at),
        _int(joined_block),
        [_str(a) for a in accounts],
    )


def _proposal(row: list[Any]) -> ProposalEntry:
    id_, kind, code, account, endpoint, threshold, proposer, approvers, approvals, executed = row
    return ProposalEntry(
        _int(id_),
        ProposalKind(_int(kind)),
        _int(code),
        _str(account),
        _str(endpoint),
        _int(threshold),
        _int(proposer),
        [_int(a) for a in approvers],
        _int(approvals),
        _bool(executed),
    )


def _key(row: list[Any]) -> KeyEntry:
    key_id, province, algorithm, public_key, valid_from, valid_until, revoked, compromised = row
    return KeyEntry(
        bytes.fromhex(_str(key_id)),
        _int(province),
        _int(algorithm),
        bytes.fromhex(_str(public_key)),
        _int(valid_from),
        _opt_int(valid_until),
        _bool(revoked),
        _opt_int(compromised),
    )


def _violation(row: list[Any]) -> Violation:
    invariant, message, subject, events = row
    return Violation(
        Invariant(_str(invariant)),
        _str(message),
        tuple(
            EventRef(_str(name), _int(block), _int(index), bytes.fromhex(_str(tx)))
            for name, block, index, tx in events
        ),
        None if subject is None else _str(subject),
    )
