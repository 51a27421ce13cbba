"""The node's way to the ledger: connects lazily, so the node starts and issues with the chain down.

Every chain failure (unreachable node, timeout, transport error) surfaces as
:class:`~province_nodes.exceptions.ChainUnavailableError`, which the batcher answers with backoff
and the API with 503. A contract revert is not a chain failure: it propagates as the named
:class:`~ledger.revert.ContractRevert` so callers can act on it (``AnchorAlreadyAnchored``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from requests import RequestException
from web3 import Web3
from web3.exceptions import Web3Exception

from ledger.chain import connect
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment
from ledger.exceptions import (
    LedgerAnswerError,
    LedgerConnectionError,
    LedgerRpcError,
    LedgerTimeoutError,
)
from ledger.sender import TransactionSender
from province_nodes.exceptions import ChainUnavailableError, NodeConfigError

__all__ = ["ChainGateway", "chain_errors"]


@contextmanager
def chain_errors(what: str) -> Iterator[None]:
    """Turn transport-level failures inside the block into :class:`ChainUnavailableError`
    (an answer that does not decode counts as one: a node that is not the ledger's)."""
    try:
        yield
    except (
        LedgerConnectionError,
        LedgerTimeoutError,
        LedgerRpcError,
        LedgerAnswerError,
        RequestException,
        Web3Exception,
        OSError,
    ) as error:
        raise ChainUnavailableError(
            f"the chain cannot be reached to {what}; the node keeps the work and retries",
            detail=f"{type(error).__name__}: {error}",
        ) from error


class ChainGateway:
    """A lazily connected :class:`HurenLedgerClient` writing as the province's account.

    ``connector`` builds the ``Web3`` (default :func:`ledger.chain.connect` on ``rpc_url``); the
    client is built on first use and rebuilt after a failure, so a chain that comes back is
    picked up without restarting the node.
    """

    def __init__(
        self,
        rpc_url: str,
        deployment: Deployment,
        chain_key: str | None,
        *,
        confirmations: int = 0,
        connector: Callable[[str], Web3] = connect,
    ) -> None:
        if not chain_key:
            raise NodeConfigError("HUREN_NODE_CHAIN_KEY (the province's chain account) is not set")
        self.rpc_url = rpc_url
        self.deployment = deployment
        self._chain_key = chain_key
        self._confirmations = confirmations
        self._connector = connector
        self._client: HurenLedgerClient | None = None
        self._lock = threading.Lock()

    def client(self) -> HurenLedgerClient:
        """The connected client; raises :class:`ChainUnavailableError` if the chain is down."""
        with self._lock:
            if self._client is None:
                with chain_errors("connect"):
                    w3 = self._connector(self.rpc_url)
                    sender = TransactionSender(
                        w3, self._chain_key, confirmations=self._confirmations, timeout=30.0
                    )
                    self._client = HurenLedgerClient(w3, self.deployment.address, sender)
            return self._client

    def reset(self) -> None:
        """Forget the connection (after a failure), so the next use reconnects."""
        with self._lock:
            self._client = None

    @property
    def chain_id(self) -> int:
        """The chain id of the deployment."""
        return self.deployment.chain_id
