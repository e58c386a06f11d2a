"""A temporary password expires: ``users.temporary_password_until``

A password reset gives a temporary password that must be changed at the next sign-in; it now also
stops working after a time (72 hours unless ``RESURFACE_TEMPORARY_PASSWORD_HOURS`` says
otherwise), so one passed on and never used is not a way in for ever. A user who already holds a
temporary password when this migration runs gets the same time from now.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 20:30:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

DEFAULT_HOURS = 72


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "temporary_password_until",
                resurface.storage.types.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
    users = sa.table(
        "users",
        sa.column("must_change_password", sa.Boolean()),
        sa.column("temporary_password_until", resurface.storage.types.UtcDateTime(timezone=True)),
    )
    until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=DEFAULT_HOURS)
    op.execute(
        users.update()
        .where(users.c.must_change_password == sa.true())
        .values(temporary_password_until=until)
    )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+): recreating a table others refer to breaks their keys.
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("temporary_password_until")
