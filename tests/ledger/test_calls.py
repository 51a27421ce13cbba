"""The one codec of the contract's reads: the same call sent by web3 or by raw JSON-RPC, at any
block, gives the same record; a reverted read raises the contract's named error; answers that do
not decode are refused with our error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from contract_helpers import SHANGHAI, random_hash
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from hypothesis import given
from hypothesis import strategies as st

from ledger import contract_errors as errors
from ledger.calls import uint_rows
from ledger.chain import RpcClient, block_parameter
from ledger.contract import HurenLedgerClient
from ledger.exceptions import LedgerAnswerError, LedgerRpcError, LedgerValueError
from ledger.revert import revert_data_from_rpc_error

ClientOf = Callable[[int], HurenLedgerClient]

STATUS_TYPES = "(uint8,uint8,uint64,uint64,uint32)[]"
STATUS_BITS = (8, 8, 64, 64, 32)


def test_a_call_sent_raw_at_a_block_number_or_hash_reads_that_block(
    ledger_client: ClientOf, rpc: RpcClient
) -> None:
    client, root = ledger_client(SHANGHAI), random_hash()
    block = int(client.anchor(root, 7)["blockNumber"])
    call = client.calls.anchors_of([root])
    before = client.w3.eth.get_block(block - 1)["hash"]

    assert call.decode(rpc.call(*call.request())) == client.anchors_of([root])
    assert call.decode(rpc.call(*call.request(block))) == client.anchors_of([root], block=block)
    assert call.decode(rpc.call(*call.request(block - 1))) == [None]
    assert call.decode(rpc.call(*call.request(bytes(before)))) == [None]
    assert client.read(call, block=block - 1) == [None]
    record = client.anchor_of(root)
    assert record is not None and call.decode(rpc.call(*call.request(hex(block)))) == [record]


def test_a_reverted_read_raises_the_contracts_named_error(
    ledger_client: ClientOf, rpc: RpcClient
) -> None:
    client = ledger_client(SHANGHAI)
    unknown = client.proposal_count() + 1
    with pytest.raises(errors.GovernanceUnknownProposal) as caught:
        client.proposal(unknown)
    assert caught.value.args_by_name == {"id": unknown}
    with pytest.raises(errors.GovernanceUnknownProposal):
        client.proposal(0, block=client.block_number())
    # sent raw, the node's error carries the same revert data for the same decoder
    with pytest.raises(LedgerRpcError) as raw:
        rpc.call(*client.calls.proposal(unknown).request())
    data = revert_data_from_rpc_error(raw.value.data)
    assert data is not None and type(client.calls.revert(data)) is errors.GovernanceUnknownProposal


def test_answers_that_do_not_decode_are_refused(ledger_client: ClientOf) -> None:
    calls = ledger_client(SHANGHAI).calls
    with pytest.raises(LedgerAnswerError, match="signingKey"):
        calls.signing_key(bytes(32)).decode("0x")  # no contract at the address
    with pytest.raises(LedgerAnswerError, match="statusesOf"):
        calls.statuses_of(SHANGHAI, [bytes(32)]).decode("0x" + "00" * 31)
    with pytest.raises(LedgerAnswerError, match="anchorCount"):
        calls.anchor_count().decode(12)  # type: ignore[arg-type]
    with pytest.raises(LedgerValueError, match="32 bytes"):
        calls.anchor_of(bytes(31))


@pytest.mark.parametrize(
    ("block", "parameter"),
    [
        ("latest", "latest"),
        ("finalized", "finalized"),
        (0, "0x0"),
        (1234, "0x4d2"),
        ("0x4D2", "0x4d2"),
        (b"\xab" * 32, {"blockHash": "0x" + "ab" * 32}),
        ("0x" + "AB" * 32, {"blockHash": "0x" + "ab" * 32}),
    ],
)
def test_block_parameters(block: object, parameter: object) -> None:
    assert block_parameter(block) == parameter  # type: ignore[arg-type]


@pytest.mark.parametrize("block", [-1, True, "newest", "0x", "0xzz", b"\x01" * 31, 1.0])
def test_a_block_that_is_no_tag_number_or_hash_is_refused(block: object) -> None:
    with pytest.raises(LedgerValueError):
        block_parameter(block)  # type: ignore[arg-type]


rows = st.lists(
    st.tuples(*(st.integers(min_value=0, max_value=2**bits - 1) for bits in STATUS_BITS)),
    max_size=20,
)


@given(rows)
def test_rows_decode_as_eth_abi_decodes_them(values: list[tuple[int, ...]]) -> None:
    data = abi_encode([STATUS_TYPES], [values])
    assert uint_rows(data, STATUS_BITS) == [tuple(r) for r in abi_decode([STATUS_TYPES], data)[0]]


def test_rows_that_do_not_fit_or_are_cut_short_are_refused() -> None:
    data = abi_encode([STATUS_TYPES], [[(1, 2, 3, 4, 5), (1, 2, 3, 4, 5)]])
    too_big = bytearray(data)
    too_big[64 + 31 - 1] = 1  # first field: 256 > uint8
    with pytest.raises(ValueError, match="does not fit uint8"):
        uint_rows(bytes(too_big), STATUS_BITS)
    with pytest.raises(ValueError, match="too short"):
        uint_rows(data[:-32], STATUS_BITS)
    with pytest.raises(ValueError, match="offset"):
        uint_rows((10**6).to_bytes(32, "big"), STATUS_BITS)
    with pytest.raises(ValueError, match="shorter than one word"):
        uint_rows(b"", STATUS_BITS)
