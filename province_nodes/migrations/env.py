"""Alembic environment: runs the node's migrations on the engine the node hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from province_nodes.models import METADATA

engine: Engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
