"""Exceptions raised by the ``ledger`` package.

Every exception the package raises on purpose derives from :class:`LedgerError`, so callers can
catch ours with one clause. Where a built-in exception fits the meaning too, the class also
derives from it (``LedgerArtifactNotFoundError`` is a ``LookupError``), so code that expects the
built-in keeps working.

Exception tree (grouped by area; add new classes under the area they belong to, keep this
drawing in step, give every class a docstring)::

    LedgerError
    │
    ├── toolchain: compiling the contracts and their artifacts
    │   ├── LedgerCompileError                 the compiler rejected the sources
    │   │   └── LedgerCompilerNotFoundError    no usable solc (native or npm solcjs)
    │   └── LedgerArtifactError                a compiled artifact is unusable
    │       └── LedgerArtifactNotFoundError    (also LookupError) no artifact of that name
    │
    ├── chain access: nodes, calls, transactions, events (ledger.chain, .calls, .sender, …)
    │   ├── LedgerValueError                   (also ValueError) an argument is out of range
    │   ├── LedgerConnectionError              (also ConnectionError) the node cannot be reached
    │   ├── LedgerRpcError                     the node answered a JSON-RPC call with an error
    │   ├── LedgerAnswerError                  (also ValueError) a view call's answer is garbled
    │   ├── LedgerProofError                   (also ValueError) a state proof does not hold
    │   ├── LedgerNoQuorumError                fewer than K endpoints gave identical answers
    │   ├── LedgerTimeoutError                 (also TimeoutError) the chain took too long
    │   ├── LedgerTransactionError             a transaction could not be sent
    │   │   └── LedgerTransactionFailedError   it was mined but failed (receipt status 0)
    │   ├── LedgerEventError                   logs cannot be read or decoded
    │   ├── LedgerLocalChainError              the embedded anvil cannot start or stop
    │   │   └── LedgerAnvilNotFoundError       (also FileNotFoundError) no anvil binary
    │   ├── LedgerDeploymentError              no usable deployment record, or deploying failed
    │   └── ContractRevert                     (ledger.revert) the contract reverted
    │       ├── <CustomError>                  one per custom error (ledger.contract_errors)
    │       ├── PanicRevert                    Panic(uint256): assert, overflow, …
    │       ├── StringRevert                   Error(string): require with a message
    │       └── UnknownRevert                  data that matches no known error
    │
    └── witness checkpoints (ledger.witness, ledger.witness_api)
        ├── WitnessFormatError                 (also ValueError) a checkpoint or signature is
        │                                      malformed
        ├── WitnessSignatureError              a cosignature does not count (``reason`` says why)
        ├── WitnessConflictError               validly signed checkpoints disagree at one height
        ├── WitnessQuorumError                 no checkpoint has the signatures of K provinces
        └── WitnessSourceError                 (also ConnectionError) a node's witness API cannot
            │                                  be read, or answered outside its shape
            └── WitnessRefusedError            the node answered, refusing (status, code, detail)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.quorum import Fault

__all__ = [
    "LedgerAnswerError",
    "LedgerAnvilNotFoundError",
    "LedgerArtifactError",
    "LedgerArtifactNotFoundError",
    "LedgerCompileError",
    "LedgerCompilerNotFoundError",
    "LedgerConnectionError",
    "LedgerDeploymentError",
    "LedgerError",
    "LedgerEventError",
    "LedgerLocalChainError",
    "LedgerNoQuorumError",
    "LedgerProofError",
    "LedgerRpcError",
    "LedgerTimeoutError",
    "LedgerTransactionError",
    "LedgerTransactionFailedError",
    "LedgerValueError",
    "WitnessConflictError",
    "WitnessFormatError",
    "WitnessQuorumError",
    "WitnessRefusedError",
    "WitnessSignatureError",
    "WitnessSourceError",
]


class LedgerError(Exception):
    """Root of every exception raised on purpose by the ``ledger`` package."""


# --- toolchain: compiling the contracts and their artifacts ------------------------------------


class LedgerCompileError(LedgerError):
    """The Solidity compiler rejected the sources, or could not be run.

    ``str(error)`` holds the compiler's formatted messages; ``errors`` holds the compiler's
    structured diagnostics (Standard JSON ``errors`` entries whose severity is ``error``).
    """

    def __init__(self, message: str, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors: tuple[Mapping[str, Any], ...] = tuple(errors)


class LedgerCompilerNotFoundError(LedgerCompileError):
    """No usable compiler: no native ``solc`` of the pinned version, and no Node.js with the npm
    ``solc`` package to fall back on."""


class LedgerArtifactError(LedgerError):
    """A compiled contract artifact is malformed or does not fit its expected shape."""


class LedgerArtifactNotFoundError(LedgerArtifactError, LookupError):
    """No artifact of the requested contract name exists."""


# --- chain access: nodes, transactions, events -------------------------------------------------


class LedgerValueError(LedgerError, ValueError):
    """An argument is out of range, e.g. a block range whose start lies after its end."""


class LedgerConnectionError(LedgerError, ConnectionError):
    """The chain's JSON-RPC endpoint cannot be reached, or the transport failed mid-call.

    ``url`` names the endpoint; the transport's exception is chained as ``__cause__``.
    """

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class LedgerRpcError(LedgerError):
    """The node answered a JSON-RPC call with an error object.

    ``code``, ``rpc_message`` and ``data`` are the error object's members; ``method`` is the
    JSON-RPC method called.
    """

    def __init__(self, method: str, code: int, rpc_message: str, data: Any = None) -> None:
        super().__init__(f"{method}: {rpc_message} (JSON-RPC error {code})")
        self.method = method
        self.code = code
        self.rpc_message = rpc_message
        self.data = data


class LedgerAnswerError(LedgerError, ValueError):
    """A contract call's return data does not decode as the function's outputs: there is no
    contract at the address, or the node is broken or lying (:mod:`ledger.calls`)."""


class LedgerProofError(LedgerError, ValueError):
    """A node's state proof does not prove its answer against the state root it is checked
    against (:mod:`ledger.state_proof`): a changed node or value, another root, another account
    or slot, or an answer that is not a proof at all. The node is lying or broken."""


class LedgerNoQuorumError(LedgerError):
    """Fewer than the required number of endpoints gave identical answers (:mod:`ledger.quorum`).

    ``faults`` maps each endpoint (by its public URL) that disagreed, failed (a bad proof, an
    error) or did not answer to what it did.
    """

    def __init__(self, message: str, faults: Mapping[str, Fault]) -> None:
        super().__init__(message)
        self.faults: dict[str, Fault] = dict(faults)

    @property
    def unreachable_only(self) -> bool:
        """Whether every fault is an endpoint that could not be reached (no endpoint answered
        anything unlike another)."""
        return all(fault.kind == "unreachable" for fault in self.faults.values())


class LedgerTimeoutError(LedgerError, TimeoutError):
    """The chain did not reach the awaited state (a receipt, confirmations) in time."""


class LedgerTransactionError(LedgerError):
    """A transaction could not be sent: the node refused it, or signing or nonces went wrong.

    ``tx_hash`` is the transaction's hash when it was signed, else ``None``.
    """

    def __init__(self, message: str, tx_hash: bytes | None = None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class LedgerTransactionFailedError(LedgerTransactionError):
    """A transaction was mined but failed (receipt status 0).

    ``receipt`` is the web3 ``TxReceipt``; ``revert`` the decoded
    :class:`ledger.revert.ContractRevert` when replaying the call recovered the revert data,
    else ``None``.
    """

    def __init__(
        self, message: str, tx_hash: bytes, receipt: Any, revert: LedgerError | None = None
    ) -> None:
        super().__init__(message, tx_hash)
        self.receipt = receipt
        self.revert = revert


class LedgerEventError(LedgerError):
    """Logs cannot be read or decoded: a topic the ABI does not know, data that does not decode,
    or a block range that reaches past the chain's head."""


class LedgerLocalChainError(LedgerError):
    """The embedded local chain (anvil) could not be started, answered nothing, or exited early.

    The message ends with the tail of anvil's output when there is one.
    """


class LedgerAnvilNotFoundError(LedgerLocalChainError, FileNotFoundError):
    """No anvil binary was found; ``scripts/dev setup`` installs it into ``node_modules``."""


class LedgerDeploymentError(LedgerError):
    """A deployment record is missing or malformed, or the deployment transaction made no
    contract."""


# --- witness checkpoints -----------------------------------------------------------------------


class WitnessFormatError(LedgerError, ValueError):
    """A checkpoint, cosignature or signed statement is malformed: a field out of range, a hash
    of the wrong length, an address that is none."""


class WitnessSignatureError(LedgerError):
    """A cosignature does not count as a witness's signature of its checkpoint.

    ``reason`` is the stable code of why (:class:`ledger.witness.WitnessRejection`: an unknown
    key, another province's key, a revoked key, a time outside the key's window, a key not
    pinned, a signature that does not verify, a checkpoint of another ledger).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class WitnessConflictError(LedgerError):
    """Checkpoints validly signed by witnesses disagree about one block height: a fork of the
    chain, or a witness signing what its chain does not hold.

    ``conflicts`` holds the evidence (:class:`ledger.witness.CheckpointConflict` items).
    """

    def __init__(self, message: str, conflicts: Sequence[Any]) -> None:
        super().__init__(message)
        self.conflicts = tuple(conflicts)


class WitnessQuorumError(LedgerError):
    """No checkpoint gathered carries valid signatures of as many provinces as required."""


class WitnessSourceError(LedgerError, ConnectionError):
    """A province node's witness API cannot be reached, or answered outside its shape.

    ``url`` names the node; ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class WitnessRefusedError(WitnessSourceError):
    """The node answered with a refusal: ``code`` is its problem code (``witness_mismatch``,
    ``witness_not_final``, …) and ``detail`` its evidence, as sent (JSON)."""

    def __init__(self, message: str, url: str, status: int, code: str, detail: Any) -> None:
        super().__init__(message, url, status)
        self.code = code
        self.detail = detail
