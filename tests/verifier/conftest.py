"""Fixtures of the verifier tests: issuers on the session's ledger and the verifier's view of it;
for the agency's cross-province tests, a ledger of their own and Zhejiang's node running on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from province_node_support import Node, free_port, running_zhejiang, zhejiang_ledger
from verifier_support import Issuer
from web3 import Web3

from ledger.anvil import LocalChain
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment
from verifier.chain_view import Web3ChainView


@pytest.fixture(scope="session")
def issuer(ledger_client: Callable[[int], HurenLedgerClient], w3: Web3) -> Callable[[int], Issuer]:
    """``issuer(code)``: the development province ``code`` issuing on the session's ledger."""
    issuers: dict[int, Issuer] = {}

    def make(code: int) -> Issuer:
        if code not in issuers:
            issuers[code] = Issuer(ledger_client(code), code, w3.eth.chain_id)
        return issuers[code]

    return make


@pytest.fixture(scope="session")
def chain_view(w3: Web3, deployment: Deployment) -> Web3ChainView:
    """The verifier's view of the session's ledger (no caching, so tests see changes at once)."""
    return Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)


@pytest.fixture(scope="session")
def local_chain_url(local_chain: LocalChain) -> str:
    """The JSON-RPC URL of the session's chain."""
    return local_chain.url


@pytest.fixture(scope="module")
def zhejiang_deployment(
    tmp_path_factory: pytest.TempPathFactory, w3: Web3
) -> tuple[Deployment, Path, int]:
    """A fresh ledger whose registry points Zhejiang at a free loopback port: the deployment,
    its file and the port."""
    port = free_port()
    deployment = zhejiang_ledger(w3, port)
    path = tmp_path_factory.mktemp("ledger") / "deployment.json"
    deployment.save(path)
    return deployment, path, port


@pytest.fixture(scope="module")
def zhejiang(
    tmp_path_factory: pytest.TempPathFactory,
    local_chain: LocalChain,
    zhejiang_deployment: tuple[Deployment, Path, int],
) -> Iterator[Node]:
    """Zhejiang's node, running on the port its ledger names."""
    _, deployment_file, port = zhejiang_deployment
    data_dir = tmp_path_factory.mktemp("zhejiang")
    with running_zhejiang(data_dir, local_chain, deployment_file, port) as node:
        yield node
