"""Province-witnessed checkpoints of the ledger's chain: the format, its signatures, and choosing.

As witnesses cosign a Certificate Transparency log's checkpoints, each province node signs what
its own chain endpoint shows for a final block, and asks the other member provinces' nodes to
cosign it after checking it against *their* endpoints (``province_nodes.witness``). A reader
(verifier, auditor) gathers signed checkpoints from any nodes and accepts one only with valid
signatures of K distinct provinces; two validly signed checkpoints that differ at one height are
evidence of a fork or of a lie.

**A checkpoint** names a block of one ledger: chain id, contract address, block number, block
hash, state root and block time (the time lets a reader check the signing key's window without
another read; the hash commits to all the others anyway).

**The signed bytes** (the *statement*), fixed width and unambiguous, after the domain label
:data:`CHECKPOINT_LABEL` (``b"huren/witness-checkpoint/1"``, versioned; see
:mod:`certificate.signing` for the labels in use)::

    chain id     32 bytes  big-endian unsigned
    contract     20 bytes  the ledger's address
    block number  8 bytes  big-endian unsigned (below 2^63)
    block hash   32 bytes
    state root   32 bytes
    block time    8 bytes  big-endian unsigned, Unix seconds (below 2^63)
    province      4 bytes  big-endian GB/T 2260 code of the signer
    key id       32 bytes  SHA-256 of the signer's SubjectPublicKeyInfo, registered on chain

The province and key id are signed too, so a signature cannot be passed off as another
province's, and a verifier looks the key up on chain by its id. Signing and verifying go through
:mod:`certificate.signing`'s labelled API: whatever algorithm the key has (Ed25519 and ECDSA P-256
today), nothing here is specific to one.

**A cosignature counts** (:func:`verify_cosignature`) when the key record read from the chain is
the record of that key id, registered for that province, not revoked, with a window
``[valid_from, valid_until)`` that contains the checkpoint's block time, and the signature
verifies under it. A revoked key never counts, whatever the claimed block time: a checkpoint
carries no trusted time of signing, so whoever holds a compromised key could sign any old
height.

**Choosing** (:class:`CheckpointPool`): signatures gathered from many sources are checked once
each; one province counts once per checkpoint; :meth:`CheckpointPool.newest` returns the newest
checkpoint signed by K provinces as a :class:`WitnessedCheckpoint` (chain id, contract, number,
hash, state root, time, signers), ready for a reader that reads the chain *at this block*; any
validly signed conflict in the pool stops it with :class:`~ledger.exceptions.WitnessConflictError`.

What trusting witness signatures means, and what it does not, is written down in
``docs/witnesses.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eth_utils.address import is_checksum_address, to_checksum_address

from certificate.exceptions import CertificateError
from certificate.signing import SigningKey, key_id_of, verify_labelled_signature
from certificate.types import SignatureAlgorithm
from ledger.chain import RpcClient
from ledger.exceptions import (
    LedgerAnswerError,
    LedgerValueError,
    WitnessConflictError,
    WitnessFormatError,
    WitnessQuorumError,
    WitnessSignatureError,
)
from ledger.types import Address, Hash32, SigningKeyRecord

__all__ = [
    "CHECKPOINT_LABEL",
    "MAX_HEIGHT",
    "STATEMENT_SIZE",
    "Checkpoint",
    "CheckpointConflict",
    "CheckpointPool",
    "Cosignature",
    "KeyLookup",
    "Rejected",
    "SignedCheckpoint",
    "WitnessRejection",
    "WitnessedCheckpoint",
    "decode_statement",
    "read_checkpoints",
    "sign_checkpoint",
    "verify_cosignature",
]

CHECKPOINT_LABEL = b"huren/witness-checkpoint/1"
"""The domain label signed before every checkpoint statement; a new layout gets a new label."""

MAX_HEIGHT = 2**63 - 1
"""The largest block number or block time a checkpoint holds (a signed 64-bit column)."""

_MAX_CHAIN_ID = 2**256 - 1
_LAYOUT = (("chain_id", 32), ("contract", 20), ("block_number", 8), ("block_hash", 32),
           ("state_root", 32), ("block_time", 8), ("province", 4), ("key_id", 32))  # fmt: skip
STATEMENT_SIZE = sum(size for _, size in _LAYOUT)
"""Bytes of a statement after the label (168)."""


class WitnessRejection(StrEnum):
    """Why a cosignature does not count; the codes are stable (reports and problems use them)."""

    OTHER_LEDGER = "other_ledger"
    UNKNOWN_KEY = "unknown_key"
    OTHER_PROVINCE = "other_province"
    KEY_REVOKED = "key_revoked"
    OUTSIDE_WINDOW = "outside_window"
    NOT_PINNED = "not_pinned"
    BAD_SIGNATURE = "bad_signature"


def _hash32(value: bytes, name: str) -> Hash32:
    if not isinstance(value, bytes) or len(value) != 32:
        raise WitnessFormatError(f"the {name} must be 32 bytes, not {value!r:.80}")
    return Hash32(bytes(value))


def _in_range(value: int, low: int, high: int, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise WitnessFormatError(f"the {name} {value!r:.40} is outside {low}..{high}")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Block ``block_number`` of chain ``chain_id``, holding the ledger at ``contract``, as a
    witness saw it: its hash, state root and time.

    Raises:
        WitnessFormatError: a field is out of range or not of its size.
    """

    chain_id: int
    contract: Address
    block_number: int
    block_hash: Hash32
    state_root: Hash32
    block_time: int

    def __post_init__(self) -> None:
        _in_range(self.chain_id, 1, _MAX_CHAIN_ID, "chain id")
        if not isinstance(self.contract, str) or not is_checksum_address(self.contract):
            raise WitnessFormatError(
                f"the contract {self.contract!r:.60} is no EIP-55 checksummed address"
            )
        _in_range(self.block_number, 0, MAX_HEIGHT, "block number")
        _in_range(self.block_time, 0, MAX_HEIGHT, "block time")
        _hash32(self.block_hash, "block hash")
        _hash32(self.state_root, "state root")

    def statement(self, province: int, key_id: bytes) -> bytes:
        """The bytes ``province`` signs with key ``key_id`` (after :data:`CHECKPOINT_LABEL`)."""
        _in_range(province, 0, 2**32 - 1, "province code")
        return b"".join(
            (
                self.chain_id.to_bytes(32, "big"),
                bytes.fromhex(self.contract[2:]),
                self.block_number.to_bytes(8, "big"),
                self.block_hash,
                self.state_root,
                self.block_time.to_bytes(8, "big"),
                province.to_bytes(4, "big"),
                _hash32(key_id, "key id"),
            )
        )


def decode_statement(data: bytes) -> tuple[Checkpoint, int, bytes]:
    """The checkpoint, province and key id a statement (without its label) holds.

    Raises:
        WitnessFormatError: not :data:`STATEMENT_SIZE` bytes, or a field out of range.
    """
    if len(data) != STATEMENT_SIZE:
        raise WitnessFormatError(
            f"a checkpoint statement is {STATEMENT_SIZE} bytes, not {len(data)}"
        )
    fields: dict[str, bytes] = {}
    offset = 0
    for name, size in _LAYOUT:
        fields[name] = data[offset : offset + size]
        offset += size
    checkpoint = Checkpoint(
        chain_id=int.from_bytes(fields["chain_id"], "big"),
        contract=to_checksum_address(fields["contract"]),
        block_number=int.from_bytes(fields["block_number"], "big"),
        block_hash=Hash32(fields["block_hash"]),
        state_root=Hash32(fields["state_root"]),
        block_time=int.from_bytes(fields["block_time"], "big"),
    )
    return checkpoint, int.from_bytes(fields["province"], "big"), fields["key_id"]


@dataclass(frozen=True, slots=True)
class Cosignature:
    """Province ``province``'s signature of a checkpoint with its key ``key_id``."""

    province: int
    key_id: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint with the signatures a source holds for it (checked or not)."""

    checkpoint: Checkpoint
    signatures: tuple[Cosignature, ...]


def sign_checkpoint(checkpoint: Checkpoint, province: int, key: SigningKey) -> Cosignature:
    """``province``'s signature of ``checkpoint`` with ``key`` (any algorithm it has)."""
    statement = checkpoint.statement(province, key.key_id)
    return Cosignature(province, key.key_id, key.sign_labelled(CHECKPOINT_LABEL, statement))


def verify_cosignature(
    checkpoint: Checkpoint, cosignature: Cosignature, record: SigningKeyRecord | None
) -> None:
    """Raise unless ``cosignature`` counts as its province's signature of ``checkpoint``, given
    ``record``, the chain's record of ``cosignature.key_id`` (None: the chain knows no such key).

    Raises:
        WitnessSignatureError: with the :class:`WitnessRejection` code as ``reason``.
    """
    key = "0x" + cosignature.key_id.hex()
    if record is None or record.key_id != cosignature.key_id:
        raise _rejected(WitnessRejection.UNKNOWN_KEY, f"no key {key} is registered on chain")
    if key_id_of(record.public_key) != cosignature.key_id:
        raise _rejected(
            WitnessRejection.UNKNOWN_KEY, f"the chain's record of key {key} holds another key"
        )
    if record.province != cosignature.province:
        raise _rejected(
            WitnessRejection.OTHER_PROVINCE,
            f"key {key} is registered for {record.province}, not for {cosignature.province}",
        )
    if record.revoked:
        raise _rejected(WitnessRejection.KEY_REVOKED, f"key {key} of {record.province} is revoked")
    if not record.active_at(checkpoint.block_time):
        until = "open" if record.valid_until is None else str(record.valid_until)
        raise _rejected(
            WitnessRejection.OUTSIDE_WINDOW,
            f"key {key} of {record.province} is valid in [{record.valid_from}, {until}), "
            f"not at the checkpoint's block time {checkpoint.block_time}",
        )
    statement = checkpoint.statement(cosignature.province, cosignature.key_id)
    try:
        algorithm = SignatureAlgorithm.from_code(record.algorithm)
        verify_labelled_signature(
            record.public_key,
            algorithm,
            CHECKPOINT_LABEL,
            statement,
            cosignature.signature,
            what="the checkpoint or the signature was altered, or another key signed it",
        )
    except CertificateError as error:
        raise _rejected(
            WitnessRejection.BAD_SIGNATURE, f"{cosignature.province}: {error}"
        ) from None


def _rejected(reason: WitnessRejection, message: str) -> WitnessSignatureError:
    return WitnessSignatureError(reason, message)


KeyLookup = Callable[[bytes], SigningKeyRecord | None]
"""The chain's record of a signing key by id (None if unknown). Which chain state it reads is
the caller's choice and the heart of what a witness signature is worth: see
``docs/witnesses.md``."""


@dataclass(frozen=True, slots=True)
class WitnessedCheckpoint:
    """A checkpoint with the valid signatures of ``len(signers)`` distinct provinces (one each),
    in province order: what a reader pins its reads to."""

    checkpoint: Checkpoint
    signers: tuple[Cosignature, ...]

    @property
    def provinces(self) -> tuple[int, ...]:
        """The provinces that signed."""
        return tuple(s.province for s in self.signers)


@dataclass(frozen=True, slots=True)
class CheckpointConflict:
    """Two or more validly signed checkpoints of one ledger at one height that differ: the
    evidence of a fork or of a lie. Each holds only its valid signatures."""

    block_number: int
    checkpoints: tuple[WitnessedCheckpoint, ...]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A signature that does not count, the checkpoint it was offered for, and why."""

    checkpoint: Checkpoint
    cosignature: Cosignature
    reason: WitnessRejection
    message: str


@dataclass
class CheckpointPool:
    """Signed checkpoints of one ledger gathered from any sources, each signature checked once.

    Args:
        ledger: ``(chain id, contract)`` of the ledger read; checkpoints of any other are
            rejected (``other_ledger``).
        keys: the chain's key records (see :data:`KeyLookup`); each key id is looked up once.
        pinned: if given, only signatures by these key ids count (``not_pinned`` otherwise):
            keys the reader knows from outside the chain it is reading.
    """

    ledger: tuple[int, str]
    keys: KeyLookup
    pinned: Collection[bytes] | None = None
    _valid: dict[Checkpoint, dict[int, Cosignature]] = field(default_factory=dict)
    _seen: set[tuple[Checkpoint, Cosignature]] = field(default_factory=set)
    _records: dict[bytes, SigningKeyRecord | None] = field(default_factory=dict)

    def add(self, signed: SignedCheckpoint) -> list[Rejected]:
        """Check and keep the signatures of ``signed``; returns those that do not count.

        Raises whatever :attr:`keys` raises when the chain cannot be read.
        """
        checkpoint = signed.checkpoint
        rejected = []
        for cosignature in signed.signatures:
            if (checkpoint, cosignature) in self._seen:
                continue
            self._seen.add((checkpoint, cosignature))
            try:
                self._check(checkpoint, cosignature)
            except WitnessSignatureError as error:
                reason = WitnessRejection(error.reason)
                rejected.append(Rejected(checkpoint, cosignature, reason, str(error)))
                continue
            self._valid.setdefault(checkpoint, {}).setdefault(cosignature.province, cosignature)
        return rejected

    def _check(self, checkpoint: Checkpoint, cosignature: Cosignature) -> None:
        chain_id, contract = self.ledger
        if checkpoint.chain_id != chain_id or checkpoint.contract.lower() != contract.lower():
            raise _rejected(
                WitnessRejection.OTHER_LEDGER,
                f"the checkpoint is of {checkpoint.contract} on chain {checkpoint.chain_id}, "
                f"not of {contract} on chain {chain_id}",
            )
        if self.pinned is not None and cosignature.key_id not in self.pinned:
            raise _rejected(
                WitnessRejection.NOT_PINNED,
                f"key 0x{cosignature.key_id.hex()} of {cosignature.province} is not pinned",
            )
        if cosignature.key_id not in self._records:
            self._records[cosignature.key_id] = self.keys(cosignature.key_id)
        verify_cosignature(checkpoint, cosignature, self._records[cosignature.key_id])

    def witnessed(self) -> list[WitnessedCheckpoint]:
        """Every checkpoint with at least one valid signature, by height then hash."""
        return sorted(
            (
                WitnessedCheckpoint(checkpoint, tuple(s for _, s in sorted(signers.items())))
                for checkpoint, signers in self._valid.items()
            ),
            key=lambda w: (w.checkpoint.block_number, w.checkpoint.block_hash),
        )

    def conflicts(self) -> list[CheckpointConflict]:
        """Heights at which validly signed checkpoints differ (hash, state root or time)."""
        by_height: dict[int, list[WitnessedCheckpoint]] = {}
        for witnessed in self.witnessed():
            by_height.setdefault(witnessed.checkpoint.block_number, []).append(witnessed)
        return [
            CheckpointConflict(height, tuple(found))
            for height, found in sorted(by_height.items())
            if len(found) > 1
        ]

    def newest(self, quorum: int) -> WitnessedCheckpoint:
        """The newest checkpoint validly signed by at least ``quorum`` distinct provinces.

        Raises:
            LedgerValueError: ``quorum`` below 1.
            WitnessConflictError: the pool holds validly signed conflicting checkpoints (at any
                height: a reader cannot tell which side is the chain).
            WitnessQuorumError: no checkpoint has ``quorum`` signers.
        """
        if quorum < 1:
            raise LedgerValueError(f"a witness quorum is at least 1, not {quorum}")
        conflicts = self.conflicts()
        if conflicts:
            heights = ", ".join(str(c.block_number) for c in conflicts[:5])
            raise WitnessConflictError(
                f"witnesses signed different checkpoints at block {heights}: a fork of the "
                "chain or a witness that lies",
                conflicts,
            )
        enough = [w for w in self.witnessed() if len(w.signers) >= quorum]
        if enough:
            return max(enough, key=lambda w: w.checkpoint.block_number)
        best = max((len(w.signers) for w in self.witnessed()), default=0)
        raise WitnessQuorumError(
            f"no checkpoint carries valid signatures of {quorum} provinces; the best has {best}"
        )


def read_checkpoints(
    rpc: RpcClient, chain_id: int, contract: str, numbers: Sequence[int]
) -> list[Checkpoint]:
    """What the endpoint behind ``rpc`` says blocks ``numbers`` are, as checkpoints of the
    ledger at ``contract`` on chain ``chain_id`` (read in JSON-RPC batches, in order).

    Raises:
        LedgerAnswerError: the endpoint serves another chain, lacks one of the blocks, or
            answers with something that is no header.
        LedgerConnectionError, LedgerRpcError: the endpoint cannot be read.
    """
    served = rpc.call("eth_chainId")
    if not isinstance(served, str) or _quantity(served) != chain_id:
        raise LedgerAnswerError(f"the endpoint serves chain {served!r:.80}, not chain {chain_id}")
    address = to_checksum_address(contract)
    found: list[Checkpoint] = []
    for start in range(0, len(numbers), _HEADER_BATCH):
        chunk = numbers[start : start + _HEADER_BATCH]
        headers = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in chunk])
        found += [_checkpoint(chain_id, address, n, h) for n, h in zip(chunk, headers, strict=True)]
    return found


_HEADER_BATCH = 100


def _quantity(value: str) -> int:
    if not value.startswith("0x") or not 3 <= len(value) <= 66:
        raise ValueError(f"{value!r:.80} is no JSON-RPC quantity")
    return int(value, 16)


def _checkpoint(chain_id: int, contract: Address, number: int, header: Any) -> Checkpoint:
    """The checkpoint a raw ``eth_getBlockByNumber`` answer for block ``number`` stands for."""
    try:
        if not isinstance(header, dict):
            raise ValueError("there is no such block" if header is None else "not an object")
        if _quantity(header["number"]) != number:
            raise ValueError(f"it names itself block {header['number']!r:.80}")
        return Checkpoint(
            chain_id=chain_id,
            contract=contract,
            block_number=number,
            block_hash=_hash32(_hex_bytes(header["hash"]), "block hash"),
            state_root=_hash32(_hex_bytes(header["stateRoot"]), "state root"),
            block_time=_quantity(header["timestamp"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise LedgerAnswerError(
            f"the endpoint's block {number} is no usable header: {error}"
        ) from None


def _hex_bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"{value!r:.80} is not 0x-hex")
    return bytes.fromhex(value[2:])
