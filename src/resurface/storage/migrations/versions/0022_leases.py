"""Leases: which server process runs the deployment's background work

With several web processes (``resurface serve --workers N``, or servers on several machines)
the outbox, the audit checkpoints and the tidy run in one of them at a time: the one holding
the ``background`` lease, renewed before it expires; when its holder dies, another process
takes it once it has expired.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 23:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from resurface.storage.types import UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
