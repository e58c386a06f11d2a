"""Accounts: a password that must be changed after a reset, and emergency ("break-glass") access

``users.must_change_password`` is set when the medical director resets a user's password: the user
may then only choose a new one (or sign out). ``clinics.break_glass_minutes`` is how long the front
desk's emergency access to one chart lasts (60 minutes unless the clinic sets another), and
``break_glass`` keeps every such access with its reason. Existing users and clinics are unchanged.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("break_glass_minutes", sa.Integer(), server_default="60", nullable=False)
        )
    op.create_table(
        "break_glass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_break_glass_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_break_glass_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass")),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_user_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_patient_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_clinic_id"))
    op.drop_table("break_glass")
    # Dropped in place (SQLite 3.35+): recreating a table others refer to breaks their keys.
    with op.batch_alter_table("clinics", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("break_glass_minutes")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("must_change_password")
