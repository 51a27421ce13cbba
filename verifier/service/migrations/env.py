"""Alembic environment: runs the agency's migrations on the engine the service hands over.

The agency's revisions are recorded in their own table, ``agency_alembic_version``, so they can
never be mistaken for a province node's if both stores were ever put in one database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from verifier.service.models import METADATA

VERSION_TABLE = "agency_alembic_version"

engine: Engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
