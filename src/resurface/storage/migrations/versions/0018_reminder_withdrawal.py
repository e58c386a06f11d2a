"""A visit reminder knows its appointment: ``notifications.appointment_id``

A reminder e-mail waiting in the outbox (SMTP down, or not set yet) is withdrawn when its
appointment is cancelled or moved to another time, so a patient is never reminded of a visit
that no longer stands. Existing messages have no appointment.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_appointment_id"), ["appointment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_appointment_id"))
        batch_op.drop_column("appointment_id")
