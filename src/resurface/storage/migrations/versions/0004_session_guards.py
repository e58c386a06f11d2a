"""Session guards: what a session was recorded past, and the clinician's reason

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guards_passed", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("proceed_reason", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_column("proceed_reason")
        batch_op.drop_column("guards_passed")
