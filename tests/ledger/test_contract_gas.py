"""Gas of every ledger write, against budgets, and the pipelined sender anchoring correctly.

The budgets sit about 10% above what the contract uses today, so a change that makes the hot
paths (anchor, status changes) markedly dearer fails here and has to move the budget on purpose.
Rates are printed only: timing assertions have no place in unit tests
(``scripts/benchmarks/ledger.py`` measures them).
"""

from __future__ import annotations

from collections.abc import Callable

from contract_helpers import ZHEJIANG, anchor_rate, gas_profile

from ledger.contract import HurenLedgerClient

ClientOf = Callable[[int], HurenLedgerClient]

GAS_BUDGETS = {
    "anchor": 60_000,
    "revoke": 65_000,
    "suspend": 65_000,
    "reinstate": 47_000,
    "revokeBatch_per_certificate": 32_000,
    "registerKey_ed25519": 165_000,
    "registerKey_p256": 190_000,
}


def test_every_write_stays_within_its_gas_budget(ledger_client: ClientOf) -> None:
    gas = gas_profile(ledger_client(ZHEJIANG))

    for name, used in gas.items():
        print(f"gas {name:<28} {used:>8,}  (budget {GAS_BUDGETS[name]:,})")
    assert gas.keys() == GAS_BUDGETS.keys()
    over = {name: used for name, used in gas.items() if used > GAS_BUDGETS[name]}
    assert not over, f"over budget: {over}"
    # A batch shares the transaction's base cost: it must beat single revocations clearly.
    assert gas["revokeBatch_per_certificate"] < gas["revoke"] * 0.6


def test_sequential_and_pipelined_anchors_all_land(ledger_client: ClientOf) -> None:
    client = ledger_client(ZHEJIANG)
    count = client.anchor_count()

    sequential = anchor_rate(client, 10, pipelined=False)
    pipelined = anchor_rate(client, 200, pipelined=True)

    print(f"anchors/s on the session chain: send {sequential:.0f}, send_many {pipelined:.0f}")
    assert client.anchor_count() == count + 210
