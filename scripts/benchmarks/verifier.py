"""Verifier benchmark: single and batch verifications per second, and ``POST /verify`` latency.

Starts its own anvil, deploys the development ledger, issues real certificates (Ed25519 keys
registered on chain, sample documents of every type, batches of 1,000 anchored), then per round:

- single: :func:`verifier.verify` of one file after another (parse, every check, one set of
  ``eth_call`` per certificate through :class:`Web3ChainView`, key records cached 5 s);
- batch: :func:`verifier.verify_many` of 10,000 files (parse, bulk fetch of anchors, statuses,
  keys and provinces, every check), end to end in this one Python thread;
- HTTP: ``POST /verify`` of one file at a time to the agency service run by uvicorn in a
  subprocess on loopback (one worker; it reads through :class:`QuorumChainView`, state proofs
  on the one endpoint), p50 and p99 of the request latency seen by the client.

Then it writes 20,000 statuses of other certificates, so that storage proofs are as deep as in
a ledger in use, and per round measures the batch again three ways, for their ratios at the
same state: plain (view calls); through :class:`QuorumChainView` on the one endpoint (an agreed
final block, every value read with ``eth_getProof`` and checked against its state root); and on
two endpoints (the same anvil under two names: the cost of asking and comparing twice, in
parallel threads). Anvil rebuilds the storage trie for every ``eth_getProof`` (the note gives
its time); a node with a persistent trie (geth, Besu) does not.

Verification runs in one thread (one core); anvil runs in its own process.

    python scripts/bench.py --only verifier --no-write
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx

from certificate.document import build_document
from certificate.samples import sample_documents
from certificate.sealing import seal
from ledger.anvil import LocalChain, dev_accounts
from ledger.chain import RpcClient, connect
from ledger.contract import HurenLedgerClient
from ledger.deploy import deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, DEV_THRESHOLD, dev_founders
from ledger.sender import TransactionSender
from ledger.state_proof import proof_request
from ledger.types import StatusReason
from tests.verifier.verifier_support import Issuer
from verifier import Verdict, Web3ChainView, verify, verify_many
from verifier.quorum_view import QuorumChainView
from verifier.service import hash_token

if TYPE_CHECKING:  # annotations only: the module also runs loaded from its path alone
    from benchmarks import Measurement

_ROOT = Path(__file__).resolve().parents[2]

SINGLE = 300
"""Single verifications per round, at scale 1."""
BATCH = 10_000
"""Certificates per batch verification, at scale 1."""
HTTP_REQUESTS = 500
"""``POST /verify`` requests per round, at scale 1."""
ANCHOR_BATCH = 1000
"""Certificates per anchored Merkle batch when preparing."""
FILLER_STATUSES = 20_000
"""Status entries of other certificates written before measuring (revokeBatch of random
digests), so storage proofs go as deep as in a ledger in use (about 4 trie levels)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _issue(chain_url: str, count: int) -> tuple[Any, list[str]]:
    """Deploy a ledger and issue ``count`` anchored certificates from the three provinces."""
    w3 = connect(chain_url)
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    deployment = deploy_ledger(
        w3, TransactionSender(w3, deployer.private_key), dev_founders(), DEV_THRESHOLD
    )
    issuers = {
        p.code: Issuer(
            HurenLedgerClient(w3, deployment.address, TransactionSender(w3, p.account.private_key)),
            p.code,
            w3.eth.chain_id,
        )
        for p in DEV_PROVINCES
    }
    by_province: dict[int, list[Any]] = {code: [] for code in issuers}
    for document in sample_documents(count, seed=secrets.randbelow(2**31)):
        built = build_document(document)
        by_province[built.issuing_province].append(seal(built, issuers[built.issuing_province].key))
    files: list[str] = []
    for code, sealed in by_province.items():
        for start in range(0, len(sealed), ANCHOR_BATCH):
            anchored = issuers[code].anchor(sealed[start : start + ANCHOR_BATCH])
            files.extend(s.to_json() for s in anchored)
    return deployment, files


def _fill(chain_url: str, deployment: Any) -> None:
    """Write :data:`FILLER_STATUSES` statuses of other (random) certificates."""
    w3 = connect(chain_url)
    province = DEV_PROVINCES[0]
    client = HurenLedgerClient(
        w3, deployment.address, TransactionSender(w3, province.account.private_key)
    )
    root = secrets.token_bytes(32)
    client.anchor(root, 1)
    for _ in range(0, FILLER_STATUSES, 200):
        digests = [secrets.token_bytes(32) for _ in range(200)]
        client.revoke_batch(digests, [root] * len(digests), StatusReason.FRAUD)


def _serve(
    chain_url: str, deployment: Any, folder: Path
) -> tuple[subprocess.Popen[bytes], str, str]:
    """Run the agency service in a uvicorn subprocess; returns it, its URL and a clerk token."""
    record = folder / "deployment.json"
    deployment.save(record)
    token = secrets.token_urlsafe(32)
    port = _free_port()
    env = {
        **os.environ,
        "HUREN_AGENCY_AGENCY_ID": "bench-agency",
        "HUREN_AGENCY_RPC_URL": chain_url,
        "HUREN_AGENCY_DEPLOYMENT_FILE": str(record),
        "HUREN_AGENCY_DATABASE_URL": f"sqlite:///{folder / 'agency.db'}",
        "HUREN_AGENCY_CLERK_TOKEN_HASHES": f'["{hash_token(token)}"]',
        "PYTHONPATH": str(_ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "verifier.service.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/docs", timeout=1)
            return process, url, token
        except httpx.HTTPError:
            if process.poll() is not None:
                raise RuntimeError("the agency service exited at start") from None
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the agency service did not start within 30 s")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(rounds: int = 5, scale: float = 1.0) -> list[Measurement]:
    """Measure on a fresh local chain; returns ``{"name", "value", "unit", "command_note"}``
    records, each value the median of ``rounds`` rounds."""
    single_count = max(10, round(SINGLE * scale))
    batch_count = max(10, round(BATCH * scale))
    http_count = max(20, round(HTTP_REQUESTS * scale))
    single_rates: list[float] = []
    batch_rates: list[float] = []
    plain_rates: list[float] = []
    proven_rates: list[float] = []
    two_rates: list[float] = []
    p50s: list[float] = []
    p99s: list[float] = []
    with LocalChain(accounts=6) as chain, tempfile.TemporaryDirectory() as tmp:
        deployment, files = _issue(chain.url, batch_count)
        view = Web3ChainView.for_deployment(connect(chain.url), deployment)
        proven = QuorumChainView.for_deployment([chain.url], deployment)
        two = QuorumChainView.for_deployment(
            [chain.url, chain.url.replace("127.0.0.1", "localhost")], deployment
        )
        process, url, token = _serve(chain.url, deployment, Path(tmp))
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
                for f in files[:20]:  # warm up: connections, caches, first-call imports
                    http.post("/verify", content=f)
                for _ in range(rounds):
                    started = time.perf_counter()
                    reports = [verify(f, view) for f in files[:single_count]]
                    single_rates.append(single_count / (time.perf_counter() - started))
                    assert all(r.verdict is Verdict.VALID for r in reports)

                    started = time.perf_counter()
                    reports = verify_many(files[:batch_count], view)
                    batch_rates.append(batch_count / (time.perf_counter() - started))
                    assert all(r.verdict is Verdict.VALID for r in reports)

                    latencies: list[float] = []
                    for f in files[:http_count]:
                        started = time.perf_counter()
                        answer = http.post("/verify", content=f)
                        latencies.append((time.perf_counter() - started) * 1000)
                        assert answer.json()["verdict"] == "VALID"
                    p50s.append(_percentile(latencies, 0.50))
                    p99s.append(_percentile(latencies, 0.99))
        finally:
            process.terminate()
            process.wait(timeout=30)
        # Proofs as deep as in a ledger in use; anvil then rebuilds a larger storage trie for
        # every eth_getProof, which is why the single and HTTP figures above come first.
        _fill(chain.url, deployment)
        started = time.perf_counter()
        with RpcClient(chain.url) as rpc:
            rpc.call(*proof_request(deployment.address, [0], "latest"))
        anvil_proof_ms = (time.perf_counter() - started) * 1000
        for _ in range(rounds):
            for rates, batch_view in (
                (plain_rates, view),
                (proven_rates, proven),
                (two_rates, two),
            ):
                started = time.perf_counter()
                reports = verify_many(files[:batch_count], batch_view)
                rates.append(batch_count / (time.perf_counter() - started))
                assert all(r.verdict is Verdict.VALID for r in reports)
        proven.close()
        two.close()

    where = "anvil automine (cancun) on loopback; verification in one Python thread"
    plain_rate, proven_rate, two_rate = (
        statistics.median(r) for r in (plain_rates, proven_rates, two_rates)
    )
    return [
        {
            "name": "single verifications (verify, one after another)",
            "value": statistics.median(single_rates),
            "unit": "certificates/s",
            "command_note": f"{single_count} files per round; {where}",
        },
        {
            "name": "batch verifications (verify_many, 10,000 at scale 1)",
            "value": statistics.median(batch_rates),
            "unit": "certificates/s",
            "command_note": f"{batch_count} files per round, bulk chain reads; {where}",
        },
        {
            "name": "batch verifications with state proofs, one endpoint",
            "value": proven_rate,
            "unit": "certificates/s",
            "command_note": f"{batch_count} files per round, QuorumChainView on one endpoint; "
            f"{proven_rate / plain_rate:.2f} times the plain batch at the same state "
            f"({plain_rate:,.0f}/s); "
            f"storage holds {FILLER_STATUSES:,} other statuses, for which anvil spends "
            f"{anvil_proof_ms:.0f} ms on every eth_getProof; {where}",
        },
        {
            "name": "batch verifications with state proofs, two endpoints",
            "value": two_rate,
            "unit": "certificates/s",
            "command_note": f"{batch_count} files per round, QuorumChainView on two endpoints "
            f"(one anvil, two names), quorum 2; {two_rate / proven_rate:.2f} times one endpoint "
            f"with proofs, {two_rate / plain_rate:.2f} times the plain batch; {where}",
        },
        {
            "name": "POST /verify latency p50",
            "value": statistics.median(p50s),
            "unit": "ms",
            "command_note": f"{http_count} sequential requests per round; uvicorn subprocess, "
            "1 worker, loopback; state proofs on one endpoint",
        },
        {
            "name": "POST /verify latency p99",
            "value": statistics.median(p99s),
            "unit": "ms",
            "command_note": f"{http_count} sequential requests per round; uvicorn subprocess, "
            "1 worker, loopback; state proofs on one endpoint",
        },
    ]
