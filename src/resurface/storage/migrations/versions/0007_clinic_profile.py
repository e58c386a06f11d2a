"""The clinic's profile (postal address, time zone, public address) and a version to edit it by

Existing clinics get an empty address, time zone and public address: empty means "the server's
setting" (RESURFACE_TIMEZONE, RESURFACE_PUBLIC_URL), so nothing changes for them until the
medical director sets their own.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("public_url", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("public_url")
        batch_op.drop_column("timezone")
        batch_op.drop_column("address")
