"""Why a photo was taken: as a baseline, or as a follow-up to measure the change

Before this revision the first photo of a region was its baseline by position, and every later
photo (and every photo a patient sent with a check-in) was compared against it. The upgrade
writes that reading down, so that existing charts show what they showed before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FOLLOW_UPS = sa.text(
    """
    UPDATE photos SET purpose = 'follow_up'
    WHERE checkin_id IS NOT NULL
       OR EXISTS (
            SELECT 1 FROM photos AS earlier
            WHERE earlier.clinic_id = photos.clinic_id
              AND earlier.patient_id = photos.patient_id
              AND earlier.region = photos.region
              AND earlier.checkin_id IS NULL
              AND (earlier.captured_at < photos.captured_at
                   OR (earlier.captured_at = photos.captured_at AND earlier.id < photos.id))
       )
    """
)


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), server_default="baseline", nullable=False)
        )
    op.execute(_FOLLOW_UPS)


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_column("purpose")
