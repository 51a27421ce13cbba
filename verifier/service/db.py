"""The agency's store: one engine per app, tables created on start, sessions per request.

SQLite runs in WAL mode with ``synchronous=FULL``: a stored request survives power loss before
its answer is sent (the write rate is a few per second, so the cost does not matter).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import SQLModel

from verifier.service import models  # noqa: F401  (registers the tables)

__all__ = ["make_engine"]


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the agency's tables created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
