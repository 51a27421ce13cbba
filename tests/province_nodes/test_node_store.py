"""The store: migrations match the models, encryption at rest, database failures are clean 503s."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from node_helpers import RunningNode, SettingsFactory, start_node
from sqlalchemy import func
from sqlmodel import select
from tcp_proxy import CuttableProxy

from certificate.samples import sample_document
from province_nodes.db import make_engine, migrate, unit_of_work
from province_nodes.envelope import MasterKey, open_envelope, seal_envelope
from province_nodes.exceptions import (
    EnvelopeError,
    NodeConfigError,
    StoreUnavailableError,
    WrongMasterKeyError,
)
from province_nodes.models import METADATA, CertificateRow
from province_nodes.node import ProvinceNode
from province_nodes.reads import load_sealed
from province_nodes.settings import NodeSettings


def _assert_schema_matches(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), METADATA)
    engine.dispose()
    assert diff == []


def test_migrations_produce_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    _assert_schema_matches(f"sqlite:///{tmp_path / 'schema.sqlite3'}")


@pytest.mark.postgres
def test_migrations_produce_the_models_schema_on_postgresql(postgres_schema_url: str) -> None:
    _assert_schema_matches(postgres_schema_url)


def test_envelope_binds_record_and_master_key() -> None:
    master = MasterKey(os.urandom(32))
    sealed = seal_envelope(master, "cert-1", b"payload")
    assert open_envelope(master, "cert-1", sealed) == b"payload"
    assert b"payload" not in sealed
    with pytest.raises(EnvelopeError, match="altered or copied"):
        open_envelope(master, "cert-2", sealed)
    with pytest.raises(WrongMasterKeyError):
        open_envelope(MasterKey(os.urandom(32)), "cert-1", sealed)
    flipped = bytearray(sealed)
    flipped[-20] ^= 1
    with pytest.raises(EnvelopeError):
        open_envelope(master, "cert-1", bytes(flipped))


def test_stored_payload_is_encrypted_and_tampering_is_detected(zhejiang: RunningNode) -> None:
    certificate_id = zhejiang.issue(3, "driving_licence")
    with unit_of_work(zhejiang.node.engine) as session:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == certificate_id)
        ).one()
    name = load_sealed(zhejiang.node.master, row).disclosed_values()["/holder/name"]
    assert name.encode() not in row.envelope
    tampered = bytearray(row.envelope)
    tampered[80] ^= 0x01
    row.envelope = bytes(tampered)
    with pytest.raises(EnvelopeError):
        load_sealed(zhejiang.node.master, row)


def test_wrong_master_key_fails_loudly(make_settings: SettingsFactory) -> None:
    settings = make_settings(330000)
    node = ProvinceNode(settings)
    node.start()
    node.issuer.issue(sample_document("academic_degree", seed=4, province=330000))
    node.stop()
    wrong = make_settings(
        330000,
        data_dir=settings.data_dir,
        master_key=base64.b64encode(os.urandom(32)).decode(),
    )
    with pytest.raises(WrongMasterKeyError):
        ProvinceNode(wrong).start()  # the stored signing key does not unwrap


def test_production_mode_refuses_missing_or_development_master_key(
    make_settings: SettingsFactory,
) -> None:
    from province_nodes.settings import DEV_MASTER_KEY

    for key in (None, DEV_MASTER_KEY):
        settings = make_settings(330000, mode="production", master_key=key)
        with pytest.raises(NodeConfigError, match="MASTER_KEY"):
            settings.master()
    with pytest.raises(ValueError, match="province-level"):
        NodeSettings(province=330100)


def test_sqlite_on_an_unwritable_path_is_unavailable(make_settings: SettingsFactory) -> None:
    settings = make_settings(330000, database_url="sqlite:////proc/huren/node.sqlite3")
    with pytest.raises(StoreUnavailableError):
        ProvinceNode(settings).start()


def test_sqlite_vanishing_mid_run_gives_503_and_loses_nothing(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    data = tmp_path / "db"
    settings = make_settings(330000, database_url=f"sqlite:///{data / 'node.sqlite3'}")
    for running in start_node(settings):
        running.issue(10)
        moved = tmp_path / "db-away"
        data.rename(moved)
        running.node.engine.dispose()
        document = sample_document("marriage_certificate", seed=11, province=330000)
        response = running.client.post(
            "/certificates", json=document, headers=running.headers("operator")
        )
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"].isdigit()
        assert response.json()["error"] == "database_unavailable"
        moved.rename(data)
        running.node.engine.dispose()
        retry = running.client.post(
            "/certificates", json=document, headers=running.headers("operator")
        )
        assert retry.status_code == 201, retry.text
        with unit_of_work(running.node.engine) as session:
            assert session.exec(select(func.count()).select_from(CertificateRow)).one() == 2


@pytest.mark.postgres
def test_postgresql_closed_port_is_unavailable(make_settings: SettingsFactory) -> None:
    settings = make_settings(330000, database_url="postgresql+psycopg://postgres@127.0.0.1:1/test")
    with pytest.raises(StoreUnavailableError):
        ProvinceNode(settings).start()


@pytest.mark.postgres
def test_postgresql_cut_mid_run_gives_503_with_retry_after(
    make_settings: SettingsFactory, postgres_schema_url: str
) -> None:
    parts = urlsplit(postgres_schema_url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    try:
        for running in start_node(make_settings(330000, database_url=url)):
            running.issue(20)
            proxy.cut()
            document = sample_document("business_licence", seed=21, province=330000)
            response = running.client.post(
                "/certificates", json=document, headers=running.headers("operator")
            )
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
            assert response.json()["error"] == "database_unavailable"
            proxy.restore()
            retry = running.client.post(
                "/certificates", json=document, headers=running.headers("operator")
            )
            assert retry.status_code == 201, retry.text
            with unit_of_work(running.node.engine) as session:
                count = session.exec(select(func.count()).select_from(CertificateRow)).one()
            assert count == 2
    finally:
        proxy.close()
