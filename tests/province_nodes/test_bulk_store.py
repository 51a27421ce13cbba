"""Bulk issuance stores batches while sealing goes on, and still stores all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from certificate.samples import sample_document
from province_nodes.db import make_engine, migrate
from province_nodes.envelope import MasterKey
from province_nodes.exceptions import NodeConflictError, NodeInputError
from province_nodes.issuance import Issuer
from province_nodes.keys import KeyRing
from province_nodes.models import BatchRow, CertificateRow

PROVINCE = 330000


def _documents(first: int, count: int) -> list[dict[str, object]]:
    return [
        sample_document("business_licence", seed=first + i, province=PROVINCE) for i in range(count)
    ]


def _stored(issuer: Issuer) -> tuple[int, int]:
    with Session(issuer.engine) as session:
        rows = session.exec(select(func.count()).select_from(CertificateRow)).one()
        batches = session.exec(select(func.count()).select_from(BatchRow)).one()
    return rows, batches


@pytest.mark.parametrize("workers", [1, 2])
def test_all_or_nothing_whatever_order_the_failures_come_in(tmp_path: Path, workers: int) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    migrate(engine)
    master = MasterKey(os.urandom(32))
    keys = KeyRing(engine, master)
    keys.load_or_create()
    issuer = Issuer(engine, master, keys, PROVINCE, workers=workers)
    issuer.pool.min_items = 1
    try:
        stored = _documents(5000, 20)
        result = issuer.issue_bulk(stored, batch_size=8)
        assert result.batches == 3 and len(result.certificate_ids) == 20
        assert _stored(issuer) == (20, 3)

        fresh = _documents(6000, 12)  # a first batch of 8 is written before the failures
        with pytest.raises(NodeInputError) as invalid:
            issuer.issue_bulk([*fresh, stored[0], {"format": "huren/certificate/1"}], 8)
        assert [d["index"] for d in invalid.value.detail] == [13]
        with pytest.raises(NodeConflictError, match="already exists"):
            issuer.issue_bulk([*fresh, stored[0]], batch_size=8)
        with pytest.raises(NodeConflictError, match=str(fresh[9]["identifier"])):
            issuer.issue_bulk([*fresh, fresh[9]], batch_size=8)
        assert _stored(issuer) == (20, 3)

        assert len(issuer.issue_bulk(fresh, batch_size=8).certificate_ids) == 12
        assert _stored(issuer) == (32, 5)
    finally:
        issuer.close()
        engine.dispose()
