"""Typed bindings for the deployed ``HurenLedger`` contract.

Reads are the view calls of :class:`~ledger.calls.LedgerCalls` (the one codec of the contract's
reads), sent through web3's ``eth_call`` at a chosen block (``"latest"`` by default), so an
auditor can ask the contract what it claimed at the block it replayed to; a reverted read raises
the contract's named error. Events of the deployment are read over explicit block ranges
(:meth:`HurenLedgerClient.events`). Writes are encoded here and handed to a
:class:`~ledger.sender.TransactionSender`, which owns nonces, fees, receipts and revert
decoding; a write returns the mined receipt, and the few writes that produce an identifier (a
proposal id, a key id) return it read back from the event they emitted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from eth_abi.exceptions import EncodingError
from eth_typing import BlockIdentifier, ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.types import TxReceipt

from ledger.artifact import CONTRACT_NAME, load_artifact
from ledger.calls import LedgerCalls, ViewCall
from ledger.chain import RpcClient
from ledger.events import EventDecoder, EventReader
from ledger.sender import TransactionSender
from ledger.types import (
    AnchorRecord,
    DecodedEvent,
    LogHeadRecord,
    ProposalKind,
    ProposalRecord,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)

__all__ = ["CONTRACT_NAME", "HurenLedgerClient"]

T = TypeVar("T")


def _bytes32(value: bytes) -> bytes:
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return value


class HurenLedgerClient:
    """Reads and writes of one ``HurenLedger`` deployment.

    ``sender`` is needed only for writes; a verifier or auditor builds the client without one.
    ``calls`` is the codec of the reads, for callers that send them some other way (in a raw
    JSON-RPC batch, to several endpoints).
    """

    def __init__(self, w3: Web3, address: str, sender: TransactionSender | None = None) -> None:
        self.w3 = w3
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.sender = sender
        self._abi = load_artifact(CONTRACT_NAME).abi
        self.calls = LedgerCalls(self.address, self._abi)
        self._contract: Contract = w3.eth.contract(address=self.address, abi=self._abi)
        self._events = EventDecoder(self._abi)
        self._reader: EventReader | None = None

    def with_sender(self, sender: TransactionSender) -> HurenLedgerClient:
        """The same deployment, writing through another province's account."""
        return HurenLedgerClient(self.w3, self.address, sender)

    # --- the chain -----------------------------------------------------------------------------

    def block_number(self) -> int:
        """The number of the chain's latest block."""
        return int(self.w3.eth.block_number)

    def events(
        self, from_block: int, to_block: int, *, names: Collection[str] | None = None
    ) -> Iterator[DecodedEvent]:
        """The deployment's events in blocks ``from_block`` to ``to_block`` (both included), in
        chain order; only those named ``names`` when given.

        Read through raw JSON-RPC at the same endpoint (see :class:`~ledger.events.EventReader`
        for the paging and the errors).
        """
        if self._reader is None:
            self._reader = EventReader(RpcClient.for_web3(self.w3), self._abi)
        return self._reader.read(self.address, from_block, to_block, events=names)

    # --- reads ---------------------------------------------------------------------------------

    def read(self, call: ViewCall[T], *, block: BlockIdentifier = "latest") -> T:
        """Send one view call of :attr:`calls` at ``block`` and decode its answer.

        Raises:
            ContractRevert: the call reverted (the contract's named error).
            LedgerAnswerError: the answer does not decode.
        """
        try:
            answer = self.w3.eth.call({"to": call.to, "data": call.data}, block)
        except ContractLogicError as error:
            if isinstance(error.data, str) and error.data.startswith("0x"):
                raise self.calls.revert(error.data) from error
            raise
        return call.decode(bytes(answer))

    def province(self, code: int, *, block: BlockIdentifier = "latest") -> ProvinceRecord | None:
        """The province's record, or None if it never was a member."""
        return self.read(self.calls.province(code), block=block)

    def province_of(self, account: str, *, block: BlockIdentifier = "latest") -> int | None:
        """The member province acting through ``account``, or None."""
        return self.read(self.calls.province_of(account), block=block)

    def members(self, *, block: BlockIdentifier = "latest") -> list[int]:
        """Codes of the current members, in joining order."""
        return self.read(self.calls.members(), block=block)

    def threshold(self, *, block: BlockIdentifier = "latest") -> int:
        """Approvals a governance proposal needs."""
        return self.read(self.calls.threshold(), block=block)

    def proposal(self, proposal_id: int, *, block: BlockIdentifier = "latest") -> ProposalRecord:
        """A governance proposal by id."""
        return self.read(self.calls.proposal(proposal_id), block=block)

    def proposal_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Proposals made so far (ids run from 1)."""
        return self.read(self.calls.proposal_count(), block=block)

    def signing_key(
        self, key_id: bytes, *, block: BlockIdentifier = "latest"
    ) -> SigningKeyRecord | None:
        """A registered signing key, or None if the id is unknown."""
        return self.read(self.calls.signing_key(key_id), block=block)

    def is_key_active_at(
        self, key_id: bytes, time: int, *, block: BlockIdentifier = "latest"
    ) -> bool:
        """Whether the key's window contained block time ``time``."""
        return self.read(self.calls.is_key_active_at(key_id, time), block=block)

    def keys_of(self, code: int, *, block: BlockIdentifier = "latest") -> list[bytes]:
        """Ids of every key the province registered, in order."""
        return self.read(self.calls.keys_of(code), block=block)

    def key_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Keys registered by all provinces."""
        return self.read(self.calls.key_count(), block=block)

    def anchor_of(self, root: bytes, *, block: BlockIdentifier = "latest") -> AnchorRecord | None:
        """The anchor of a batch root, or None if it was never anchored."""
        return self.read(self.calls.anchor_of(root), block=block)

    def anchors_of(
        self, roots: Sequence[bytes], *, block: BlockIdentifier = "latest"
    ) -> list[AnchorRecord | None]:
        """Anchors of many roots in one call (None where a root was never anchored)."""
        return self.read(self.calls.anchors_of(roots), block=block)

    def access_log_head(
        self, code: int, *, block: BlockIdentifier = "latest"
    ) -> LogHeadRecord | None:
        """The last access-log head the province anchored, or None."""
        return self.read(self.calls.access_log_head(code), block=block)

    def anchor_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Batch roots anchored by all provinces."""
        return self.read(self.calls.anchor_count(), block=block)

    def status_of(
        self, code: int, digest: bytes, *, block: BlockIdentifier = "latest"
    ) -> StatusRecord:
        """A certificate's current status (Active with no changes if never changed)."""
        return self.read(self.calls.status_of(code, digest), block=block)

    def statuses_of(
        self, code: int, digests: Sequence[bytes], *, block: BlockIdentifier = "latest"
    ) -> list[StatusRecord]:
        """Statuses of many certificates of one province in one call."""
        return self.read(self.calls.statuses_of(code, digests), block=block)

    def status_change_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Status changes recorded by all provinces."""
        return self.read(self.calls.status_change_count(), block=block)

    # --- writes --------------------------------------------------------------------------------

    def calldata(self, name: str, *args: Any) -> bytes:
        """ABI-encoded call data of a contract function, for senders that batch transactions.

        Encoded with the selector and types looked up once (web3's ``encode_abi`` spends ~1 ms
        matching the ABI on every call, a third of a sequential anchor); values web3 would
        normalise first (hex strings for bytes, …) still go through web3.
        """
        found = self.calls.functions.get(name)
        if found is not None:
            try:  # web3's codec is strict: a short bytes32 is refused, never padded
                return found.selector + self.w3.codec.encode(found.inputs, args)
            except (EncodingError, TypeError):
                pass
        return bytes.fromhex(self._contract.encode_abi(name, args=list(args))[2:])

    def _transact(self, name: str, *args: Any) -> TxReceipt:
        if self.sender is None:
            raise TypeError("this client was built without a sender; use with_sender()")
        return self.sender.send(self.address, self.calldata(name, *args))

    def _emitted(self, receipt: TxReceipt, name: str) -> Mapping[str, Any]:
        """The arguments of the one ``name`` event this contract emitted in ``receipt``."""
        (event,) = (
            e
            for e in self._events.decode_logs(receipt["logs"], address=self.address)
            if e.name == name
        )
        return event.args

    def propose(
        self,
        kind: ProposalKind,
        *,
        code: int = 0,
        account: str | None = None,
        endpoint: str = "",
        threshold: int = 0,
    ) -> int:
        """Propose a governance change (the caller approves it at once); returns the proposal id."""
        receipt = self._transact(
            "propose",
            int(kind),
            code,
            Web3.to_checksum_address(account or "0x" + "00" * 20),
            endpoint,
            threshold,
        )
        return int(self._emitted(receipt, "ProposalCreated")["id"])

    def approve(self, proposal_id: int) -> TxReceipt:
        """Approve a proposal; it is carried out when approvals reach the threshold."""
        return self._transact("approve", proposal_id)

    def set_endpoint(self, endpoint: str) -> TxReceipt:
        """Change the calling province's node URL."""
        return self._transact("setEndpoint", endpoint)

    def register_key(self, public_key_der: bytes, algorithm: int) -> bytes:
        """Register a signing key (SubjectPublicKeyInfo DER); returns its key id."""
        receipt = self._transact("registerKey", public_key_der, algorithm)
        return bytes(self._emitted(receipt, "KeyRegistered")["keyId"])

    def retire_key(self, key_id: bytes) -> TxReceipt:
        """Close a key's window now (normal rotation)."""
        return self._transact("retireKey", _bytes32(key_id))

    def revoke_key(self, key_id: bytes, compromised_at: int) -> TxReceipt:
        """Revoke a key as compromised since ``compromised_at`` (block time, may be past)."""
        return self._transact("revokeKey", _bytes32(key_id), compromised_at)

    def anchor(self, root: bytes, count: int) -> TxReceipt:
        """Anchor a batch root of ``count`` certificates."""
        return self._transact("anchor", _bytes32(root), count)

    def anchor_access_log(self, root: bytes, size: int) -> TxReceipt:
        """Anchor the head of the calling province's access log."""
        return self._transact("anchorAccessLog", _bytes32(root), size)

    def revoke(self, digest: bytes, root: bytes, reason: int, effective_at: int = 0) -> TxReceipt:
        """Revoke a certificate for good; ``effective_at`` 0 means now."""
        return self._transact("revoke", _bytes32(digest), _bytes32(root), reason, effective_at)

    def revoke_batch(
        self, digests: Sequence[bytes], roots: Sequence[bytes], reason: int, effective_at: int = 0
    ) -> TxReceipt:
        """Revoke many certificates in one transaction."""
        return self._transact(
            "revokeBatch",
            [_bytes32(d) for d in digests],
            [_bytes32(r) for r in roots],
            reason,
            effective_at,
        )

    def suspend(self, digest: bytes, root: bytes, reason: int, effective_at: int = 0) -> TxReceipt:
        """Suspend an active certificate."""
        return self._transact("suspend", _bytes32(digest), _bytes32(root), reason, effective_at)

    def reinstate(
        self, digest: bytes, root: bytes, reason: int, effective_at: int = 0
    ) -> TxReceipt:
        """Reinstate a suspended certificate."""
        return self._transact("reinstate", _bytes32(digest), _bytes32(root), reason, effective_at)
