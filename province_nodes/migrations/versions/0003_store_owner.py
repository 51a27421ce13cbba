"""A store belongs to one province: ``store_owner`` holds its code, in one row.

The node records the province at its first start on this schema (for a store that already holds
certificates, the province they were issued in) and refuses to start for any other province
(:mod:`province_nodes.store_owner`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 10:31:05.551873
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_owner",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("province", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("store_owner")
