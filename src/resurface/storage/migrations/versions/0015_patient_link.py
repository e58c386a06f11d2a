"""The patient link: one link per patient for the whole series (guide, visits, check-ins, results)

``patient_links`` keeps only the SHA-256 of each token, like ``recovery_links``; a link expires
after the series' recovery plus the clinic's margin and can be revoked. ``result_shares`` holds the
before/after pairs a clinician chose to show the patient, and when sharing was withdrawn. Existing
recovery links are unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patient_links_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_patient_links_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_links_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_patient_links_token_hash")),
    )
    with op.batch_alter_table("patient_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_links_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_patient_links_patient_id"), ["patient_id"], unique=False
        )
    op.create_table(
        "result_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("before_photo_id", sa.Integer(), nullable=False),
        sa.Column("after_photo_id", sa.Integer(), nullable=False),
        sa.Column("shared_by", sa.Integer(), nullable=False),
        sa.Column("shared_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column(
            "withdrawn_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["after_photo_id"], ["photos.id"], name=op.f("fk_result_shares_after_photo_id_photos")
        ),
        sa.ForeignKeyConstraint(
            ["before_photo_id"],
            ["photos.id"],
            name=op.f("fk_result_shares_before_photo_id_photos"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_result_shares_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_result_shares_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["shared_by"], ["users.id"], name=op.f("fk_result_shares_shared_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["users.id"], name=op.f("fk_result_shares_withdrawn_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_shares")),
    )
    with op.batch_alter_table("result_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_shares_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_result_shares_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("result_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_shares_patient_id"))
        batch_op.drop_index(batch_op.f("ix_result_shares_clinic_id"))
    op.drop_table("result_shares")
    with op.batch_alter_table("patient_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_links_patient_id"))
        batch_op.drop_index(batch_op.f("ix_patient_links_clinic_id"))
    op.drop_table("patient_links")
