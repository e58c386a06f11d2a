"""A photo the patient sent is accepted as a clinical photo only by a clinician's choice

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "accepted_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_photos_accepted_by_users"), "users", ["accepted_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_photos_accepted_by_users"), type_="foreignkey")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("accepted_by")
