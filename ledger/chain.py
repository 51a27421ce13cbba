"""Chain access: the one place that builds a :class:`~web3.Web3`, and a thin raw JSON-RPC client.

:func:`connect` returns a ``Web3`` for an HTTP JSON-RPC endpoint after checking that the chain
answers; every other module receives that object (or an :class:`RpcClient`) as a parameter.

:class:`RpcClient` speaks plain JSON-RPC 2.0 over one keep-alive HTTP connection, single calls
and batches. It exists for the two hot paths web3.py makes slow or impossible: reading many logs
(no per-log formatting) and sending many pre-signed transactions in batches
(``w3.batch_requests()`` refuses ``eth_sendRawTransaction``). Only standard ``eth_*`` methods go
through it, so it works against any EVM node (Besu, geth, anvil, Hardhat). It needs nothing
of web3.py, whose import alone costs about a second: :func:`connect` imports it when called,
so a reader that only needs the raw client (``huren verify``) never loads it.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import socket
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

from eth_typing import BlockIdentifier

from ledger.exceptions import LedgerConnectionError, LedgerRpcError, LedgerValueError

if TYPE_CHECKING:
    from web3 import Web3

__all__ = ["DEFAULT_TIMEOUT", "RpcCall", "RpcClient", "block_parameter", "connect"]

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for one HTTP request to the node before giving up."""

RpcCall = tuple[str, Sequence[Any]]
"""One JSON-RPC call: method name and positional parameters."""

_BLOCK_TAGS = frozenset({"latest", "earliest", "pending", "safe", "finalized"})
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

_STALE_CONNECTION_ERRORS = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    http.client.BadStatusLine,
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)


def connect(url: str, *, timeout: float = DEFAULT_TIMEOUT, poa: bool | None = None) -> Web3:
    """Build a ``Web3`` for the HTTP JSON-RPC endpoint ``url`` and check that the chain answers.

    The provider caches the answers that never change (``eth_chainId`` and the like). Chains whose
    blocks carry more than 32 bytes of ``extraData`` (QBFT, IBFT, Clique) get web3.py's
    proof-of-authority middleware, without which web3.py refuses their blocks; ``poa=None``
    detects this from the latest block, ``True``/``False`` forces it.

    Args:
        url: ``http://`` or ``https://`` endpoint of the node.
        timeout: seconds to wait for each request.
        poa: whether to install the proof-of-authority middleware (``None``: detect).

    Raises:
        LedgerConnectionError: the node did not answer ``eth_chainId`` (the cause is chained).
    """
    import requests  # here: the raw client below works without web3.py (a second of imports)
    from web3 import HTTPProvider, Web3
    from web3.exceptions import Web3Exception
    from web3.middleware import ExtraDataToPOAMiddleware

    _check_http_url(url)
    provider = HTTPProvider(url, request_kwargs={"timeout": timeout}, cache_allowed_requests=True)
    w3 = Web3(provider)
    try:
        w3.eth.chain_id  # noqa: B018  (a property that calls the node)
        if poa is None:
            latest = provider.make_request(cast(Any, "eth_getBlockByNumber"), ["latest", False])
            extra = (latest.get("result") or {}).get("extraData") or "0x"
            poa = (len(extra) - 2) // 2 > 32
    except (requests.RequestException, OSError, Web3Exception, ValueError) as error:
        raise LedgerConnectionError(
            f"the chain at {url} does not answer: {type(error).__name__}: {error}", url
        ) from error
    if poa:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


def _check_http_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LedgerValueError(f"{url!r} is not an http:// or https:// JSON-RPC endpoint")


def block_parameter(block: BlockIdentifier) -> str | dict[str, str]:
    """The JSON-RPC form of a block identifier as web3.py takes them: a tag (``"latest"``…), a
    number (int or 0x-hex), or a 32-byte block hash, sent as EIP-1898 ``{"blockHash": …}`` so
    that the node answers for exactly that block or fails.

    Raises:
        LedgerValueError: ``block`` is none of these.
    """
    if isinstance(block, int) and not isinstance(block, bool) and block >= 0:
        return hex(block)
    if isinstance(block, bytes) and len(block) == 32:
        return {"blockHash": "0x" + block.hex()}
    if isinstance(block, str):
        if block in _BLOCK_TAGS:
            return block
        digits = block[2:]
        if block[:2] == "0x" and digits and _HEX_DIGITS.issuperset(digits):
            if len(digits) == 64:
                return {"blockHash": block.lower()}
            if len(digits) < 64:
                return hex(int(digits, 16))
    raise LedgerValueError(f"{block!r:.80} is not a block tag, number or hash")


class RpcClient:
    """Plain JSON-RPC 2.0 over one keep-alive HTTP connection.

    Results come back exactly as the node sent them (hex strings, dicts); errors become ours:
    :class:`LedgerRpcError` for an error object, :class:`LedgerConnectionError` for transport
    failures. A connection the server closed while idle is reopened once, transparently; that
    resends the request, which is safe for reads and for ``eth_sendRawTransaction`` of an
    already signed transaction (same hash, the node answers "already known").

    Thread-safe (one request at a time); use one client per thread for parallel requests.

    Example::

        rpc = RpcClient.for_web3(w3)
        head = int(rpc.call("eth_blockNumber"), 16)
        balances = rpc.batch([("eth_getBalance", [a, "latest"]) for a in accounts])
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        _check_http_url(url)
        parts = urlsplit(url)
        self.url = url
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host = cast(str, parts.hostname)
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Connection": "keep-alive",
        }
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            token = base64.b64encode(credentials.encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None

    @classmethod
    def for_web3(cls, w3: Web3, *, timeout: float | None = None) -> RpcClient:
        """A client for the same endpoint as ``w3``'s HTTP provider (and, by default, its
        request timeout).

        Raises:
            LedgerValueError: ``w3`` does not use an :class:`~web3.HTTPProvider`.
        """
        from web3 import HTTPProvider

        provider = w3.provider
        if not isinstance(provider, HTTPProvider) or provider.endpoint_uri is None:
            raise LedgerValueError(
                f"a raw JSON-RPC client needs an HTTPProvider, not {type(provider).__name__}"
            )
        if timeout is None:
            configured = dict(provider.get_request_kwargs()).get("timeout")
            timeout = float(configured) if isinstance(configured, int | float) else DEFAULT_TIMEOUT
        return cls(str(provider.endpoint_uri), timeout=timeout)

    # --- calls ----------------------------------------------------------------------------------

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """Call ``method`` with ``params`` and return its ``result``.

        Raises:
            LedgerRpcError: the node answered with an error object.
            LedgerConnectionError: the node could not be reached or sent no valid JSON-RPC answer.
        """
        request_id = next(self._ids)
        payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
        answer = self._post(payload)
        if not isinstance(answer, dict):
            raise self._malformed(f"{method}: expected one response object")
        return self._result(method, answer)

    def batch(self, calls: Sequence[RpcCall]) -> list[Any]:
        """Send ``calls`` as one JSON-RPC batch and return their results in the same order.

        Raises:
            LedgerRpcError: the first call (in request order) that failed.
            LedgerConnectionError: as for :meth:`call`.
        """
        results = self.batch_results(calls)
        for result in results:
            if isinstance(result, LedgerRpcError):
                raise result
        return results

    def batch_results(self, calls: Sequence[RpcCall]) -> list[Any]:
        """Like :meth:`batch`, but a failed call's place holds its :class:`LedgerRpcError`
        instead of raising, so the caller can handle each call on its own.

        Raises:
            LedgerRpcError: the node rejected the batch as a whole (e.g. too large).
            LedgerConnectionError: as for :meth:`call`.
        """
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        payload = [
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
            for request_id, (method, params) in zip(ids, calls, strict=True)
        ]
        answer = self._post(payload)
        if isinstance(answer, dict):
            # One error object for the whole batch (batches unsupported, too large, …).
            self._result(f"batch of {len(calls)}", answer)
            raise self._malformed("a batch was answered with a single result")
        if not isinstance(answer, list):
            raise self._malformed("a batch was not answered with a list")
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        results: list[Any] = []
        for request_id, (method, _) in zip(ids, calls, strict=True):
            item = by_id.get(request_id)
            if item is None:
                raise self._malformed(f"the batch answer lacks the response to {method}")
            try:
                results.append(self._result(method, item))
            except LedgerRpcError as error:
                results.append(error)
        return results

    # --- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connection (the next call opens a new one)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RpcClient({self.url!r})"

    # --- internals ------------------------------------------------------------------------------

    def _result(self, method: str, item: dict[str, Any]) -> Any:
        error = item.get("error")
        if error is not None:
            if isinstance(error, dict):
                raise LedgerRpcError(
                    method,
                    int(error.get("code", 0)),
                    str(error.get("message", "")),
                    error.get("data"),
                )
            raise LedgerRpcError(method, 0, str(error))
        if "result" not in item:
            raise self._malformed(f"{method}: the response has neither result nor error")
        return item["result"]

    def _malformed(self, what: str) -> LedgerConnectionError:
        return LedgerConnectionError(f"malformed JSON-RPC answer from {self.url}: {what}", self.url)

    def _open(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if self._https:
            connection = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        connection.connect()
        # http.client writes headers and body separately; without TCP_NODELAY, Nagle's
        # algorithm and delayed ACKs can hold the body back ~40 ms on a real network.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _post(self, payload: Any) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode()
        with self._lock:
            for attempt in (1, 2):
                reused = self._connection is not None
                try:
                    if self._connection is None:
                        self._connection = self._open()
                except (OSError, http.client.HTTPException) as error:
                    raise self._unreachable(error) from error
                connection = self._connection
                try:
                    connection.request("POST", self._path, body, self._headers)
                    response = connection.getresponse()
                    status = response.status
                    data = response.read()
                    if response.will_close:
                        connection.close()
                        self._connection = None
                    break
                except _STALE_CONNECTION_ERRORS as error:
                    connection.close()
                    self._connection = None
                    if reused and attempt == 1:
                        continue
                    raise self._unreachable(error) from error
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    self._connection = None
                    raise self._unreachable(error) from error
        try:
            answer = json.loads(data)
        except (ValueError, RecursionError) as error:  # a node answering 10,000 nested arrays
            snippet = data[:200].decode("utf-8", "replace")
            raise LedgerConnectionError(
                f"the node at {self.url} answered HTTP {status} without JSON: {snippet!r}",
                self.url,
            ) from error
        if status != 200 and not (isinstance(answer, dict) and "error" in answer):
            raise LedgerConnectionError(
                f"the node at {self.url} answered HTTP {status}: {str(answer)[:200]}", self.url
            )
        return answer

    def _unreachable(self, error: BaseException) -> LedgerConnectionError:
        return LedgerConnectionError(
            f"the chain at {self.url} does not answer: {type(error).__name__}: {error}", self.url
        )
