"""Ledger benchmark: gas of each contract write and anchors per second through the Python sender.

Each of ``rounds`` rounds starts its own anvil (``LocalChain``, automine, cancun), deploys the
development ledger and measures the gas profile of ``tests/ledger/contract_helpers.py`` (the
one the contract tests check against budgets) and the anchoring rate of ``TransactionSender``:
sequential ``send`` (one anchor waits for its receipt before the next) and pipelined
``send_many``. Values are medians of the rounds.

    python scripts/bench.py --only ledger --no-write
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.ledger.contract_helpers import (
    SHANGHAI,
    anchor_rate,
    gas_profile,
    median,
    private_ledger,
)

if TYPE_CHECKING:  # annotations only: the module also runs loaded from its path alone
    from benchmarks import Measurement

SEQUENTIAL_ANCHORS = 200
"""Anchors sent one after another per round, at scale 1."""
PIPELINED_ANCHORS = 1000
"""Anchors sent through one ``send_many`` per round, at scale 1."""


def run(rounds: int = 5, scale: float = 1.0) -> list[Measurement]:
    """Measure on a fresh local chain; returns ``{"name", "value", "unit", "command_note"}``
    records, each value the median of ``rounds`` rounds."""
    sequential_count = max(1, round(SEQUENTIAL_ANCHORS * scale))
    pipelined_count = max(1, round(PIPELINED_ANCHORS * scale))
    gas: dict[str, list[float]] = {}
    sequential: list[float] = []
    pipelined: list[float] = []
    for _ in range(rounds):
        # A fresh chain per round: anvil mines more slowly as its in-memory state grows (~260
        # anchors/s on a new chain, ~100/s after 1,600 more blocks), so rounds on one chain
        # would measure its history rather than the sender, and no two rounds would be alike.
        with private_ledger() as ledger:
            client = ledger.clients[SHANGHAI]
            for name, used in gas_profile(client).items():
                gas.setdefault(name, []).append(used)
            sequential.append(anchor_rate(client, sequential_count, pipelined=False))
            pipelined.append(anchor_rate(client, pipelined_count, pipelined=True))

    chain = "new anvil per round, automine (cancun), loopback, one account"
    results: list[Measurement] = [
        {
            "name": f"gas {name}",
            "value": median(values),
            "unit": "gas",
            "command_note": "steady state (counters non-zero); revokeBatch = batch of 100 / 100",
        }
        for name, values in gas.items()
    ]
    results += [
        {
            "name": "anchors/s, sequential send",
            "value": round(median(sequential), 1),
            "unit": "anchors/s",
            "command_note": f"{sequential_count} anchors, each waits for its receipt; {chain}",
        },
        {
            "name": "anchors/s, pipelined send_many",
            "value": round(median(pipelined), 1),
            "unit": "anchors/s",
            "command_note": (
                f"{pipelined_count} anchors in one send_many (gas estimated, batches of 100); "
                f"{chain}"
            ),
        },
    ]
    return results
