"""The services' shared SQL store: SQLite pragmas per service, folders made, failures raised,
units of work that commit all or nothing and name a lost database as the service's own error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service_base.sqlstore import driver_reason, make_engine, unit_of_work


def _pragmas(url: str, **options: object) -> tuple[str, int, int]:
    engine = make_engine(url, **options)  # type: ignore[arg-type]
    with engine.connect() as connection:
        mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
        synchronous = connection.execute(text("PRAGMA synchronous")).scalar_one()
        foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()
    engine.dispose()
    return mode, synchronous, foreign_keys


def test_sqlite_gets_wal_and_the_services_settings(tmp_path: Path) -> None:
    node = f"sqlite:///{tmp_path / 'a' / 'b' / 'node.sqlite3'}"
    assert _pragmas(node, synchronous="NORMAL", foreign_keys=True) == ("wal", 1, 1)
    assert (tmp_path / "a" / "b").is_dir()
    agency = f"sqlite:///{tmp_path / 'agency.sqlite3'}"
    assert _pragmas(agency, synchronous="FULL") == ("wal", 2, 0)


def test_a_folder_that_cannot_be_made_raises(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OSError):
        make_engine(f"sqlite:///{tmp_path / 'file' / 'db.sqlite3'}", synchronous="FULL")


class _Lost(Exception):
    """A service's own "database unavailable" error, as the unit of work is told to raise."""


def test_a_unit_of_work_commits_all_or_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}", synchronous="FULL")
    with unit_of_work(engine, _Lost) as session:
        session.connection().execute(text("CREATE TABLE t (x INTEGER)"))
        session.connection().execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(ZeroDivisionError), unit_of_work(engine, _Lost) as session:
        session.connection().execute(text("INSERT INTO t VALUES (2)"))
        _ = 1 / 0
    with unit_of_work(engine, _Lost) as session:
        assert session.connection().execute(text("SELECT x FROM t")).scalars().all() == [1]
    engine.dispose()


def test_a_lost_database_is_the_services_own_error(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    engine = make_engine(f"sqlite:///{folder / 'db.sqlite3'}", synchronous="FULL")
    folder.rmdir()  # nothing was written yet, so the folder is empty
    with pytest.raises(_Lost) as raised, unit_of_work(engine, _Lost) as session:
        session.connection().execute(text("SELECT 1"))
    cause = raised.value.__cause__
    assert isinstance(cause, OperationalError)
    assert driver_reason(cause) == "unable to open database file"
    engine.dispose()
