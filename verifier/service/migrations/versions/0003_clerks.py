"""Clerks are stored, named, and every request names the clerk who made it.

``clerks`` replaces the setting ``clerk_token_hashes``: each clerk has a name, the SHA-256 of
their token, when they were created and, optionally, when their token expires or was revoked
(``huren agency clerk create|list|revoke``). Hashes still configured in the setting are imported
as clerks when the service starts (:func:`verifier.service.clerks.import_configured`), not here:
a migration does not read settings.

``verification_requests`` gains ``clerk_id`` and ``clerk_name``; requests stored before have
neither (null: no clerk was recorded then).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 10:00:00
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
        "clerks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clerk_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clerk_name", sa.String(200), nullable=True))
        batch_op.create_foreign_key(
            "fk_verification_requests_clerk_id_clerks", "clerks", ["clerk_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.drop_constraint("fk_verification_requests_clerk_id_clerks", type_="foreignkey")
        batch_op.drop_column("clerk_name")
        batch_op.drop_column("clerk_id")
    op.drop_table("clerks")
