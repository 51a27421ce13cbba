"""Several JSON-RPC endpoints of one chain, asked the same question; only a quorum's answer counts.

No single node is trusted where it decides a verdict (DESIGN.md, "Trust"). :class:`Endpoints`
holds the nodes a reader was given and ``quorum``, how many must give identical answers
(default: all). :meth:`Endpoints.ask` puts a question to each (in parallel, one thread per
endpoint); :func:`agreed` accepts the answer at least ``quorum`` of them gave identically, names
every endpoint that gave another, failed or did not answer, and refuses when no answer reaches
the quorum or two different answers do.

:func:`agree_on_block` uses it to pin the block every later read is made at: each node's final
block (:class:`~ledger.finality.Finality`), then the highest number at least ``quorum`` of them
have finalised, whose number, hash and state root must be identical at a quorum.
:func:`confirm_block` checks a block given from elsewhere (a witnessed checkpoint) the same way.

Endpoints are named by their public URL (:func:`public_url`: without credentials), in reports
and errors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ledger.chain import RpcClient
from ledger.exceptions import (
    LedgerConnectionError,
    LedgerError,
    LedgerNoQuorumError,
    LedgerValueError,
)
from ledger.finality import Finality, read_block
from ledger.types import BlockRef

__all__ = [
    "Agreement",
    "Endpoint",
    "Endpoints",
    "Fault",
    "agree_on_block",
    "agreed",
    "confirm_block",
    "public_url",
]

T = TypeVar("T")
U = TypeVar("U")


def public_url(url: str) -> str:
    """``url`` without user name and password, fit for a report."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One node: its client and its public name."""

    rpc: RpcClient
    name: str


@dataclass(frozen=True, slots=True)
class Fault:
    """What one endpoint did instead of agreeing: ``unreachable`` (no answer reached us),
    ``failed`` (an error, a malformed answer or a state proof that does not hold) or
    ``disagreed`` (a well-formed answer unlike the quorum's)."""

    kind: str
    problem: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Agreement(Generic[T]):
    """The answer a quorum gave, who gave it, and what the others did."""

    value: T
    agreeing: tuple[str, ...]
    faults: Mapping[str, Fault] = field(default_factory=dict)


class Endpoints:
    """The endpoints a reader was given, and how many must agree.

    Raises:
        LedgerValueError: no endpoint, the same endpoint twice, or a quorum outside 1…N.
    """

    def __init__(self, clients: Sequence[RpcClient], quorum: int | None = None) -> None:
        names = [public_url(client.url) for client in clients]
        if not names:
            raise LedgerValueError("at least one JSON-RPC endpoint is needed")
        if len(set(names)) != len(names):
            raise LedgerValueError(f"an endpoint is named twice: {names}")
        self.members = tuple(Endpoint(c, n) for c, n in zip(clients, names, strict=True))
        self.quorum = len(names) if quorum is None else quorum
        if isinstance(self.quorum, bool) or not 1 <= self.quorum <= len(names):
            raise LedgerValueError(f"a quorum of {quorum} is not between 1 and {len(names)}")
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def of_urls(cls, urls: Sequence[str], quorum: int | None = None) -> Endpoints:
        """Endpoints at these HTTP(S) URLs."""
        return cls([RpcClient(url) for url in urls], quorum)

    @property
    def names(self) -> tuple[str, ...]:
        """The endpoints' public names, in the order given."""
        return tuple(member.name for member in self.members)

    def ask(
        self, question: Callable[[Endpoint], T], among: Sequence[str] | None = None
    ) -> dict[str, T | Fault]:
        """``question`` put to each endpoint (or those named in ``among``), in parallel; each
        answer or the fault that took its place, by endpoint name.

        Ledger errors and malformed answers (``ValueError``, ``TypeError``, ``KeyError``) are the
        endpoint's fault; anything else is a bug and propagates.
        """
        chosen = [m for m in self.members if among is None or m.name in among]
        if len(chosen) == 1:
            return {chosen[0].name: _answer(question, chosen[0])}
        futures = {m.name: self._executor().submit(_answer, question, m) for m in chosen}
        return {name: future.result() for name, future in futures.items()}

    def client_version(self, endpoint: Endpoint) -> str:
        """The node's ``web3_clientVersion``, asked once."""
        with self._lock:
            known = self._versions.get(endpoint.name)
        if known is None:
            known = str(endpoint.rpc.call("web3_clientVersion"))
            with self._lock:
                self._versions[endpoint.name] = known
        return known

    def close(self) -> None:
        """Close the connections and the worker threads."""
        for member in self.members:
            member.rpc.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(len(self.members), "huren-endpoint")
            return self._pool


def _answer(question: Callable[[Endpoint], T], endpoint: Endpoint) -> T | Fault:
    try:
        return question(endpoint)
    except LedgerConnectionError as error:
        return Fault("unreachable", str(error))
    except (LedgerError, ValueError, TypeError, KeyError) as error:
        return Fault("failed", f"{type(error).__name__}: {error}")


def agreed(
    answers: Mapping[str, T | Fault],
    quorum: int,
    what: str,
    faults: Mapping[str, Fault] | None = None,
) -> Agreement[T]:
    """The answer at least ``quorum`` endpoints gave identically (compared with ``==``).

    ``faults`` are earlier faults of endpoints that were not asked; they are carried along.

    Raises:
        LedgerNoQuorumError: no answer reached the quorum, or two different answers did.
    """
    known: dict[str, Fault] = dict(faults or {})
    groups: list[tuple[T, list[str]]] = []
    for name, answer in answers.items():
        if isinstance(answer, Fault):
            known[name] = answer
            continue
        for value, members in groups:
            if value == answer:
                members.append(name)
                break
        else:
            groups.append((answer, [name]))
    groups.sort(key=lambda group: -len(group[1]))
    winners = [group for group in groups if len(group[1]) >= quorum]
    if len(winners) == 1:
        value, members = winners[0]
        for _, others in groups[1:]:
            for name in others:
                known[name] = Fault("disagreed", f"answered {what} unlike {', '.join(members)}")
        return Agreement(value, tuple(members), known)
    for index, (_, members) in enumerate(groups):
        for name in members:
            known[name] = Fault("disagreed", f"answer {chr(65 + index % 26)} about {what}")
    counts = ", ".join(
        f"{len(m)} gave answer {chr(65 + i % 26)}" for i, (_, m) in enumerate(groups)
    )
    problem = "two answers each reached" if winners else "no answer reached"
    raise LedgerNoQuorumError(
        f"{problem} the quorum of {quorum} about {what}"
        + (f" ({counts})" if counts else "")
        + "; "
        + "; ".join(f"{name}: {fault}" for name, fault in known.items()),
        known,
    )


def agree_on_block(endpoints: Endpoints, finality: Finality) -> Agreement[BlockRef]:
    """The final block a quorum of the endpoints share: number, hash and state root identical.

    Each endpoint names its final block; the highest number at least ``quorum`` of them have
    reached is the one read; an endpoint whose final block is another is asked for its header
    at that number.

    Raises:
        LedgerNoQuorumError: too few endpoints answered, or they hold different blocks there.
    """

    def final(endpoint: Endpoint) -> BlockRef:
        return finality.final_block(endpoint.rpc, endpoints.client_version(endpoint))

    heads = endpoints.ask(final)
    numbers = sorted((b.number for b in heads.values() if isinstance(b, BlockRef)), reverse=True)
    if len(numbers) < endpoints.quorum:
        return agreed(heads, endpoints.quorum, "the final block")  # raises: too few answered
    target = numbers[endpoints.quorum - 1]
    others = [n for n, b in heads.items() if isinstance(b, BlockRef) and b.number != target]
    headers: dict[str, BlockRef | Fault] = dict(heads)
    if others:
        headers.update(endpoints.ask(lambda e: read_block(e.rpc, target), among=others))
    return agreed(headers, endpoints.quorum, f"block {target}")


def confirm_block(endpoints: Endpoints, block: BlockRef) -> Agreement[BlockRef]:
    """``block`` (given, e.g. by a witnessed checkpoint), once a quorum of the endpoints hold
    exactly this header at its number.

    Raises:
        LedgerNoQuorumError: fewer than ``quorum`` endpoints hold it.
    """
    headers = endpoints.ask(lambda e: read_block(e.rpc, block.number))
    checked = {
        name: _unlike(header, block) if isinstance(header, BlockRef) and header != block else header
        for name, header in headers.items()
    }
    return agreed(checked, endpoints.quorum, f"block {block.number}")


def _unlike(found: BlockRef, given: BlockRef) -> Fault:
    return Fault(
        "disagreed",
        f"holds block {found.number} with hash 0x{found.hash.hex()} and state root "
        f"0x{found.state_root.hex()}, not the given 0x{given.hash.hex()}",
    )
