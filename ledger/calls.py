"""The ``HurenLedger`` contract's view calls as bytes: encoded and decoded apart from any transport.

This is the one codec of the contract's reads. :class:`LedgerCalls` turns a question (the
signing key with this id, the anchors of these roots, …) into a :class:`ViewCall`: the contract,
the call data, and how to turn the bytes the call returns into the ledger's record types. How
the call travels is the caller's business, and so is the block it is asked at:
:class:`~ledger.contract.HurenLedgerClient` sends it through web3's ``eth_call`` at any block;
the verifier's chain view sends many as one raw JSON-RPC batch (:meth:`ViewCall.request`); a
reader that asks several endpoints at one agreed block, or checks an answer against a state
root, sends the same bytes and decodes with the same function.

Selectors and types are computed once from the ABI: web3.py's contract layer spends about 5 ms
of Python per call matching the ABI and formatting. Answers shaped ``(uintN,…)[]`` (the bulk
reads ``anchorsOf`` and ``statusesOf``, thousands of rows) are decoded by :func:`uint_rows`
(``eth_abi`` spends ~20 µs a row on them); every other answer goes through ``eth_abi``.

Example::

    calls = LedgerCalls(deployment.address, load_artifact("HurenLedger").abi)
    call = calls.anchors_of(roots)
    anchors = call.decode(rpc.call(*call.request(block=1234)))
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_typing import BlockIdentifier, ChecksumAddress
from eth_utils.address import to_checksum_address

from ledger._abi import canonical_type, checksum, selector_of, signature_of
from ledger.chain import RpcCall, block_parameter
from ledger.exceptions import LedgerAnswerError, LedgerValueError
from ledger.revert import ContractRevert, ErrorDecoder
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

__all__ = ["FunctionSpec", "LedgerCalls", "ViewCall", "uint_rows"]

T = TypeVar("T")

_UINT_ROWS = re.compile(r"\((uint[0-9]+(?:,uint[0-9]+)*)\)\[\]")


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One contract function: its four-byte selector and canonical input and output types.

    ``row_bits`` holds the field sizes when the only output is an array of unsigned-int tuples
    (decoded by :func:`uint_rows`), else ``None``.
    """

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    row_bits: tuple[int, ...] | None

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> FunctionSpec:
        """The spec of an ABI ``function`` entry."""
        outputs = tuple(canonical_type(p) for p in item.get("outputs", ()))
        return cls(
            name=str(item["name"]),
            selector=selector_of(signature_of(item))[:4],
            inputs=tuple(canonical_type(p) for p in item.get("inputs", ())),
            outputs=outputs,
            row_bits=_uint_row_bits(outputs),
        )

    def decode_output(self, data: bytes) -> Any:
        """The function's return value (its only output, or the tuple of all of them).

        Raises the decoder's ``ValueError`` or ``DecodingError`` for data that does not fit.
        """
        if self.row_bits is not None:
            return uint_rows(data, self.row_bits)
        values = abi_decode(self.outputs, data)
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True, slots=True)
class ViewCall(Generic[T]):
    """One read of a view function, whatever carries it: ``data`` sent to ``to`` with
    ``eth_call``, and :meth:`decode` for the bytes that come back."""

    function: str
    to: ChecksumAddress
    data: bytes
    decoder: Callable[[bytes], T]

    def request(self, block: BlockIdentifier = "latest") -> RpcCall:
        """The raw JSON-RPC ``eth_call`` of this read at ``block`` (a tag, number or hash)."""
        call = {"to": self.to, "data": "0x" + self.data.hex()}
        return ("eth_call", [call, block_parameter(block)])

    def decode(self, answer: bytes | str) -> T:
        """The record the call's return data (bytes, or 0x-hex as a node sends it) stands for.

        Raises:
            LedgerAnswerError: the data does not decode as the function's outputs (no contract
                at the address, or a broken or lying node).
        """
        try:
            return self.decoder(_answer_bytes(answer))
        except (DecodingError, ValueError, TypeError) as error:
            raise LedgerAnswerError(
                f"the answer to {self.function} does not decode: {error}"
            ) from error


class LedgerCalls:
    """The view calls of one ``HurenLedger`` deployment, and the tables they are made from.

    ``functions`` holds every function whose name is not overloaded (writes too: a sender
    encodes its call data from the same selectors); :meth:`revert` turns a reverted call's
    revert data into the contract's named exception.
    """

    def __init__(self, address: str, abi: Iterable[Mapping[str, Any]]) -> None:
        abi = list(abi)
        self.address = to_checksum_address(address)
        items = [item for item in abi if item.get("type") == "function"]
        names = Counter(str(item["name"]) for item in items)
        self.functions: Mapping[str, FunctionSpec] = {
            spec.name: spec for spec in map(FunctionSpec.of, items) if names[spec.name] == 1
        }
        self._errors = ErrorDecoder(abi)

    def revert(self, data: bytes | str) -> ContractRevert:
        """The named exception for a reverted call's revert data."""
        return self._errors.decode(data)

    def _call(self, name: str, args: Sequence[Any], convert: Callable[[Any], T]) -> ViewCall[T]:
        spec = self.functions[name]
        try:
            data = spec.selector + abi_encode(spec.inputs, list(args))
        except (EncodingError, ValueError, TypeError, OverflowError) as error:
            raise LedgerValueError(f"cannot encode a call of {name}: {error}") from error
        return ViewCall(name, self.address, data, lambda raw: convert(spec.decode_output(raw)))

    # --- provinces and governance --------------------------------------------------------------

    def province(self, code: int) -> ViewCall[ProvinceRecord | None]:
        """The province's record; None if it never was a member."""

        def convert(value: Any) -> ProvinceRecord | None:
            account, joined_at, member, endpoint = value
            if int(account, 16) == 0:
                return None
            return ProvinceRecord(
                code=code,
                account=checksum(account.lower()),
                joined_at=joined_at,
                member=member,
                endpoint=endpoint,
            )

        return self._call("province", [code], convert)

    def province_of(self, account: str) -> ViewCall[int | None]:
        """The member province acting through ``account``; None if none."""
        return self._call("provinceOf", [checksum(account.lower())], lambda code: code or None)

    def members(self) -> ViewCall[list[int]]:
        """Codes of the current members, in joining order."""
        return self._call("members", [], list)

    def threshold(self) -> ViewCall[int]:
        """Approvals a governance proposal needs."""
        return self._call("threshold", [], int)

    def proposal(self, proposal_id: int) -> ViewCall[ProposalRecord]:
        """A governance proposal by id (the call reverts for an unknown id)."""

        def convert(value: Any) -> ProposalRecord:
            kind, code, account, threshold, proposer, executed, endpoint, approvers = value
            return ProposalRecord(
                id=proposal_id,
                kind=ProposalKind(kind),
                code=code,
                account=checksum(account.lower()),
                threshold=threshold,
                proposer=proposer,
                executed=executed,
                endpoint=endpoint,
                approvers=tuple(approvers),
            )

        return self._call("proposal", [proposal_id], convert)

    def proposal_count(self) -> ViewCall[int]:
        """Proposals made so far (ids run from 1)."""
        return self._call("proposalCount", [], int)

    # --- signing keys ----------------------------------------------------------------------------

    def signing_key(self, key_id: bytes) -> ViewCall[SigningKeyRecord | None]:
        """A registered signing key; None if no key has this id."""

        def convert(value: Any) -> SigningKeyRecord | None:
            province, algorithm, revoked, valid_from, valid_until, public_key = value
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

        return self._call("signingKey", [_bytes32(key_id)], convert)

    def is_key_active_at(self, key_id: bytes, time: int) -> ViewCall[bool]:
        """Whether the key's window contained block time ``time``."""
        return self._call("isKeyActiveAt", [_bytes32(key_id), time], bool)

    def keys_of(self, code: int) -> ViewCall[list[bytes]]:
        """Ids of every key the province registered, in order."""
        return self._call("keysOf", [code], lambda ids: [bytes(k) for k in ids])

    def key_count(self) -> ViewCall[int]:
        """Keys registered by all provinces."""
        return self._call("keyCount", [], int)

    # --- anchors ---------------------------------------------------------------------------------

    def anchor_of(self, root: bytes) -> ViewCall[AnchorRecord | None]:
        """The anchor of a batch root; None if it was never anchored."""
        return self._call("anchorOf", [_bytes32(root)], lambda raw: _anchor_record(root, raw))

    def anchors_of(self, roots: Sequence[bytes]) -> ViewCall[list[AnchorRecord | None]]:
        """The anchors of many roots, one per root (None where never anchored)."""
        roots = list(roots)

        def convert(rows: Sequence[Sequence[int]]) -> list[AnchorRecord | None]:
            return [_anchor_record(r, row) for r, row in zip(roots, rows, strict=True)]

        return self._call("anchorsOf", [[_bytes32(r) for r in roots]], convert)

    def access_log_head(self, code: int) -> ViewCall[LogHeadRecord | None]:
        """The last access-log head the province anchored; None if it anchored none."""

        def convert(value: Any) -> LogHeadRecord | None:
            root, size, anchored_at = value
            if size == 0:
                return None
            return LogHeadRecord(
                province=code, root=bytes(root), size=size, anchored_at=anchored_at
            )

        return self._call("accessLogHead", [code], convert)

    def anchor_count(self) -> ViewCall[int]:
        """Batch roots anchored by all provinces."""
        return self._call("anchorCount", [], int)

    # --- certificate status ----------------------------------------------------------------------

    def status_of(self, code: int, digest: bytes) -> ViewCall[StatusRecord]:
        """A certificate's current status (Active with no changes if it never changed)."""
        return self._call("statusOf", [code, _bytes32(digest)], _status_record)

    def statuses_of(self, code: int, digests: Sequence[bytes]) -> ViewCall[list[StatusRecord]]:
        """The statuses of many certificates of one province, one per digest."""
        return self._call(
            "statusesOf",
            [code, [_bytes32(d) for d in digests]],
            lambda rows: [_status_record(row) for row in rows],
        )

    def status_change_count(self) -> ViewCall[int]:
        """Status changes recorded by all provinces."""
        return self._call("statusChangeCount", [], int)


def _answer_bytes(answer: object) -> bytes:
    if isinstance(answer, bytes):
        return answer
    if isinstance(answer, str) and answer.startswith("0x"):
        return bytes.fromhex(answer[2:])
    raise TypeError(f"expected bytes or 0x-hex, got {answer!r:.80}")


def _bytes32(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise LedgerValueError(f"expected 32 bytes, got {value!r:.80}")
    return bytes(value)


def _anchor_record(root: bytes, raw: Sequence[int]) -> AnchorRecord | None:
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


def _status_record(raw: Sequence[int]) -> StatusRecord:
    state, reason, effective_at, recorded_at, changes = raw
    return StatusRecord(
        state=CertificateState(state),
        reason=reason,
        effective_at=effective_at,
        recorded_at=recorded_at,
        changes=changes,
    )


def _uint_row_bits(outputs: Sequence[str]) -> tuple[int, ...] | None:
    """The bit sizes of the fields when the only output is an array of unsigned-int tuples."""
    if len(outputs) != 1:
        return None
    match = _UINT_ROWS.fullmatch(outputs[0])
    if match is None:
        return None
    return tuple(int(kind[4:]) for kind in match.group(1).split(","))


def uint_rows(data: bytes, bits: Sequence[int]) -> list[tuple[int, ...]]:
    """Decode the ABI encoding of one ``(uintN,…)[]`` value as ``eth_abi`` does (strictly).

    Layout: the offset of the array, then at that offset its length and its rows, each field
    one 32-byte big-endian word that must fit its ``uintN``.

    Raises:
        ValueError: the data is too short, or a value does not fit its type.
    """
    width = len(bits)
    if len(data) < 32:
        raise ValueError("ABI answer shorter than one word")
    offset = int.from_bytes(data[:32], "big")
    if offset % 32 or len(data) < offset + 32:
        raise ValueError(f"ABI array offset {offset} is outside the {len(data)}-byte answer")
    count = int.from_bytes(data[offset : offset + 32], "big")
    start = offset + 32
    end = start + 32 * width * count
    if len(data) < end:
        raise ValueError(f"ABI answer too short for {count} rows of {width} words")
    words = [int.from_bytes(data[i : i + 32], "big") for i in range(start, end, 32)]
    limits = [1 << size for size in bits]
    for index, word in enumerate(words):
        if word >= limits[index % width]:
            raise ValueError(f"ABI word {index} does not fit uint{bits[index % width]}")
    columns = [iter(words)] * width
    return list(zip(*columns, strict=True))
