"""The agency store: migrations match the models; a store from before migrations is adopted;
answers stored as final by earlier versions although they were not become retryable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from service_base.sqlstore import alembic_config
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
        assert [row[0] for row in versions] == ["0003"]
    engine.dispose()
    assert diff == []


def test_migrations_produce_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    _assert_schema_matches(f"sqlite:///{tmp_path / 'agency.sqlite3'}")


@pytest.mark.postgres
def test_migrations_produce_the_models_schema_on_postgresql(postgres_schema_url: str) -> None:
    _assert_schema_matches(postgres_schema_url)


_OLD_ROW = text(
    "INSERT INTO verification_requests (id, created_at, agency_id, certificate_id, "
    "issuing_province, consent_sha256, outcome, node_status, node_error, verdict) VALUES "
    "(:id, :created_at, 'a', :id, 330000, :id, :outcome, :node_status, :node_error, :verdict)"
)


def _store_old_rows(engine: Engine, rows: dict[str, tuple[str, int | None, str | None]]) -> None:
    """Rows as the first revision's service stored them: id → (outcome, node status, error)."""
    with engine.begin() as connection:
        for request_id, (outcome, node_status, node_error) in rows.items():
            verdict = {"verified": "VALID", "verified ERROR": "ERROR"}.get(outcome)
            connection.execute(
                _OLD_ROW,
                {
                    "id": request_id,
                    "created_at": datetime.now(UTC),
                    "outcome": outcome.split()[0],
                    "node_status": node_status,
                    "node_error": node_error,
                    "verdict": verdict,
                },
            )


def test_a_store_made_before_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate(engine, "0001")  # the first revision's tables are what the service made before
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE agency_alembic_version"))
    _store_old_rows(engine, {"r1": ("refused", 403, "consent_expired")})
    migrate(engine)
    assert "agency_alembic_version" in inspect(engine).get_table_names()
    with Session(engine) as session:
        assert [(r.id, r.outcome) for r in session.exec(select(VerificationRequest))] == [
            ("r1", Outcome.REFUSED)
        ]
    engine.dispose()


def _assert_answers_that_were_not_final_become_retryable(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0001")
    _store_old_rows(
        engine,
        {
            "chain-down": ("verified ERROR", 200, None),
            "valid": ("verified", 200, None),
            "not-anchored": ("refused", 409, "not_anchored"),
            "credential": ("refused", 401, "unauthenticated"),
            "unknown-agency": ("refused", 403, "unknown_agency"),
            "exhausted": ("refused", 403, "consent_exhausted"),
            "unknown-certificate": ("refused", 404, "unknown_certificate"),
            "not-member": ("refused", None, "unknown_province"),
            "node-down": ("unavailable", None, None),
        },
    )
    migrate(engine)
    with Session(engine) as session:
        rows = {r.id: r for r in session.exec(select(VerificationRequest))}
    assert {request_id: row.outcome for request_id, row in rows.items()} == {
        "chain-down": "received",
        "valid": "verified",
        "not-anchored": "unavailable",
        "credential": "unavailable",
        "unknown-agency": "unavailable",
        "exhausted": "refused",
        "unknown-certificate": "refused",
        "not-member": "refused",
        "node-down": "unavailable",
    }
    assert {i for i, row in rows.items() if row.received_at is not None} == {"chain-down", "valid"}
    assert {row.attempt for row in rows.values()} == {1}

    # and back: every row readable by the first revision's service
    command.downgrade(alembic_config("verifier.service", engine), "0001")
    with engine.connect() as connection:
        outcomes = set(connection.execute(text("SELECT outcome FROM verification_requests")))
    assert {outcome for (outcome,) in outcomes} == {"verified", "refused", "unavailable"}
    engine.dispose()


def test_answers_that_were_not_final_become_retryable_on_sqlite(tmp_path: Path) -> None:
    _assert_answers_that_were_not_final_become_retryable(f"sqlite:///{tmp_path / 'a.sqlite3'}")


@pytest.mark.postgres
def test_answers_that_were_not_final_become_retryable_on_postgresql(
    postgres_schema_url: str,
) -> None:
    _assert_answers_that_were_not_final_become_retryable(postgres_schema_url)


def test_an_unreachable_database_is_a_clear_error() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1:1/none cannot be reached"):
        migrate(engine)
