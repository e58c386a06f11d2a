"""Signing in: throttled failures, second factor, idle logoff, sessions a user can see

- ``sign_in_failures`` counts failed sign-ins per account name and per client address, so every
  server process shares the counts and a restart keeps them. It replaces the per-user hard lock
  (``users.failed_logins``, ``users.locked_until``), which is dropped.
- ``second_factors`` holds each enrolled user's TOTP secret, sealed with a key derived from the
  server's secret.
- ``web_sessions`` gains when it was last used (existing sessions: when they began), the browser
  it was opened in and its stage (``second_factor`` while the authenticator code is awaited).
- ``clinics`` gains its idle time (30 minutes) and whether medical directors need a second factor
  (off).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "last_failure_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("refused_until", resurface.storage.types.UtcDateTime(timezone=True)),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_failures")),
    )
    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=500), nullable=False),
        sa.Column(
            "enrolled_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_step", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_second_factors_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_second_factors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_second_factors")),
    )
    with op.batch_alter_table("second_factors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_second_factors_clinic_id"), ["clinic_id"], unique=False
        )

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", resurface.storage.types.UtcDateTime(timezone=True))
        )
        batch_op.add_column(
            sa.Column("user_agent", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("stage", sa.String(length=20), server_default="signed_in", nullable=False)
        )
    op.execute("UPDATE web_sessions SET last_seen_at = created_at")
    # web_sessions is referenced by no table, so SQLite may rebuild it.
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.alter_column(
            "last_seen_at",
            existing_type=resurface.storage.types.UtcDateTime(timezone=True),
            nullable=False,
        )

    with op.batch_alter_table("clinics", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("idle_minutes", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(
            sa.Column("require_second_factor", sa.Boolean(), server_default="0", nullable=False)
        )
    # Never rebuild users on SQLite: other tables refer to it (plain DROP COLUMN instead).
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locked_until", resurface.storage.types.UtcDateTime(timezone=True))
        )
    with op.batch_alter_table("clinics", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("require_second_factor")
        batch_op.drop_column("idle_minutes")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("stage")
        batch_op.drop_column("user_agent")
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("second_factors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_second_factors_clinic_id"))
    op.drop_table("second_factors")
    op.drop_table("sign_in_failures")
