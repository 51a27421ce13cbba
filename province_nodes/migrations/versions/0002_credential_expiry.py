"""Credentials may expire: ``credentials.expires_at`` (Unix seconds; NULL: never).

Existing credentials keep working: they get no expiry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 10:12:40.118205
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
