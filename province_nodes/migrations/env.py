"""Alembic environment: runs the node's migrations on the engine the node hands over."""

from __future__ import annotations

from ledger.sqlstore import run_migrations
from province_nodes.models import METADATA

run_migrations(METADATA)
