"""Cutting batches: oldest first, full or old enough (or forced), each under its members' root."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from certificate import MerkleTree, SigningKey
from certificate.samples import sample_document
from province_nodes.batching import prepare_queued
from province_nodes.db import make_engine, migrate, unit_of_work
from province_nodes.envelope import MasterKey
from province_nodes.models import BatchRow, CertificateRow
from province_nodes.row_maker import RowMaker, make_rows

PROVINCE = 330000
ISSUED_AT = 1_000


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def _queue(engine: Engine, count: int) -> list[bytes]:
    """Issue ``count`` certificates at ISSUED_AT, one by one; their digests in queue order."""
    maker = RowMaker(MasterKey(os.urandom(32)), PROVINCE)
    documents = [
        sample_document("business_licence", seed=700 + i, province=PROVINCE) for i in range(count)
    ]
    digests = []
    for row in make_rows(maker, SigningKey.generate(), documents, ISSUED_AT):
        assert isinstance(row, dict)
        with unit_of_work(engine) as session:
            session.add(CertificateRow(**row))
        digests.append(row["digest"])
    return digests


def _cut(engine: Engine, *, now: int, force: bool = False) -> int | None:
    with unit_of_work(engine) as session:
        return prepare_queued(session, batch_size=3, max_wait=60, now=now, force=force)


def _members(engine: Engine, batch_id: int) -> tuple[BatchRow, list[tuple[int | None, bytes]]]:
    with Session(engine) as session:
        batch = session.get(BatchRow, batch_id)
        assert batch is not None
        members = session.exec(
            select(CertificateRow.leaf_index, CertificateRow.digest)
            .where(CertificateRow.batch_id == batch_id)
            .order_by(col(CertificateRow.seq))
        ).all()
    return batch, list(members)


def test_full_batches_go_at_once_a_partial_one_waits(engine: Engine) -> None:
    digests = _queue(engine, 5)
    first = _cut(engine, now=ISSUED_AT + 1)  # three queued: a full batch
    assert first is not None
    assert _cut(engine, now=ISSUED_AT + 59) is None  # two left, queued for less than 60 s
    second = _cut(engine, now=ISSUED_AT + 60)
    assert second is not None
    assert _cut(engine, now=ISSUED_AT + 60, force=True) is None  # nothing left

    for batch_id, expected in ((first, digests[:3]), (second, digests[3:])):
        batch, members = _members(engine, batch_id)
        assert members == list(enumerate(expected))  # queue order is leaf order
        assert batch.count == len(expected)
        assert batch.root == MerkleTree.from_entries(expected).root
        assert batch.created_at == ISSUED_AT + (1 if batch_id == first else 60)


def test_force_cuts_a_young_partial_batch(engine: Engine) -> None:
    digests = _queue(engine, 2)
    assert _cut(engine, now=ISSUED_AT) is None
    batch_id = _cut(engine, now=ISSUED_AT, force=True)
    assert batch_id is not None
    batch, members = _members(engine, batch_id)
    assert members == list(enumerate(digests))
    assert batch.root == MerkleTree.from_entries(digests).root
