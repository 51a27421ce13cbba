"""SQL stores of the services (a province node's, an agency's): engines, migrations, units of work.

Each service keeps its own tables, migrations and error types; what they share is made here:

- :func:`make_engine`: SQLite files (the zero-setup default) get their folder created, WAL (readers
  and the writer do not block each other), the service's ``synchronous`` level, optionally foreign
  keys, and a 30 s busy timeout; other databases (PostgreSQL) get a pre-ping and a 5 s connect
  timeout, so a database that is down fails fast instead of hanging a request.
- :func:`alembic_config` and :func:`run_migrations`: a service's migrations live in a
  ``migrations`` folder of its package, run on the engine the service hands over, with their own
  version table.
- :func:`unit_of_work`: a session whose work commits together or not at all; a database that
  cannot be reached or written becomes the service's own "unavailable" error (answered 503).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from alembic import context
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

__all__ = ["alembic_config", "driver_reason", "make_engine", "run_migrations", "unit_of_work"]


def make_engine(
    url: str, *, synchronous: Literal["NORMAL", "FULL"], foreign_keys: bool = False
) -> Engine:
    """An engine for ``url``; raises :class:`OSError` if a SQLite file's folder cannot be made."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    pragmas = ["PRAGMA journal_mode=WAL", f"PRAGMA synchronous={synchronous}"]
    if foreign_keys:
        pragmas.append("PRAGMA foreign_keys=ON")

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", on_connect)
    return engine


def alembic_config(package: str, engine: Engine) -> Config:
    """The Alembic configuration of ``package``'s ``migrations`` folder, bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(resources.files(package) / "migrations"))
    config.attributes["engine"] = engine
    return config


def run_migrations(metadata: MetaData, version_table: str = "alembic_version") -> None:
    """What a service's Alembic ``env.py`` does: run its migrations on the handed-over engine
    (SQLite in batch mode, which alters a table by copying it)."""
    engine: Engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def unit_of_work(
    engine: Engine, unavailable: Callable[[BaseException], Exception]
) -> Iterator[Session]:
    """A session whose work commits together at the end of the block, or not at all.

    A connection or disk failure is raised as ``unavailable(error)`` (the service's own error,
    answered 503); the transaction is rolled back, so nothing is half-written. Other database
    errors (an integrity violation) pass through for the caller to interpret.
    """
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()
    except OperationalError as error:
        raise unavailable(error) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise unavailable(error) from error
        raise


def driver_reason(error: BaseException) -> str | None:
    """The first line of the database driver's reason for ``error``, if it gave one."""
    reason = str(getattr(error, "orig", None) or error).strip()
    return reason.splitlines()[0] if reason else None
