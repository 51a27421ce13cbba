"""The embedded local chain: finding anvil, dev accounts, start/stop, state across restarts."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ledger import anvil as anvil_module
from ledger.anvil import DEFAULT_CHAIN_ID, LocalChain, dev_accounts, find_anvil
from ledger.chain import RpcClient, connect
from ledger.exceptions import LedgerAnvilNotFoundError, LedgerLocalChainError
from ledger.sender import TransactionSender

# anvil's first default account, published in its banner and in every Foundry tutorial.
ANVIL_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def test_find_anvil_in_node_modules() -> None:
    path = find_anvil()
    assert path.name == "anvil"
    assert "node_modules" in path.parts or path.parent.name == "bin"


def test_missing_binary_names_the_setup_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUREN_NODE_MODULES", str(tmp_path / "nothing"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(anvil_module, "_repo_root", lambda: tmp_path)
    with pytest.raises(LedgerAnvilNotFoundError, match="scripts/dev setup") as caught:
        LocalChain().start()
    assert isinstance(caught.value, FileNotFoundError)


def test_explicit_binary_must_exist(tmp_path: Path) -> None:
    with pytest.raises(LedgerAnvilNotFoundError, match="does not exist"):
        find_anvil(tmp_path / "anvil")


def test_node_modules_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = find_anvil()
    fake_bin = tmp_path / "@foundry-rs" / "anvil-test-platform" / "bin"
    fake_bin.mkdir(parents=True)
    (fake_bin / "anvil").symlink_to(real)
    monkeypatch.setenv("HUREN_NODE_MODULES", str(tmp_path))
    assert find_anvil().parent == fake_bin


def test_dev_accounts_are_anvils() -> None:
    accounts = dev_accounts(3)
    assert len(accounts) == 3
    assert accounts[0].address == ANVIL_ACCOUNT_0
    assert accounts[0].private_key == ANVIL_KEY_0
    assert len({a.address for a in accounts}) == 3
    assert accounts[-1] == accounts[2]
    assert accounts[1:] == [accounts[1], accounts[2]]
    with pytest.raises(IndexError):
        accounts[3]


def test_session_chain_funds_its_accounts(local_chain: LocalChain, rpc: RpcClient) -> None:
    assert int(rpc.call("eth_chainId"), 16) == DEFAULT_CHAIN_ID
    for account in local_chain.accounts[:3]:
        assert int(rpc.call("eth_getBalance", [account.address, "latest"]), 16) > 10**18
    assert local_chain.url.startswith("http://127.0.0.1:")


def test_command_line() -> None:
    chain = LocalChain(state="x.json", state_interval=5, block_time=0.5, prune_history=0)
    command = chain.command(1234)
    joined = " ".join(command)
    assert "--hardfork cancun" in joined
    assert "--port 1234" in joined
    assert "--state x.json --state-interval 5" in joined
    assert "--block-time 0.5" in joined
    assert command.count("--prune-history") == 1
    assert "--prune-history 0" not in joined


def test_start_stop_and_context(tmp_path: Path) -> None:
    chain = LocalChain(accounts=1)
    with chain:
        assert chain.running
        url = chain.url
        assert connect(url).eth.chain_id == DEFAULT_CHAIN_ID
        with pytest.raises(LedgerLocalChainError, match="already running"):
            chain.start()
    assert not chain.running
    with pytest.raises(LedgerLocalChainError, match="not running"):
        _ = chain.url
    chain.stop()  # idempotent


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "chain" / "state.json"  # the folder is created
    account = dev_accounts(2)[1]
    with LocalChain(state=state, accounts=2) as chain:
        w3 = connect(chain.url)
        sender = TransactionSender(w3, chain.accounts[0].private_key)
        first = sender.send(account.address, value=12345)
        block = first["blockNumber"]
        block_hash = w3.eth.get_block(block)["hash"]
    assert state.is_file()
    with LocalChain(state=state, accounts=2) as chain:
        w3 = connect(chain.url)
        assert w3.eth.block_number == block
        assert w3.eth.get_block(block)["hash"] == block_hash
        assert w3.eth.get_transaction_receipt(first["transactionHash"])["status"] == 1
        sender = TransactionSender(w3, chain.accounts[0].private_key)
        second = sender.send(account.address, value=1)
        assert second["blockNumber"] == block + 1


def test_port_in_use_reports_anvils_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound, not listening: connecting to it fails at once
        port = taken.getsockname()[1]
        with pytest.raises(LedgerLocalChainError, match=r"(?i)address already in use") as caught:
            LocalChain(port=port, startup_timeout=5).start()
    assert f"port {port}" in str(caught.value)


def test_early_exit_reports_anvils_output() -> None:
    with pytest.raises(LedgerLocalChainError, match="no-such-flag") as caught:
        LocalChain(extra_args=["--no-such-flag"]).start()
    assert "anvil said" in str(caught.value)


def test_mine_is_dev_only_and_works(local_chain: LocalChain, rpc: RpcClient) -> None:
    before = int(rpc.call("eth_blockNumber"), 16)
    local_chain.mine(3)
    assert int(rpc.call("eth_blockNumber"), 16) == before + 3
