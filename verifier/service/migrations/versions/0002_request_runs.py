"""Requests become their own state: when the certificate was received, which run holds them.

``received_at`` marks a request whose certificate the node released (it is kept and never
fetched again); ``attempt`` and ``claimed_until`` let exactly one call run a request and let a
retry take over a run whose process died.

Answers that earlier versions stored as final although they were not are made retryable, so the
next retry finishes them instead of returning them forever:

- ``verified`` with verdict ERROR (the chain could not be asked): ``received``, so a retry
  verifies the kept certificate again (without asking the node, whose consent is used);
- ``refused`` by a node that did not refuse for good (not anchored yet, a credential it did not
  accept, …: anything but a ``consent_…`` 403, a 404, 410 or 422): ``unavailable``, so a retry
  asks the node again (the consent was not used).

Downgrading keeps every row readable by the earlier version: ``received`` becomes ``verified``
again and a ``pending`` run ``unavailable``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("attempt", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.alter_column("attempt", server_default=None)
    op.execute("UPDATE verification_requests SET received_at = created_at WHERE node_status = 200")
    op.execute(
        "UPDATE verification_requests SET outcome = 'received' "
        "WHERE outcome = 'verified' AND verdict = 'ERROR' AND node_status = 200"
    )
    op.execute(
        "UPDATE verification_requests SET outcome = 'unavailable' "
        "WHERE outcome = 'refused' AND node_status IS NOT NULL "
        "AND node_status NOT IN (404, 410, 422) "
        "AND NOT (node_status = 403 AND node_error LIKE 'consent%')"
    )


def downgrade() -> None:
    op.execute("UPDATE verification_requests SET outcome = 'verified' WHERE outcome = 'received'")
    op.execute("UPDATE verification_requests SET outcome = 'unavailable' WHERE outcome = 'pending'")
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("attempt")
        batch_op.drop_column("received_at")
