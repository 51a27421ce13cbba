"""Auditor benchmark: replay, invariants and view comparison of a 1,000,000-certificate history.

Builds the history the issue names on its own anvil: 1,000 batch anchors of 1,000 certificates
(1,000,000 certificates; they never go on chain, only their batch roots), 8,000 revocations sent
as ``revokeBatch`` of 100, 1,000 suspensions and 1,000 reinstatements — about 11,000 events — with
pipelined sends (``TransactionSender.send_many``). Then measures, as medians of ``rounds``:

* replay alone (``eth_getLogs`` pages + decoding + invariants + state), in events per second;
* the full audit (replay + invariants + comparison of *every* anchor and status with the
  contract's views at the same block), in seconds: the issue's target is under 60 s;
* resuming from a checkpoint at the head (nothing new to replay; load, verify, compare);
* saving and loading that checkpoint alone.

    python scripts/bench.py --only audit --no-write
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from audit import Checkpoint, Rebuild, replay, run_audit
from ledger.anvil import LocalChain, dev_accounts
from ledger.artifact import load_artifact
from ledger.chain import RpcClient, connect
from ledger.contract import CONTRACT_NAME, HurenLedgerClient
from ledger.deploy import Deployment, deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, DEV_THRESHOLD, dev_founders
from ledger.events import EventReader
from ledger.sender import TransactionSender, TxRequest
from ledger.types import StatusReason

if TYPE_CHECKING:  # annotations only: the module also runs loaded from its path alone
    from benchmarks import Measurement

BATCHES = 1000
BATCH_SIZE = 1000
REVOCATIONS = 8000
SUSPENSIONS = 1000  # each later reinstated: 2 events
REVOKE_BATCH = 100


def build_history(url: str, scale: float) -> tuple[Deployment, dict[str, float]]:
    """Deploy and write the history; returns the deployment and the build figures."""
    w3 = connect(url)
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    deployment = deploy_ledger(
        w3, TransactionSender(w3, deployer.private_key), dev_founders(), DEV_THRESHOLD
    )
    clients = [
        HurenLedgerClient(
            w3, deployment.address, TransactionSender(w3, p.account.private_key, max_in_flight=500)
        )
        for p in DEV_PROVINCES
    ]
    started = time.perf_counter()
    batches = max(3, round(BATCHES * scale))
    roots: list[list[bytes]] = [[] for _ in clients]
    for i in range(batches):
        roots[i % len(clients)].append(secrets.token_bytes(32))
    sent = 0
    for client, own in zip(clients, roots, strict=True):
        calls = [client.calldata("anchor", root, BATCH_SIZE) for root in own]
        assert client.sender is not None
        client.sender.send_many(TxRequest(client.address, c) for c in calls)
        sent += len(calls)
    # status changes by the first province, over its own batches
    sh, sh_roots = clients[0], roots[0]
    assert sh.sender is not None
    revocations = round(REVOCATIONS * scale)
    digests = [secrets.token_bytes(32) for _ in range(revocations)]
    batch_calls = []
    for start in range(0, revocations, REVOKE_BATCH):
        part = digests[start : start + REVOKE_BATCH]
        part_roots = [sh_roots[(start + i) % len(sh_roots)] for i in range(len(part))]
        batch_calls.append(
            sh.calldata("revokeBatch", part, part_roots, int(StatusReason.SUPERSEDED), 0)
        )
    sh.sender.send_many(TxRequest(sh.address, c) for c in batch_calls)
    suspended = [secrets.token_bytes(32) for _ in range(round(SUSPENSIONS * scale))]
    for name, reason in (
        ("suspend", StatusReason.UNDER_INVESTIGATION),
        ("reinstate", StatusReason.INVESTIGATION_CLEARED),
    ):
        calls = [
            sh.calldata(name, d, sh_roots[i % len(sh_roots)], int(reason), 0)
            for i, d in enumerate(suspended)
        ]
        sh.sender.send_many(TxRequest(sh.address, c) for c in calls)
    sent += len(batch_calls) + 2 * len(suspended)
    seconds = time.perf_counter() - started
    return deployment, {
        "transactions": sent,
        "build_seconds": seconds,
        "certificates": batches * BATCH_SIZE,
        "batches": batches,
        "status_events": revocations + 2 * len(suspended),
    }


def _replay_once(url: str, deployment: Deployment) -> tuple[int, float]:
    rpc = RpcClient(url)
    head = int(rpc.call("eth_blockNumber"), 16)
    reader = EventReader(rpc, load_artifact(CONTRACT_NAME).abi)
    rebuild = Rebuild(bytes.fromhex(deployment.transaction_hash[2:]))
    stats = replay(rebuild, reader, deployment.address, deployment.block_number, head)
    if rebuild.violations:
        raise AssertionError(f"the benchmark history broke invariants: {rebuild.violations[:3]}")
    return stats.events, stats.seconds


def run(rounds: int = 5, scale: float = 1.0) -> list[Measurement]:
    """Build the history once, then measure ``rounds`` replays and full audits."""
    note = "anvil automine (cancun, base fee 0) on loopback; wall time"
    # A zero base fee stays zero: full blocks of revokeBatch would otherwise raise it past the
    # fee cap that send_many fixes when it starts, stranding the rest of the pipeline.
    with LocalChain(accounts=10, base_fee=0) as chain:
        deployment, built = build_history(chain.url, scale)
        w3 = connect(chain.url)
        replays = [_replay_once(chain.url, deployment) for _ in range(rounds)]
        events = replays[0][0]
        audits, compares = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            report = run_audit(w3, deployment)
            audits.append(time.perf_counter() - started)
            compares.append(report.seconds["compare"])
            if not report.ok:
                raise AssertionError("the benchmark history did not audit clean")
        checkpoint = Path(tempfile.mkdtemp()) / "audit.checkpoint"
        run_audit(w3, deployment, checkpoint=checkpoint, compare_views=False)
        resumes = []
        for _ in range(rounds):
            started = time.perf_counter()
            run_audit(w3, deployment, checkpoint=checkpoint)
            resumes.append(time.perf_counter() - started)
        checkpoint_bytes = checkpoint.stat().st_size
        saves, loads = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            saved = Checkpoint.load(checkpoint)
            loads.append(time.perf_counter() - started)
            started = time.perf_counter()
            saved.save(checkpoint)
            saves.append(time.perf_counter() - started)
    certificates = f"{built['certificates']:,.0f} certificates"
    history = (
        f"{certificates} in {built['batches']:,.0f} batches, {built['status_events']:,.0f} "
        f"status events, {events:,} events"
    )
    build_rate = built["transactions"] / built["build_seconds"]
    return [
        _m("audit: history build (anvil, send_many)", build_rate, "tx/s",
           f"{note}; {built['transactions']:,.0f} transactions, once"),
        _m("audit: events replayed per second", statistics.median(e / s for e, s in replays),
           "events/s", f"{note}; replay + invariants, {events:,} events"),
        _m("audit: full audit (replay + invariants + compare all)", statistics.median(audits),
           "s", f"{note}; {history}"),
        _m("audit: view comparison alone", statistics.median(compares), "s",
           f"{note}; anchorsOf/statusesOf in chunks of 500"),
        _m("audit: resume from checkpoint at head + compare", statistics.median(resumes), "s",
           f"{note}; checkpoint {checkpoint_bytes / 2**20:.1f} MiB"),
        _m("audit: checkpoint load (read, hash, decode)", statistics.median(loads), "s",
           f"{note}; {checkpoint_bytes / 2**20:.2f} MiB"),
        _m("audit: checkpoint save (encode, hash, fsync, rename)", statistics.median(saves), "s",
           f"{note}; {checkpoint_bytes / 2**20:.2f} MiB"),
    ]  # fmt: skip


def _m(name: str, value: float, unit: str, note: str) -> Measurement:
    return {"name": name, "value": round(value, 3), "unit": unit, "command_note": note}
