"""The bulk path's worker processes seal exactly what the node's own process would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from certificate import SigningKey, parse_sealed, verify_digest, verify_signature
from certificate.samples import SAMPLE_KINDS, sample_document
from province_nodes.envelope import MasterKey, open_envelope
from province_nodes.row_maker import RowMaker, make_rows
from province_nodes.sealing_pool import SealingPool, _alive

PROVINCE = 330000


def _documents(count: int) -> list[object]:
    documents: list[object] = [
        sample_document(SAMPLE_KINDS[i % len(SAMPLE_KINDS)], seed=i, province=PROVINCE)
        for i in range(count)
    ]
    documents[3] = {"format": "huren/certificate/1"}  # refused: fields missing
    documents[17] = "not an object"
    return documents


def test_workers_seal_like_the_node_and_follow_key_rotation() -> None:
    master = MasterKey(os.urandom(32))
    row_maker = RowMaker(master, PROVINCE)
    documents = _documents(40)
    first, second = SigningKey.generate(), SigningKey.generate()
    pool = SealingPool(row_maker, workers=2, min_items=1)
    try:
        expected = make_rows(row_maker, first, documents, 7)
        for key in (first, second):
            got = pool.seal(documents, key, 7)
            assert [type(item) for item in got] == [type(item) for item in expected]
            assert [p for p in got if isinstance(p, tuple)] == [
                p for p in expected if isinstance(p, tuple)
            ]
            rows = [r for r in got if isinstance(r, dict)]
            assert [r["certificate_id"] for r in rows] == [
                r["certificate_id"] for r in expected if isinstance(r, dict)
            ]
            for row in rows:
                sealed = parse_sealed(open_envelope(master, row["certificate_id"], row["envelope"]))
                assert verify_digest(sealed) == row["digest"]
                verify_signature(sealed, key.spki_der, key.algorithm)
                assert row["key_id"] == key.key_id and row["issued_at"] == 7
    finally:
        pool.close()


def test_small_requests_and_single_worker_stay_in_process() -> None:
    row_maker = RowMaker(MasterKey(os.urandom(32)), PROVINCE)
    key = SigningKey.generate()
    for pool in (
        SealingPool(row_maker, workers=2, min_items=100),
        SealingPool(row_maker, workers=1),
    ):
        got = pool.seal(_documents(20), key, 1)
        assert len(got) == 20 and isinstance(got[3], tuple)
        assert pool._executor is None


def test_a_dead_worker_costs_speed_not_certificates() -> None:
    row_maker = RowMaker(MasterKey(os.urandom(32)), PROVINCE)
    key = SigningKey.generate()
    documents = _documents(30)
    pool = SealingPool(row_maker, workers=2, min_items=1)
    try:
        pool.seal(documents, key, 1)  # starts the workers
        assert pool._executor is not None
        victim = next(iter(pool._executor._processes.values()))
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        got = pool.seal(documents, key, 1)
        expected = make_rows(row_maker, key, documents, 1)
        assert [r["certificate_id"] if isinstance(r, dict) else r for r in got] == [
            r["certificate_id"] if isinstance(r, dict) else r for r in expected
        ]
    finally:
        pool.close()


_ORPHANING_NODE = """
import os, sys
from certificate import SigningKey
from certificate.samples import sample_document
from province_nodes.envelope import MasterKey
from province_nodes.row_maker import RowMaker
from province_nodes.sealing_pool import SealingPool, _alive

pool = SealingPool(RowMaker(MasterKey(os.urandom(32)), 330000), workers=2, min_items=1)
pool.seal([sample_document("driving_licence", seed=i, province=330000) for i in range(4)],
          SigningKey.generate(), 1)
print(" ".join(str(pid) for pid in pool._executor._processes), flush=True)
os._exit(0)  # killed: no close, no shutdown of the pool
"""


def test_workers_holding_the_keys_exit_when_the_node_dies() -> None:
    node = subprocess.run(
        [sys.executable, "-c", _ORPHANING_NODE], capture_output=True, text=True, timeout=30,
        check=True,
    )  # fmt: skip
    workers = [int(pid) for pid in node.stdout.split()]
    assert workers  # started on demand: at least one
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
