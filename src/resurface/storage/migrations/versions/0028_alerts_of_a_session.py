"""A session's alerts found through an index of their own

Each check-in reads the alerts already raised for its session (``Alerts.for_session``), to
supersede them. ``alerts`` had no index on ``session_id``, so the read walked every alert of
the clinic, on both databases: a cost that grew with the years of alerts a clinic keeps. The
index is on (session, clinic), both asked for, so that SQLite, which keeps no statistics,
prefers it to the index on the clinic alone.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 07:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_session_id", "alerts", ["session_id", "clinic_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_session_id", table_name="alerts")
