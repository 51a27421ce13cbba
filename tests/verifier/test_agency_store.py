"""The agency store: migrations match the models; a store from before migrations is adopted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from verifier.service.db import make_engine, migrate
from verifier.service.exceptions import StoreUnavailableError
from verifier.service.models import METADATA, Outcome, VerificationRequest


def _assert_schema_matches(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    migrate(engine)  # every start runs it: a second run changes nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": "agency_alembic_version"}
        )
        diff = compare_metadata(context, METADATA)
        versions = connection.execute(text("SELECT version_num FROM agency_alembic_version"))
        assert [row[0] for row in versions] == ["0001"]
    engine.dispose()
    assert diff == []


def test_migrations_produce_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    _assert_schema_matches(f"sqlite:///{tmp_path / 'agency.sqlite3'}")


@pytest.mark.postgres
def test_migrations_produce_the_models_schema_on_postgresql(postgres_schema_url: str) -> None:
    _assert_schema_matches(postgres_schema_url)


def test_a_store_made_before_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    METADATA.create_all(engine)  # what the service did before it had migrations
    row = VerificationRequest(
        id="r1",
        created_at=datetime.now(UTC),
        agency_id="a",
        certificate_id="c",
        issuing_province=330000,
        consent_sha256="0" * 64,
        outcome=Outcome.REFUSED.value,
    )
    with Session(engine) as session:
        session.add(row)
        session.commit()
    migrate(engine)
    assert "agency_alembic_version" in inspect(engine).get_table_names()
    with Session(engine) as session:
        assert [r.id for r in session.exec(select(VerificationRequest))] == ["r1"]
    engine.dispose()


def test_an_unreachable_database_is_a_clear_error() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1:1/none cannot be reached"):
        migrate(engine)
