"""The agency's clerks: stored with hashed tokens, revoked and expired for good, imported once
from the old setting, and named in every request they make."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from certificate.samples import sample_document
from service_base.sqlstore import alembic_config
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token
from verifier.service.clerks import (
    ClerkState,
    authenticate,
    clerk_state,
    create_clerk,
    has_active_clerk,
    import_configured,
    list_clerks,
    revoke_clerk,
)
from verifier.service.db import make_engine, migrate
from verifier.service.exceptions import (
    AgencyConfigError,
    AgencyInputError,
    AgencyNotFoundError,
    AuthenticationError,
)
from verifier.service.models import Clerk, VerificationRequest


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated agency store on SQLite, then on PostgreSQL (a fresh schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'agency.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_clerk_is_stored_by_the_hash_of_a_token_shown_once(store: Engine) -> None:
    clerk, token = create_clerk(store, "  王芳 (窗口 3)  ")
    assert len(token) == 43
    assert (clerk.name, clerk.token_sha256) == ("王芳 (窗口 3)", hash_token(token))
    with Session(store) as session:
        stored = session.exec(select(Clerk)).one()
    assert token not in {stored.name, stored.token_sha256}
    found = authenticate(store, _bearer(token), dev=False)
    assert found is not None and (found.clerk_id, found.name) == (clerk.id, "王芳 (窗口 3)")
    assert [c.name for c in list_clerks(store)] == ["王芳 (窗口 3)"]


def test_revoked_and_expired_clerks_are_refused_with_their_reason(store: Engine) -> None:
    first, first_token = create_clerk(store, "李明")
    second, second_token = create_clerk(
        store, "张伟", expires_at=datetime.now(UTC) + timedelta(days=1)
    )
    assert first.id is not None and second.id is not None
    revoked = revoke_clerk(store, first.id)
    assert revoked.revoked_at is not None
    again = revoke_clerk(store, first.id)  # idempotent: the first time stays
    assert again.revoked_at == revoked.revoked_at
    with pytest.raises(AuthenticationError) as refused:
        authenticate(store, _bearer(first_token), dev=False)
    assert refused.value.code == "credential_revoked"

    with Session(store) as session:  # the day has passed
        row = session.get(Clerk, second.id)
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
        session.commit()
    with pytest.raises(AuthenticationError) as expired:
        authenticate(store, _bearer(second_token), dev=False)
    assert expired.value.code == "credential_expired"
    states = {c.name: clerk_state(c) for c in list_clerks(store)}
    assert states == {"李明": ClerkState.REVOKED, "张伟": ClerkState.EXPIRED}
    assert not has_active_clerk(store)
    with pytest.raises(AgencyNotFoundError, match="no clerk 999"):
        revoke_clerk(store, 999)


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer   ", "Basic abc", "Bearer unknown-token"]
)
def test_anything_but_a_clerks_token_is_refused(tmp_path: Path, header: str | None) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'agency.db'}")
    migrate(engine)
    create_clerk(engine, "李明")
    with pytest.raises(AuthenticationError) as refused:
        authenticate(engine, header, dev=True)
    assert refused.value.code == "unauthenticated"
    engine.dispose()


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 201, "王\x00芳", "line\nbreak", "tab\there", "\u202ereversed"]
)
def test_a_clerks_name_is_printable_text(tmp_path: Path, name: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'agency.db'}")
    migrate(engine)
    with pytest.raises(AgencyInputError) as refused:
        create_clerk(engine, name)
    assert refused.value.code == "invalid_clerk_name"
    assert list_clerks(engine) == []
    engine.dispose()


def test_an_expiry_in_the_past_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'agency.db'}")
    migrate(engine)
    with pytest.raises(AgencyInputError, match="future"):
        create_clerk(engine, "李明", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    engine.dispose()


def test_configured_hashes_are_imported_once_and_revocation_sticks(store: Engine) -> None:
    token = secrets.token_urlsafe(32)
    digest = hash_token(token)
    (imported,) = import_configured(store, [digest.upper(), digest])
    assert imported.name == f"configured-{digest[:8]}"
    assert import_configured(store, [digest]) == []
    found = authenticate(store, _bearer(token), dev=False)
    assert found is not None
    revoke_clerk(store, found.clerk_id)
    assert import_configured(store, [digest]) == []  # the setting still lists it
    with pytest.raises(AuthenticationError, match="revoked"):
        authenticate(store, _bearer(token), dev=False)
    assert len(list_clerks(store)) == 1


@pytest.mark.parametrize("entry", ["abc", "g" * 64, "0" * 63, "0" * 65, ""])
def test_a_configured_entry_that_is_no_hash_is_a_configuration_error(
    tmp_path: Path, entry: str
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'agency.db'}")
    migrate(engine)
    with pytest.raises(AgencyConfigError, match="not a SHA-256"):
        import_configured(engine, ["0" * 64, entry])
    assert list_clerks(engine) == []  # nothing half-imported
    engine.dispose()


def _identifier(province: int) -> str:
    document = sample_document("driving_licence", seed=secrets.randbelow(2**32), province=province)
    return str(document["identifier"])


def test_every_request_names_the_clerk_who_made_it(
    tmp_path: Path, chain_view: Web3ChainView
) -> None:
    database = f"sqlite:///{tmp_path / 'agency.db'}"
    engine = make_engine(database)
    migrate(engine)
    wang, wang_token = create_clerk(engine, "王芳")
    _, li_token = create_clerk(engine, "李明")
    engine.dispose()
    settings = AgencySettings(agency_id="js-gongan-hukou", database_url=database)
    body = {
        "certificate_id": _identifier(310000),
        "issuing_province": 440000,  # not a member: refused for good, no node needed
        "consent_token": "t.s",
    }
    with TestClient(create_app(settings, chain=chain_view)) as agency:
        made = agency.post("/requests", json=body, headers={"Authorization": _bearer(wang_token)})
        assert made.status_code == 201, made.text
        assert (made.json()["clerk_id"], made.json()["clerk_name"]) == (wang.id, "王芳")
        retried = agency.post("/requests", json=body, headers={"Authorization": _bearer(li_token)})
        assert retried.status_code == 200
        assert retried.json()["clerk_name"] == "王芳"  # who made it, not who asked again
        read = agency.get(
            f"/requests/{made.json()['id']}", headers={"Authorization": _bearer(li_token)}
        )
        assert read.json()["clerk_name"] == "王芳"


def test_dev_mode_is_open_until_the_first_clerk(tmp_path: Path, chain_view: Web3ChainView) -> None:
    database = f"sqlite:///{tmp_path / 'agency.db'}"
    settings = AgencySettings(agency_id="js-gongan-hukou", mode="dev", database_url=database)
    body = {"certificate_id": _identifier(310000), "issuing_province": 440000, "consent_token": "a"}
    with TestClient(create_app(settings, chain=chain_view)) as agency:
        anonymous = agency.post("/requests", json=body)
        assert anonymous.status_code == 201, anonymous.text
        assert anonymous.json()["clerk_id"] is None
        engine = agency.app.state.services.engine
        _, token = create_clerk(engine, "王芳")
        assert agency.post("/verify", content=b"{}").status_code == 401
        answer = agency.post("/verify", content=b"{}", headers={"Authorization": _bearer(token)})
        assert answer.status_code == 200


def test_the_migration_downgrades_and_upgrades_again(store: Engine) -> None:
    clerk, _ = create_clerk(store, "王芳")
    with store.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO verification_requests (id, created_at, agency_id, certificate_id, "
                "issuing_province, consent_sha256, outcome, attempt, clerk_id, clerk_name) VALUES "
                "('r1', :now, 'a', 'c', 330000, 'h', 'refused', 1, :clerk, '王芳')"
            ),
            {"now": datetime.now(UTC), "clerk": clerk.id},
        )
    config = alembic_config("verifier.service", store)
    command.downgrade(config, "0002")
    with store.connect() as connection:
        rows = connection.execute(text("SELECT id, outcome FROM verification_requests"))
        assert [tuple(r) for r in rows] == [("r1", "refused")]
    migrate(store)
    with Session(store) as session:
        row = session.get(VerificationRequest, "r1")
        assert row is not None and row.clerk_id is None  # recorded before clerks were
    assert list_clerks(store) == []
