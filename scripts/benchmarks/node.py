"""Province node benchmark: issuance through the HTTP API and the bulk path, end to end.

On a fresh anvil with the ledger deployed, each round starts a Zhejiang node on a fresh store
(SQLite file; PostgreSQL too when ``HUREN_TEST_POSTGRES_URL`` is set, in a fresh schema) with
batch size 1024 and measures, as medians of ``rounds``:

* HTTP: ``POST /certificates`` one at a time through the app in-process (ASGI, no sockets):
  p50 / p99 latency of a request (validate, seal, encrypt, commit with the queue), requests/s,
  and certificates issued *and anchored* per second (issuing plus the batcher's flush);
* bulk: ``POST /certificates/bulk`` with NDJSON: certificates stored per second, and issued and
  anchored per second;
* gas per certificate: ``anchor`` gas of a full batch of 1024 divided by 1024.

    python scripts/bench.py --only node --no-write
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient
from hexbytes import HexBytes
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlmodel import select

from certificate.samples import SAMPLE_KINDS, sample_document
from ledger.anvil import LocalChain, dev_accounts
from ledger.chain import connect
from ledger.deploy import deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, DEV_THRESHOLD, dev_founders
from ledger.sender import TransactionSender
from province_nodes.app import create_app
from province_nodes.auth import create_credential
from province_nodes.db import unit_of_work
from province_nodes.models import BatchRow
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from province_nodes.types import Role

if TYPE_CHECKING:  # annotations only: the module also runs loaded from its path alone
    from benchmarks import Measurement

PROVINCE = 330000
BATCH_SIZE = 1024
HTTP_COUNT = 400
BULK_COUNT = 5000
CHAIN_KEY = {p.code: p.account.private_key for p in DEV_PROVINCES}[PROVINCE]


def _documents(count: int) -> list[dict[str, Any]]:
    return [
        sample_document(SAMPLE_KINDS[i % len(SAMPLE_KINDS)], seed=i, province=PROVINCE)
        for i in range(count)
    ]


def _ndjson(documents: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(d, ensure_ascii=False) for d in documents).encode()


@contextmanager
def _node(chain: LocalChain, deployment_file: Path, database_url: str | None) -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = NodeSettings(
            province=PROVINCE,
            mode="dev",
            data_dir=Path(tmp),
            database_url=database_url,
            rpc_url=chain.url,
            deployment_file=deployment_file,
            chain_key=SecretStr(CHAIN_KEY),
            master_key=SecretStr(base64.b64encode(os.urandom(32)).decode()),
            batch_size=BATCH_SIZE,
            run_batcher=False,
            max_bulk_bytes=1 << 30,
            max_bulk_items=1 << 20,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            node: ProvinceNode = app.state.node
            token = create_credential(node.engine, Role.OPERATOR)
            yield client, node, {"Authorization": f"Bearer {token}"}


@contextmanager
def _postgres_schema(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def http_round(client: TestClient, node: ProvinceNode, headers: dict[str, str],
               documents: list[dict[str, Any]]) -> dict[str, float]:  # fmt: skip
    """Issue one by one through the API, then anchor; latencies and rates."""
    latencies = []
    start = time.perf_counter()
    for document in documents:
        t0 = time.perf_counter()
        response = client.post("/certificates", json=document, headers=headers)
        latencies.append(time.perf_counter() - t0)
        if response.status_code != 201:
            raise RuntimeError(response.text)
    issued = time.perf_counter()
    node.batcher.flush()
    done = time.perf_counter()
    latencies.sort()
    return {
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "issue_rate": len(documents) / (issued - start),
        "end_to_end": len(documents) / (done - start),
    }


def bulk_round(client: TestClient, node: ProvinceNode, headers: dict[str, str],
               body: bytes, count: int) -> dict[str, float]:  # fmt: skip
    """Bulk-issue NDJSON, then anchor; rates and gas per certificate of a full batch."""
    start = time.perf_counter()
    response = client.post(
        "/certificates/bulk",
        content=body,
        headers={**headers, "Content-Type": "application/x-ndjson"},
    )
    if response.status_code != 201:
        raise RuntimeError(response.text[:2000])
    stored = time.perf_counter()
    node.batcher.flush()
    done = time.perf_counter()
    w3 = node.chain.client().w3
    with unit_of_work(node.engine) as session:
        full = session.exec(select(BatchRow).where(BatchRow.count == BATCH_SIZE)).first()
    gas = float("nan")
    if full is not None and full.tx_hash is not None:
        receipt = w3.eth.get_transaction_receipt(HexBytes(full.tx_hash))
        gas = receipt["gasUsed"] / BATCH_SIZE
    return {
        "bulk_rate": count / (stored - start),
        "end_to_end": count / (done - start),
        "gas_per_certificate": gas,
    }


def run(rounds: int = 5, scale: float = 1.0) -> list[Measurement]:
    """Measure; returns ``{"name", "value", "unit", "command_note"}`` records (medians)."""
    http_count = max(10, round(HTTP_COUNT * scale))
    bulk_count = max(BATCH_SIZE, round(BULK_COUNT * scale))
    http_docs = _documents(http_count)
    bulk_docs = _documents(bulk_count)
    body = _ndjson(bulk_docs)
    postgres = os.environ.get("HUREN_TEST_POSTGRES_URL")
    stores = ["sqlite"] + (["postgresql"] if postgres else [])
    samples: dict[str, list[float]] = {}

    def keep(prefix: str, values: dict[str, float]) -> None:
        for key, value in values.items():
            samples.setdefault(f"{prefix} {key}", []).append(value)

    with tempfile.TemporaryDirectory() as tmp, LocalChain(accounts=5) as chain:
        w3 = connect(chain.url)
        deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
        deployment = deploy_ledger(
            w3, TransactionSender(w3, deployer.private_key), dev_founders(), DEV_THRESHOLD
        )
        deployment_file = Path(tmp) / "deployment.json"
        deployment.save(deployment_file)
        for _ in range(rounds):
            for store in stores:
                with (
                    _store_url(store, postgres) as url,
                    _node(chain, deployment_file, url) as (client, node, headers),
                ):
                    keep(f"{store} http", http_round(client, node, headers, http_docs))
                with (
                    _store_url(store, postgres) as url,
                    _node(chain, deployment_file, url) as (client, node, headers),
                ):
                    keep(f"{store} bulk", bulk_round(client, node, headers, body, bulk_count))

    setup = (
        f"batch size {BATCH_SIZE}; anvil automine (cancun) on loopback; node in-process "
        f"(FastAPI TestClient, no sockets); 2-core shared machine"
    )
    units = {
        "p50": ("ms", f"{http_count} sequential POST /certificates; latency"),
        "p99": ("ms", f"{http_count} sequential POST /certificates; latency"),
        "issue_rate": ("certs/s", f"{http_count} sequential POST /certificates, stored+queued"),
        "bulk_rate": (
            "certs/s",
            f"POST /certificates/bulk of {bulk_count} (NDJSON), stored+batched",
        ),
        "gas_per_certificate": ("gas", "anchor() gasUsed of a full batch / 1024"),
    }
    results: list[Measurement] = []
    for name, values in samples.items():
        key = name.split(" ", 2)[2]
        path = name.split(" ")[1]
        unit, note = units.get(
            key,
            (
                "certs/s",
                f"{http_count if path == 'http' else bulk_count} certificates issued and anchored "
                f"(issue + batcher flush)",
            ),
        )
        results.append(
            {
                "name": f"node {name}",
                "value": round(statistics.median(values), 2),
                "unit": unit,
                "command_note": f"{note}; {setup}",
            }
        )
    return results


@contextmanager
def _store_url(store: str, postgres: str | None) -> Iterator[str | None]:
    if store == "sqlite":
        yield None
    else:
        assert postgres is not None
        with _postgres_schema(postgres) as url:
            yield url
