"""The network edge: throttle counters shared by every server process

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_events")),
    )
    op.create_index(
        "ix_throttle_events_scope_key_at", "throttle_events", ["scope", "key", "at"], unique=False
    )
    op.create_index("ix_throttle_events_at", "throttle_events", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_throttle_events_at", table_name="throttle_events")
    op.drop_index("ix_throttle_events_scope_key_at", table_name="throttle_events")
    op.drop_table("throttle_events")
