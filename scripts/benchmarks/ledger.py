"""Ledger benchmark: gas of each contract write and anchors per second through the Python sender.

Starts its own anvil (``LocalChain``, automine, cancun), deploys the development ledger and, for
each of ``rounds`` rounds, measures the gas profile of ``tests/ledger/contract_helpers.py`` (the
one the contract tests check against budgets) and the anchoring rate of ``TransactionSender``:
sequential ``send`` (one anchor waits for its receipt before the next) and pipelined
``send_many``. Values are medians of the rounds.

    .venv/bin/python scripts/benchmarks/ledger.py [--rounds 5] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
# Run as a script, this folder heads sys.path and this file's name would shadow the ledger package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.ledger.contract_helpers import (  # noqa: E402
    SHANGHAI,
    anchor_rate,
    gas_profile,
    median,
    private_ledger,
)

SEQUENTIAL_ANCHORS = 200
"""Anchors sent one after another per round, at scale 1."""
PIPELINED_ANCHORS = 1000
"""Anchors sent through one ``send_many`` per round, at scale 1."""


def run(rounds: int = 5, scale: float = 1.0) -> list[dict[str, Any]]:
    """Measure on a fresh local chain; returns ``{"name", "value", "unit", "command_note"}``
    records, each value the median of ``rounds`` rounds."""
    sequential_count = max(1, round(SEQUENTIAL_ANCHORS * scale))
    pipelined_count = max(1, round(PIPELINED_ANCHORS * scale))
    gas: dict[str, list[float]] = {}
    sequential: list[float] = []
    pipelined: list[float] = []
    with private_ledger() as ledger:
        client = ledger.clients[SHANGHAI]
        for _ in range(rounds):
            for name, used in gas_profile(client).items():
                gas.setdefault(name, []).append(used)
            sequential.append(anchor_rate(client, sequential_count, pipelined=False))
            pipelined.append(anchor_rate(client, pipelined_count, pipelined=True))

    chain = "anvil automine (cancun) on loopback, one account"
    results: list[dict[str, Any]] = [
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    for record in run(rounds=args.rounds, scale=args.scale):
        print(f"{record['name']:<40} {record['value']:>12,.1f} {record['unit']:<10} "
              f"{record['command_note']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
