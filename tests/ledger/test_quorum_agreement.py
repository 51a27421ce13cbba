"""Finality and quorum agreement over real endpoints: anvil, and lying proxies in front of it."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from lying_proxy import lying_proxy

from ledger.anvil import LocalChain
from ledger.chain import RpcClient
from ledger.exceptions import LedgerNoQuorumError, LedgerValueError
from ledger.finality import Finality, block_request, read_block
from ledger.quorum import Endpoints, Fault, agree_on_block, agreed, confirm_block, public_url
from ledger.types import BlockRef, Hash32


def _honest(method: str, params: list[Any], result: Any) -> Any:
    return result


def _other_root(method: str, params: list[Any], result: Any) -> Any:
    """A node that lies about the state root of every header it sends."""
    if method == "eth_getBlockByNumber" and isinstance(result, dict):
        return {**result, "stateRoot": "0x" + "ab" * 32}
    return result


def _geth(method: str, params: list[Any], result: Any) -> Any:
    """Anvil dressed as geth: its finalized tag is then taken."""
    return "Geth/v1.15.0" if method == "web3_clientVersion" else result


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _head(url: str) -> BlockRef:
    with RpcClient(url) as rpc:
        return read_block(rpc, int(rpc.call("eth_blockNumber"), 16))


def _is_a_recent_head(url: str, block: BlockRef, before: BlockRef) -> bool:
    """Whether ``block`` is the chain's block at its number and was the head between ``before``
    and now (other tests' nodes may still be mining on the session chain)."""
    with RpcClient(url) as rpc:
        same = read_block(rpc, block.number) == block
    return same and before.number <= block.number <= _head(url).number


def test_anvil_head_is_final_and_its_finalized_tag_lags(local_chain: LocalChain) -> None:
    with RpcClient(local_chain.url) as rpc:
        for _ in range(3):
            rpc.call("evm_mine", [])
        head = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
        assert _is_a_recent_head(local_chain.url, Finality().final_block(rpc, "anvil/v1.7.1"), head)
        tagged = Finality().final_block(rpc, "Geth/v1.15.0")
        assert tagged == read_block(rpc, int(rpc.call(*block_request("finalized"))["number"], 16))
        assert tagged.number < head.number  # anvil's simulation of finality lags
        two_below = Finality(tag=None, confirmations=2).final_block(rpc, "anvil/v1.7.1")
        assert head.number - 2 <= two_below.number <= _head(local_chain.url).number - 2


def test_a_chain_without_the_tag_counts_confirmations(local_chain: LocalChain) -> None:
    def no_finality(method: str, params: list[Any], result: Any) -> Any:
        return None if params[:1] == ["finalized"] else result

    with lying_proxy(local_chain.url, no_finality) as url, RpcClient(url) as rpc:
        before = int(rpc.call("eth_blockNumber"), 16)
        found = Finality(confirmations=1).final_block(rpc, "besu/v25").number
        assert before - 1 <= found <= int(rpc.call("eth_blockNumber"), 16) - 1


def test_finality_setting_is_parsed_and_checked() -> None:
    assert Finality.parse("finalized") == Finality(tag="finalized")
    assert Finality.parse("safe").tag == "safe"
    assert Finality.parse("6") == Finality(tag=None, confirmations=6)
    assert "head" in Finality.parse("0").describe()
    for bad in ("latest", "-1", ""):
        with pytest.raises(LedgerValueError):
            Finality.parse(bad)


def test_honest_endpoints_agree_on_the_head(local_chain: LocalChain) -> None:
    before = _head(local_chain.url)
    with lying_proxy(local_chain.url, _honest) as other:
        endpoints = Endpoints.of_urls([local_chain.url, other])
        agreement = agree_on_block(endpoints, Finality())
        endpoints.close()
    assert _is_a_recent_head(local_chain.url, agreement.value, before)
    assert set(agreement.agreeing) == {public_url(local_chain.url), other}
    assert agreement.faults == {}


def test_a_lying_header_breaks_a_quorum_of_all(local_chain: LocalChain) -> None:
    with lying_proxy(local_chain.url, _other_root) as liar:
        endpoints = Endpoints.of_urls([local_chain.url, liar])
        with pytest.raises(LedgerNoQuorumError) as caught:
            agree_on_block(endpoints, Finality())
        endpoints.close()
    assert set(caught.value.faults) == {public_url(local_chain.url), liar}
    assert not caught.value.unreachable_only


def test_two_of_three_outvote_a_lying_header(local_chain: LocalChain) -> None:
    with (
        lying_proxy(local_chain.url, _other_root) as liar,
        lying_proxy(local_chain.url, _honest) as honest,
    ):
        before = _head(local_chain.url)
        endpoints = Endpoints.of_urls([liar, local_chain.url, honest], quorum=2)
        agreement = agree_on_block(endpoints, Finality())
        endpoints.close()
    assert _is_a_recent_head(local_chain.url, agreement.value, before)
    assert list(agreement.faults) == [liar]
    assert agreement.faults[liar].kind == "disagreed"


def test_endpoints_at_different_finality_meet_at_a_common_block(local_chain: LocalChain) -> None:
    with lying_proxy(local_chain.url, _geth) as tagged:
        endpoints = Endpoints.of_urls([local_chain.url, tagged])
        agreement = agree_on_block(endpoints, Finality())
        endpoints.close()
    with RpcClient(local_chain.url) as rpc:
        finalized = int(rpc.call(*block_request("finalized"))["number"], 16)
        assert read_block(rpc, agreement.value.number) == agreement.value
    # The lower of the two: the tagged endpoint's finalized block, not the head.
    assert finalized - 5 <= agreement.value.number <= finalized


def test_an_unreachable_endpoint_is_named(local_chain: LocalChain) -> None:
    closed = _closed_url()
    endpoints = Endpoints.of_urls([local_chain.url, closed], quorum=1)
    agreement = agree_on_block(endpoints, Finality())
    assert agreement.faults[closed].kind == "unreachable"
    endpoints = Endpoints.of_urls([closed])
    with pytest.raises(LedgerNoQuorumError) as caught:
        agree_on_block(endpoints, Finality())
    assert caught.value.unreachable_only


def test_a_given_block_is_confirmed_or_refused(local_chain: LocalChain) -> None:
    head = _head(local_chain.url)
    endpoints = Endpoints.of_urls([local_chain.url])
    assert confirm_block(endpoints, head).value == head
    forged = BlockRef(head.number, Hash32(bytes(32)), head.state_root)
    with pytest.raises(LedgerNoQuorumError, match="not the given"):
        confirm_block(endpoints, forged)


def test_two_answers_each_reaching_the_quorum_are_refused() -> None:
    answers: dict[str, int | Fault] = {"a": 1, "b": 1, "c": 2, "d": 2}
    with pytest.raises(LedgerNoQuorumError, match="two answers each reached"):
        agreed(answers, 2, "x")
    answers["d"] = Fault("unreachable", "down")
    found = agreed(answers, 2, "x")
    assert found.value == 1 and found.faults["c"].kind == "disagreed"


def test_endpoints_are_checked_and_named_without_credentials() -> None:
    assert public_url("https://user:secret@node.example:8545/rpc?x=1") == (
        "https://node.example:8545/rpc?x=1"
    )
    with pytest.raises(LedgerValueError):
        Endpoints.of_urls([])
    with pytest.raises(LedgerValueError):
        Endpoints.of_urls(["http://a.example", "http://a.example"])
    with pytest.raises(LedgerValueError):
        Endpoints.of_urls(["http://a.example"], quorum=2)
    with pytest.raises(LedgerValueError):
        Endpoints.of_urls(["ftp://a.example"])
