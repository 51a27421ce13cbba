"""The store's engine, schema migrations and units of work.

No engine exists at import time: :func:`make_engine` builds one per node, so two provinces in one
process each have their own database. SQLite runs in WAL mode with ``synchronous=NORMAL`` (a
commit survives a process crash; WAL makes readers and the writer not block each other) and
enforces foreign keys. A database that cannot be reached or written surfaces as
:class:`~province_nodes.exceptions.StoreUnavailableError`, which the API answers with 503.

The driver's reason for a failure names hosts, ports and databases, so it goes to the node's
log, never into an answer: anyone can provoke a 503 (a made-up token is looked up in the store).
At start, where only the operator reads it, the error names the store's URL (password hidden)
and the reason in one line.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

from alembic import command
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlmodel import Session

from province_nodes.exceptions import NodeConfigError, StoreUnavailableError
from service_base import sqlstore

__all__ = ["make_engine", "migrate", "store_url", "unavailable", "unit_of_work"]

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, ``synchronous=NORMAL`` and foreign keys."""
    try:
        return sqlstore.make_engine(url, synchronous="NORMAL", foreign_keys=True)
    except OSError as error:
        raise StoreUnavailableError(
            f"cannot create the database folder for {url}: {error.strerror}"
        ) from error
    except ArgumentError as error:  # the message names the problem, never the password
        raise NodeConfigError(f"the database URL cannot be used: {error}") from error


def store_url(engine: Engine) -> str:
    """The engine's URL as it may be shown: the password replaced by ``***``."""
    return engine.url.render_as_string(hide_password=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the node runs this at every start).

    Raises:
        StoreUnavailableError: the database cannot be reached or written; the message names
            the URL (password hidden) and the driver's reason, in one line.
        NodeConfigError: the database answers but refuses the migration (permissions).
    """
    try:
        command.upgrade(sqlstore.alembic_config("province_nodes", engine), revision)
    except OperationalError as error:
        raise StoreUnavailableError(
            f"cannot open the store at {store_url(engine)}: {sqlstore.driver_reason(error)}"
        ) from error
    except DBAPIError as error:
        raise NodeConfigError(
            f"cannot migrate the store at {store_url(engine)}: {sqlstore.driver_reason(error)}"
        ) from error


def unavailable(error: BaseException) -> StoreUnavailableError:
    """The 503-mapped error for a database failure; the driver's reason goes to the log only."""
    log.warning("the store failed: %s", sqlstore.driver_reason(error))
    return StoreUnavailableError(
        "the certificate store cannot be reached or written; nothing was changed, retry shortly"
    )


def unit_of_work(engine: Engine) -> AbstractContextManager[Session]:
    """A session whose work commits together at the end of the block, or not at all.

    A connection or disk failure becomes :class:`StoreUnavailableError`; the transaction is
    rolled back, so nothing is half-written.
    """
    return sqlstore.unit_of_work(engine, unavailable)
