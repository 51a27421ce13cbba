"""The embedded default chain: Foundry's anvil, started from ``node_modules`` on a free port.

Development tooling only. This is the one module allowed to use anvil's own RPC methods
(``anvil_mine``); everything else speaks standard JSON-RPC so it runs unchanged on a
production chain (Besu/QBFT, geth, …).

Example::

    with LocalChain(state=Path(".huren/chain.json")) as chain:
        w3 = connect(chain.url)
        sender = TransactionSender(w3, chain.accounts[0].private_key)

With ``state`` the chain dumps its history (blocks, receipts, logs, state) to that file when it
stops and loads it when it starts, so a restart continues the same chain.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, overload

from eth_account import Account

from ledger.chain import RpcClient
from ledger.exceptions import (
    LedgerAnvilNotFoundError,
    LedgerConnectionError,
    LedgerLocalChainError,
    LedgerRpcError,
    LedgerValueError,
)
from ledger.types import Address

__all__ = [
    "DEFAULT_CHAIN_ID",
    "DEFAULT_MNEMONIC",
    "DevAccount",
    "DevAccounts",
    "LocalChain",
    "dev_accounts",
    "find_anvil",
]

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
"""anvil's (and Hardhat's) well-known development mnemonic. Its keys are public: dev use only."""

DEFAULT_CHAIN_ID = 31337
"""anvil's default chain id."""

_DERIVATION_PATH = "m/44'/60'/0'/0/{index}"
_SETUP_HINT = "run `scripts/dev setup` (it installs anvil into node_modules with npm)"


@dataclass(frozen=True, slots=True)
class DevAccount:
    """A funded development account of the local chain: its address and private key (0x-hex)."""

    address: Address
    private_key: str

    def __repr__(self) -> str:
        return f"DevAccount({self.address})"


@functools.cache
def _derive(mnemonic: str, index: int) -> DevAccount:
    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(mnemonic, account_path=_DERIVATION_PATH.format(index=index))
    return DevAccount(Address(account.address), "0x" + bytes(account.key).hex())


class DevAccounts(Sequence[DevAccount]):
    """The first ``count`` accounts of a mnemonic on the path ``m/44'/60'/0'/0/i``, as anvil
    derives and funds them. Derived on first access (BIP-32 in pure Python: ~50 ms each)."""

    def __init__(self, count: int, mnemonic: str = DEFAULT_MNEMONIC) -> None:
        self._count = count
        self._mnemonic = mnemonic

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> DevAccount: ...
    @overload
    def __getitem__(self, index: slice) -> list[DevAccount]: ...
    def __getitem__(self, index: int | slice) -> DevAccount | list[DevAccount]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(f"there are {self._count} dev accounts")
        return _derive(self._mnemonic, index % self._count)

    def __repr__(self) -> str:
        return f"DevAccounts({self._count})"


def dev_accounts(count: int = 10, mnemonic: str = DEFAULT_MNEMONIC) -> DevAccounts:
    """The first ``count`` accounts of ``mnemonic`` as anvil derives and funds them."""
    return DevAccounts(count, mnemonic)


def _platform_package() -> str:
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "")
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    return f"anvil-{system}-{arch}" if system and arch else ""


def _repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def find_anvil(binary: str | os.PathLike[str] | None = None) -> Path:
    """Locate the anvil executable.

    Order: ``binary`` if given; the native binary of ``@foundry-rs/anvil`` under
    ``$HUREN_NODE_MODULES``; the same under the repository's ``node_modules``; ``anvil`` on
    ``PATH``.

    Raises:
        LedgerAnvilNotFoundError: none of these exists (the message says how to install it).
    """
    if binary is not None:
        path = Path(binary)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise LedgerAnvilNotFoundError(f"anvil binary {path} does not exist or is not executable")
    tried: list[str] = []
    folders = [Path(v) for v in [os.environ.get("HUREN_NODE_MODULES")] if v]
    folders.append(_repo_root() / "node_modules")
    exe = "anvil.exe" if platform.system() == "Windows" else "anvil"
    for folder in folders:
        scope = folder / "@foundry-rs"
        candidates = [scope / _platform_package() / "bin" / exe]
        candidates += sorted(scope.glob(f"anvil-*/bin/{exe}")) if scope.is_dir() else []
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
        tried.append(str(scope / "anvil-<platform>" / "bin" / exe))
    on_path = shutil.which("anvil")
    if on_path is not None:
        return Path(on_path)
    raise LedgerAnvilNotFoundError(
        f"anvil was not found (looked in {', '.join(tried)} and on PATH); {_SETUP_HINT}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """Last-resort cleanup when a LocalChain is garbage-collected or the interpreter exits."""
    if process.poll() is None:
        process.kill()
        process.wait()


def _guard_automine(url: str, stop: threading.Event, interval: float = 0.25) -> None:
    """Mine a block when ready transactions were waiting at two checks ``interval`` apart and
    their number did not go down. (In that stall anvil keeps mining empty blocks, so the block
    number says nothing.) An extra ``evm_mine`` is harmless: it mines what automine would."""
    with RpcClient(url, timeout=5.0) as rpc:
        waiting = 0
        while not stop.wait(interval):
            try:
                now = int(rpc.call("txpool_status")["pending"], 16)
                if now and waiting and now >= waiting:
                    rpc.call("evm_mine")
                    now = int(rpc.call("txpool_status")["pending"], 16)
                waiting = now
            except (LedgerConnectionError, LedgerRpcError, ValueError, TypeError, KeyError):
                waiting = 0  # anvil busy, stopping or restarting: look again next time


class LocalChain:
    """A local anvil node on a free loopback port: start, wait until it answers, stop cleanly.

    Args:
        state: file holding the chain between runs (anvil ``--state``): loaded at start if it
            exists, written at stop. ``None``: an ephemeral chain.
        state_interval: also write the state every this many seconds (``--state-interval``),
            so a crash loses at most that much.
        chain_id: the chain id (``--chain-id``).
        block_time: seconds between blocks (``--block-time``, fractions allowed); ``None``
            mines one block per transaction, as soon as it arrives (automine).
        accounts: number of funded dev accounts (``--accounts``).
        hardfork: EVM hardfork (``--hardfork``); ``cancun`` is fast and matches the compiler's
            ``evmVersion``. A pre-London fork (``berlin``) gives blocks without a base fee.
        base_fee, gas_price: ``--base-fee`` and ``--gas-price`` in wei (``0`` for a zero-gas
            network's behaviour).
        port: the port to listen on; ``None`` picks a free one.
        extra_args: more anvil flags, passed as given.
        binary: the anvil executable; ``None`` searches with :func:`find_anvil`.
        startup_timeout: seconds to wait for anvil to answer ``eth_chainId``.
        stop_timeout: seconds to wait after SIGINT (state dump included) before killing it.
        stall_guard: with automine, mine a block whenever transactions sit ready in the pool
            while no block comes (anvil's automine can miss ready transactions under a
            pipelined load, foundry-rs/foundry#10122). Checks four times a second.
        prune_history: keep only this many historical states in memory
            (``--prune-history N``; ``0``: the latest only). anvil's cost per block grows with
            the number of kept states (mining 2,000 blocks: 1 s at height 0, 3.3 s at 6,000;
            pruned: 0.06 s), but ``eth_call`` at a pruned block fails. Blocks, receipts and
            logs are always kept. ``None``: keep all (anvil's default).

    Raises (from :meth:`start`):
        LedgerAnvilNotFoundError: no anvil binary.
        LedgerLocalChainError: anvil exited early or did not answer in time (with its output).
    """

    def __init__(
        self,
        *,
        state: str | os.PathLike[str] | None = None,
        state_interval: int | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        block_time: float | None = None,
        accounts: int = 10,
        hardfork: str = "cancun",
        base_fee: int | None = None,
        gas_price: int | None = None,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        binary: str | os.PathLike[str] | None = None,
        startup_timeout: float = 10.0,
        stop_timeout: float = 30.0,
        stall_guard: bool = True,
        prune_history: int | None = None,
    ) -> None:
        if accounts < 1:
            raise LedgerValueError("a local chain needs at least one dev account")
        if block_time is not None and block_time <= 0:
            raise LedgerValueError("block_time must be positive (None for automine)")
        self.state = Path(state) if state is not None else None
        self.state_interval = state_interval
        self.chain_id = chain_id
        self.block_time = block_time
        self.hardfork = hardfork
        self.base_fee = base_fee
        self.gas_price = gas_price
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.prune_history = prune_history
        self._binary = binary
        self._requested_port = port
        self._account_count = accounts
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self.stall_guard = stall_guard
        self._guard: threading.Thread | None = None
        self._guard_stop = threading.Event()
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], LocalChain] | None = None

    # --- public surface -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The node's HTTP JSON-RPC endpoint, ``http://127.0.0.1:<port>``.

        Raises:
            LedgerLocalChainError: the chain is not running.
        """
        if self._port is None or not self.running:
            raise LedgerLocalChainError("the local chain is not running; call start() first")
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int | None:
        """The port anvil listens on, once started."""
        return self._port

    @property
    def accounts(self) -> DevAccounts:
        """The funded dev accounts (anvil's default mnemonic), derived on first access."""
        return dev_accounts(self._account_count)

    @property
    def running(self) -> bool:
        """Whether the anvil process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The anvil process id, while it runs."""
        return self._process.pid if self._process is not None else None

    def command(self, port: int) -> list[str]:
        """The anvil command line this chain runs with."""
        args = [
            str(find_anvil(self._binary)),
            "--host", "127.0.0.1",
            "--port", str(port),
            "--hardfork", self.hardfork,
            "--chain-id", str(self.chain_id),
            "--accounts", str(self._account_count),
            "--quiet",
        ]  # fmt: skip
        if self.state is not None:
            args += ["--state", str(self.state)]
            if self.state_interval is not None:
                args += ["--state-interval", str(self.state_interval)]
        if self.block_time is not None:
            args += ["--block-time", f"{self.block_time:g}"]
        if self.base_fee is not None:
            args += ["--base-fee", str(self.base_fee)]
        if self.gas_price is not None:
            args += ["--gas-price", str(self.gas_price)]
        if self.prune_history is not None:
            args += ["--prune-history"] + ([str(self.prune_history)] if self.prune_history else [])
        return args + list(self.extra_args)

    def start(self) -> LocalChain:
        """Start anvil and wait until it answers ``eth_chainId``. Returns ``self``.

        Raises:
            LedgerAnvilNotFoundError: no anvil binary.
            LedgerLocalChainError: already running; anvil exited early (port in use, bad state
                file, bad flag) or did not answer within ``startup_timeout``.
        """
        if self.running:
            raise LedgerLocalChainError(f"the local chain is already running at {self.url}")
        find_anvil(self._binary)  # fail early, with the setup hint
        if self.state is not None:
            self.state.parent.mkdir(parents=True, exist_ok=True)
        attempts = 1 if self._requested_port is not None else 3
        for attempt in range(1, attempts + 1):
            port = self._requested_port or _free_port()
            try:
                self._launch(port)
                return self
            except LedgerLocalChainError as error:
                port_taken = "address already in use" in str(error).lower()
                if not (port_taken and attempt < attempts):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Stop anvil: SIGINT (it writes its state file, if any, and exits), then kill it if it
        has not exited within ``stop_timeout``. Does nothing if it is not running.

        Raises:
            LedgerLocalChainError: anvil had to be killed, so its state file may be stale.
        """
        process, self._process = self._process, None
        self._stop_guard()
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if process is None:
            return
        killed = False
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    killed = True
            tail = self._tail()
        finally:
            self._close_output()
            self._port = None
        if killed and self.state is not None:
            raise LedgerLocalChainError(
                f"anvil did not exit within {self.stop_timeout:g} s of SIGINT and was killed; "
                f"its state file {self.state} may be stale{tail}"
            )

    def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` blocks now, with whatever is pending (anvil's ``anvil_mine``; dev
        and tests only)."""
        with RpcClient(self.url, timeout=10.0 + blocks / 100) as rpc:
            rpc.call("anvil_mine", [hex(blocks)])

    def __enter__(self) -> LocalChain:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = f"http://127.0.0.1:{self._port}" if self.running else "stopped"
        return f"LocalChain({where}, chain_id={self.chain_id}, state={self.state})"

    # --- internals ------------------------------------------------------------------------------

    def _launch(self, port: int) -> None:
        command = self.command(port)
        # anvil's output goes to an anonymous file that lives as long as anvil does.
        self._output = tempfile.TemporaryFile(prefix="huren-anvil-")  # noqa: SIM115
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=subprocess.STDOUT,
                # Same process group: a SIGTERM or Ctrl-C to this program reaches anvil too,
                # so a killed test run leaves no orphan (anvil dumps its state on SIGINT).
            )
        except OSError as error:
            self._close_output()
            raise LedgerLocalChainError(f"cannot run {command[0]}: {error}") from error
        self._process, self._port = process, port
        self._finalizer = weakref.finalize(self, _terminate, process)
        try:
            self._wait_until_ready(process, port)
            if self.block_time is None and self.stall_guard:
                self._start_guard(port)
        except BaseException as error:
            tail = self._tail()
            self._process = None
            self._finalizer.detach()
            _terminate(process)
            self._close_output()
            self._port = None
            if not isinstance(error, LedgerLocalChainError):
                raise
            raise LedgerLocalChainError(
                f"anvil did not start on port {port} ({error}); command: {' '.join(command)}{tail}"
            ) from None

    def _start_guard(self, port: int) -> None:
        self._guard_stop = threading.Event()
        self._guard = threading.Thread(
            target=_guard_automine,
            args=(f"http://127.0.0.1:{port}", self._guard_stop),
            name=f"anvil-stall-guard-{port}",
            daemon=True,
        )
        self._guard.start()

    def _stop_guard(self) -> None:
        if self._guard is not None:
            self._guard_stop.set()
            self._guard.join(timeout=2.0)
            self._guard = None

    def _wait_until_ready(self, process: subprocess.Popen[bytes], port: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with RpcClient(f"http://127.0.0.1:{port}", timeout=1.0) as rpc:
            while True:
                if process.poll() is not None:
                    raise LedgerLocalChainError(f"anvil exited with status {process.returncode}")
                try:
                    rpc.call("eth_chainId")
                    return
                except (LedgerConnectionError, LedgerRpcError):
                    if time.monotonic() > deadline:
                        raise LedgerLocalChainError(
                            f"anvil did not answer within {self.startup_timeout:g} s"
                        ) from None
                    time.sleep(0.01)

    def _tail(self, limit: int = 2000) -> str:
        if self._output is None:
            return ""
        try:
            self._output.seek(0, os.SEEK_END)
            size = self._output.tell()
            self._output.seek(max(0, size - limit))
            text = self._output.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f"; anvil said:\n{text}" if text else ""

    def _close_output(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None
