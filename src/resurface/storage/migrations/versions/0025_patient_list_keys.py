"""The patient list in the order of the name keys: an index on (clinic, family key, given key,
id), replacing the one on (clinic, family key) it starts with

The list is sorted by the names as the search compares them (accents and case folded, so
"Álvarez" stands with the A's on SQLite too), and a page is found from the key of the row it
begins at (keyset paging). A search by a short word that begins many family names reads them
in the list's order from where they begin, not from the start of the list.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 05:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_KEYS = ["clinic_id", "family_key", "given_key", "id"]


def upgrade() -> None:
    op.create_index("ix_patients_clinic_keys", "patients", _KEYS)
    op.drop_index("ix_patients_clinic_family_key", table_name="patients")


def downgrade() -> None:
    op.create_index("ix_patients_clinic_family_key", "patients", ["clinic_id", "family_key"])
    op.drop_index("ix_patients_clinic_keys", table_name="patients")
