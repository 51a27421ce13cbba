"""Fixtures of the chain-access tests (``test_anvil``, ``test_chain``, ``test_sender``,
``test_events``, ``test_revert``).

They run against the session's anvil (``local_chain`` in ``tests/conftest.py``: automine, EIP-1559
fees, one chain for the whole session) plus, where the fee path matters, a legacy chain started
here once per session (``berlin``: blocks without a base fee, like a pre-London consortium chain)
and a zero-gas legacy chain (``--gas-price 0``, like Besu with ``min-gas-price=0``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from chain_helpers import ScriptedRpc

from ledger.anvil import LocalChain
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES


@pytest.fixture(scope="session")
def legacy_chain() -> Iterator[LocalChain]:
    """A pre-London anvil (no ``baseFeePerGas``): the legacy ``gasPrice`` path."""
    with LocalChain(hardfork="berlin", accounts=3) as chain:
        yield chain


@pytest.fixture(scope="session")
def zero_gas_chain() -> Iterator[LocalChain]:
    """A legacy anvil whose gas price is 0: accounts without ether can transact."""
    with LocalChain(hardfork="berlin", gas_price=0, accounts=2) as chain:
        yield chain


@pytest.fixture()
def rpc(local_chain: LocalChain) -> Iterator[RpcClient]:
    """A raw JSON-RPC client for the session chain."""
    with RpcClient(local_chain.url) as client:
        yield client


@pytest.fixture(scope="session")
def shanghai_key() -> str:
    """The chain key of the founding member Shanghai (dev account 1)."""
    return DEV_PROVINCES[0].account.private_key


@pytest.fixture()
def scripted_rpc(local_chain: LocalChain) -> Iterator[Callable[..., ScriptedRpc]]:
    """``scripted_rpc(**{method: handler})``: a :class:`ScriptedRpc` on the session chain."""
    made: list[ScriptedRpc] = []

    def make(**script: Callable[[Sequence[Any], Callable[[], Any]], Any]) -> ScriptedRpc:
        client = ScriptedRpc(local_chain.url, dict(script))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(scope="session")
def ledger_address(deployment: Deployment) -> str:
    """The session ledger's address."""
    return deployment.address
