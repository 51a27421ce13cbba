"""The agency's store: one engine per app, schema migrations at start, units of work.

SQLite runs in WAL mode with ``synchronous=FULL``: a stored request survives power loss before
its answer is sent (the write rate is a few per second, so the cost does not matter). The schema
is the Alembic migrations' (:mod:`verifier.service.migrations`), brought to the newest revision
every time the service starts. A database that cannot be reached or written surfaces as
:class:`~verifier.service.exceptions.StoreUnavailableError`, which the API answers with 503.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

from alembic import command
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from service_base import sqlstore
from verifier.service.exceptions import StoreUnavailableError
from verifier.service.models import METADATA

__all__ = ["make_engine", "migrate", "unavailable", "unit_of_work"]

log = logging.getLogger(__name__)

VERSION_TABLE = "agency_alembic_version"
"""Where the agency's revision is recorded (a node's store uses Alembic's default table)."""

FIRST_REVISION = "0001"
"""The schema that versions before migrations created directly from the models."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL and ``synchronous=FULL``."""
    return sqlstore.make_engine(url, synchronous="FULL")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the service runs this at every start).

    A store made before the agency had migrations holds exactly the first revision's tables
    but no version record; it is stamped with that revision first, then upgraded.

    Raises:
        StoreUnavailableError: the database cannot be reached or written.
    """
    config = sqlstore.alembic_config("verifier.service", engine)
    try:
        tables = set(inspect(engine).get_table_names())
        if VERSION_TABLE not in tables and tables & set(METADATA.tables):
            log.info("agency store without a schema version: recording revision %s", FIRST_REVISION)
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, revision)
    except OperationalError as error:
        raise StoreUnavailableError(
            f"the agency's database {engine.url.render_as_string(hide_password=True)} cannot "
            f"be reached or written: {sqlstore.driver_reason(error) or 'no reason given'}"
        ) from error


def unavailable(error: BaseException) -> StoreUnavailableError:
    """The 503-mapped error for a database failure, with the driver's reason."""
    return StoreUnavailableError(
        "the agency's database is unavailable; retry shortly",
        detail=sqlstore.driver_reason(error),
    )


def unit_of_work(engine: Engine) -> AbstractContextManager[Session]:
    """A session whose work commits together at the end of the block, or not at all.

    A connection or disk failure becomes :class:`StoreUnavailableError`; the transaction is
    rolled back, so nothing is half-written.
    """
    return sqlstore.unit_of_work(engine, unavailable)
