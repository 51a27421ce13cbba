"""Alembic environment: runs the node's migrations on the engine the node hands over."""

from __future__ import annotations

from province_nodes.models import METADATA
from service_base.sqlstore import run_migrations

run_migrations(METADATA)
