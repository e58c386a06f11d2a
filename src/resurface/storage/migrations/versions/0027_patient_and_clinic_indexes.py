"""Each table of a patient's records indexed on (patient, clinic), not on the patient alone

Every read of a patient's records asks for both. SQLite keeps no statistics: it weighed the
index on ``patient_id`` and the one on ``clinic_id`` alike and took the one made last, which on
``photos``, ``appointments`` and ``sent_results_reports`` was the clinic's, so a patient's photos
were looked for among every photo of the clinic. An index on both columns wins on every table
(``storage.tables._patient_indexes``).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 06:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLES = (
    "consultations",
    "assessments",
    "treatment_plans",
    "treatment_sessions",
    "photos",
    "checkins",
    "break_glass",
    "appointments",
    "alerts",
    "recovery_links",
    "patient_links",
    "result_shares",
    "sent_results_reports",
    "outcome_ratings",
    "signed_consents",
    "consent_links",
    "photo_consents",
)


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_patient_id", table_name=table)
        op.create_index(f"ix_{table}_patient_id", table, ["patient_id", "clinic_id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_patient_id", table_name=table)
        op.create_index(f"ix_{table}_patient_id", table, ["patient_id"])
