"""The transaction sender: nonces, fees, gas, receipts, confirmations, failures, pipelining."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from chain_helpers import ScriptedRpc, anchor_calldata, fresh_roots
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import contract_errors as errors
from ledger._signing import make_signer
from ledger.anvil import LocalChain
from ledger.chain import RpcClient, connect
from ledger.exceptions import (
    LedgerConnectionError,
    LedgerRpcError,
    LedgerTimeoutError,
    LedgerTransactionError,
    LedgerTransactionFailedError,
)
from ledger.revert import ContractRevert
from ledger.sender import DEFAULT_PRIORITY_FEE, TransactionSender, TxRequest

Script = Callable[[Sequence[Any], Callable[[], Any]], Any]


def pending_nonce(rpc: RpcClient, address: str) -> int:
    return int(rpc.call("eth_getTransactionCount", [address, "pending"]), 16)


# --- nonces ---------------------------------------------------------------------------------------


def test_many_sequential_sends_keep_nonces(
    local_chain: LocalChain, rpc: RpcClient, shanghai_key: str, ledger_address: str
) -> None:
    w3 = connect(local_chain.url)
    sender = TransactionSender(w3, shanghai_key)
    start = pending_nonce(rpc, sender.address)
    receipts = [sender.send(ledger_address, anchor_calldata(r)) for r in fresh_roots(40)]
    assert all(r["status"] == 1 for r in receipts)
    nonces = [w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts]
    assert nonces == list(range(start, start + 40))
    assert pending_nonce(rpc, sender.address) == start + 40


def test_two_senders_one_key_resync(local_chain: LocalChain) -> None:
    # Another process sending from the same account makes our local nonce stale: the node says
    # "nonce too low", the sender resyncs and signs again.
    w3 = connect(local_chain.url)
    key = local_chain.accounts[5].private_key
    to = local_chain.accounts[6].address
    first, second = TransactionSender(w3, key), TransactionSender(w3, key)
    receipts = [first.send(to, value=1), second.send(to, value=2)]
    receipts.append(first.send(to, value=3))  # its local nonce was taken by `second`
    nonces = [w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts]
    # Should this fail again (once: [2, 3, 3]; never in thousands of runs since), name the blocks.
    blocks = [(r["blockNumber"], r["transactionHash"].hex()) for r in receipts]
    assert nonces == [nonces[0], nonces[0] + 1, nonces[0] + 2], blocks
    assert all(r["status"] == 1 for r in receipts)


def test_refused_transaction_releases_its_nonce(local_chain: LocalChain) -> None:
    w3 = connect(local_chain.url)
    poor = Account.create()
    rich = TransactionSender(w3, local_chain.accounts[7].private_key)
    sender = TransactionSender(w3, poor.key)
    with pytest.raises(LedgerTransactionError, match=r"(?i)insufficient funds") as caught:
        sender.send(poor.address, value=1, gas=21000)
    assert caught.value.tx_hash is not None
    rich.send(poor.address, value=10**18)
    receipt = sender.send(poor.address, value=1, gas=21000)  # nonce 0, not 1
    assert w3.eth.get_transaction(receipt["transactionHash"])["nonce"] == 0


# --- idempotent retry -----------------------------------------------------------------------------


def lose_first_answer(seen: list[str]) -> Script:
    """The node gets the transaction but the answer is lost on the way back, once."""

    def handler(params: Sequence[Any], forward: Callable[[], Any]) -> Any:
        seen.append(params[0])
        result = forward()  # the second time the node answers "already known"
        if len(seen) == 1:
            raise LedgerConnectionError("connection reset by peer (simulated)", "test")
        return result

    return handler


def test_resend_after_transport_error_is_the_same_transaction(
    local_chain: LocalChain, scripted_rpc: Callable[..., ScriptedRpc]
) -> None:
    w3 = connect(local_chain.url)
    seen: list[str] = []
    rpc = scripted_rpc(eth_sendRawTransaction=lose_first_answer(seen))
    sender = TransactionSender(w3, local_chain.accounts[8].private_key, rpc=rpc)
    before = w3.eth.get_transaction_count(sender.address)
    receipt = sender.send(local_chain.accounts[9].address, value=5)
    assert len(seen) == 2 and seen[0] == seen[1]  # the very same signed bytes, twice
    assert receipt["status"] == 1
    assert w3.eth.get_transaction_count(sender.address) == before + 1  # one transaction


def test_resending_a_mined_transaction_is_harmless(
    local_chain: LocalChain, shanghai_key: str
) -> None:
    w3 = connect(local_chain.url)
    sender = TransactionSender(w3, local_chain.accounts[9].private_key)
    receipt = sender.send(local_chain.accounts[8].address, value=1)
    signed = sender.sign(
        TxRequest(local_chain.accounts[8].address, value=2),
        nonce=w3.eth.get_transaction(receipt["transactionHash"])["nonce"],
        gas=21000,
        fees=sender.fees(),
    )
    # Not ours, same nonce: the node says "nonce too low" and there is no receipt -> re-sign.
    assert sender._submit(signed) == "resign"
    original = w3.eth.get_transaction(receipt["transactionHash"])
    raw = bytes(w3.eth.get_raw_transaction(receipt["transactionHash"]))
    again = sender.sign(
        TxRequest(original["to"], value=original["value"]),
        nonce=original["nonce"],
        gas=original["gas"],
        fees={
            "maxFeePerGas": original["maxFeePerGas"],
            "maxPriorityFeePerGas": original["maxPriorityFeePerGas"],
        },
    )
    assert again.raw == raw and again.hash == bytes(receipt["transactionHash"])
    assert sender._submit(again) is None  # ours, already mined: fine


# --- fees -----------------------------------------------------------------------------------------


def test_eip1559_fees(local_chain: LocalChain, rpc: RpcClient) -> None:
    sender = TransactionSender(connect(local_chain.url), local_chain.accounts[4].private_key)
    fees = sender.fees()
    base = int(rpc.call("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
    tip = int(rpc.call("eth_maxPriorityFeePerGas"), 16)
    assert fees == {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}
    receipt = sender.send(local_chain.accounts[5].address, value=1)
    assert receipt["type"] == 2


def test_legacy_chain_uses_gas_price(legacy_chain: LocalChain) -> None:
    w3 = connect(legacy_chain.url)
    sender = TransactionSender(w3, legacy_chain.accounts[0].private_key)
    fees = sender.fees()
    assert set(fees) == {"gasPrice"}
    assert fees["gasPrice"] == w3.eth.gas_price > 0
    receipt = sender.send(legacy_chain.accounts[1].address, value=1)
    assert receipt["type"] == 0
    assert receipt["effectiveGasPrice"] == fees["gasPrice"]


def test_zero_gas_chain_needs_no_ether(zero_gas_chain: LocalChain) -> None:
    w3 = connect(zero_gas_chain.url)
    nobody = Account.create()  # holds no ether at all
    sender = TransactionSender(w3, nobody.key)
    assert sender.fees() == {"gasPrice": 0}
    receipts = sender.send_many([TxRequest(nobody.address, b"\x01")] * 3)
    assert [r["effectiveGasPrice"] for r in receipts] == [0, 0, 0]
    assert w3.eth.get_balance(nobody.address) == 0


def scripted_fees(
    scripted_rpc: Callable[..., ScriptedRpc], base_fee: int, gas_price: int, tip: int | None
) -> ScriptedRpc:
    def block(params: Sequence[Any], forward: Callable[[], Any]) -> Any:
        return {**forward(), "baseFeePerGas": hex(base_fee)}

    def priority(params: Sequence[Any], forward: Callable[[], Any]) -> Any:
        if tip is None:
            raise LedgerRpcError("eth_maxPriorityFeePerGas", -32601, "Method not found")
        return hex(tip)

    return scripted_rpc(
        eth_getBlockByNumber=block,
        eth_gasPrice=lambda params, forward: hex(gas_price),
        eth_maxPriorityFeePerGas=priority,
    )


@pytest.mark.parametrize(
    ("base_fee", "gas_price", "tip", "expected_tip"),
    [
        (7, 10**9, 3, 3),  # the node's suggestion
        (7, 10**9, None, DEFAULT_PRIORITY_FEE),  # no eth_maxPriorityFeePerGas: the default
        (0, 0, 10**9, 0),  # zero base fee and zero gas price: a zero-gas network
        (0, 10**9, None, DEFAULT_PRIORITY_FEE),  # base fee 0 alone is not a zero-gas network
    ],
)
def test_fee_selection(
    local_chain: LocalChain,
    scripted_rpc: Callable[..., ScriptedRpc],
    base_fee: int,
    gas_price: int,
    tip: int | None,
    expected_tip: int,
) -> None:
    rpc = scripted_fees(scripted_rpc, base_fee, gas_price, tip)
    sender = TransactionSender(
        connect(local_chain.url), local_chain.accounts[4].private_key, rpc=rpc
    )
    assert sender.fees() == {
        "maxFeePerGas": 2 * base_fee + expected_tip,
        "maxPriorityFeePerGas": expected_tip,
    }
    if tip is None:  # asked once, then remembered as unsupported
        sender.fees()
        assert rpc.calls.count("eth_maxPriorityFeePerGas") <= 1


def test_fixed_fees(local_chain: LocalChain) -> None:
    w3 = connect(local_chain.url)
    key = local_chain.accounts[4].private_key
    assert TransactionSender(w3, key, gas_price=5 * 10**9).fees() == {"gasPrice": 5 * 10**9}
    fixed_tip = TransactionSender(w3, key, max_priority_fee=1).fees()
    assert fixed_tip["maxPriorityFeePerGas"] == 1


# --- gas, reverts, failures -----------------------------------------------------------------------


def test_estimate_revert_is_the_named_error(
    local_chain: LocalChain, rpc: RpcClient, shanghai_key: str, ledger_address: str
) -> None:
    sender = TransactionSender(connect(local_chain.url), shanghai_key)
    (root,) = fresh_roots(1)
    sender.send(ledger_address, anchor_calldata(root))
    nonce = pending_nonce(rpc, sender.address)
    with pytest.raises(errors.AnchorAlreadyAnchored) as caught:
        sender.send(ledger_address, anchor_calldata(root))
    assert caught.value.args_by_name == {"root": root, "code": 310000}
    assert pending_nonce(rpc, sender.address) == nonce  # nothing was sent


def test_failed_receipt_raises_with_decoded_revert(
    local_chain: LocalChain, shanghai_key: str, ledger_address: str
) -> None:
    sender = TransactionSender(connect(local_chain.url), shanghai_key)
    (root,) = fresh_roots(1)
    sender.send(ledger_address, anchor_calldata(root))
    with pytest.raises(LedgerTransactionFailedError) as caught:
        sender.send(ledger_address, anchor_calldata(root), gas=200_000)  # no estimate: mined
    failure = caught.value
    assert failure.receipt["status"] == 0
    assert failure.tx_hash == failure.receipt["transactionHash"]
    assert isinstance(failure.revert, errors.AnchorAlreadyAnchored)
    assert failure.__cause__ is failure.revert
    assert "AnchorAlreadyAnchored" in str(failure)


def test_gas_margin(local_chain: LocalChain, shanghai_key: str, ledger_address: str) -> None:
    w3 = connect(local_chain.url)
    sender = TransactionSender(w3, shanghai_key, gas_margin=1.5)
    request = TxRequest(ledger_address, anchor_calldata(fresh_roots(1)[0]))
    plain = w3.eth.estimate_gas(
        {"from": sender.address, "to": ledger_address, "data": request.data}
    )
    assert sender.estimate_gas(request) == -(-plain * 3 // 2)


def test_deploy_returns_the_contract_address(local_chain: LocalChain) -> None:
    # Init code returning a one-byte runtime (STOP).
    init = bytes.fromhex("600160" + "0c" + "60003960016000f3") + b"\x00"
    sender = TransactionSender(connect(local_chain.url), local_chain.accounts[10].private_key)
    receipt = sender.send(None, init)
    assert receipt["contractAddress"] is not None
    assert receipt["to"] is None


# --- confirmations and timeouts -------------------------------------------------------------------


def test_waits_for_confirmations(local_chain: LocalChain) -> None:
    w3 = connect(local_chain.url)
    sender = TransactionSender(
        w3, local_chain.accounts[10].private_key, confirmations=3, timeout=10
    )
    result: dict[str, Any] = {}

    def send() -> None:
        result["receipt"] = sender.send(local_chain.accounts[11].address, value=1)
        result["head"] = w3.eth.block_number

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()  # automine made one block; it waits for three more
    for _ in range(3):
        local_chain.mine(1)
        time.sleep(0.05)
    thread.join(5)
    assert not thread.is_alive()
    assert result["head"] >= result["receipt"]["blockNumber"] + 3


def test_confirmation_timeout(local_chain: LocalChain) -> None:
    sender = TransactionSender(
        connect(local_chain.url),
        local_chain.accounts[11].private_key,
        confirmations=50,
        timeout=0.4,
    )
    with pytest.raises(LedgerTimeoutError, match="confirmations"):
        sender.send(local_chain.accounts[10].address, value=1)


def test_receipt_timeout(local_chain: LocalChain, scripted_rpc: Callable[..., ScriptedRpc]) -> None:
    rpc = scripted_rpc(eth_getTransactionReceipt=lambda params, forward: None)
    sender = TransactionSender(
        connect(local_chain.url), local_chain.accounts[11].private_key, rpc=rpc, timeout=0.3
    )
    with pytest.raises(LedgerTimeoutError, match="no receipt") as caught:
        sender.send(local_chain.accounts[10].address, value=1)
    assert isinstance(caught.value, TimeoutError)


# --- pipelined sends ------------------------------------------------------------------------------


def test_send_many(
    local_chain: LocalChain, rpc: RpcClient, shanghai_key: str, ledger_address: str
) -> None:
    w3 = connect(local_chain.url)
    sender = TransactionSender(w3, shanghai_key, batch_size=50, max_in_flight=200)
    start = pending_nonce(rpc, sender.address)
    roots = fresh_roots(600)
    receipts = sender.send_many([TxRequest(ledger_address, anchor_calldata(r)) for r in roots])
    assert len(receipts) == 600 and all(r["status"] == 1 for r in receipts)
    assert pending_nonce(rpc, sender.address) == start + 600
    # Request order is nonce order is chain order.
    positions = [(r["blockNumber"], r["transactionIndex"]) for r in receipts]
    assert positions == sorted(positions)
    anchored = [bytes(r["logs"][0]["topics"][2]) for r in receipts]
    assert anchored == roots
    assert sender.send_many([]) == []


def test_send_many_accepts_pairs_and_given_gas(
    local_chain: LocalChain, shanghai_key: str, ledger_address: str
) -> None:
    sender = TransactionSender(connect(local_chain.url), shanghai_key)
    roots = fresh_roots(3)
    requests: list[TxRequest | tuple[str | None, bytes]] = [
        (ledger_address, anchor_calldata(roots[0])),
        TxRequest(ledger_address, anchor_calldata(roots[1]), gas=150_000),
        TxRequest(ledger_address, anchor_calldata(roots[2])),
    ]
    receipts = sender.send_many(requests)
    assert [r["status"] for r in receipts] == [1, 1, 1]
    assert receipts[1]["gasUsed"] < 150_000


def test_send_many_estimate_revert_sends_nothing(
    local_chain: LocalChain, rpc: RpcClient, shanghai_key: str, ledger_address: str
) -> None:
    sender = TransactionSender(connect(local_chain.url), shanghai_key)
    (taken,) = fresh_roots(1)
    sender.send(ledger_address, anchor_calldata(taken))
    nonce = pending_nonce(rpc, sender.address)
    requests = [TxRequest(ledger_address, anchor_calldata(r)) for r in fresh_roots(5)]
    requests[3] = TxRequest(ledger_address, anchor_calldata(taken))
    with pytest.raises(errors.AnchorAlreadyAnchored) as caught:
        sender.send_many(requests)
    assert "request index 3" in " ".join(caught.value.__notes__)
    assert pending_nonce(rpc, sender.address) == nonce


def test_send_many_failed_receipts(
    local_chain: LocalChain, shanghai_key: str, ledger_address: str
) -> None:
    sender = TransactionSender(connect(local_chain.url), shanghai_key)
    (root,) = fresh_roots(1)
    twice = [TxRequest(ledger_address, anchor_calldata(root), gas=200_000)] * 2
    receipts = sender.send_many(twice, check=False)
    assert [r["status"] for r in receipts] == [1, 0]
    (other,) = fresh_roots(1)
    with pytest.raises(LedgerTransactionFailedError) as caught:
        sender.send_many([TxRequest(ledger_address, anchor_calldata(other), gas=200_000)] * 2)
    assert isinstance(caught.value.revert, errors.AnchorAlreadyAnchored)


def test_send_many_stops_at_a_refused_transaction(local_chain: LocalChain) -> None:
    w3 = connect(local_chain.url)
    poor = Account.create()
    TransactionSender(w3, local_chain.accounts[7].private_key).send(
        poor.address, value=3 * 21000 * 4 * 10**9
    )
    sender = TransactionSender(w3, poor.key, max_priority_fee=10**9)
    to = local_chain.accounts[7].address
    requests = [TxRequest(to, value=1, gas=21000)] * 2 + [TxRequest(to, value=10**24, gas=21000)]
    with pytest.raises(LedgerTransactionError, match=r"(?i)insufficient funds"):
        sender.send_many(requests)
    assert w3.eth.get_transaction_count(poor.address) == 2  # the first two went through
    assert sender.send(to, value=1, gas=21000)["status"] == 1  # the nonce was resynced


# --- signing --------------------------------------------------------------------------------------

KEY = Account.create()
SIGN = make_signer(bytes(KEY.key))


@settings(max_examples=200)
@given(
    chain_id=st.integers(1, 2**40),
    nonce=st.integers(0, 2**64 - 1),
    gas=st.integers(21000, 2**63),
    value=st.integers(0, 2**200),
    data=st.binary(max_size=300),
    to=st.one_of(st.none(), st.binary(min_size=20, max_size=20)),
    fees=st.one_of(
        st.tuples(st.integers(0, 2**128), st.integers(0, 2**128)).map(
            lambda f: {"maxFeePerGas": f[0], "maxPriorityFeePerGas": f[1]}
        ),
        st.integers(0, 2**128).map(lambda p: {"gasPrice": p}),
    ),
)
def test_fast_signing_matches_eth_account(
    chain_id: int,
    nonce: int,
    gas: int,
    value: int,
    data: bytes,
    to: bytes | None,
    fees: dict[str, int],
) -> None:
    fields: dict[str, Any] = {
        "chainId": chain_id,
        "nonce": nonce,
        "gas": gas,
        "value": value,
        "data": data,
        **fees,
    }
    if to is not None:
        fields["to"] = Account.create().address if to == b"\x00" * 20 else _checksum(to)
    expected = KEY.sign_transaction(fields)
    raw, tx_hash = SIGN(fields)
    assert raw == bytes(expected.raw_transaction)
    assert tx_hash == bytes(expected.hash)


def _checksum(raw: bytes) -> str:
    from eth_utils.address import to_checksum_address

    return to_checksum_address(raw)


def test_reverts_are_ledger_errors() -> None:
    assert issubclass(errors.AnchorAlreadyAnchored, ContractRevert)


def underpriced_once(at: int) -> Script:
    """The node refuses the ``at``-th raw transaction it sees as below the base fee, once."""
    seen: list[str] = []

    def handler(params: Sequence[Any], forward: Callable[[], Any]) -> Any:
        seen.append(params[0])
        if len(seen) == at:
            raise LedgerRpcError(
                "eth_sendRawTransaction", -32003, "max fee per gas less than block base fee"
            )
        return forward()

    return handler


def test_send_refreshes_fees_when_underpriced(
    local_chain: LocalChain, scripted_rpc: Callable[..., ScriptedRpc]
) -> None:
    rpc = scripted_rpc(eth_sendRawTransaction=underpriced_once(1))
    sender = TransactionSender(
        connect(local_chain.url), local_chain.accounts[6].private_key, rpc=rpc
    )
    nonce = pending_nonce(rpc, sender.address)
    receipt = sender.send(local_chain.accounts[5].address, value=1)
    assert rpc.calls.count("eth_getBlockByNumber") == 2  # the fees were asked for again
    assert (
        connect(local_chain.url).eth.get_transaction(receipt["transactionHash"])["nonce"] == nonce
    )


def test_send_many_refreshes_fees_when_underpriced(
    local_chain: LocalChain, scripted_rpc: Callable[..., ScriptedRpc]
) -> None:
    rpc = scripted_rpc(eth_sendRawTransaction=underpriced_once(3))
    sender = TransactionSender(
        connect(local_chain.url), local_chain.accounts[6].private_key, rpc=rpc
    )
    to = local_chain.accounts[5].address
    receipts = sender.send_many([TxRequest(to, value=1, gas=21000)] * 5)
    assert [r["status"] for r in receipts] == [1] * 5
    assert rpc.calls.count("eth_sendRawTransaction") == 6  # the third was signed again
