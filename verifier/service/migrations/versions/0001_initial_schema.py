"""The initial schema: cross-province requests with their outcome and report.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 14:43:35.105531
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_requests",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.String(200), nullable=False),
        sa.Column("certificate_id", sa.String(200), nullable=False),
        sa.Column("issuing_province", sa.Integer(), nullable=False),
        sa.Column("consent_sha256", sa.String(64), nullable=False),
        sa.Column("endpoint", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("node_status", sa.Integer(), nullable=True),
        sa.Column("node_error", sa.String(100), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("verdict", sa.String(10), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("certificate", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consent_sha256", "certificate_id"),
    )
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_requests_certificate_id"), ["certificate_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_requests_certificate_id"))
    op.drop_table("verification_requests")
