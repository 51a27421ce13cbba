"""The services' shared SQL engine: SQLite pragmas per service, folders made, failures raised."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ledger.sqlstore import make_engine


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
