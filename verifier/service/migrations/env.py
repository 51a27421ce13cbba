"""Alembic environment: runs the agency's migrations on the engine the service hands over.

The agency's revisions are recorded in their own table, ``agency_alembic_version``, so they can
never be mistaken for a province node's if both stores were ever put in one database.
"""

from __future__ import annotations

from service_base.sqlstore import run_migrations
from verifier.service.db import VERSION_TABLE
from verifier.service.models import METADATA

run_migrations(METADATA, VERSION_TABLE)
