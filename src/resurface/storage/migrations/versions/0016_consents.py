"""Consents: signed treatment consents, the links that let a patient sign on their own phone,
and the patient's decisions on each use of their photos

``signed_consents`` rows are never changed: the signed PDF is in the file store under
``pdf_sha256``. ``consent_links`` keep only the SHA-256 of a signing link's token.
``photo_consents`` keep every decision (given or withdrawn) per use; the newest is in force.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_MOMENT = resurface.storage.types.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _indexes(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "consent_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.Column("revoked_at", _MOMENT, nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        _fk("consent_links", "clinic_id", "clinics"),
        _fk("consent_links", "patient_id", "patients"),
        _fk("consent_links", "plan_id", "treatment_plans"),
        _fk("consent_links", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_consent_links_token_hash")),
    )
    _indexes("consent_links", ["clinic_id", "patient_id"])
    op.create_table(
        "signed_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=40), nullable=False),
        sa.Column("template_version", sa.String(length=40), nullable=False),
        sa.Column("template_digest", sa.String(length=64), nullable=False),
        sa.Column("signed_name", sa.String(length=200), nullable=False),
        sa.Column("signed_at", _MOMENT, nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        _fk("signed_consents", "clinic_id", "clinics"),
        _fk("signed_consents", "patient_id", "patients"),
        _fk("signed_consents", "plan_id", "treatment_plans"),
        _fk("signed_consents", "recorded_by", "users"),
        _fk("signed_consents", "link_id", "consent_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_consents")),
    )
    _indexes("signed_consents", ["clinic_id", "patient_id"])
    op.create_table(
        "photo_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("use", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", _MOMENT, nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        _fk("photo_consents", "clinic_id", "clinics"),
        _fk("photo_consents", "patient_id", "patients"),
        _fk("photo_consents", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_consents")),
    )
    _indexes("photo_consents", ["clinic_id", "patient_id"])


def downgrade() -> None:
    for table in ("photo_consents", "signed_consents", "consent_links"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_patient_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_clinic_id"))
        op.drop_table(table)
