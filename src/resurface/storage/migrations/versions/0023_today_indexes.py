"""Today reads only what it shows: indexes for the first of each list

- ``appointments``: booked check-ins and sessions by clinic, kind and day (with the id for their
  order and the patient for counting them), so Today walks the oldest due in order and stops at
  the ones it shows.
- ``alerts``: the alerts not yet closed by clinic, status and urgency, newest first, replacing
  the (clinic, status) index it starts with: the most pressing are read without reading the
  rest.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 23:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_DUE = ["clinic_id", "kind", "status", "due_on", "id", "patient_id"]
_PRESSING = ["clinic_id", "status", "urgency", "raised_at", "id"]


def upgrade() -> None:
    op.create_index("ix_appointments_clinic_kind_due", "appointments", _DUE)
    op.create_index("ix_alerts_clinic_pressing", "alerts", _PRESSING)
    op.drop_index("ix_alerts_clinic_status", table_name="alerts")


def downgrade() -> None:
    op.create_index("ix_alerts_clinic_status", "alerts", ["clinic_id", "status"])
    op.drop_index("ix_alerts_clinic_pressing", table_name="alerts")
    op.drop_index("ix_appointments_clinic_kind_due", table_name="appointments")
