"""Typed bindings for the deployed ``HurenLedger`` contract.

Reads go through ``eth_call`` at a chosen block (``"latest"`` by default), so an auditor can ask
the contract what it claimed at the block it replayed to. Writes are encoded here and handed to
a :class:`~ledger.sender.TransactionSender`, which owns nonces, fees, receipts and revert
decoding; a write returns the mined receipt, and the few writes that produce an identifier
(a proposal id, a key id) return it read back from the event they emitted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from eth_abi.exceptions import EncodingError
from eth_typing import BlockIdentifier, ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.types import TxReceipt

from ledger._abi import canonical_type, selector_of, signature_of
from ledger.artifact import load_artifact
from ledger.events import EventDecoder
from ledger.revert import ErrorDecoder
from ledger.sender import TransactionSender
from ledger.types import (
    AnchorRecord,
    CertificateState,
    LogHeadRecord,
    ProposalKind,
    ProposalRecord,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)

__all__ = ["HurenLedgerClient"]

CONTRACT_NAME = "HurenLedger"


def _bytes32(value: bytes) -> bytes:
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return value


def _function_encoders(abi: Sequence[Mapping[str, Any]]) -> dict[str, tuple[bytes, list[str]]]:
    """Selector and input types of each function whose name is not overloaded."""
    functions = [item for item in abi if item.get("type") == "function"]
    names = Counter(str(item["name"]) for item in functions)
    return {
        str(item["name"]): (
            selector_of(signature_of(item))[:4],
            [canonical_type(p) for p in item.get("inputs", ())],
        )
        for item in functions
        if names[str(item["name"])] == 1
    }


class HurenLedgerClient:
    """Reads and writes of one ``HurenLedger`` deployment.

    ``sender`` is needed only for writes; a verifier or auditor builds the client without one.
    """

    def __init__(self, w3: Web3, address: str, sender: TransactionSender | None = None) -> None:
        self.w3 = w3
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.sender = sender
        abi = load_artifact(CONTRACT_NAME).abi
        self._contract: Contract = w3.eth.contract(address=self.address, abi=abi)
        self._events = EventDecoder(abi)
        self._errors = ErrorDecoder(abi)
        self._encoders = _function_encoders(abi)

    def with_sender(self, sender: TransactionSender) -> HurenLedgerClient:
        """The same deployment, writing through another province's account."""
        return HurenLedgerClient(self.w3, self.address, sender)

    # --- reads ---------------------------------------------------------------------------------

    def _call(self, name: str, *args: Any, block: BlockIdentifier = "latest") -> Any:
        try:
            return self._contract.functions[name](*args).call(block_identifier=block)
        except ContractLogicError as error:
            if isinstance(error.data, str) and error.data.startswith("0x"):
                raise self._errors.decode(error.data) from error
            raise

    def province(self, code: int, *, block: BlockIdentifier = "latest") -> ProvinceRecord | None:
        """The province's record, or None if it never was a member."""
        account, joined_at, member, endpoint = self._call("province", code, block=block)
        if int(account, 16) == 0:
            return None
        return ProvinceRecord(
            code=code,
            account=Web3.to_checksum_address(account),
            joined_at=joined_at,
            member=member,
            endpoint=endpoint,
        )

    def province_of(self, account: str, *, block: BlockIdentifier = "latest") -> int | None:
        """The member province acting through ``account``, or None."""
        code: int = self._call("provinceOf", Web3.to_checksum_address(account), block=block)
        return code or None

    def members(self, *, block: BlockIdentifier = "latest") -> list[int]:
        """Codes of the current members, in joining order."""
        return list(self._call("members", block=block))

    def threshold(self, *, block: BlockIdentifier = "latest") -> int:
        """Approvals a governance proposal needs."""
        return int(self._call("threshold", block=block))

    def proposal(self, proposal_id: int, *, block: BlockIdentifier = "latest") -> ProposalRecord:
        """A governance proposal by id."""
        kind, code, account, threshold, proposer, executed, endpoint, approvers = self._call(
            "proposal", proposal_id, block=block
        )
        return ProposalRecord(
            id=proposal_id,
            kind=ProposalKind(kind),
            code=code,
            account=Web3.to_checksum_address(account),
            threshold=threshold,
            proposer=proposer,
            executed=executed,
            endpoint=endpoint,
            approvers=tuple(approvers),
        )

    def proposal_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Proposals made so far (ids run from 1)."""
        return int(self._call("proposalCount", block=block))

    def signing_key(
        self, key_id: bytes, *, block: BlockIdentifier = "latest"
    ) -> SigningKeyRecord | None:
        """A registered signing key, or None if the id is unknown."""
        province, algorithm, revoked, valid_from, valid_until, public_key = self._call(
            "signingKey", _bytes32(key_id), block=block
        )
        if valid_from == 0:
            return None
        return SigningKeyRecord(
            key_id=key_id,
            province=province,
            algorithm=algorithm,
            revoked=revoked,
            valid_from=valid_from,
            valid_until=valid_until or None,
            public_key=bytes(public_key),
        )

    def is_key_active_at(
        self, key_id: bytes, time: int, *, block: BlockIdentifier = "latest"
    ) -> bool:
        """Whether the key's window contained block time ``time``."""
        return bool(self._call("isKeyActiveAt", _bytes32(key_id), time, block=block))

    def keys_of(self, code: int, *, block: BlockIdentifier = "latest") -> list[bytes]:
        """Ids of every key the province registered, in order."""
        return [bytes(k) for k in self._call("keysOf", code, block=block)]

    def key_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Keys registered by all provinces."""
        return int(self._call("keyCount", block=block))

    def anchor_of(self, root: bytes, *, block: BlockIdentifier = "latest") -> AnchorRecord | None:
        """The anchor of a batch root, or None if it was never anchored."""
        return _anchor_record(root, self._call("anchorOf", _bytes32(root), block=block))

    def anchors_of(
        self, roots: Sequence[bytes], *, block: BlockIdentifier = "latest"
    ) -> list[AnchorRecord | None]:
        """Anchors of many roots in one call (None where a root was never anchored)."""
        found = self._call("anchorsOf", [_bytes32(r) for r in roots], block=block)
        return [_anchor_record(root, raw) for root, raw in zip(roots, found, strict=True)]

    def access_log_head(
        self, code: int, *, block: BlockIdentifier = "latest"
    ) -> LogHeadRecord | None:
        """The last access-log head the province anchored, or None."""
        root, size, anchored_at = self._call("accessLogHead", code, block=block)
        if size == 0:
            return None
        return LogHeadRecord(province=code, root=bytes(root), size=size, anchored_at=anchored_at)

    def anchor_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Batch roots anchored by all provinces."""
        return int(self._call("anchorCount", block=block))

    def status_of(
        self, code: int, digest: bytes, *, block: BlockIdentifier = "latest"
    ) -> StatusRecord:
        """A certificate's current status (Active with no changes if never changed)."""
        return _status_record(self._call("statusOf", code, _bytes32(digest), block=block))

    def statuses_of(
        self, code: int, digests: Sequence[bytes], *, block: BlockIdentifier = "latest"
    ) -> list[StatusRecord]:
        """Statuses of many certificates of one province in one call."""
        found = self._call("statusesOf", code, [_bytes32(d) for d in digests], block=block)
        return [_status_record(raw) for raw in found]

    def status_change_count(self, *, block: BlockIdentifier = "latest") -> int:
        """Status changes recorded by all provinces."""
        return int(self._call("statusChangeCount", block=block))

    # --- writes --------------------------------------------------------------------------------

    def calldata(self, name: str, *args: Any) -> bytes:
        """ABI-encoded call data of a contract function, for senders that batch transactions.

        Encoded with the selector and types looked up once (web3's ``encode_abi`` spends ~1 ms
        matching the ABI on every call, a third of a sequential anchor); values web3 would
        normalise first (hex strings for bytes, …) still go through web3.
        """
        found = self._encoders.get(name)
        if found is not None:
            selector, types = found
            try:
                return selector + self.w3.codec.encode(types, args)  # strict: a short bytes32
            except (EncodingError, TypeError):  # is refused, never padded
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


def _anchor_record(root: bytes, raw: Sequence[Any]) -> AnchorRecord | None:
    province, count, anchored_at, block_number = raw
    if province == 0:
        return None
    return AnchorRecord(
        root=root,
        province=province,
        count=count,
        anchored_at=anchored_at,
        block_number=block_number,
    )


def _status_record(raw: Sequence[Any]) -> StatusRecord:
    state, reason, effective_at, recorded_at, changes = raw
    return StatusRecord(
        state=CertificateState(state),
        reason=reason,
        effective_at=effective_at,
        recorded_at=recorded_at,
        changes=changes,
    )
