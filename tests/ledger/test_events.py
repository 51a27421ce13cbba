"""Reading events: explicit ranges, paging, shrinking pages, boundaries, decoding, speed."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from chain_helpers import ScriptedRpc, anchor_calldata, fresh_roots
from web3 import Web3

from ledger.artifact import load_artifact
from ledger.chain import RpcClient, connect
from ledger.contract import CONTRACT_NAME
from ledger.deploy import Deployment
from ledger.events import EventDecoder, EventReader
from ledger.exceptions import LedgerEventError, LedgerRpcError, LedgerValueError
from ledger.sender import TransactionSender, TxRequest
from ledger.types import DecodedEvent

ABI = load_artifact(CONTRACT_NAME).abi
SHANGHAI = 310000


@pytest.fixture(scope="module")
def anchored(w3: Web3, deployment: Deployment) -> tuple[list[bytes], list[int]]:
    """120 roots anchored one by one (automine: one block each); their block numbers."""
    from ledger.devnet import DEV_PROVINCES

    sender = TransactionSender(w3, DEV_PROVINCES[0].account.private_key)
    roots = fresh_roots(120)
    receipts = [sender.send(deployment.address, anchor_calldata(root)) for root in roots]
    return roots, [int(r["blockNumber"]) for r in receipts]


def test_pages_through_many_pages(
    rpc: RpcClient, deployment: Deployment, anchored: tuple[list[bytes], list[int]]
) -> None:
    roots, blocks = anchored
    reader = EventReader(rpc, ABI, page_size=4)
    events = list(reader.read(deployment.address, blocks[0], blocks[-1]))
    assert [e.args["root"] for e in events] == roots
    assert all(e.name == "RootAnchored" and e.args["code"] == SHANGHAI for e in events)
    assert [e.block_number for e in events] == blocks
    assert [e.position for e in events] == sorted(e.position for e in events)


def test_to_block_is_inclusive(
    rpc: RpcClient, deployment: Deployment, anchored: tuple[list[bytes], list[int]]
) -> None:
    roots, blocks = anchored
    reader = EventReader(rpc, ABI, page_size=7)
    upto = list(reader.read(deployment.address, blocks[10], blocks[50]))
    assert [e.args["root"] for e in upto] == roots[10:51]
    single = list(reader.read(deployment.address, blocks[99], blocks[99], page_size=1))
    assert [e.args["root"] for e in single] == [roots[99]]


def test_range_must_be_explicit_and_valid(
    rpc: RpcClient, deployment: Deployment, anchored: tuple[list[bytes], list[int]]
) -> None:
    reader = EventReader(rpc, ABI)
    head = int(rpc.call("eth_blockNumber"), 16)
    with pytest.raises(LedgerEventError, match="past the chain's head"):
        reader.read(deployment.address, 0, head + 1)
    with pytest.raises(LedgerValueError):
        reader.read(deployment.address, 10, 9)
    with pytest.raises(LedgerValueError):
        reader.read(deployment.address, -1, 5)
    with pytest.raises(LedgerValueError):
        reader.read(deployment.address, 0, 5, page_size=0)
    with pytest.raises(TypeError):
        reader.read(deployment.address)  # type: ignore[call-arg]


def too_many_over(limit: int) -> Callable[[Sequence[Any], Callable[[], Any]], Any]:
    """A node that refuses an eth_getLogs answer of more than ``limit`` logs, as geth does."""

    def handler(params: Sequence[Any], forward: Callable[[], Any]) -> Any:
        logs = forward()
        if len(logs) > limit:
            raise LedgerRpcError("eth_getLogs", -32005, f"query returned more than {limit} results")
        return logs

    return handler


def test_shrinks_page_when_node_says_too_many(
    scripted_rpc: Callable[..., ScriptedRpc],
    deployment: Deployment,
    anchored: tuple[list[bytes], list[int]],
) -> None:
    roots, blocks = anchored
    rpc = scripted_rpc(eth_getLogs=too_many_over(10))
    reader = EventReader(rpc, ABI, page_size=1000)
    events = list(reader.read(deployment.address, blocks[0], blocks[-1]))
    assert [e.args["root"] for e in events] == roots
    assert rpc.calls.count("eth_getLogs") > 12  # shrank, then grew back page by page


def test_one_block_too_many_is_an_error(
    scripted_rpc: Callable[..., ScriptedRpc],
    deployment: Deployment,
    anchored: tuple[list[bytes], list[int]],
) -> None:
    _, blocks = anchored
    rpc = scripted_rpc(eth_getLogs=too_many_over(0))
    reader = EventReader(rpc, ABI, page_size=8)
    with pytest.raises(LedgerEventError, match="more than 0 results"):
        list(reader.read(deployment.address, blocks[0], blocks[3]))


def test_other_node_errors_are_ours(
    scripted_rpc: Callable[..., ScriptedRpc], deployment: Deployment
) -> None:
    def broken(params: Sequence[Any], forward: Callable[[], Any]) -> Any:
        raise LedgerRpcError("eth_getLogs", -32000, "header not found")

    reader = EventReader(scripted_rpc(eth_getLogs=broken), ABI)
    with pytest.raises(LedgerEventError, match="header not found"):
        list(reader.read(deployment.address, 0, 1))


def test_unknown_topic_is_an_error(
    rpc: RpcClient, deployment: Deployment, anchored: tuple[list[bytes], list[int]]
) -> None:
    _, blocks = anchored
    without_anchors = [e for e in ABI if e.get("name") != "RootAnchored"]
    reader = EventReader(rpc, without_anchors)
    with pytest.raises(LedgerEventError, match="no event of the ABI"):
        list(reader.read(deployment.address, blocks[0], blocks[0]))


def test_filter_by_event_name(
    rpc: RpcClient, deployment: Deployment, anchored: tuple[list[bytes], list[int]]
) -> None:
    roots, blocks = anchored
    reader = EventReader(rpc, ABI)
    head = blocks[-1]
    anchors = list(reader.read(deployment.address, deployment.block_number, head,
                               events={"RootAnchored"}))  # fmt: skip
    assert {e.name for e in anchors} == {"RootAnchored"}
    assert [e.args["root"] for e in anchors][-120:] == roots
    founders = list(reader.read(deployment.address, deployment.block_number, head,
                                events={"ProvinceAdded"}))  # fmt: skip
    assert [e.args["code"] for e in founders][:3] == [310000, 320000, 330000]
    with pytest.raises(LedgerValueError):
        reader.read(deployment.address, 0, head, events={"NoSuchEvent"})


def test_decoding_matches_web3(w3: Web3, deployment: Deployment) -> None:
    # Addresses, strings, indexed and not: our fast path gives what web3.py's slow one gives.
    reader = EventReader(RpcClient.for_web3(w3), ABI)
    contract = w3.eth.contract(address=Web3.to_checksum_address(deployment.address), abi=ABI)
    ours = list(reader.read(deployment.address, deployment.block_number, deployment.block_number))
    logs = w3.eth.get_logs({"address": contract.address, "fromBlock": deployment.block_number,
                            "toBlock": deployment.block_number})  # fmt: skip
    theirs = [contract.events[e.name]().process_log(log) for e, log in zip(ours, logs, strict=True)]
    assert [dict(e.args) for e in ours] == [dict(t["args"]) for t in theirs]
    assert [e.transaction_hash for e in ours] == [bytes(t["transactionHash"]) for t in theirs]
    assert [e.block_hash for e in ours] == [bytes(t["blockHash"]) for t in theirs]
    assert ours[0].args["endpoint"].startswith("http")


def test_decode_receipt_logs(w3: Web3, deployment: Deployment) -> None:
    from ledger.devnet import DEV_PROVINCES

    sender = TransactionSender(w3, DEV_PROVINCES[1].account.private_key)
    (root,) = fresh_roots(1)
    receipt = sender.send(deployment.address, anchor_calldata(root, 7))
    decoder = EventDecoder(ABI)
    (event,) = decoder.decode_logs(receipt["logs"], address=deployment.address)
    assert event.name == "RootAnchored"
    assert event.args["root"] == root and event.args["count"] == 7
    assert event.args["code"] == 320000
    assert decoder.decode_logs(receipt["logs"], address="0x" + "11" * 20) == []
    with pytest.raises(Exception, match=r"frozen|cannot assign|does not support"):
        event.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.args["root"] = b""  # type: ignore[index]


def test_malformed_log_is_an_error() -> None:
    decoder = EventDecoder(ABI)
    topic = decoder.topic("RootAnchored")
    log = {
        "address": "0x" + "11" * 20,
        "topics": [topic, "0x" + "00" * 28 + f"{310000:08x}", "0x" + "22" * 32],
        "data": "0x" + "00" * 32,  # two words expected
        "blockNumber": "0x1",
        "blockHash": "0x" + "33" * 32,
        "transactionHash": "0x" + "44" * 32,
        "logIndex": "0x0",
    }
    with pytest.raises(LedgerEventError, match="does not decode"):
        decoder.decode(log)
    log["data"] = "0x" + "ff" * 64  # a uint32 word with high bits set
    with pytest.raises(LedgerEventError, match="does not decode"):
        decoder.decode(log)
    log["data"] = "0x" + "00" * 31 + "05" + "00" * 31 + "09"
    event = decoder.decode(log)
    assert dict(event.args) == {"code": 310000, "root": b"\x22" * 32, "count": 5, "anchoredAt": 9}
    log["topics"] = log["topics"][:2]
    with pytest.raises(LedgerEventError, match="indexed values"):
        decoder.decode(log)


def test_read_rate(w3: Web3, deployment: Deployment) -> None:
    """Prints events/s end to end (JSON-RPC + decoding) for 2,000 anchors in a few blocks."""
    from ledger.devnet import DEV_PROVINCES

    sender = TransactionSender(w3, DEV_PROVINCES[2].account.private_key)
    requests = [TxRequest(deployment.address, anchor_calldata(r), gas=90_000)
                for r in fresh_roots(2000)]  # fmt: skip
    receipts = sender.send_many(requests)
    first, last = int(receipts[0]["blockNumber"]), int(receipts[-1]["blockNumber"])
    reader = EventReader(RpcClient.for_web3(connect(str(w3.provider.endpoint_uri))), ABI)  # type: ignore[attr-defined]
    start = time.perf_counter()
    events: list[DecodedEvent] = list(reader.read(deployment.address, first, last))
    elapsed = time.perf_counter() - start
    assert len([e for e in events if e.args["code"] == 330000]) >= 2000
    print(f"\nevents read and decoded: {len(events) / elapsed:,.0f}/s ({len(events)} events)")
