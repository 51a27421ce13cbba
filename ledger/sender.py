"""Sending transactions from one account: nonces, fees, gas, receipts, confirmations, reverts.

:class:`TransactionSender` owns one private key. It works on any EVM JSON-RPC chain through
standard methods only: EIP-1559 fees when the latest block has a base fee, a legacy ``gasPrice``
otherwise (zero on a zero-gas consortium chain such as Besu/QBFT with ``min-gas-price=0``).

Two forms:

* :meth:`TransactionSender.send` — one transaction: estimate gas (a revert surfaces here as
  the named :class:`~ledger.revert.ContractRevert`), sign, send, wait for the receipt and for
  ``confirmations`` blocks on top; a failed receipt raises.
* :meth:`TransactionSender.send_many` — a pipeline for throughput: sign many transactions with
  consecutive nonces, send them as JSON-RPC batches (≤ ``batch_size`` each, ≤ ``max_in_flight``
  unmined at once), then collect their receipts in batches.

Sending is idempotent: a transaction is signed once and only that signed form is (re)sent, so
a retry after a transport error, or a rebroadcast while waiting, can never create a second
transaction; the node answers "already known" or "nonce too low" and the sender checks for the
receipt of that same hash.

Example::

    sender = TransactionSender(w3, private_key, confirmations=1)
    receipt = sender.send(ledger_address, calldata)
    receipts = sender.send_many([TxRequest(ledger_address, c) for c in calldatas])
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.datastructures import AttributeDict
from web3.types import TxReceipt

from ledger._abi import checksum
from ledger._signing import make_signer
from ledger.chain import RpcClient
from ledger.exceptions import (
    LedgerConnectionError,
    LedgerRpcError,
    LedgerTimeoutError,
    LedgerTransactionError,
    LedgerTransactionFailedError,
    LedgerValueError,
)
from ledger.revert import ContractRevert, ErrorDecoder, UnknownRevert, revert_data_from_rpc_error
from ledger.types import Address, TxHash

__all__ = [
    "DEFAULT_PRIORITY_FEE",
    "SignedTx",
    "TransactionSender",
    "TxRequest",
]

DEFAULT_PRIORITY_FEE = 10**9
"""Tip (wei per gas) when the node does not implement ``eth_maxPriorityFeePerGas``: 1 gwei."""

_ACCEPTED = ("already known", "already imported", "known transaction", "alreadyknown")
_NONCE_TOO_LOW = ("nonce too low", "nonce_too_low", "nonce is too low", "oldnonce")
_NONCE_STALE = ("replacement transaction underpriced", "nonce too high", "too distant")
_UNDERPRICED = ("underpriced", "less than block base fee", "fee cap", "gas price too low")
_REVERTED = ("revert", "execution reverted")


@dataclass(frozen=True, slots=True)
class TxRequest:
    """A transaction to send: ``to`` (``None`` deploys ``data``), call data, value in wei, and
    an optional gas limit (``None``: estimate, plus the sender's margin)."""

    to: str | None
    data: bytes = b""
    value: int = 0
    gas: int | None = None


@dataclass(frozen=True, slots=True)
class SignedTx:
    """A signed transaction: its hash, raw bytes and the fields that were signed."""

    hash: TxHash
    raw: bytes
    nonce: int
    fields: Mapping[str, Any]

    @property
    def raw_hex(self) -> str:
        """The raw transaction as ``eth_sendRawTransaction`` takes it."""
        return "0x" + self.raw.hex()


class TransactionSender:
    """Sends transactions from the account of ``private_key`` over ``w3``'s endpoint.

    Args:
        w3: a ``Web3`` from :func:`ledger.chain.connect` (HTTP provider).
        private_key: the account's key (0x-hex or 32 bytes).
        confirmations: blocks to wait for on top of a transaction's block before returning.
        poll_interval: longest pause between receipt polls, in seconds; the first pause is a
            quarter of it, doubling after each miss (anvil automines asynchronously; 2 ms keeps
            sequential sends at a few hundred per second).
        timeout: seconds to wait for a receipt (and its confirmations) before raising
            :class:`LedgerTimeoutError`.
        rpc: the raw JSON-RPC client to use (default: one for ``w3``'s endpoint).
        errors: how to decode reverts (default: the huren contracts' generated errors).
        gas_margin: factor applied to gas estimates.
        max_priority_fee: fixed EIP-1559 tip in wei (default: ask the node).
        gas_price: fixed legacy gas price in wei; forces legacy transactions.
        batch_size: transactions per JSON-RPC batch in :meth:`send_many` (≤ 100 is safe for
            every node; geth and Besu accept 1,000).
        max_in_flight: sent but unmined transactions :meth:`send_many` allows at once. (On
            anvil with automine a pipelined backlog can stall mining, foundry-rs/foundry#10122;
            :class:`ledger.anvil.LocalChain` guards against it. Interval mining, e.g.
            ``LocalChain(block_time=0.1)``, packs blocks and is faster for bulk sends.)
        rebroadcast_after: seconds without a receipt after which the same signed transaction
            is sent again (harmless; covers a node that dropped it).
        fee_ttl: seconds :meth:`send` reuses the fees it last asked for (the max fee allows
            for several blocks of base-fee growth; a refusal as underpriced refreshes them).

    Thread-safe for nonces (each transaction gets its own); transactions from several threads
    are sent in nonce order only if each waits for the previous one.
    """

    def __init__(
        self,
        w3: Web3,
        private_key: str | bytes,
        *,
        confirmations: int = 0,
        poll_interval: float = 0.002,
        timeout: float = 120.0,
        rpc: RpcClient | None = None,
        errors: ErrorDecoder | None = None,
        gas_margin: float = 1.2,
        max_priority_fee: int | None = None,
        gas_price: int | None = None,
        batch_size: int = 100,
        max_in_flight: int = 1000,
        rebroadcast_after: float = 5.0,
        fee_ttl: float = 1.0,
    ) -> None:
        if confirmations < 0 or poll_interval <= 0 or timeout <= 0 or gas_margin < 1:
            raise LedgerValueError(
                "need confirmations >= 0, poll_interval > 0, timeout > 0, gas_margin >= 1"
            )
        if not 1 <= batch_size <= max_in_flight:
            raise LedgerValueError("need 1 <= batch_size <= max_in_flight")
        self.w3 = w3
        self.rpc = rpc if rpc is not None else RpcClient.for_web3(w3)
        self._account: LocalAccount = Account.from_key(private_key)
        self.address = Address(self._account.address)
        self._sign = make_signer(bytes(self._account.key))
        self.confirmations = confirmations
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.gas_margin = gas_margin
        self.max_priority_fee = max_priority_fee
        self.gas_price = gas_price
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.rebroadcast_after = rebroadcast_after
        self.fee_ttl = fee_ttl
        self._fees: tuple[float, dict[str, int]] | None = None
        self.errors = errors if errors is not None else ErrorDecoder()
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._chain_id: int | None = None
        self._tip_supported = True

    def __repr__(self) -> str:
        return f"TransactionSender({self.address} via {self.rpc.url})"

    # --- chain facts ------------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        """The chain id, asked once."""
        if self._chain_id is None:
            self._chain_id = int(self.rpc.call("eth_chainId"), 16)
        return self._chain_id

    def fees(self) -> dict[str, int]:
        """The fee fields for a transaction sent now.

        ``{"maxFeePerGas", "maxPriorityFeePerGas"}`` when the latest block has a base fee
        (tip: 0 on a chain whose base fee and ``eth_gasPrice`` are both 0, else
        ``eth_maxPriorityFeePerGas``, else :data:`DEFAULT_PRIORITY_FEE` if the node lacks that
        method); the max fee is twice the base fee plus the tip, so it survives several full
        blocks. ``{"gasPrice"}`` (``eth_gasPrice``, possibly 0) on a chain without base fee, or
        the fixed ``gas_price`` when one was given.
        """
        if self.gas_price is not None:
            return {"gasPrice": self.gas_price}
        block = self.rpc.call("eth_getBlockByNumber", ["latest", False])
        base_hex = (block or {}).get("baseFeePerGas")
        if base_hex is None:
            return {"gasPrice": int(self.rpc.call("eth_gasPrice"), 16)}
        base = int(base_hex, 16)
        tip = self.max_priority_fee if self.max_priority_fee is not None else self._tip(base)
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def _cached_fees(self, *, refresh: bool = False) -> dict[str, int]:
        now = time.monotonic()
        if refresh or self._fees is None or now - self._fees[0] > self.fee_ttl:
            self._fees = (now, self.fees())
        return self._fees[1]

    def _tip(self, base_fee: int) -> int:
        if base_fee == 0 and int(self.rpc.call("eth_gasPrice"), 16) == 0:
            return 0  # a zero-gas network: its accounts may hold no ether at all
        if self._tip_supported:
            try:
                return int(self.rpc.call("eth_maxPriorityFeePerGas"), 16)
            except LedgerRpcError:
                self._tip_supported = False  # e.g. -32601 method not found; don't ask again
        return DEFAULT_PRIORITY_FEE

    # --- nonces -----------------------------------------------------------------------------

    def resync_nonce(self) -> int:
        """Forget the local nonce and fetch the account's ``pending`` transaction count."""
        with self._lock:
            self._nonce = self._pending_count()
            return self._nonce

    def _pending_count(self) -> int:
        return int(self.rpc.call("eth_getTransactionCount", [self.address, "pending"]), 16)

    def _reserve_nonces(self, count: int) -> int:
        with self._lock:
            if self._nonce is None:
                self._nonce = self._pending_count()
            first = self._nonce
            self._nonce += count
            return first

    def _invalidate_nonce(self) -> None:
        with self._lock:
            self._nonce = None

    # --- gas and signing --------------------------------------------------------------------

    def estimate_gas(self, request: TxRequest) -> int:
        """The gas limit for ``request``: the node's estimate times the margin.

        Raises:
            ContractRevert: the call reverts (the named error, with its arguments).
            LedgerTransactionError: the node refused to estimate for another reason.
        """
        call = self._call_object(request)
        try:
            estimate = int(self.rpc.call("eth_estimateGas", [call]), 16)
        except LedgerRpcError as error:
            raise self._estimate_error(error) from error
        return math.ceil(estimate * self.gas_margin)

    def _estimate_error(self, error: LedgerRpcError) -> LedgerTransactionError | ContractRevert:
        data = revert_data_from_rpc_error(error.data)
        if data is not None:
            return self.errors.decode(data)
        if any(word in error.rpc_message.lower() for word in _REVERTED):
            return UnknownRevert(b"")
        return LedgerTransactionError(f"gas estimation failed: {error.rpc_message}")

    def _call_object(self, request: TxRequest) -> dict[str, Any]:
        call: dict[str, Any] = {"from": self.address, "data": "0x" + request.data.hex()}
        if request.to is not None:
            call["to"] = checksum(request.to.lower())
        if request.value:
            call["value"] = hex(request.value)
        return call

    def sign(
        self, request: TxRequest, *, nonce: int, gas: int, fees: Mapping[str, int]
    ) -> SignedTx:
        """Sign ``request`` with the given nonce, gas limit and fee fields (no network).

        Signs with libsecp256k1 directly (byte-identical to eth_account's
        ``sign_transaction``, which is ~10x slower); see ``ledger._signing``.
        """
        fields: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "gas": gas,
            "value": request.value,
            "data": request.data,
            **fees,
        }
        if request.to is not None:
            fields["to"] = checksum(request.to.lower())
        raw, tx_hash = self._sign(fields)
        return SignedTx(TxHash(tx_hash), raw, nonce, fields)

    # --- one transaction --------------------------------------------------------------------

    def send(
        self, to: str | None, data: bytes = b"", *, value: int = 0, gas: int | None = None
    ) -> TxReceipt:
        """Send one transaction and wait for its receipt and confirmations.

        Args:
            to: the recipient or contract; ``None`` deploys ``data`` as init code.
            data: call data (or init code).
            value: wei to transfer.
            gas: gas limit; ``None`` estimates it (a revert raises here, before sending).

        Returns:
            The receipt, formatted like web3.py's (``AttributeDict``, ints, ``HexBytes``).

        Raises:
            ContractRevert: the estimate reverted; the subclass is named after the error.
            LedgerTransactionFailedError: the transaction was mined and failed (status 0).
            LedgerTransactionError: the node refused the transaction.
            LedgerTimeoutError: no receipt, or not enough confirmations, within ``timeout``.
        """
        request = TxRequest(to, bytes(data), value, gas)
        gas_limit = gas if gas is not None else self.estimate_gas(request)
        fees = self._cached_fees()
        signed = self.sign(request, nonce=self._reserve_nonces(1), gas=gas_limit, fees=fees)
        for _ in range(3):
            outcome = self._submit(signed)
            if outcome is None:
                break
            if outcome == "refee":  # the fees went stale: same nonce, fresh fees
                fees = self._cached_fees(refresh=True)
                nonce = signed.nonce
            else:  # our nonce was taken by another transaction of this account
                nonce = self._reserve_nonces(1)
            signed = self.sign(request, nonce=nonce, gas=gas_limit, fees=fees)
        else:
            self._invalidate_nonce()
            raise LedgerTransactionError(
                f"transaction refused three times (last: {outcome}); is another process "
                f"sending from {self.address}?",
                signed.hash,
            )
        receipt = self._wait_for_receipt(signed)
        receipt = self._wait_for_confirmations([receipt], [signed])[0]
        self._check(receipt, signed)
        return receipt

    def _submit(self, signed: SignedTx) -> str | None:
        """Send ``signed``; ``None`` if the node has it (now or before), else why to sign again:
        ``"resign"`` (a fresh nonce) or ``"refee"`` (the same nonce with fresh fees)."""
        last_error: LedgerConnectionError | None = None
        for attempt in range(3):
            try:
                self.rpc.call("eth_sendRawTransaction", [signed.raw_hex])
                return None
            except LedgerConnectionError as error:  # the same bytes again are safe
                last_error = error
                time.sleep(0.05 * (attempt + 1))
            except LedgerRpcError as error:
                verdict = self._classify_send_error(error, signed)
                if verdict is None:
                    return None
                if verdict == "resign":
                    self.resync_nonce()
                    return "resign"
                if verdict == "refee":
                    return "refee"
                self._invalidate_nonce()
                raise LedgerTransactionError(
                    f"the node refused transaction 0x{signed.hash.hex()}: {error.rpc_message}",
                    signed.hash,
                ) from error
        self._invalidate_nonce()
        raise LedgerTransactionError(
            f"could not send transaction 0x{signed.hash.hex()}: {last_error}", signed.hash
        ) from last_error

    def _classify_send_error(self, error: LedgerRpcError, signed: SignedTx) -> str | None:
        """``None``: the node has (or mined) this very transaction. ``"resign"``: our nonce is
        stale. ``"refee"``: the fees are below what the node takes now. ``"fail"``: a real
        refusal."""
        message = error.rpc_message.lower()
        if any(word in message for word in _ACCEPTED):
            return None
        if any(word in message for word in _NONCE_TOO_LOW):
            if self._fetch_receipt(signed.hash) is not None:
                return None  # an earlier attempt of ours got through and was mined
            return "resign"
        if any(word in message for word in _NONCE_STALE):
            return "resign"
        if any(word in message for word in _UNDERPRICED):
            return "refee"
        return "fail"

    # --- many transactions ------------------------------------------------------------------

    def send_many(
        self,
        requests: Iterable[TxRequest | tuple[str | None, bytes]],
        *,
        check: bool = True,
    ) -> list[TxReceipt]:
        """Send many transactions pipelined and return their receipts, in request order.

        Gas is estimated for requests without a limit, in JSON-RPC batches, against the
        current state, all before anything is sent (a revert raises then; give ``gas``
        explicitly for transactions that depend on earlier ones of the same call). The
        transactions get consecutive nonces, are signed, and go out in batches of
        ``batch_size`` with at most ``max_in_flight`` unmined; receipts are collected in
        batches (one account's transactions are mined in nonce order).

        Args:
            requests: ``TxRequest`` objects or ``(to, data)`` pairs.
            check: raise :class:`LedgerTransactionFailedError` for the first failed receipt
                (after all receipts are in); ``False`` returns failed receipts too.

        Raises:
            ContractRevert: a gas estimate reverted (nothing was sent); ``index`` in the
                exception's notes.
            LedgerTransactionError: the node refused transaction k. Earlier ones were sent and
                are awaited first; later ones of the same JSON-RPC batch may stay queued in
                the node's pool with higher nonces until the nonce gap is filled.
            LedgerTransactionFailedError, LedgerTimeoutError: as for :meth:`send`.
        """
        todo = [r if isinstance(r, TxRequest) else TxRequest(r[0], bytes(r[1])) for r in requests]
        if not todo:
            return []
        gas_limits = self._estimate_many(todo)
        first_nonce = self._reserve_nonces(len(todo))
        signed: list[SignedTx | None] = [None] * len(todo)
        receipts: list[TxReceipt | None] = [None] * len(todo)
        in_flight: deque[int] = deque()  # indexes sent, receipt not yet seen, in nonce order
        next_to_send = 0
        failure: BaseException | None = None
        deadline = time.monotonic() + self.timeout
        while next_to_send < len(todo) or in_flight:
            progressed = False
            room = self.max_in_flight - len(in_flight)
            count = min(self.batch_size, room, len(todo) - next_to_send)
            if failure is None and count > 0:
                batch = list(range(next_to_send, next_to_send + count))
                fees = self._cached_fees()  # full blocks raise the base fee as we go
                for index in batch:
                    signed[index] = self.sign(
                        todo[index], nonce=first_nonce + index, gas=gas_limits[index], fees=fees
                    )
                accepted, failure = self._send_batch(batch, todo, signed, gas_limits)
                in_flight.extend(accepted)
                next_to_send += count
                progressed = True
                if failure is not None:
                    next_to_send = len(todo)
                    self._invalidate_nonce()
            if in_flight:
                window = [in_flight[i] for i in range(min(self.batch_size, len(in_flight)))]
                found = self._fetch_receipts([cast(SignedTx, signed[i]).hash for i in window])
                for index, receipt in zip(window, found, strict=True):
                    if receipt is None:
                        break  # later nonces cannot be mined before this one
                    receipts[index] = receipt
                    in_flight.popleft()
                    progressed = True
                if progressed:
                    deadline = time.monotonic() + self.timeout
            if not progressed:
                if time.monotonic() > deadline:
                    oldest = cast(SignedTx, signed[in_flight[0]])
                    raise LedgerTimeoutError(
                        f"no receipt for transaction 0x{oldest.hash.hex()} (nonce "
                        f"{oldest.nonce}) within {self.timeout:g} s; {len(in_flight)} pending"
                    )
                time.sleep(self.poll_interval)
        if failure is not None:
            raise failure
        sent = [cast(SignedTx, tx) for tx in signed]
        mined = self._wait_for_confirmations([cast(TxReceipt, r) for r in receipts], sent)
        if check:
            for receipt, tx in zip(mined, sent, strict=True):
                self._check(receipt, tx)
        return mined

    def _estimate_many(self, requests: Sequence[TxRequest]) -> list[int]:
        limits = [r.gas or 0 for r in requests]
        missing = [i for i, r in enumerate(requests) if r.gas is None]
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            calls = [("eth_estimateGas", [self._call_object(requests[i])]) for i in chunk]
            for index, result in zip(chunk, self.rpc.batch_results(calls), strict=True):
                if isinstance(result, LedgerRpcError):
                    error = self._estimate_error(result)
                    error.add_note(f"request index {index} of send_many")
                    raise error from result
                limits[index] = math.ceil(int(result, 16) * self.gas_margin)
        return limits

    def _send_batch(
        self,
        batch: list[int],
        todo: Sequence[TxRequest],
        signed: list[SignedTx | None],
        gas_limits: Sequence[int],
    ) -> tuple[list[int], BaseException | None]:
        """Send the signed transactions ``signed[i]`` for ``i`` in ``batch`` (consecutive
        nonces). Those the node refuses as underpriced (the base fee outgrew their max fee) are
        signed again with fresh fees and the same nonces, a few times; the others are resent
        as they are (idempotent). Returns the indexes the node holds, in order, up to the
        first real refusal, and that refusal."""
        accepted: set[int] = set()
        waiting = batch
        for _ in range(10):
            outcomes = self._submit_batch([cast(SignedTx, signed[i]) for i in waiting])
            underpriced: list[int] = []
            for index, (verdict, error) in zip(waiting, outcomes, strict=True):
                if verdict is None:
                    accepted.add(index)
                elif verdict == "refee":
                    underpriced.append(index)
                else:
                    done = [i for i in batch if i < index and i in accepted]
                    return done, error
            if not underpriced:
                return sorted(accepted), None
            fees = self._cached_fees(refresh=True)
            for index in underpriced:
                old = cast(SignedTx, signed[index])
                signed[index] = self.sign(todo[index], nonce=old.nonce, gas=gas_limits[index],
                                          fees=fees)  # fmt: skip
            waiting = [i for i in batch if i not in accepted]
        first = min(i for i in batch if i not in accepted)
        return [i for i in batch if i < first], LedgerTransactionError(
            f"transaction {first} of send_many stayed underpriced through ten fee refreshes",
            cast(SignedTx, signed[first]).hash,
        )

    def _submit_batch(
        self, batch: Sequence[SignedTx]
    ) -> list[tuple[str | None, LedgerTransactionError | None]]:
        """Send a batch; for each transaction ``(None, None)`` if the node holds it, else the
        verdict of :meth:`_classify_send_error` and our error. A transport error resends the
        same batch (idempotent)."""
        calls = [("eth_sendRawTransaction", [tx.raw_hex]) for tx in batch]
        last_error: LedgerConnectionError | None = None
        for attempt in range(3):
            try:
                results = self.rpc.batch_results(calls)
                break
            except LedgerConnectionError as error:
                last_error = error
                time.sleep(0.05 * (attempt + 1))
        else:
            failure = LedgerTransactionError(
                f"could not send a batch of {len(batch)} transactions: {last_error}",
                batch[0].hash,
            )
            failure.__cause__ = last_error
            return [("fail", failure)] * len(batch)
        outcomes: list[tuple[str | None, LedgerTransactionError | None]] = []
        for tx, result in zip(batch, results, strict=True):
            verdict = None
            refusal = None
            if isinstance(result, LedgerRpcError):
                verdict = self._classify_send_error(result, tx)
                if verdict is not None:
                    refusal = LedgerTransactionError(
                        f"the node refused transaction 0x{tx.hash.hex()} (nonce {tx.nonce}): "
                        f"{result.rpc_message}",
                        tx.hash,
                    )
                    refusal.__cause__ = result
            outcomes.append((verdict, refusal))
        return outcomes

    # --- receipts and confirmations ---------------------------------------------------------

    def wait_for_receipt(self, tx_hash: bytes) -> TxReceipt:
        """Poll for the receipt of ``tx_hash`` until ``timeout`` (no confirmations, no check).

        Raises:
            LedgerTimeoutError: no receipt within ``timeout``.
        """
        return self._poll(lambda: self._fetch_receipt(tx_hash), f"0x{bytes(tx_hash).hex()}")

    def _wait_for_receipt(self, signed: SignedTx) -> TxReceipt:
        last_broadcast = time.monotonic()

        def attempt() -> TxReceipt | None:
            nonlocal last_broadcast
            receipt = self._fetch_receipt(signed.hash)
            if receipt is None and time.monotonic() - last_broadcast > self.rebroadcast_after:
                last_broadcast = time.monotonic()
                with contextlib.suppress(LedgerTransactionError):
                    self._submit(signed)  # the same bytes: harmless if the node has them
            return receipt

        return self._poll(attempt, f"0x{signed.hash.hex()}")

    def _poll(self, attempt: Callable[[], TxReceipt | None], what: str) -> TxReceipt:
        deadline = time.monotonic() + self.timeout
        last_error: LedgerConnectionError | None = None
        # A quarter of the interval first, doubling up to it: an automining node has the
        # receipt a millisecond after the send, and a chain with block times pays two polls.
        delay = self.poll_interval / 4
        while True:
            try:
                receipt = attempt()
                if receipt is not None:
                    return receipt
            except LedgerConnectionError as error:  # keep polling through network blips
                last_error = error
            if time.monotonic() > deadline:
                raise LedgerTimeoutError(
                    f"no receipt for transaction {what} within {self.timeout:g} s"
                ) from last_error
            time.sleep(delay)
            delay = min(delay * 2, self.poll_interval)

    def _fetch_receipt(self, tx_hash: bytes) -> TxReceipt | None:
        raw = self.rpc.call("eth_getTransactionReceipt", ["0x" + bytes(tx_hash).hex()])
        return _format_receipt(raw) if raw is not None else None

    def _fetch_receipts(self, hashes: Sequence[bytes]) -> list[TxReceipt | None]:
        calls = [("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in hashes]
        return [_format_receipt(raw) if raw is not None else None for raw in self.rpc.batch(calls)]

    def _wait_for_confirmations(
        self, receipts: list[TxReceipt], signed: Sequence[SignedTx]
    ) -> list[TxReceipt]:
        """Wait until ``confirmations`` blocks are on top of the last receipt's block, then
        check that every receipt is still in the canonical chain (a reorg moves it: wait
        again for the new receipt)."""
        if self.confirmations == 0 or not receipts:
            return receipts
        deadline = time.monotonic() + self.timeout
        while True:
            target = max(r["blockNumber"] for r in receipts) + self.confirmations
            while int(self.rpc.call("eth_blockNumber"), 16) < target:
                if time.monotonic() > deadline:
                    raise LedgerTimeoutError(
                        f"fewer than {self.confirmations} confirmations of block "
                        f"{target - self.confirmations} within {self.timeout:g} s"
                    )
                time.sleep(max(self.poll_interval, 0.05))
            current: list[TxReceipt] = []
            for start in range(0, len(receipts), self.batch_size):
                chunk = signed[start : start + self.batch_size]
                current += [
                    r if r is not None else self._wait_for_receipt(tx)
                    for r, tx in zip(
                        self._fetch_receipts([tx.hash for tx in chunk]), chunk, strict=True
                    )
                ]
            if all(
                c["blockHash"] == r["blockHash"] for c, r in zip(current, receipts, strict=True)
            ):
                return current
            receipts = current  # reorganized: confirm the new blocks

    def _check(self, receipt: TxReceipt, signed: SignedTx) -> None:
        if receipt["status"] == 1:
            return
        revert = self._replay_revert(receipt, signed)
        what = f": {revert}" if revert is not None else ""
        error = LedgerTransactionFailedError(
            f"transaction 0x{signed.hash.hex()} failed in block {receipt['blockNumber']}{what}",
            signed.hash,
            receipt,
            revert,
        )
        raise error from revert

    def _replay_revert(self, receipt: TxReceipt, signed: SignedTx) -> ContractRevert | None:
        """Best effort: re-run the call to get the revert data, on the state before its block,
        then (when an earlier transaction of the same block caused the failure) after it.
        Standard ``eth_call`` only; nodes without historical state give ``None``."""
        fields = signed.fields
        call = {
            "from": self.address,
            "data": "0x" + bytes(fields["data"]).hex(),
            "gas": hex(int(fields["gas"])),
        }
        if "to" in fields:
            call["to"] = fields["to"]
        if fields.get("value"):
            call["value"] = hex(int(fields["value"]))
        block = int(receipt["blockNumber"])
        for state in (max(block - 1, 0), block):
            try:
                self.rpc.call("eth_call", [call, hex(state)])
            except LedgerRpcError as error:
                data = revert_data_from_rpc_error(error.data)
                if data is not None:
                    return self.errors.decode(data)
            except LedgerConnectionError:
                return None
        return None


# --- receipt formatting (web3.py's shape, ~10x cheaper than its generic formatters) ----------

_INT_FIELDS = frozenset(
    {
        "blockNumber",
        "transactionIndex",
        "logIndex",
        "status",
        "gasUsed",
        "cumulativeGasUsed",
        "effectiveGasPrice",
        "type",
        "blobGasUsed",
        "blobGasPrice",
    }
)
_BYTES_FIELDS = frozenset({"blockHash", "transactionHash", "logsBloom", "data", "root"})
_ADDRESS_FIELDS = frozenset({"from", "to", "contractAddress", "address"})


def _format_value(key: str, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if key in _INT_FIELDS:
        return int(value, 16)
    if key in _BYTES_FIELDS:
        return HexBytes(value)
    if key in _ADDRESS_FIELDS:
        return checksum(value.lower())
    return value


def _format_log(log: Mapping[str, Any]) -> AttributeDict[str, Any]:
    formatted = {key: _format_value(key, value) for key, value in log.items()}
    formatted["topics"] = [HexBytes(t) for t in log.get("topics", ())]
    return AttributeDict(formatted)


def _format_receipt(raw: Mapping[str, Any]) -> TxReceipt:
    formatted = {key: _format_value(key, value) for key, value in raw.items()}
    formatted["logs"] = [_format_log(log) for log in raw.get("logs", ())]
    return cast(TxReceipt, AttributeDict(formatted))
