"""Witnessed checkpoints: the checkpoints of the chain this node signed or cosigned, the
provinces' signatures of them, and the signed checkpoints of others that contradicted its chain.

Revision ID: 0004_witness
Revises: 0003
Create Date: 2026-12-08 09:40:12.204519
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_witness"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.LargeBinary(), nullable=False),
        sa.Column("state_root", sa.LargeBinary(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_id", "contract", "block_number"),
    )
    op.create_table(
        "witness_signatures",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.LargeBinary(), nullable=False),
        sa.Column("province", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["checkpoint_id"], ["witness_checkpoints.id"]),
        sa.PrimaryKeyConstraint("checkpoint_id", "key_id"),
    )
    op.create_table(
        "witness_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("statement"),
    )
    with op.batch_alter_table("witness_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_witness_conflicts_block_number"), ["block_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("witness_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_conflicts_block_number"))
    op.drop_table("witness_conflicts")
    op.drop_table("witness_signatures")
    op.drop_table("witness_checkpoints")
