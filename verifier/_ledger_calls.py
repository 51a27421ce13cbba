"""Raw ``eth_call`` encoding and decoding of the ledger reads the verifier makes.

web3.py's contract layer costs about 5 ms of Python per call (ABI matching, formatting,
middleware); the verifier's budget is a fraction of a millisecond per certificate. So the few
view functions it reads are encoded here with precomputed selectors and ``eth_abi``, sent through
:class:`~ledger.chain.RpcClient` (several in one JSON-RPC batch) and decoded into the ledger's
record types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from ledger._abi import canonical_type, checksum, selector_of, signature_of
from ledger.chain import RpcCall
from ledger.types import (
    AnchorRecord,
    CertificateState,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)

__all__ = ["LedgerCalls"]

_READS = ("signingKey", "anchorsOf", "province", "statusesOf")


class LedgerCalls:
    """Encodes the verifier's reads of one deployment as JSON-RPC calls and decodes answers."""

    def __init__(self, address: str, abi: Sequence[Mapping[str, Any]]) -> None:
        self.address = checksum(address.lower())
        self._functions: dict[str, tuple[bytes, list[str], list[str]]] = {}
        for item in abi:
            if item.get("type") == "function" and item["name"] in _READS:
                self._functions[item["name"]] = (
                    selector_of(signature_of(item))[:4],
                    [canonical_type(p) for p in item["inputs"]],
                    [canonical_type(p) for p in item["outputs"]],
                )

    def _call(self, name: str, *args: Any) -> RpcCall:
        selector, inputs, _ = self._functions[name]
        data = "0x" + (selector + abi_encode(inputs, list(args))).hex()
        return ("eth_call", [{"to": self.address, "data": data}, "latest"])

    def _decode(self, name: str, answer: str) -> Any:
        _, _, outputs = self._functions[name]
        return abi_decode(outputs, bytes.fromhex(answer[2:]))[0]

    def _decode_rows(self, name: str, answer: str) -> list[tuple[int, ...]]:
        """A ``(uintN,…)[]`` answer decoded directly (the batch reads return thousands of rows,
        and ``eth_abi`` costs ~20 µs per row); anything else goes through ``eth_abi``."""
        _, _, outputs = self._functions[name]
        bits = _uint_row_bits(outputs)
        if bits is None:
            return [tuple(row) for row in self._decode(name, answer)]
        return uint_rows(bytes.fromhex(answer[2:]), bits)

    def signing_key(self, key_id: bytes) -> RpcCall:
        """The call reading one signing key."""
        return self._call("signingKey", key_id)

    def decode_signing_key(self, key_id: bytes, answer: str) -> SigningKeyRecord | None:
        """The key record, or None if no key has this id."""
        province, algorithm, revoked, valid_from, valid_until, public_key = self._decode(
            "signingKey", answer
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

    def anchors_of(self, roots: Sequence[bytes]) -> RpcCall:
        """The call reading the anchors of many roots."""
        return self._call("anchorsOf", list(roots))

    def decode_anchors(self, roots: Sequence[bytes], answer: str) -> list[AnchorRecord | None]:
        """One anchor per root (None where never anchored)."""
        return [
            AnchorRecord(
                root=root,
                province=province,
                count=count,
                anchored_at=anchored_at,
                block_number=block_number,
            )
            if province
            else None
            for root, (province, count, anchored_at, block_number) in zip(
                roots, self._decode_rows("anchorsOf", answer), strict=True
            )
        ]

    def province(self, code: int) -> RpcCall:
        """The call reading one province's record."""
        return self._call("province", code)

    def decode_province(self, code: int, answer: str) -> ProvinceRecord | None:
        """The record, or None if the province never was a member."""
        account, joined_at, member, endpoint = self._decode("province", answer)
        if int(account, 16) == 0:
            return None
        return ProvinceRecord(
            code=code,
            account=checksum(account.lower()),
            joined_at=joined_at,
            member=member,
            endpoint=endpoint,
        )

    def statuses_of(self, code: int, digests: Sequence[bytes]) -> RpcCall:
        """The call reading the statuses of many certificates of one province."""
        return self._call("statusesOf", code, list(digests))

    def decode_statuses(self, answer: str) -> list[StatusRecord]:
        """One status per digest asked for."""
        return [
            StatusRecord(
                state=CertificateState(state),
                reason=reason,
                effective_at=effective_at,
                recorded_at=recorded_at,
                changes=changes,
            )
            for state, reason, effective_at, recorded_at, changes in self._decode_rows(
                "statusesOf", answer
            )
        ]


_UINT_ROWS = re.compile(r"\((uint[0-9]+(?:,uint[0-9]+)*)\)\[\]")


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
