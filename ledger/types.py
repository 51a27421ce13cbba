"""Domain types shared across the ledger: addresses, hashes, province codes, chain records.

Hashes are raw ``bytes`` (32 of them), never hex strings: compare and store them as bytes, format
them with ``"0x" + h.hex()`` at the edges. Addresses are EIP-55 checksummed strings, as web3.py
returns them. Add new shared types here rather than next to their first user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NewType

from eth_typing import ChecksumAddress

from certificate.types import ProvinceCode

__all__ = [
    "Address",
    "AnchorRecord",
    "BlockRef",
    "CertificateState",
    "DecodedEvent",
    "Hash32",
    "LogHeadRecord",
    "ProposalKind",
    "ProposalRecord",
    "ProvinceCode",
    "ProvinceRecord",
    "SigningKeyRecord",
    "StatusReason",
    "StatusRecord",
    "TxHash",
]

Address = ChecksumAddress
"""An EIP-55 checksummed account or contract address (``0x`` + 40 hex digits): eth_typing's
``ChecksumAddress``, so values pass to web3.py unchanged; build one with ``Address("0x…")``
only from an already checksummed string."""

Hash32 = NewType("Hash32", bytes)
"""A 32-byte hash: a block hash, a Merkle root, a certificate digest, a key id."""

TxHash = NewType("TxHash", bytes)
"""A transaction hash (32 bytes): keccak-256 of the signed transaction."""


@dataclass(frozen=True, slots=True)
class BlockRef:
    """A block as a reader pins it: its number, its hash, and the state root its header commits
    to (what state proofs are checked against). Read from nodes (:mod:`ledger.finality`) or
    given, e.g. by a checkpoint that witnesses signed."""

    number: int
    hash: Hash32
    state_root: Hash32

    def to_json(self) -> dict[str, object]:
        """The block as JSON-ready data (hashes as 0x-hex)."""
        return {
            "number": self.number,
            "hash": "0x" + self.hash.hex(),
            "state_root": "0x" + self.state_root.hex(),
        }


@dataclass(frozen=True, slots=True)
class DecodedEvent:
    """One contract event, decoded with the contract's ABI, where the chain put it.

    ``args`` maps the event's parameter names to their decoded values (``int`` for integers,
    ``bytes`` for ``bytesN``/``bytes``, checksummed ``str`` for addresses, ``str`` for strings;
    an indexed parameter of a dynamic type holds the 32-byte keccak hash the topic carries).
    Events sort in chain order by ``(block_number, log_index)``.
    """

    name: str
    args: Mapping[str, Any]
    block_number: int
    block_hash: Hash32
    transaction_hash: TxHash
    log_index: int

    @property
    def position(self) -> tuple[int, int]:
        """``(block_number, log_index)``: the event's place in chain order."""
        return (self.block_number, self.log_index)


# --- contract records: what the HurenLedger view functions return ----------------------------


class ProposalKind(IntEnum):
    """What a governance proposal changes (the contract's ``ProposalKind``)."""

    ADD_MEMBER = 0
    REMOVE_MEMBER = 1
    REPLACE_ACCOUNT = 2
    CHANGE_THRESHOLD = 3


class CertificateState(IntEnum):
    """A certificate's state on chain (the contract's ``CertificateState``); REVOKED is final."""

    ACTIVE = 0
    SUSPENDED = 1
    REVOKED = 2


@dataclass(frozen=True, slots=True)
class ProvinceRecord:
    """A member (or former member) province."""

    code: int
    account: str
    joined_at: int
    member: bool
    endpoint: str


@dataclass(frozen=True, slots=True)
class ProposalRecord:
    """A governance proposal and who approved it."""

    id: int
    kind: ProposalKind
    code: int
    account: str
    threshold: int
    proposer: int
    executed: bool
    endpoint: str
    approvers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """A registered signing key; its window is [valid_from, valid_until), open while None."""

    key_id: bytes
    province: int
    algorithm: int
    revoked: bool
    valid_from: int
    valid_until: int | None
    public_key: bytes

    def active_at(self, time: int) -> bool:
        """Whether the key could sign at block time ``time``."""
        return self.valid_from <= time and (self.valid_until is None or time < self.valid_until)


@dataclass(frozen=True, slots=True)
class AnchorRecord:
    """An anchored batch root."""

    root: bytes
    province: int
    count: int
    anchored_at: int
    block_number: int


@dataclass(frozen=True, slots=True)
class LogHeadRecord:
    """An anchored access-log head."""

    province: int
    root: bytes
    size: int
    anchored_at: int


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A certificate's current status on chain."""

    state: CertificateState
    reason: int
    effective_at: int
    recorded_at: int
    changes: int


class StatusReason(IntEnum):
    """Why a certificate's status changed; numbered once, never renumbered.

    The numbers go on chain with each change; the clerk-facing words live with the verifier.
    """

    UNSPECIFIED = 0
    ISSUED_IN_ERROR = 1  # 错误发证
    HOLDER_REQUEST = 2  # 持证人申请
    SUPERSEDED = 3  # 换发、补发
    DETAILS_CHANGED = 4  # 登记事项变更
    HOLDER_DECEASED = 5  # 持证人死亡
    FRAUD = 6  # 以欺骗等不正当手段取得
    COURT_ORDER = 7  # 司法裁定
    ADMINISTRATIVE_PENALTY = 8  # 行政处罚吊销
    ENTITY_DISSOLVED = 9  # 主体注销
    UNDER_INVESTIGATION = 10  # 调查核实中 (suspension)
    LOST_OR_STOLEN = 11  # 遗失、被盗
    KEY_COMPROMISE = 12  # 签名密钥泄露
    INVESTIGATION_CLEARED = 13  # 核查无误 (reinstatement)
