"""The database schema. Alembic migrations under ``migrations/`` must match it exactly."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)

from resurface.storage.types import RecordId, UtcDateTime

OUTSIDE_THE_MODELS = frozenset(
    {
        # SQLite: the FTS5 trigram index of the patients' name keys and its shadow tables
        "patient_names",
        "patient_names_data",
        "patient_names_idx",
        "patient_names_docsize",
        "patient_names_config",
        # PostgreSQL: the pg_trgm index over the same keys (an expression index)
        "ix_patients_name_trigrams",
        # PostgreSQL: the job queue's own tables, made from procrastinate's schema by 0021
        "procrastinate_events",
        "procrastinate_periodic_defers",
        "procrastinate_jobs",
        "procrastinate_workers",
    }
)
"""Search indexes migration 0017 makes with each database's own tools, which SQLAlchemy's
models cannot state; schema comparisons leave them out."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _stamp() -> Column[object]:
    return Column("created_at", UtcDateTime(), nullable=False)


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False, server_default="1")


def _in_error() -> Column[str]:
    """Why the record was marked entered in error; empty while it stands."""
    return Column("entered_in_error", Text, nullable=False, server_default="")


def _clinic() -> Column[int]:
    return Column("clinic_id", ForeignKey("clinics.id"), nullable=False, index=True)


_PATIENT_RECORDS = "resurface.patient_records"
"""The key, in a ``patient_id`` column's ``info``, of the tables indexed by ``_patient_indexes``."""


def _patient() -> Column[int]:
    return Column(
        "patient_id", ForeignKey("patients.id"), nullable=False, info={_PATIENT_RECORDS: True}
    )


clinics = Table(
    "clinics",
    metadata,
    Column("id", RecordId, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(60), nullable=False, unique=True),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("require_cosign", Boolean, nullable=False, server_default="0"),
    Column("address", Text, nullable=False, server_default=""),
    # Empty: the server's setting (RESURFACE_TIMEZONE, RESURFACE_PUBLIC_URL).
    Column("timezone", String(64), nullable=False, server_default=""),
    Column("public_url", String(300), nullable=False, server_default=""),
    _version(),
    Column("idle_minutes", Integer, nullable=False, server_default="30"),
    Column("require_second_factor", Boolean, nullable=False, server_default="0"),
    _stamp(),
    # How long the front desk's emergency ("break-glass") access to one chart lasts.
    Column("break_glass_minutes", Integer, nullable=False, server_default="60"),
)

users = Table(
    "users",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(200), nullable=False, server_default=""),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    _stamp(),
    # Set by a password reset: until the user chooses their own, they may do nothing else.
    Column("must_change_password", Boolean, nullable=False, server_default="0"),
    # ...and the temporary password stops working at this time.
    Column("temporary_password_until", UtcDateTime(timezone=True), nullable=True),
)

patients = Table(
    "patients",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("given_name", String(120), nullable=False),
    Column("family_name", String(120), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("sex", String(10), nullable=False),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("fitzpatrick_type", String(3)),
    _stamp(),
    _version(),
    # The names as the search compares them (``domain.people.name_key``), kept by the repository.
    # On PostgreSQL a trigram index (pg_trgm) over "given_key family_key" serves substring search;
    # on SQLite the FTS5 trigram table ``patient_names`` does (see migration 0017).
    Column("given_key", String(480), nullable=False, server_default=""),
    Column("family_key", String(480), nullable=False, server_default=""),
    # The treatment series, kept by the chart repository whenever a plan or session changes, so
    # the list filters by stage in one indexed query (see ``SeriesFacts``).
    Column("series_planned", Integer, nullable=False, server_default="0"),
    Column("series_done", Integer, nullable=False, server_default="0"),
    Column("last_session_on", Date),
    Column("last_modality", String(40)),
    Index("ix_patients_clinic_name", "clinic_id", "family_name", "given_name", "id"),
    Index("ix_patients_clinic_keys", "clinic_id", "family_key", "given_key", "id"),
    Index("ix_patients_clinic_given_key", "clinic_id", "given_key"),
    Index("ix_patients_clinic_last_session_on", "clinic_id", "last_session_on"),
    # Every column the stage is decided on: a stage's patients are counted from the index alone.
    Index(
        "ix_patients_clinic_series",
        "clinic_id",
        "series_planned",
        "series_done",
        "last_session_on",
        "last_modality",
    ),
)

patient_list_marks = Table(
    "patient_list_marks",
    metadata,
    # Every few hundred rows of a clinic's patient list (``SqlPatients``, migration 0026): the
    # key of a row and how many rows come before it, kept as patients are added and renamed, so
    # a page asked for by its number is found from the mark before it, not by walking the list.
    Column("clinic_id", ForeignKey("clinics.id"), primary_key=True),
    Column("family_key", String(480), primary_key=True),
    Column("given_key", String(480), primary_key=True),
    Column("patient_id", Integer, primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_patient_list_marks_position", "clinic_id", "position"),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("clinician_id", ForeignKey("users.id"), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("goals", JSON, nullable=False),
    Column("history", JSON, nullable=False),
    Column("fitzpatrick_type", String(3), nullable=False),
    Column("fitzpatrick_answers", JSON),
    Column("eligible", Boolean, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
    _stamp(),
    _version(),
    _in_error(),
)

assessments = Table(
    "assessments",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("clinician_id", ForeignKey("users.id"), nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("grades", JSON, nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
    _stamp(),
    _version(),
    _in_error(),
)

treatment_plans = Table(
    "treatment_plans",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("clinician_id", ForeignKey("users.id"), nullable=False),
    Column("created_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("rationale", JSON, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("cosigned_by", ForeignKey("users.id")),
    Column("cosigned_at", UtcDateTime()),
    Column("proposal", JSON, nullable=False, server_default="{}"),
    _stamp(),
    _version(),
    _in_error(),
)

plan_items = Table(
    "plan_items",
    metadata,
    Column("id", RecordId, primary_key=True),
    Column("plan_id", ForeignKey("treatment_plans.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("area", String(20), nullable=False),
    Column("concern", String(20), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("proposed_modality", String(40), nullable=False),
    Column("sessions_min", Integer, nullable=False),
    Column("sessions_expected", Integer, nullable=False),
    Column("sessions_max", Integer, nullable=False),
    Column("interval_weeks_min", Float, nullable=False),
    Column("interval_weeks_max", Float, nullable=False),
    Column("downtime_days_min", Float, nullable=False),
    Column("downtime_days_max", Float, nullable=False),
    Column("decision", String(20), nullable=False),
    Column("chosen_modality", String(40)),
    Column("chosen_sessions", Integer),
    Column("override_reason", Text, nullable=False, server_default=""),
    Column("decided_by", ForeignKey("users.id")),
    UniqueConstraint("plan_id", "position", name="uq_plan_items_plan_position"),
)

treatment_sessions = Table(
    "treatment_sessions",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("plan_id", ForeignKey("treatment_plans.id")),
    Column("clinician_id", ForeignKey("users.id"), nullable=False),
    Column("performed_on", Date, nullable=False),
    Column("device", String(200), nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
    Column("guards_passed", Text, nullable=False, server_default=""),
    Column("proceed_reason", Text, nullable=False, server_default=""),
    _stamp(),
    _version(),
    _in_error(),
    Index("ix_treatment_sessions_clinic_performed_on", "clinic_id", "performed_on"),
)

session_areas = Table(
    "session_areas",
    metadata,
    Column("id", RecordId, primary_key=True),
    Column("session_id", ForeignKey("treatment_sessions.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("area", String(20), nullable=False),
    Column("modality", String(40), nullable=False),
    Column("wavelength_nm", Integer, nullable=False),
    Column("passes", Integer, nullable=False),
    Column("energy_mj", Float),
    Column("fluence_j_cm2", Float),
    Column("pulse_duration_ms", Float),
    Column("spot_size_mm", Float),
    Column("density_pct", Float),
    Column("immediate_response", Text, nullable=False, server_default=""),
    Column("beyond_limits_reason", Text, nullable=False, server_default=""),
    UniqueConstraint("session_id", "position", name="uq_session_areas_session_position"),
)

photos = Table(
    "photos",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("region", String(40), nullable=False),
    Column("captured_at", UtcDateTime(), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(128), nullable=False),
    Column("media_type", String(40), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("assessment_id", ForeignKey("assessments.id")),
    Column("session_id", ForeignKey("treatment_sessions.id")),
    Column("checkin_id", ForeignKey("checkins.id")),
    Column("accepted_by", ForeignKey("users.id")),
    Column("accepted_at", UtcDateTime()),
    Column("purpose", String(20), nullable=False, server_default="baseline"),
    _stamp(),
    _version(),
    _in_error(),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("session_id", ForeignKey("treatment_sessions.id"), nullable=False, index=True),
    Column("checked_on", Date, nullable=False),
    Column("redness", Integer, nullable=False),
    Column("swelling", Integer, nullable=False),
    Column("irritation", Integer, nullable=False),
    Column("pain", Integer, nullable=False),
    Column("itch", Integer, nullable=False),
    Column("red_flags", JSON, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("submitted_at", UtcDateTime(), nullable=False),
    _version(),
    _in_error(),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("record_type", String(40), nullable=False),
    Column("record_id", String(40), nullable=False),
    Column("clinic_id", RecordId, index=True),
    Column("user_id", RecordId),
    Column("patient_id", RecordId),
    Column("source", String(100), nullable=False),
    Column("detail", Text, nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=False, server_default=""),
    Index("ix_audit_events_clinic_patient", "clinic_id", "patient_id"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("clinic_id", ForeignKey("clinics.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("source", String(100), nullable=False, server_default=""),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("user_agent", String(200), nullable=False, server_default=""),
    # signed_in, or second_factor: the password was right, the authenticator code is awaited.
    Column("stage", String(20), nullable=False, server_default="signed_in"),
)

# Failed sign-ins, counted per account name as typed and per client address (domain.signin).
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime(), nullable=False),
    Column("refused_until", UtcDateTime()),
)

# A user's TOTP second factor: the secret sealed with a key derived from the server's secret.
second_factors = Table(
    "second_factors",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    _clinic(),
    Column("sealed_secret", String(500), nullable=False),
    Column("enrolled_at", UtcDateTime(), nullable=False),
    # The last time step whose code was accepted: a code is accepted once.
    Column("last_step", Integer, nullable=False, server_default="0"),
)

break_glass = Table(
    "break_glass",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

photo_measurements = Table(
    "photo_measurements",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("photo_id", ForeignKey("photos.id"), nullable=False, unique=True),
    Column("analysed_at", UtcDateTime(), nullable=False),
    Column("px_per_mm", Float),
    Column("length_unit", String(4), nullable=False),
    Column("regions", JSON, nullable=False),
    Column("overlay_key", String(64)),
    # the capture verdict (domain.measurements.CaptureVerdict); None for photos before 0021
    Column("quality", JSON),
    Column("analysis_version", String(20)),
)

photo_analysis_failures = Table(
    "photo_analysis_failures",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("photo_id", ForeignKey("photos.id"), nullable=False, unique=True),
    Column("failed_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("analysis_version", String(20), nullable=False),
)

photo_comparisons = Table(
    "photo_comparisons",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("before_photo_id", ForeignKey("photos.id"), nullable=False),
    Column("after_photo_id", ForeignKey("photos.id"), nullable=False, index=True),
    Column("analysis_version", String(20), nullable=False),
    Column("compared_at", UtcDateTime(), nullable=False),
    Column("result", JSON),
    Column("overlay_key", String(64)),
    Column("problem", Text, nullable=False, server_default=""),
    UniqueConstraint(
        "before_photo_id",
        "after_photo_id",
        "analysis_version",
        name="uq_photo_comparisons_pair_version",
    ),
)

# --- background jobs (SQLite; on PostgreSQL procrastinate keeps its own tables) ---------------

jobs = Table(
    "jobs",
    metadata,
    Column("id", RecordId, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("args", JSON, nullable=False),
    Column("queueing_key", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("run_after", UtcDateTime(), nullable=False),
    Column("locked_by", String(64)),
    Column("locked_until", UtcDateTime()),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Index("ix_jobs_status_run_after", "status", "run_after"),
    Index(
        "uq_jobs_waiting_key",
        "queueing_key",
        unique=True,
        sqlite_where=text("status IN ('todo', 'doing')"),
        postgresql_where=text("status IN ('todo', 'doing')"),
    ),
)

# --- the appointment book and the clinic's set-up for it ---------------------------------------

rooms = Table(
    "rooms",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("name", String(60), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    _stamp(),
)

devices = Table(
    "devices",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("name", String(60), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    _stamp(),
)

opening_hours = Table(
    "opening_hours",
    metadata,
    Column("clinic_id", ForeignKey("clinics.id"), primary_key=True),
    Column("weekday", Integer, primary_key=True),
    Column("opens", Time, nullable=False),
    Column("closes", Time, nullable=False),
)

closures = Table(
    "closures",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("reason", Text, nullable=False),
    _stamp(),
)

working_days = Table(
    "working_days",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    _clinic(),
    Column("weekdays", String(7), nullable=False),
)
"""The weekdays (digits 0-6, Monday 0) a clinician works; no row: not restricted."""

book_settings = Table(
    "book_settings",
    metadata,
    Column("clinic_id", ForeignKey("clinics.id"), primary_key=True),
    Column("reminder_hours", Integer, nullable=False),
)
"""How long before an appointment the patient is reminded by e-mail (0: no reminders)."""

appointment_lengths = Table(
    "appointment_lengths",
    metadata,
    Column("clinic_id", ForeignKey("clinics.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("minutes", Integer, nullable=False),
)

calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("subject", String(10), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

_DUE_COLUMNS = ("clinic_id", "kind", "status", "due_on", "id", "patient_id")

appointments = Table(
    "appointments",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("kind", String(20), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("after_session_id", ForeignKey("treatment_sessions.id")),
    Column("plan_id", ForeignKey("treatment_plans.id")),
    Column("status", String(15), nullable=False),
    _stamp(),
    Column("starts_at", UtcDateTime()),
    Column("ends_at", UtcDateTime()),
    Column("minutes", Integer, nullable=False, server_default="0"),
    Column("provider_id", ForeignKey("users.id")),
    Column("room_id", ForeignKey("rooms.id")),
    Column("device_id", ForeignKey("devices.id")),
    Column("cancel_reason", Text, nullable=False, server_default=""),
    Column("outside_window_reason", Text, nullable=False, server_default=""),
    Column("reminded_at", UtcDateTime()),
    Column("confirmed_at", UtcDateTime()),
    Column("change_requested_at", UtcDateTime()),
    Column("change_note", Text, nullable=False, server_default=""),
    _version(),
    Index("ix_appointments_clinic_due", "clinic_id", "status", "due_on"),
    # Today's check-ins and sessions due, oldest first; the patient for counting them
    Index("ix_appointments_clinic_kind_due", *_DUE_COLUMNS),
    # the clash check and the day and week views: a time range of one clinic
    Index("ix_appointments_clinic_starts", "clinic_id", "starts_at", "ends_at"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("session_id", ForeignKey("treatment_sessions.id"), nullable=False),
    Column("checkin_id", ForeignKey("checkins.id")),
    Column("code", String(30), nullable=False),
    Column("urgency", String(10), nullable=False),
    Column("day", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("patient_message", Text, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("status", String(15), nullable=False),
    Column("acknowledged_by", ForeignKey("users.id")),
    Column("acknowledged_at", UtcDateTime()),
    Column("closed_by", ForeignKey("users.id")),
    Column("closed_at", UtcDateTime()),
    Column("note", Text, nullable=False, server_default=""),
    _version(),
    # A session's alerts, read at each of its check-ins: on (session, clinic), both asked for,
    # so that SQLite (no statistics) prefers it to the clinic's index (every alert of the clinic)
    Index("ix_alerts_session_id", "session_id", "clinic_id"),
    # Today's and the alert list's most pressing first: each (status, urgency) newest first
    Index("ix_alerts_clinic_pressing", "clinic_id", "status", "urgency", "raised_at", "id"),
)

recovery_links = Table(
    "recovery_links",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("session_id", ForeignKey("treatment_sessions.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

patient_links = Table(
    "patient_links",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

result_shares = Table(
    "result_shares",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("before_photo_id", ForeignKey("photos.id"), nullable=False),
    Column("after_photo_id", ForeignKey("photos.id"), nullable=False),
    Column("shared_by", ForeignKey("users.id"), nullable=False),
    Column("shared_at", UtcDateTime(), nullable=False),
    Column("withdrawn_by", ForeignKey("users.id")),
    Column("withdrawn_at", UtcDateTime()),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("patient_id", ForeignKey("patients.id")),
    Column("alert_id", ForeignKey("alerts.id")),
    Column("kind", String(20), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    # A visit reminder's appointment (no foreign key: its withdrawal needs only the id).
    Column("appointment_id", Integer, index=True),
    Index("ix_notifications_status_next", "status", "next_attempt_at"),
)

sent_results_reports = Table(
    "sent_results_reports",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("sent_by", ForeignKey("users.id"), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("pdf_sha256", String(64)),
    Column("notification_id", ForeignKey("notifications.id")),
    Column("sent_at", UtcDateTime()),
    Column("reason", Text, nullable=False, server_default=""),
    Index("ix_sent_results_reports_status", "status"),
)
"""Results reports e-mailed to patients: who asked and when, where each stands (being prepared
by a background job, sent, or not sent and why), the PDF as sent (in the photo store under its
SHA-256) and the outbox message that told the patient."""


outcome_ratings = Table(
    "outcome_ratings",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("session_id", ForeignKey("treatment_sessions.id")),
    Column("rated_on", Date, nullable=False),
    Column("scale", String(30), nullable=False),
    Column("value", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("rated_by", ForeignKey("users.id"), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    _stamp(),
)

record_corrections = Table(
    "record_corrections",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("record_type", String(20), nullable=False),
    Column("record_id", RecordId, nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("earlier", JSON, nullable=False),
    Column("corrected_by", ForeignKey("users.id"), nullable=False),
    Column("corrected_at", UtcDateTime(), nullable=False),
    Index("ix_record_corrections_record", "clinic_id", "record_type", "record_id"),
)
"""The history of corrected records: each amendment or *entered in error* keeps the version it
replaced, what changed, who, when and why."""


request_keys = Table(
    "request_keys",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("record_id", RecordId),
    Column("created_at", UtcDateTime(), nullable=False),
)
"""A create that a client may send twice (an offline phone, a double tap) carries a key; the
first request under a key keeps it, with the record it made, and a resend gets that record."""

throttle_events = Table(
    "throttle_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(40), nullable=False),
    Column("key", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_throttle_events_scope_key_at", "scope", "key", "at"),
    Index("ix_throttle_events_at", "at"),
)
"""What the throttles count (a refused patient-link token per client, a use of one link, …):
one row per event, shared by every server process and kept across a restart. ``key`` is an HMAC
of the client's address or the link (keyed with the server's secret), never the address itself.
Rows older than any limit's window are tidied away."""

signed_consents = Table(
    "signed_consents",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("plan_id", ForeignKey("treatment_plans.id"), nullable=False),
    Column("modality", String(40), nullable=False),
    Column("template_version", String(40), nullable=False),
    Column("template_digest", String(64), nullable=False),
    Column("signed_name", String(200), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Column("via", String(20), nullable=False),
    Column("recorded_by", ForeignKey("users.id")),
    Column("link_id", ForeignKey("consent_links.id")),
)

consent_links = Table(
    "consent_links",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("plan_id", ForeignKey("treatment_plans.id"), nullable=False),
    Column("modality", String(40), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("consent_id", Integer),
)

photo_consents = Table(
    "photo_consents",
    metadata,
    Column("id", RecordId, primary_key=True),
    _clinic(),
    _patient(),
    Column("use", String(20), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("recorded_by", ForeignKey("users.id"), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)


def _patient_indexes() -> None:
    """Each table of a patient's records is indexed on (patient, clinic), the two every read of
    a patient's records asks for. SQLite, which keeps no statistics, weighs an index on either
    alone as alike and took the one made last: on some tables the clinic's, so a patient's
    photos were found among every photo of the clinic (9 ms of a chart read at 100,000
    patients, against 0.1). An index on both wins on every table; the clinic's own index
    serves the clinic's lists."""
    for table in metadata.tables.values():
        patient = table.c.get("patient_id")
        if patient is not None and patient.info.get(_PATIENT_RECORDS):
            Index(f"ix_{table.name}_patient_id", patient, table.c.clinic_id)


_patient_indexes()
