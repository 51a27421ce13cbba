"""Shared fixtures for the whole suite: one real anvil per session and the ledger deployed on it.

The chain is shared by every test of the session, so tests use fresh random roots and digests
and never assume an empty ledger; a test that needs a pristine contract deploys its own with
:func:`ledger.devnet.deploy_dev_ledger` (one transaction).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from web3 import Web3

from ledger.anvil import LocalChain
from ledger.chain import connect
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES, deploy_dev_ledger
from ledger.sender import TransactionSender

# Hypothesis, for every property test of the suite (a test's own @settings only adds to this):
# - no per-example deadline: the default 200 ms measures the machine, not the code, and a
#   shared 2-core CI machine misses it now and then; slowness is the benchmarks' business;
# - under CI (CI set), derandomized: the same examples on every run, so a run cannot fail on
#   an example the previous one never drew; developers' runs keep drawing new examples, and a
#   failure prints the blob that replays it (@reproduce_failure).
settings.register_profile("huren", deadline=None, print_blob=True)
settings.register_profile("huren-ci", settings.get_profile("huren"), derandomize=True)
settings.load_profile("huren-ci" if os.environ.get("CI") else "huren")

POSTGRES_URL_ENV = "HUREN_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "HUREN_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def local_chain() -> Iterator[LocalChain]:
    """A real anvil on a free loopback port, for the whole session."""
    with LocalChain(accounts=12) as chain:
        yield chain


@pytest.fixture(scope="session")
def w3(local_chain: LocalChain) -> Web3:
    """A Web3 connected to the session's chain."""
    return connect(local_chain.url)


@pytest.fixture(scope="session")
def deployment(w3: Web3) -> Deployment:
    """The session's ledger: the three development provinces, threshold 2."""
    return deploy_dev_ledger(w3)


@pytest.fixture(scope="session")
def ledger_client(w3: Web3, deployment: Deployment) -> Callable[[int], HurenLedgerClient]:
    """``ledger_client(code)``: a client writing as that development province."""
    clients: dict[int, HurenLedgerClient] = {}
    by_code = {p.code: p for p in DEV_PROVINCES}

    def client(code: int) -> HurenLedgerClient:
        if code not in clients:
            sender = TransactionSender(w3, by_code[code].account.private_key)
            clients[code] = HurenLedgerClient(w3, deployment.address, sender)
        return clients[code]

    return client


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL URL for tests that need a real server; skips (or fails in CI) without it."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        message = (
            f"PostgreSQL tests need a server: set {POSTGRES_URL_ENV}="
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
