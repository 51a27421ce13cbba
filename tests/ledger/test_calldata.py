"""Call data encoded from the cached selectors equals web3's ``encode_abi`` byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from web3 import Web3
from web3.exceptions import Web3Exception

from ledger.contract import HurenLedgerClient

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
client = HurenLedgerClient(Web3(), ADDRESS)
hashes = st.binary(min_size=32, max_size=32)
uint32 = st.integers(min_value=0, max_value=2**32 - 1)
uint64 = st.integers(min_value=0, max_value=2**64 - 1)


def web3_calldata(name: str, *args: object) -> bytes:
    return bytes.fromhex(client._contract.encode_abi(name, args=list(args))[2:])


@given(hashes, uint32)
def test_anchor(root: bytes, count: int) -> None:
    assert client.calldata("anchor", root, count) == web3_calldata("anchor", root, count)


@given(st.lists(hashes, max_size=4), st.integers(0, 255), uint64)
def test_revoke_batch_and_status_writes(digests: list[bytes], reason: int, at: int) -> None:
    roots = digests[:1] * len(digests)
    args = (digests, roots, reason, at)
    assert client.calldata("revokeBatch", *args) == web3_calldata("revokeBatch", *args)
    for digest in digests:
        args1 = (digest, digest, reason, at)
        assert client.calldata("revoke", *args1) == web3_calldata("revoke", *args1)


@given(st.binary(max_size=100), st.integers(1, 2), st.text(max_size=30))
def test_dynamic_arguments(spki: bytes, algorithm: int, endpoint: str) -> None:
    assert client.calldata("registerKey", spki, algorithm) == web3_calldata(
        "registerKey", spki, algorithm
    )
    assert client.calldata("setEndpoint", endpoint) == web3_calldata("setEndpoint", endpoint)


def test_values_web3_normalises_still_encode() -> None:
    root = "0x" + "ab" * 32  # a hex string where bytes32 is expected
    assert client.calldata("anchor", root, 1) == web3_calldata("anchor", root, 1)


@pytest.mark.parametrize("root", [b"\x01" * 31, b"\x01" * 33])
def test_a_root_of_the_wrong_length_is_refused_not_padded(root: bytes) -> None:
    with pytest.raises(Web3Exception):
        client.calldata("anchor", root, 1)
