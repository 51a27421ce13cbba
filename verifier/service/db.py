"""The agency's store: one engine per app, schema migrations at start, sessions per request.

SQLite runs in WAL mode with ``synchronous=FULL``: a stored request survives power loss before
its answer is sent (the write rate is a few per second, so the cost does not matter). The schema
is the Alembic migrations' (:mod:`verifier.service.migrations`), brought to the newest revision
every time the service starts.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError

from verifier.exceptions import StoreUnavailableError
from verifier.service.models import METADATA

__all__ = ["make_engine", "migrate"]

log = logging.getLogger(__name__)

FIRST_REVISION = "0001"
"""The schema that versions before migrations created directly from the models."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL and ``synchronous=FULL``."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """The Alembic configuration of the agency's migrations, bound to ``engine``."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("verifier.service") / "migrations")
    )
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the service runs this at every start).

    A store made before the agency had migrations holds exactly the first revision's tables
    but no version record; it is stamped with that revision first, then upgraded.

    Raises:
        StoreUnavailableError: the database cannot be reached or written.
    """
    config = alembic_config(engine)
    try:
        tables = set(inspect(engine).get_table_names())
        if "agency_alembic_version" not in tables and tables & set(METADATA.tables):
            log.info("agency store without a schema version: recording revision %s",
                     FIRST_REVISION)
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, revision)
    except OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()
        raise StoreUnavailableError(
            f"the agency's database {engine.url.render_as_string(hide_password=True)} cannot "
            f"be reached or written: {reason[0] if reason else 'no reason given'}"
        ) from error
