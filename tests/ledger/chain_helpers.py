"""Helpers of the chain-access tests: call data, fresh roots, a scripted JSON-RPC transport."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from ledger.chain import RpcClient
from ledger.exceptions import LedgerRpcError

ANCHOR_SELECTOR = keccak(text="anchor(bytes32,uint32)")[:4]


def anchor_calldata(root: bytes, count: int = 1) -> bytes:
    """Call data of ``anchor(root, count)``, encoded with eth_abi (no web3 contract object)."""
    return ANCHOR_SELECTOR + encode(["bytes32", "uint32"], [root, count])


def fresh_roots(count: int) -> list[bytes]:
    """Random batch roots: the session chain is shared, so never reuse one."""
    return [secrets.token_bytes(32) for _ in range(count)]


class ScriptedRpc(RpcClient):
    """An :class:`RpcClient` whose answers to some methods are scripted; the rest go to the
    node. The transport-level injection point for the tests (no monkeypatching of our code).

    ``script[method]`` is a callable ``(params, forward) -> result`` that may raise, where
    ``forward()`` performs the real call. ``calls`` records every method called.
    """

    def __init__(
        self, url: str, script: dict[str, Callable[[Sequence[Any], Callable[[], Any]], Any]]
    ) -> None:
        super().__init__(url)
        self.script = script
        self.calls: list[str] = []

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        self.calls.append(method)
        handler = self.script.get(method)
        if handler is None:
            return super().call(method, params)
        return handler(params, lambda: super(ScriptedRpc, self).call(method, params))

    def batch_results(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        results: list[Any] = []
        for method, params in calls:
            try:
                results.append(self.call(method, params))
            except LedgerRpcError as error:
                results.append(error)
        return results
