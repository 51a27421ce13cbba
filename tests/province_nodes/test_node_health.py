"""``/health`` and ``/health/ready``: every unanchored certificate counted, a failing batcher
reported (503 for monitoring, still ready for load balancers), nothing internal told to anyone
without a credential."""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from node_helpers import AGENCY, RunningNode, SettingsFactory, start_node
from sqlmodel import col, select
from tcp_proxy import CuttableProxy

from certificate.samples import sample_document
from province_nodes.db import unit_of_work
from province_nodes.models import BatchRow, CertificateRow


def _bulk(running: RunningNode, count: int) -> None:
    documents = [
        sample_document("business_licence", seed=2000 + i, province=330000) for i in range(count)
    ]
    response = running.client.post(
        "/certificates/bulk", json=documents, headers=running.headers("operator")
    )
    assert response.status_code == 201, response.text


def _swap_two_leaves_of_the_last_batch(running: RunningNode) -> None:
    """Make the last batch's members no longer hash to its root, as a damaged store would."""
    with unit_of_work(running.node.engine) as session:
        last = session.exec(select(BatchRow.id).order_by(col(BatchRow.id).desc())).first()
        first, second = session.exec(
            select(CertificateRow).where(CertificateRow.batch_id == last).limit(2)
        ).all()
        first.leaf_index, second.leaf_index = second.leaf_index, first.leaf_index
        session.add_all([first, second])


def test_health_counts_every_unanchored_certificate_and_reports_a_failing_batcher(
    zhejiang: RunningNode,
) -> None:
    _bulk(zhejiang, 20)  # batch size 8: three batches cut at once (8 + 8 + 4)
    zhejiang.issue(1)  # and one queued
    health = zhejiang.client.get("/health")
    assert health.status_code == 200, health.text
    assert (health.json()["status"], health.json()["pending"]) == ("ok", 21)

    _swap_two_leaves_of_the_last_batch(zhejiang)
    batcher = zhejiang.node.batcher
    batcher.start()  # anchors the first two batches, then fails on the third at every pass
    deadline = time.monotonic() + 30
    while batcher.failures < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert batcher.failures >= 2

    health = zhejiang.client.get("/health")
    assert health.status_code == 503 and health.headers["Retry-After"].isdigit()
    body = health.json()
    assert body["error"] == "anchoring_failing"
    state = body["detail"]
    assert (state["status"], state["pending"]) == ("degraded", 5)  # 4 in the batch, 1 queued
    anchoring = state["anchoring"]
    assert anchoring["running"] and anchoring["failures"] >= 2
    assert anchoring["error"] == "store_integrity" and anchoring["failing_since"] > 0
    assert anchoring["message"] is None  # no credential, no message

    detailed = zhejiang.client.get("/health", headers=zhejiang.headers("auditor"))
    assert "do not hash to its anchored root" in detailed.json()["detail"]["anchoring"]["message"]
    agency = zhejiang.client.get("/health", headers=zhejiang.headers(AGENCY))
    assert agency.json()["detail"]["anchoring"]["message"] is None

    ready = zhejiang.client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "degraded"


@pytest.mark.postgres
def test_health_without_its_database_tells_nobody_where_the_database_is(
    make_settings: SettingsFactory, postgres_schema_url: str
) -> None:
    parts = urlsplit(postgres_schema_url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    try:
        for running in start_node(make_settings(330000, database_url=url)):
            proxy.cut()
            answers = [
                running.client.get("/health"),
                running.client.get("/health/ready"),
                running.client.get("/health", headers=running.headers("operator")),
                running.client.get("/audit/certificates", headers={"Authorization": "Bearer x"}),
            ]
            for answer in answers:
                assert answer.status_code == 503, answer.text
                assert answer.json()["error"] == "database_unavailable"
                for internal in ("127.0.0.1", str(proxy.port), "connection", "postgres"):
                    assert internal not in answer.text
            assert answers[0].json()["detail"]["status"] == "unavailable"
            proxy.restore()
            assert running.client.get("/health").status_code == 200
    finally:
        proxy.close()
