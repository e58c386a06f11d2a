"""The appointment book: appointments with a time, a length, a provider, a room and a device;
the clinic's set-up for it (rooms, devices, opening hours, closures, clinicians' working days,
lengths of each kind of appointment)

Data: every existing appointment moves into the book. Those still due (check-in days and booked
next sessions) become *booked* day entries - the book keeps their day; a session is given its
time by the front desk, since nobody recorded one - and those done or cancelled keep their
status. The downgrade turns booked entries back into due ones; entries with a time keep their day.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = resurface.storage.types.UtcDateTime(timezone=True)

# the statuses the book adds, and which wave-1 status each reads as after a downgrade
_BACK = {"booked": "due", "arrived": "due", "in_treatment": "due", "no_show": "cancelled"}


def _named(table: str, *columns: sa.schema.SchemaItem) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f(f"fk_{table}_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_clinic_id"), ["clinic_id"], unique=False)


def upgrade() -> None:
    for table in ("rooms", "devices"):
        _named(
            table,
            sa.Column("name", sa.String(length=60), nullable=False),
            sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
            sa.Column("created_at", UTC, nullable=False),
        )
    _named(
        "closures",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "opening_hours",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_opening_hours_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("clinic_id", "weekday", name=op.f("pk_opening_hours")),
    )
    op.create_table(
        "appointment_lengths",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_appointment_lengths_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("clinic_id", "kind", name=op.f("pk_appointment_lengths")),
    )
    op.create_table(
        "working_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_working_days_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_working_days_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_working_days")),
    )
    with op.batch_alter_table("working_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_working_days_clinic_id"), ["clinic_id"], unique=False)
    op.create_table(
        "book_settings",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("reminder_hours", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_book_settings_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_book_settings")),
    )
    _named(
        "calendar_feeds",
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_calendar_feeds_created_by_users")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )

    # Nothing refers to appointments, so SQLite may rebuild it to widen the two codes.
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=10), type_=sa.String(length=20)
        )
        batch_op.alter_column(
            "status", existing_type=sa.String(length=10), type_=sa.String(length=15)
        )
        batch_op.add_column(sa.Column("starts_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("ends_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("minutes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("provider_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("device_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("outside_window_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("reminded_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("change_requested_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("change_note", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_provider_id_users"), "users", ["provider_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_room_id_rooms"), "rooms", ["room_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_device_id_devices"), "devices", ["device_id"], ["id"]
        )
        batch_op.create_index(
            "ix_appointments_clinic_starts", ["clinic_id", "starts_at", "ends_at"], unique=False
        )
    op.execute("UPDATE appointments SET status = 'booked' WHERE status = 'due'")


def downgrade() -> None:
    for new, old in _BACK.items():
        op.execute(
            sa.text("UPDATE appointments SET status = :old WHERE status = :new").bindparams(
                old=old, new=new
            )
        )
    # wave 1 knew two kinds; every other visit reads as a session due on its day
    op.execute("UPDATE appointments SET kind = 'session' WHERE kind <> 'checkin'")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_clinic_starts")
        batch_op.drop_constraint(
            batch_op.f("fk_appointments_device_id_devices"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_appointments_room_id_rooms"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_appointments_provider_id_users"), type_="foreignkey"
        )
        for column in (
            "version",
            "change_note",
            "change_requested_at",
            "confirmed_at",
            "reminded_at",
            "outside_window_reason",
            "cancel_reason",
            "device_id",
            "room_id",
            "provider_id",
            "minutes",
            "ends_at",
            "starts_at",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column(
            "status", existing_type=sa.String(length=15), type_=sa.String(length=10)
        )
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=20), type_=sa.String(length=10)
        )
    with op.batch_alter_table("working_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_working_days_clinic_id"))
    op.drop_table("working_days")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_clinic_id"))
    op.drop_table("calendar_feeds")
    op.drop_table("book_settings")
    op.drop_table("appointment_lengths")
    op.drop_table("opening_hours")
    for table in ("closures", "devices", "rooms"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_clinic_id"))
        op.drop_table(table)
