"""In-memory fakes of the ports in ``resurface.services.ports``, for fast tests of use cases.

``FakeDatabase`` holds the committed state; each ``FakeUnitOfWork`` it opens works on its own
copy (taken on begin), so leaving the ``with`` block without ``commit`` forgets every change, as
the SQL unit of work does. The repositories answer as the SQL ones in
``resurface.storage.repositories`` do: same ordering, another clinic's id reads as absent, a save
naming a stale version raises ``VersionConflict``, records go in with ``id=0`` and come back with
their id.

Overlapping units of work are not isolated from each other the way a database isolates them:
the last one to commit replaces the whole state. Tests that need real concurrency use SQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import smtplib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, cast

from resurface.domain.alerts import PRESSING_GROUPS, AlertStatus, ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.audit import (
    GENESIS_HASH,
    REFUSED_ACTIONS,
    AuditEntry,
    AuditEvent,
    AuditFilter,
    StoredLink,
    chain,
    link_of,
)
from resurface.domain.break_glass import BreakGlass
from resurface.domain.chart import (
    Assessment,
    Chart,
    CheckInRecord,
    Consultation,
    Photo,
    PlanStatus,
    TreatmentPlan,
    TreatmentSession,
    standing,
)
from resurface.domain.clinic_setup import CalendarFeed, Closure, Device, OpeningHours, Room
from resurface.domain.consent import ConsentLink, PhotoConsent, SignedConsent
from resurface.domain.corrections import Correction, RecordKind
from resurface.domain.errors import VersionConflict
from resurface.domain.journey import Progress, Stage, stage_of
from resurface.domain.links import PatientLink, RecoveryLink
from resurface.domain.measurements import AnalysisFailure, PhotoComparison, PhotoMeasurement
from resurface.domain.messages import UNSENT, Notification, NotificationStatus
from resurface.domain.outcomes import OutcomeRating
from resurface.domain.people import (
    SEARCH_WORD_MIN,
    Clinic,
    Patient,
    Role,
    User,
    name_key,
    search_words,
)
from resurface.domain.results_report import ReportStatus, SentReport
from resurface.domain.sharing import SharedResult
from resurface.domain.signin import FailureCount
from resurface.services.clock import Clock
from resurface.services.errors import PhotoFileMissing
from resurface.services.ports import (
    ChartRead,
    FileReference,
    ListPlace,
    NamedVisit,
    PatientRow,
    SecondFactor,
    SeriesFacts,
    SessionHolder,
    StageWindow,
    StoredFile,
    WebSession,
    stored_file_name,
)


class _InClinic(Protocol):
    @property
    def clinic_id(self) -> int: ...


class _OfPatient(_InClinic, Protocol):
    @property
    def patient_id(self) -> int: ...


C = TypeVar("C", bound=_InClinic)
P = TypeVar("P", bound=_OfPatient)
R = TypeVar("R")


class DuplicateKey(Exception):
    """What the database's unique constraints refuse (slug, user name, token hash ...)."""


def _next_id(table: Mapping[int, object]) -> int:
    return max(table, default=0) + 1


@dataclass
class _State:
    """Every table, keyed by id (web sessions by token hash; the audit trail is a list)."""

    clinics: dict[int, Clinic] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    patients: dict[int, Patient] = field(default_factory=dict)
    consultations: dict[int, Consultation] = field(default_factory=dict)
    assessments: dict[int, Assessment] = field(default_factory=dict)
    plans: dict[int, TreatmentPlan] = field(default_factory=dict)
    sessions: dict[int, TreatmentSession] = field(default_factory=dict)
    checkins: dict[int, CheckInRecord] = field(default_factory=dict)
    photos: dict[int, Photo] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    web_sessions: dict[str, WebSession] = field(default_factory=dict)
    appointments: dict[int, Appointment] = field(default_factory=dict)
    alerts: dict[int, ClinicAlert] = field(default_factory=dict)
    recovery_links: dict[int, RecoveryLink] = field(default_factory=dict)
    patient_links: dict[int, PatientLink] = field(default_factory=dict)
    result_shares: dict[int, SharedResult] = field(default_factory=dict)
    sent_reports: dict[int, SentReport] = field(default_factory=dict)
    notifications: dict[int, Notification] = field(default_factory=dict)
    outcomes: dict[int, OutcomeRating] = field(default_factory=dict)
    measurements: dict[int, PhotoMeasurement] = field(default_factory=dict)
    analysis_failures: dict[int, AnalysisFailure] = field(default_factory=dict)
    comparisons: dict[int, PhotoComparison] = field(default_factory=dict)
    request_keys: dict[tuple[str, str], int | None] = field(default_factory=dict)
    corrections: dict[int, Correction] = field(default_factory=dict)
    throttle_events: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    sign_in_failures: dict[str, FailureCount] = field(default_factory=dict)
    second_factors: dict[int, SecondFactor] = field(default_factory=dict)
    break_glass: dict[int, BreakGlass] = field(default_factory=dict)
    rooms: dict[int, Room] = field(default_factory=dict)
    devices: dict[int, Device] = field(default_factory=dict)
    opening_hours: dict[int, dict[int, OpeningHours]] = field(default_factory=dict)
    closures: dict[int, Closure] = field(default_factory=dict)
    working_days: dict[int, tuple[int, frozenset[int]]] = field(default_factory=dict)
    lengths: dict[tuple[int, str], int] = field(default_factory=dict)
    reminder_hours: dict[int, int] = field(default_factory=dict)
    feeds: dict[int, CalendarFeed] = field(default_factory=dict)
    signed_consents: dict[int, SignedConsent] = field(default_factory=dict)
    consent_links: dict[int, ConsentLink] = field(default_factory=dict)
    photo_consents: dict[int, PhotoConsent] = field(default_factory=dict)

    def copy(self) -> _State:
        """Records are frozen, so copying the containers is enough."""
        return _State(**{f.name: copy.copy(getattr(self, f.name)) for f in fields(self)})


class _Repository:
    """Reads and writes the tables of the unit of work it belongs to."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _tables(self) -> _State:
        return self._uow.state


def _scoped(table: Mapping[int, C], clinic_id: int, record_id: int) -> C | None:
    """The record if it belongs to ``clinic_id``: another clinic's id reads as absent."""
    record = table.get(record_id)
    return record if record is not None and record.clinic_id == clinic_id else None


def _page_and_total(found: list[R], most: int, skip: int) -> tuple[list[R], int]:
    """``most`` of ``found`` after ``skip``, and how many in all: none past the end, as the SQL
    repositories' one query, whose every row carries the total, answers."""
    shown = found[skip : skip + most]
    return shown, len(found) if shown else 0


def _of_patient(table: Mapping[int, P], clinic_id: int, patient_id: int) -> list[P]:
    """The patient's records, by id (the order the SQL repositories use)."""
    return [
        table[key]
        for key in sorted(table)
        if table[key].clinic_id == clinic_id and table[key].patient_id == patient_id
    ]


class FakeClinics(_Repository):
    def add(self, clinic: Clinic) -> Clinic:
        if self.by_slug(clinic.slug) is not None:
            raise DuplicateKey(f"clinic slug {clinic.slug!r}")
        stored = replace(clinic, id=_next_id(self._tables.clinics), version=1)
        self._tables.clinics[stored.id] = stored
        return stored

    def get(self, clinic_id: int) -> Clinic | None:
        return self._tables.clinics.get(clinic_id)

    def by_slug(self, slug: str) -> Clinic | None:
        return next((c for c in self._tables.clinics.values() if c.slug == slug), None)

    def all(self) -> list[Clinic]:
        return [self._tables.clinics[key] for key in sorted(self._tables.clinics)]

    def update(self, clinic: Clinic) -> Clinic:
        """Profile and settings if nobody saved them since ``clinic.version`` was read; the slug
        stays as it was (as in SQL)."""
        current = self._tables.clinics.get(clinic.id)
        if current is None or current.version != clinic.version:
            actual = current.version if current else 0
            raise VersionConflict("clinic", clinic.id, clinic.version, actual)
        saved = replace(clinic, slug=current.slug, version=clinic.version + 1)
        self._tables.clinics[clinic.id] = saved
        return replace(clinic, version=saved.version)


class FakeUsers(_Repository):
    def add(self, user: User) -> User:
        if self.by_username(user.username) is not None:
            raise DuplicateKey(f"user name {user.username!r}")
        stored = replace(user, id=_next_id(self._tables.users))
        self._tables.users[stored.id] = stored
        return replace(user, id=stored.id)

    def get(self, clinic_id: int, user_id: int) -> User | None:
        return _scoped(self._tables.users, clinic_id, user_id)

    def by_username(self, username: str) -> User | None:
        return next((u for u in self._tables.users.values() if u.username == username), None)

    def in_clinic(self, clinic_id: int) -> list[User]:
        found = [u for u in self._tables.users.values() if u.clinic_id == clinic_id]
        return sorted(found, key=lambda u: u.display_name)

    def update(self, user: User) -> User:
        """Display name, role and whether the user may sign in, as in SQL (in their clinic)."""
        stored = _scoped(self._tables.users, user.clinic_id, user.id)
        if stored is not None:
            self._tables.users[user.id] = replace(
                stored, display_name=user.display_name, role=user.role, active=user.active
            )
        return user

    def set_password(
        self,
        clinic_id: int,
        user_id: int,
        password_hash: str,
        *,
        temporary_until: dt.datetime | None = None,
    ) -> None:
        stored = _scoped(self._tables.users, clinic_id, user_id)
        if stored is not None:
            self._tables.users[user_id] = replace(
                stored,
                password_hash=password_hash,
                must_change_password=temporary_until is not None,
                temporary_password_until=temporary_until,
            )


class FakePatients(_Repository):
    def add(self, patient: Patient) -> Patient:
        stored = replace(patient, id=_next_id(self._tables.patients), version=1)
        self._tables.patients[stored.id] = stored
        return stored

    def get(self, clinic_id: int, patient_id: int) -> Patient | None:
        return _scoped(self._tables.patients, clinic_id, patient_id)

    def find(
        self, clinic_id: int, given_name: str, family_name: str, date_of_birth: dt.date
    ) -> Patient | None:
        wanted = (clinic_id, given_name, family_name, date_of_birth)
        return next(
            (
                p
                for p in self._tables.patients.values()
                if (p.clinic_id, p.given_name, p.family_name, p.date_of_birth) == wanted
            ),
            None,
        )

    def in_clinic(self, clinic_id: int, name_contains: str = "") -> list[Patient]:
        """Every word must be in the given or the family name (any case); by family name,
        given name, id."""
        words = name_contains.lower().split()
        found = [
            p
            for p in self._tables.patients.values()
            if p.clinic_id == clinic_id
            and all(w in p.given_name.lower() or w in p.family_name.lower() for w in words)
        ]
        return sorted(found, key=lambda p: (p.family_name, p.given_name, p.id))

    def update(self, patient: Patient) -> Patient:
        """Save ``patient`` if nobody saved it since ``patient.version`` was read."""
        current = self.get(patient.clinic_id, patient.id)
        if current is None or current.version != patient.version:
            actual = current.version if current else 0
            raise VersionConflict("patient", patient.id, patient.version, actual)
        saved = replace(patient, version=patient.version + 1)
        self._tables.patients[patient.id] = saved
        return saved

    def series(self, clinic_id: int, patient_id: int) -> SeriesFacts:
        return self._series_facts(clinic_id).get(patient_id, SeriesFacts(0, 0, None, None))

    def listing(
        self,
        clinic_id: int,
        search: str,
        stage: Stage | None,
        window: StageWindow,
        place: ListPlace,
        limit: int,
        count_most: int,
    ) -> tuple[list[PatientRow], int]:
        """What the SQL listing answers, worked out one patient at a time."""
        facts = self._series_facts(clinic_id)
        words = search_words(search)
        rows = []
        for patient in sorted(self._tables.patients.values(), key=_list_key):
            series = facts.get(patient.id, SeriesFacts(0, 0, None, None))
            if patient.clinic_id != clinic_id or not all(_name_has(patient, w) for w in words):
                continue
            if stage is None or _stage(series, window) is stage:
                rows.append(PatientRow(patient, series))
        at = place.at
        if at is None:
            return rows[place.skip : place.skip + limit], min(len(rows), count_most)
        onward = [r for r in rows if _list_key(r.patient) >= at]
        if place.skip < 0:
            before = [r for r in rows if _list_key(r.patient) < at]
            end = len(before) + place.skip + limit
            page = before[max(0, len(before) + place.skip) : max(0, end)]
        else:
            page = onward[place.skip : place.skip + limit]
        return page, min(len(onward), count_most)

    def by_ids(self, clinic_id: int, patient_ids: Collection[int]) -> dict[int, Patient]:
        return {
            pid: p
            for pid in patient_ids
            if (p := _scoped(self._tables.patients, clinic_id, pid)) is not None
        }

    def _series_facts(self, clinic_id: int) -> dict[int, SeriesFacts]:
        planned = self._sessions_planned(clinic_id)
        facts: dict[int, SeriesFacts] = {}
        for patient_id, sessions in self._sessions_by_patient(clinic_id).items():
            last = max(sessions, key=lambda s: s.id)
            facts[patient_id] = SeriesFacts(
                planned.get(patient_id, 0),
                len(sessions),
                max(s.performed_on for s in sessions),
                last.areas[0].modality if last.areas else None,
            )
        for patient_id, count in planned.items():
            facts.setdefault(patient_id, SeriesFacts(count, 0, None, None))
        return facts

    def _sessions_planned(self, clinic_id: int) -> dict[int, int]:
        """Sessions in each patient's latest accepted or completed plan (largest item); a plan
        without items counts for nothing, as the SQL join drops it."""
        planned: dict[int, int] = {}
        for key in sorted(self._tables.plans):
            plan = self._tables.plans[key]
            if plan.clinic_id != clinic_id or not plan.items or plan.entered_in_error:
                continue
            if plan.status not in (PlanStatus.ACCEPTED, PlanStatus.COMPLETED):
                continue
            planned[plan.patient_id] = max(
                item.sessions_expected if item.chosen_sessions is None else item.chosen_sessions
                for item in plan.items
            )
        return planned

    def _sessions_by_patient(self, clinic_id: int) -> dict[int, list[TreatmentSession]]:
        grouped: dict[int, list[TreatmentSession]] = {}
        for session in self._tables.sessions.values():
            if session.clinic_id == clinic_id and not session.entered_in_error:
                grouped.setdefault(session.patient_id, []).append(session)
        return grouped


def _list_key(patient: Patient) -> tuple[str, str, int]:
    """The patient list's order: family name, given name (as the search compares them), id."""
    return name_key(patient.family_name), name_key(patient.given_name), patient.id


def _name_has(patient: Patient, word: str) -> bool:
    given, family = name_key(patient.given_name), name_key(patient.family_name)
    if len(word) >= SEARCH_WORD_MIN:
        return word in f"{given} {family}"
    return given.startswith(word) or family.startswith(word)


def _stage(series: SeriesFacts, window: StageWindow) -> Stage:
    progress = Progress(
        has_accepted_plan=series.sessions_planned > 0,
        sessions_planned=series.sessions_planned,
        sessions_done=series.sessions_done,
        last_session_on=series.last_session_on,
        recovery_days=window.recovery_days.get(series.last_modality, 0)
        if series.last_modality
        else 0,
    )
    return stage_of(progress, window.today)


class FakeCharts(_Repository):
    """Chart records. Every lookup is scoped by clinic: another clinic's id reads as absent."""

    def sessions_on(self, clinic_id: int, day: dt.date) -> list[TreatmentSession]:
        return [
            s
            for _, s in sorted(self._tables.sessions.items())
            if s.clinic_id == clinic_id and s.performed_on == day and not s.entered_in_error
        ]

    def chart(self, clinic_id: int, patient_id: int) -> Chart:
        t = self._tables
        return standing(
            Chart(
                consultations=tuple(_of_patient(t.consultations, clinic_id, patient_id)),
                assessments=tuple(_of_patient(t.assessments, clinic_id, patient_id)),
                plans=tuple(_of_patient(t.plans, clinic_id, patient_id)),
                sessions=tuple(_of_patient(t.sessions, clinic_id, patient_id)),
                checkins=tuple(_of_patient(t.checkins, clinic_id, patient_id)),
                photos=tuple(_of_patient(t.photos, clinic_id, patient_id)),
            )
        )

    def chart_read(self, clinic_id: int, patient_id: int) -> ChartRead | None:
        patient = self._uow.patients.get(clinic_id, patient_id)
        if patient is None:
            return None
        return ChartRead(
            patient,
            self.chart(clinic_id, patient_id),
            self._uow.patients.series(clinic_id, patient_id),
            self._uow.alerts.for_patient(clinic_id, patient_id),
            self._uow.consents.photo_consents(clinic_id, patient_id),
        )

    def _amended(self, table: dict[int, Any], label: str, record: Any) -> Any:
        current = _scoped(table, record.clinic_id, record.id)
        if current is None or current.version != record.version:
            raise VersionConflict(
                label, record.id, record.version, current.version if current else 0
            )
        stored = replace(record, version=record.version + 1)
        table[record.id] = stored
        return stored

    def amend_consultation(self, record: Consultation) -> Consultation:
        kept = self._tables.consultations[record.id]
        return cast(
            Consultation,
            self._amended(
                self._tables.consultations,
                "consultation",
                replace(record, entered_in_error=kept.entered_in_error),
            ),
        )

    def amend_assessment(self, record: Assessment) -> Assessment:
        return cast(Assessment, self._amended(self._tables.assessments, "assessment", record))

    def amend_session(self, record: TreatmentSession) -> TreatmentSession:
        return cast(
            TreatmentSession, self._amended(self._tables.sessions, "treatment session", record)
        )

    def amend_photo(self, record: Photo) -> Photo:
        current = self._tables.photos.get(record.id) or record
        return cast(
            Photo,
            self._amended(
                self._tables.photos,
                "photo",
                replace(current, region=record.region, version=record.version),
            ),
        )

    def mark_entered_in_error(
        self, kind: RecordKind, clinic_id: int, record_id: int, version: int, reason: str
    ) -> None:
        table = self._table(kind)
        current = _scoped(table, clinic_id, record_id)
        if current is None:
            raise VersionConflict(kind.label, record_id, version, 0)
        self._amended(table, kind.label, replace(current, version=version, entered_in_error=reason))

    def _table(self, kind: RecordKind) -> dict[int, Any]:
        t = self._tables
        tables: dict[RecordKind, dict[int, Any]] = {
            RecordKind.CONSULTATION: t.consultations,
            RecordKind.ASSESSMENT: t.assessments,
            RecordKind.PLAN: t.plans,
            RecordKind.SESSION: t.sessions,
            RecordKind.CHECKIN: t.checkins,
            RecordKind.PHOTO: t.photos,
        }
        return tables[kind]

    def add_consultation(self, record: Consultation) -> Consultation:
        stored = replace(record, id=_next_id(self._tables.consultations), version=1)
        self._tables.consultations[stored.id] = stored
        return stored

    def add_assessment(self, record: Assessment) -> Assessment:
        stored = replace(record, id=_next_id(self._tables.assessments), version=1)
        self._tables.assessments[stored.id] = stored
        return stored

    def add_plan(self, record: TreatmentPlan) -> TreatmentPlan:
        stored = replace(record, id=_next_id(self._tables.plans), version=1)
        self._tables.plans[stored.id] = stored
        return stored

    def update_plan(self, record: TreatmentPlan) -> TreatmentPlan:
        """Save status, decisions and co-signature if the plan's version is still current. As in
        SQL, items are saved by position: the plan keeps as many items as it was added with."""
        current = self.plan(record.clinic_id, record.id)
        if current is None or current.version != record.version:
            raise VersionConflict(
                "treatment plan", record.id, record.version, current.version if current else 0
            )
        items = record.items[: len(current.items)] + current.items[len(record.items) :]
        self._tables.plans[record.id] = replace(
            current,
            status=record.status,
            cosigned_by=record.cosigned_by,
            cosigned_at=record.cosigned_at,
            items=items,
            version=record.version + 1,
        )
        return replace(record, version=record.version + 1)

    def add_session(self, record: TreatmentSession) -> TreatmentSession:
        stored = replace(record, id=_next_id(self._tables.sessions), version=1)
        self._tables.sessions[stored.id] = stored
        return stored

    def add_checkin(self, record: CheckInRecord) -> CheckInRecord:
        stored = replace(record, id=_next_id(self._tables.checkins))
        self._tables.checkins[stored.id] = stored
        return stored

    def add_photo(self, record: Photo) -> Photo:
        stored = replace(record, id=_next_id(self._tables.photos))
        self._tables.photos[stored.id] = stored
        return stored

    def consultation(self, clinic_id: int, record_id: int) -> Consultation | None:
        return _scoped(self._tables.consultations, clinic_id, record_id)

    def assessment(self, clinic_id: int, record_id: int) -> Assessment | None:
        return _scoped(self._tables.assessments, clinic_id, record_id)

    def plan(self, clinic_id: int, record_id: int) -> TreatmentPlan | None:
        return _scoped(self._tables.plans, clinic_id, record_id)

    def session(self, clinic_id: int, record_id: int) -> TreatmentSession | None:
        return _scoped(self._tables.sessions, clinic_id, record_id)

    def checkin(self, clinic_id: int, record_id: int) -> CheckInRecord | None:
        return _scoped(self._tables.checkins, clinic_id, record_id)

    def photo(self, clinic_id: int, record_id: int) -> Photo | None:
        return _scoped(self._tables.photos, clinic_id, record_id)

    def accept_photo(self, record: Photo) -> Photo:
        self._tables.photos[record.id] = record
        return record

    def hold_session(self, clinic_id: int, session_id: int) -> None:
        """Units of work run one at a time in tests: nothing to wait for."""

    def file_references(self) -> list[FileReference]:
        return (
            [
                FileReference(p.storage_key, "photo", p.id, p.clinic_id)
                for p in self._tables.photos.values()
            ]
            + [
                FileReference(m.overlay_key, "photo_measurement", m.id, m.clinic_id)
                for m in self._tables.measurements.values()
                if m.overlay_key is not None
            ]
            + [
                FileReference(c.pdf_sha256, "signed_consent", c.id, c.clinic_id)
                for c in self._tables.signed_consents.values()
            ]
            + [
                FileReference(c.overlay_key, "photo_comparison", c.id, c.clinic_id)
                for c in self._tables.comparisons.values()
                if c.overlay_key is not None
            ]
            + [
                FileReference(r.pdf_sha256, "results_report", r.id, r.clinic_id)
                for r in self._tables.sent_reports.values()
                if r.pdf_sha256 is not None
            ]
        )


class FakeAuditTrail(_Repository):
    def append(self, entry: AuditEntry) -> None:
        seq, previous_hash = self.head()
        self._tables.audit.append(chain(seq + 1, entry, previous_hash))

    def in_order(self) -> Iterator[AuditEvent]:
        return iter(sorted(self._tables.audit, key=lambda e: e.seq))

    def since(self, seq: int) -> Iterator[AuditEvent]:
        return (event for event in self.in_order() if event.seq > seq)

    def stored_since(self, seq: int) -> Iterator[StoredLink]:
        return (link_of(event) for event in self.since(seq))

    def at(self, seq: int) -> AuditEvent | None:
        return next((event for event in self._tables.audit if event.seq == seq), None)

    def for_patient(self, clinic_id: int, patient_id: int) -> list[AuditEvent]:
        return [
            event
            for event in self.in_order()
            if event.entry.clinic_id == clinic_id and event.entry.patient_id == patient_id
        ]

    def search(
        self, clinic_id: int, wanted: AuditFilter, offset: int, limit: int
    ) -> tuple[list[AuditEvent], int]:
        found = [e for e in reversed(self._tables.audit) if _matches(e, clinic_id, wanted)]
        return found[offset : offset + limit], len(found)

    def head(self) -> tuple[int, str]:
        """The sequence number and hash of the last event ever appended."""
        if not self._tables.audit:
            return 0, GENESIS_HASH
        last = self._tables.audit[-1]
        return last.seq, last.hash


def _matches(event: AuditEvent, clinic_id: int, wanted: AuditFilter) -> bool:
    """What the SQL search's conditions say, for one event."""
    entry, day = event.entry, event.entry.at.astimezone(dt.UTC).date()
    checks = (
        entry.clinic_id == clinic_id,
        wanted.patient_id is None or entry.patient_id == wanted.patient_id,
        wanted.user_id is None or entry.user_id == wanted.user_id,
        not wanted.action or entry.action == wanted.action,
        wanted.since is None or day >= wanted.since,
        wanted.until is None or day <= wanted.until,
        wanted.refused is None or (entry.action in REFUSED_ACTIONS) == wanted.refused,
    )
    return all(checks)


class FakeWebSessions(_Repository):
    def add(self, session: WebSession) -> None:
        if session.token_hash in self._tables.web_sessions:
            raise DuplicateKey("web session token hash")
        self._tables.web_sessions[session.token_hash] = session

    def get(self, token_hash: str) -> WebSession | None:
        return self._tables.web_sessions.get(token_hash)

    def with_holder(self, token_hash: str) -> SessionHolder | None:
        session = self._tables.web_sessions.get(token_hash)
        if session is None:
            return None
        user = _scoped(self._tables.users, session.clinic_id, session.user_id)
        clinic = self._tables.clinics.get(session.clinic_id)
        if user is None or clinic is None:
            return None
        factor = self._tables.second_factors.get(user.id)
        return SessionHolder(session, user, clinic, has_second_factor=factor is not None)

    def of_user(self, user_id: int) -> list[WebSession]:
        found = [s for s in self._tables.web_sessions.values() if s.user_id == user_id]
        return sorted(found, key=lambda s: (-s.created_at.timestamp(), s.token_hash))

    def seen(self, token_hash: str, at: dt.datetime) -> None:
        stored = self._tables.web_sessions.get(token_hash)
        if stored is not None:
            self._tables.web_sessions[token_hash] = replace(stored, last_seen_at=at)

    def delete(self, token_hash: str) -> None:
        self._tables.web_sessions.pop(token_hash, None)

    def delete_for_user(self, user_id: int, *, keep: str = "") -> int:
        ended = [
            k for k, s in self._tables.web_sessions.items() if s.user_id == user_id and k != keep
        ]
        for key in ended:
            del self._tables.web_sessions[key]
        return len(ended)

    def delete_expired(self, now: dt.datetime) -> int:
        expired = [k for k, s in self._tables.web_sessions.items() if s.expires_at <= now]
        for key in expired:
            del self._tables.web_sessions[key]
        return len(expired)


class FakeSignInFailures(_Repository):
    def get(self, key: str) -> FailureCount | None:
        return self._tables.sign_in_failures.get(key)

    def save(self, count: FailureCount) -> None:
        self._tables.sign_in_failures[count.key] = count

    def clear(self, key: str) -> None:
        self._tables.sign_in_failures.pop(key, None)


class FakeSecondFactors(_Repository):
    def get(self, user_id: int) -> SecondFactor | None:
        return self._tables.second_factors.get(user_id)

    def add(self, record: SecondFactor) -> None:
        if record.user_id in self._tables.second_factors:
            raise DuplicateKey(f"second factor of user {record.user_id}")
        self._tables.second_factors[record.user_id] = record

    def use_step(self, user_id: int, step: int) -> bool:
        stored = self._tables.second_factors.get(user_id)
        if stored is None or stored.last_step >= step:
            return False
        self._tables.second_factors[user_id] = replace(stored, last_step=step)
        return True

    def delete(self, user_id: int) -> bool:
        return self._tables.second_factors.pop(user_id, None) is not None

    def users_in(self, clinic_id: int) -> frozenset[int]:
        factors = self._tables.second_factors.values()
        return frozenset(f.user_id for f in factors if f.clinic_id == clinic_id)


class FakeAppointments(_Repository):
    def add(self, record: Appointment) -> Appointment:
        stored = replace(record, id=_next_id(self._tables.appointments))
        self._tables.appointments[stored.id] = stored
        return stored

    def for_patient(self, clinic_id: int, patient_id: int) -> list[Appointment]:
        found = _of_patient(self._tables.appointments, clinic_id, patient_id)
        return sorted(found, key=lambda a: (a.due_on, a.id))

    def coming_for_patient(
        self, clinic_id: int, patient_id: int, now: dt.datetime, today: dt.date
    ) -> list[NamedVisit]:
        return [
            self._named(a)
            for a in self.for_patient(clinic_id, patient_id)
            if a.active
            and a.kind is not AppointmentKind.CHECKIN
            and (a.ends_at > now if a.ends_at is not None else a.due_on >= today)
        ]

    def timed_between(
        self, clinic_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[NamedVisit]:
        return [self._named(a) for a in self._overlapping(clinic_id, start, end)]

    def _named(self, a: Appointment) -> NamedVisit:
        tables = self._tables
        user = _scoped(tables.users, a.clinic_id, a.provider_id) if a.provider_id else None
        sees = user is not None and user.active and user.role in (Role.CLINICIAN, Role.ADMIN)
        room = _scoped(tables.rooms, a.clinic_id, a.room_id) if a.room_id else None
        device = _scoped(tables.devices, a.clinic_id, a.device_id) if a.device_id else None
        return NamedVisit(
            a,
            user.display_name if user is not None and sees else "",
            room.name if room is not None else "",
            device.name if device is not None else "",
        )

    def due(self, clinic_id: int, until: dt.date) -> list[Appointment]:
        found = [
            a
            for a in self._tables.appointments.values()
            if a.clinic_id == clinic_id
            and a.status is AppointmentStatus.BOOKED
            and a.due_on <= until
        ]
        return sorted(found, key=lambda a: (a.due_on, a.id))

    def checkins_due(
        self, clinic_id: int, today: dt.date, most: int, *, skip: int = 0
    ) -> tuple[list[Appointment], int]:
        oldest: dict[int, Appointment] = {}
        for a in self.due(clinic_id, today):  # oldest first
            if a.kind is AppointmentKind.CHECKIN:
                oldest.setdefault(a.patient_id, a)
        return _page_and_total(list(oldest.values()), most, skip)

    def sessions_due(
        self, clinic_id: int, until: dt.date, most: int, *, besides: dt.date, skip: int = 0
    ) -> tuple[list[Appointment], int]:
        found = [
            a
            for a in self.due(clinic_id, until)
            if a.kind is AppointmentKind.SESSION and a.due_on != besides
        ]
        return _page_and_total(found, most, skip)

    def sessions_booked_on(self, clinic_id: int, day: dt.date) -> list[Appointment]:
        found = [
            a
            for a in self.due(clinic_id, day)
            if a.kind is AppointmentKind.SESSION and a.due_on == day
        ]
        return sorted(found, key=lambda a: a.id)

    def set_status(self, clinic_id: int, appointment_id: int, status: AppointmentStatus) -> None:
        current = _scoped(self._tables.appointments, clinic_id, appointment_id)
        if current is not None:
            self._tables.appointments[appointment_id] = replace(
                current, status=status, version=current.version + 1
            )

    def get(self, clinic_id: int, appointment_id: int) -> Appointment | None:
        return _scoped(self._tables.appointments, clinic_id, appointment_id)

    def _overlapping(
        self, clinic_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Appointment]:
        found = [
            a
            for a in self._tables.appointments.values()
            if a.clinic_id == clinic_id
            and a.starts_at is not None
            and a.ends_at is not None
            and a.starts_at < end
            and a.ends_at > start
        ]
        return sorted(found, key=lambda a: (a.starts_at, a.id))

    def between(
        self,
        clinic_id: int,
        start: dt.datetime,
        end: dt.datetime,
        *,
        provider_id: int | None = None,
        room_id: int | None = None,
        patient_id: int | None = None,
    ) -> list[Appointment]:
        return [
            a
            for a in self._overlapping(clinic_id, start, end)
            if provider_id in (None, a.provider_id)
            and room_id in (None, a.room_id)
            and patient_id in (None, a.patient_id)
        ]

    def book_of(
        self,
        clinic_id: int,
        start: dt.datetime,
        end: dt.datetime,
        first: dt.date,
        last: dt.date,
        *,
        provider_id: int | None = None,
        room_id: int | None = None,
        patient_id: int | None = None,
    ) -> tuple[list[Appointment], list[Appointment]]:
        timed = self.between(
            clinic_id, start, end, provider_id=provider_id, room_id=room_id, patient_id=patient_id
        )
        untimed = [
            a
            for a in self._tables.appointments.values()
            if a.clinic_id == clinic_id
            and a.status is AppointmentStatus.BOOKED
            and a.starts_at is None
            and a.kind is not AppointmentKind.CHECKIN
            and first <= a.due_on <= last
            and patient_id in (None, a.patient_id)
        ]
        return timed, sorted(untimed, key=lambda a: (a.due_on, a.id))

    def clashing(
        self,
        clinic_id: int,
        start: dt.datetime,
        end: dt.datetime,
        provider_id: int | None,
        room_id: int | None,
        device_id: int | None,
        exclude_id: int = 0,
        *,
        patient_id: int | None = None,
    ) -> list[Appointment]:
        return [
            a
            for a in self._overlapping(clinic_id, start, end)
            if a.active
            and a.id != exclude_id
            and (
                (provider_id is not None and a.provider_id == provider_id)
                or (room_id is not None and a.room_id == room_id)
                or (device_id is not None and a.device_id == device_id)
                or (patient_id is not None and a.patient_id == patient_id)
            )
        ]

    def save(self, record: Appointment) -> Appointment:
        current = _scoped(self._tables.appointments, record.clinic_id, record.id)
        if current is None or current.version != record.version:
            actual = current.version if current else 0
            raise VersionConflict("appointment", record.id, record.version, actual)
        stored = replace(record, version=record.version + 1)
        self._tables.appointments[record.id] = stored
        return stored

    def mark_reminded(self, clinic_id: int, appointment_id: int, at: dt.datetime) -> None:
        current = _scoped(self._tables.appointments, clinic_id, appointment_id)
        if current is not None:
            self._tables.appointments[appointment_id] = replace(current, reminded_at=at)


def _answer(
    self: FakeAppointments,
    clinic_id: int,
    appointment_id: int,
    *,
    confirmed_at: dt.datetime | None,
    change_requested_at: dt.datetime | None,
    change_note: str,
) -> None:
    current = _scoped(self._tables.appointments, clinic_id, appointment_id)
    if current is not None:
        self._tables.appointments[appointment_id] = replace(
            current,
            confirmed_at=confirmed_at,
            change_requested_at=change_requested_at,
            change_note=change_note,
        )


FakeAppointments.patient_answer = _answer  # type: ignore[attr-defined]


class FakeClinicSetup(_Repository):
    def rooms(self, clinic_id: int) -> list[Room]:
        found = [r for r in self._tables.rooms.values() if r.clinic_id == clinic_id]
        return sorted(found, key=lambda r: r.name)

    def add_room(self, record: Room) -> Room:
        stored = replace(record, id=_next_id(self._tables.rooms))
        self._tables.rooms[stored.id] = stored
        return stored

    def save_room(self, record: Room) -> bool:
        if _scoped(self._tables.rooms, record.clinic_id, record.id) is None:
            return False
        self._tables.rooms[record.id] = record
        return True

    def devices(self, clinic_id: int) -> list[Device]:
        found = [d for d in self._tables.devices.values() if d.clinic_id == clinic_id]
        return sorted(found, key=lambda d: d.name)

    def add_device(self, record: Device) -> Device:
        stored = replace(record, id=_next_id(self._tables.devices))
        self._tables.devices[stored.id] = stored
        return stored

    def save_device(self, record: Device) -> bool:
        if _scoped(self._tables.devices, record.clinic_id, record.id) is None:
            return False
        self._tables.devices[record.id] = record
        return True

    def hours(self, clinic_id: int) -> dict[int, OpeningHours]:
        return dict(self._tables.opening_hours.get(clinic_id, {}))

    def set_hours(self, clinic_id: int, hours: Mapping[int, OpeningHours]) -> None:
        self._tables.opening_hours[clinic_id] = dict(hours)

    def closures(self, clinic_id: int, since: dt.date | None = None) -> list[Closure]:
        found = [
            c
            for c in self._tables.closures.values()
            if c.clinic_id == clinic_id and (since is None or c.last_day >= since)
        ]
        return sorted(found, key=lambda c: (c.first_day, c.id))

    def add_closure(self, record: Closure) -> Closure:
        stored = replace(record, id=_next_id(self._tables.closures))
        self._tables.closures[stored.id] = stored
        return stored

    def remove_closure(self, clinic_id: int, closure_id: int) -> bool:
        if _scoped(self._tables.closures, clinic_id, closure_id) is None:
            return False
        del self._tables.closures[closure_id]
        return True

    def working_days(self, clinic_id: int) -> dict[int, frozenset[int]]:
        return {u: days for u, (c, days) in self._tables.working_days.items() if c == clinic_id}

    def set_working_days(self, clinic_id: int, user_id: int, days: frozenset[int] | None) -> None:
        self._tables.working_days.pop(user_id, None)
        if days is not None:
            self._tables.working_days[user_id] = (clinic_id, days)

    def lengths(self, clinic_id: int) -> dict[str, int]:
        return {k: m for (c, k), m in self._tables.lengths.items() if c == clinic_id}

    def set_length(self, clinic_id: int, kind: str, minutes: int) -> None:
        self._tables.lengths[(clinic_id, kind)] = minutes

    def reminder_hours(self, clinic_id: int) -> int | None:
        return self._tables.reminder_hours.get(clinic_id)

    def set_reminder_hours(self, clinic_id: int, hours: int) -> None:
        self._tables.reminder_hours[clinic_id] = hours

    def feeds(self, clinic_id: int) -> list[CalendarFeed]:
        return [f for _, f in sorted(self._tables.feeds.items()) if f.clinic_id == clinic_id]

    def feed_by_hash(self, token_hash: str) -> CalendarFeed | None:
        return next((f for f in self._tables.feeds.values() if f.token_hash == token_hash), None)

    def add_feed(self, record: CalendarFeed) -> CalendarFeed:
        stored = replace(record, id=_next_id(self._tables.feeds))
        self._tables.feeds[stored.id] = stored
        return stored

    def revoke_feed(self, clinic_id: int, feed_id: int, at: dt.datetime) -> bool:
        current = _scoped(self._tables.feeds, clinic_id, feed_id)
        if current is None or current.revoked_at is not None:
            return False
        self._tables.feeds[feed_id] = replace(current, revoked_at=at)
        return True


def _newest_first(alerts: list[ClinicAlert]) -> list[ClinicAlert]:
    return sorted(alerts, key=lambda a: (a.raised_at, a.id), reverse=True)


class FakeAlerts(_Repository):
    def add(self, record: ClinicAlert) -> ClinicAlert:
        stored = replace(record, id=_next_id(self._tables.alerts), version=1)
        self._tables.alerts[stored.id] = stored
        return stored

    def get(self, clinic_id: int, alert_id: int) -> ClinicAlert | None:
        return _scoped(self._tables.alerts, clinic_id, alert_id)

    def open_in_clinic(self, clinic_id: int) -> list[ClinicAlert]:
        """Open and acknowledged ones, newest first."""
        return _newest_first(
            [
                a
                for a in self._tables.alerts.values()
                if a.clinic_id == clinic_id and a.status is not AlertStatus.CLOSED
            ]
        )

    def most_pressing(
        self, clinic_id: int, most: int, *, skip: int = 0, status: AlertStatus | None = None
    ) -> tuple[list[ClinicAlert], int]:
        found = self.open_in_clinic(clinic_id)  # newest first
        found = [a for a in found if status is None or a.status is status]
        ranked = sorted(found, key=lambda a: PRESSING_GROUPS.index((a.status, a.urgency)))
        return _page_and_total(ranked, most, skip)

    def closed_in_clinic(
        self, clinic_id: int, offset: int, limit: int
    ) -> tuple[list[ClinicAlert], int]:
        closed = _newest_first(
            [
                a
                for a in self._tables.alerts.values()
                if a.clinic_id == clinic_id and a.status is AlertStatus.CLOSED
            ]
        )
        return closed[offset : offset + limit], len(closed)

    def for_patient(self, clinic_id: int, patient_id: int) -> list[ClinicAlert]:
        return _newest_first(_of_patient(self._tables.alerts, clinic_id, patient_id))

    def for_session(self, clinic_id: int, session_id: int) -> list[ClinicAlert]:
        found = [
            a
            for a in self._tables.alerts.values()
            if a.clinic_id == clinic_id and a.session_id == session_id
        ]
        return sorted(found, key=lambda a: (a.raised_at, a.id))

    def update(self, record: ClinicAlert) -> ClinicAlert:
        """Save status, acknowledgement, closure and note if nobody changed the alert meanwhile."""
        current = self.get(record.clinic_id, record.id)
        if current is None or current.version != record.version:
            raise VersionConflict(
                "alert", record.id, record.version, current.version if current else 0
            )
        self._tables.alerts[record.id] = replace(
            current,
            status=record.status,
            acknowledged_by=record.acknowledged_by,
            acknowledged_at=record.acknowledged_at,
            closed_by=record.closed_by,
            closed_at=record.closed_at,
            note=record.note,
            version=record.version + 1,
        )
        return replace(record, version=record.version + 1)


class FakeRecoveryLinks(_Repository):
    def add(self, record: RecoveryLink) -> RecoveryLink:
        if self.by_token_hash(record.token_hash) is not None:
            raise DuplicateKey("recovery link token hash")
        stored = replace(record, id=_next_id(self._tables.recovery_links))
        self._tables.recovery_links[stored.id] = stored
        return stored

    def by_token_hash(self, token_hash: str) -> RecoveryLink | None:
        """Unscoped on purpose: the token itself is the key a patient holds."""
        links = self._tables.recovery_links.values()
        return next((link for link in links if link.token_hash == token_hash), None)

    def for_session(self, clinic_id: int, session_id: int) -> list[RecoveryLink]:
        table = self._tables.recovery_links
        return [
            table[key]
            for key in sorted(table)
            if table[key].clinic_id == clinic_id and table[key].session_id == session_id
        ]

    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool:
        current = _scoped(self._tables.recovery_links, clinic_id, link_id)
        if current is None or current.revoked_at is not None:
            return False
        self._tables.recovery_links[link_id] = replace(current, revoked_at=at)
        return True


class FakePatientLinks(_Repository):
    def add(self, record: PatientLink) -> PatientLink:
        if self.by_token_hash(record.token_hash) is not None:
            raise DuplicateKey("patient link token hash")
        stored = replace(record, id=_next_id(self._tables.patient_links))
        self._tables.patient_links[stored.id] = stored
        return stored

    def by_token_hash(self, token_hash: str) -> PatientLink | None:
        links = self._tables.patient_links.values()
        return next((link for link in links if link.token_hash == token_hash), None)

    def for_patient(self, clinic_id: int, patient_id: int) -> list[PatientLink]:
        table = self._tables.patient_links
        return [
            table[key]
            for key in sorted(table)
            if table[key].clinic_id == clinic_id and table[key].patient_id == patient_id
        ]

    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool:
        current = _scoped(self._tables.patient_links, clinic_id, link_id)
        if current is None or current.revoked_at is not None:
            return False
        self._tables.patient_links[link_id] = replace(current, revoked_at=at)
        return True

    def extend(self, clinic_id: int, link_id: int, expires_at: dt.datetime) -> None:
        current = _scoped(self._tables.patient_links, clinic_id, link_id)
        if current is not None and current.revoked_at is None and current.expires_at < expires_at:
            self._tables.patient_links[link_id] = replace(current, expires_at=expires_at)


class FakeResultShares(_Repository):
    def add(self, record: SharedResult) -> SharedResult:
        stored = replace(record, id=_next_id(self._tables.result_shares))
        self._tables.result_shares[stored.id] = stored
        return stored

    def for_patient(self, clinic_id: int, patient_id: int) -> list[SharedResult]:
        table = self._tables.result_shares
        return [
            table[key]
            for key in sorted(table)
            if table[key].clinic_id == clinic_id and table[key].patient_id == patient_id
        ]

    def withdraw(self, clinic_id: int, share_id: int, by: int, at: dt.datetime) -> bool:
        current = _scoped(self._tables.result_shares, clinic_id, share_id)
        if current is None or current.withdrawn_at is not None:
            return False
        self._tables.result_shares[share_id] = replace(current, withdrawn_by=by, withdrawn_at=at)
        return True


class FakeSentReports(_Repository):
    def add(self, record: SentReport) -> SentReport:
        stored = replace(record, id=_next_id(self._tables.sent_reports))
        self._tables.sent_reports[stored.id] = stored
        return stored

    def for_patient(self, clinic_id: int, patient_id: int) -> list[SentReport]:
        table = self._tables.sent_reports
        return [
            table[key]
            for key in sorted(table)
            if table[key].clinic_id == clinic_id and table[key].patient_id == patient_id
        ]

    def get(self, clinic_id: int, report_id: int) -> SentReport | None:
        found = self._tables.sent_reports.get(report_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def preparing(self, limit: int) -> list[tuple[int, int]]:
        table = self._tables.sent_reports
        waiting = [table[k] for k in sorted(table) if table[k].status is ReportStatus.PREPARING]
        return [(r.clinic_id, r.id) for r in waiting[:limit]]

    def finish(self, record: SentReport) -> bool:
        found = self.get(record.clinic_id, record.id)
        if found is None or found.status is not ReportStatus.PREPARING:
            return False
        self._tables.sent_reports[record.id] = record
        return True

    def names_pdf(self, key: str) -> bool:
        return any(r.pdf_sha256 == key for r in self._tables.sent_reports.values())


def _due(record: Notification, at: dt.datetime) -> bool:
    if record.status not in UNSENT:
        return False
    return record.next_attempt_at is None or record.next_attempt_at <= at


class FakeNotifications(_Repository):
    def add(self, record: Notification) -> Notification:
        stored = replace(record, id=_next_id(self._tables.notifications))
        self._tables.notifications[stored.id] = stored
        return stored

    def get(self, notification_id: int) -> Notification | None:
        return self._tables.notifications.get(notification_id)

    def ready_to_send(self, at: dt.datetime, limit: int = 50) -> list[Notification]:
        """Pending ones, and failed ones whose retry time has come (any clinic: the outbox)."""
        table = self._tables.notifications
        return [table[key] for key in sorted(table) if _due(table[key], at)][:limit]

    def in_clinic(self, clinic_id: int, limit: int = 100) -> list[Notification]:
        table = self._tables.notifications
        newest_first = sorted(table, reverse=True)
        return [table[key] for key in newest_first if table[key].clinic_id == clinic_id][:limit]

    def save_delivery(self, record: Notification) -> None:
        current = self._tables.notifications.get(record.id)
        if current is not None:
            self._tables.notifications[record.id] = replace(
                current,
                status=record.status,
                attempts=record.attempts,
                last_error=record.last_error,
                next_attempt_at=record.next_attempt_at,
                sent_at=record.sent_at,
            )

    def withdraw_reminders(self, clinic_id: int, appointment_id: int) -> int:
        table = self._tables.notifications
        waiting = [
            key
            for key, n in table.items()
            if n.clinic_id == clinic_id
            and n.appointment_id == appointment_id
            and n.status in UNSENT
        ]
        for key in waiting:
            table[key] = replace(table[key], status=NotificationStatus.WITHDRAWN)
        return len(waiting)

    def claim(self, notification_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Reserve a due message for one sender until ``until``; False if another has it."""
        current = self._tables.notifications.get(notification_id)
        if current is None or not _due(current, now):
            return False
        self._tables.notifications[notification_id] = replace(current, next_attempt_at=until)
        return True


class FakeCorrections(_Repository):
    def add(self, record: Correction) -> Correction:
        stored = replace(record, id=_next_id(self._tables.corrections))
        self._tables.corrections[stored.id] = stored
        return stored

    def for_record(self, clinic_id: int, kind: RecordKind, record_id: int) -> list[Correction]:
        return [
            c
            for _, c in sorted(self._tables.corrections.items())
            if c.clinic_id == clinic_id and c.record is kind and c.record_id == record_id
        ]


class FakeBreakGlass(_Repository):
    def add(self, record: BreakGlass) -> BreakGlass:
        stored = replace(record, id=_next_id(self._tables.break_glass))
        self._tables.break_glass[stored.id] = stored
        return stored

    def open_for(
        self, clinic_id: int, user_id: int, patient_id: int, now: dt.datetime
    ) -> BreakGlass | None:
        found = [
            g
            for g in self._tables.break_glass.values()
            if (g.clinic_id, g.user_id, g.patient_id) == (clinic_id, user_id, patient_id)
            and g.is_open(now)
        ]
        return max(found, key=lambda g: (g.expires_at, g.id), default=None)

    def since(self, clinic_id: int, since: dt.datetime) -> list[BreakGlass]:
        found = [
            g
            for g in self._tables.break_glass.values()
            if g.clinic_id == clinic_id and g.opened_at >= since
        ]
        return sorted(found, key=lambda g: (g.opened_at, g.id), reverse=True)


class FakeConsents(_Repository):
    def add_signed(self, record: SignedConsent) -> SignedConsent:
        stored = replace(record, id=_next_id(self._tables.signed_consents))
        self._tables.signed_consents[stored.id] = stored
        return stored

    def signed(self, clinic_id: int, consent_id: int) -> SignedConsent | None:
        return _scoped(self._tables.signed_consents, clinic_id, consent_id)

    def signed_for_patient(self, clinic_id: int, patient_id: int) -> list[SignedConsent]:
        found = [
            c
            for c in self._tables.signed_consents.values()
            if (c.clinic_id, c.patient_id) == (clinic_id, patient_id)
        ]
        return sorted(found, key=lambda c: (c.signed_at, c.id))

    def add_link(self, record: ConsentLink) -> ConsentLink:
        stored = replace(record, id=_next_id(self._tables.consent_links))
        self._tables.consent_links[stored.id] = stored
        return stored

    def link_by_hash(self, token_hash: str) -> ConsentLink | None:
        found = [k for k in self._tables.consent_links.values() if k.token_hash == token_hash]
        return found[0] if found else None

    def links_for_patient(self, clinic_id: int, patient_id: int) -> list[ConsentLink]:
        found = [
            k
            for k in self._tables.consent_links.values()
            if (k.clinic_id, k.patient_id) == (clinic_id, patient_id)
        ]
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def close_link(
        self, link_id: int, *, consent_id: int | None = None, revoked_at: dt.datetime | None = None
    ) -> bool:
        link = self._tables.consent_links.get(link_id)
        if link is None or link.consent_id is not None or link.revoked_at is not None:
            return False
        closed = replace(
            link,
            consent_id=consent_id if consent_id is not None else link.consent_id,
            revoked_at=revoked_at if revoked_at is not None else link.revoked_at,
        )
        self._tables.consent_links[link_id] = closed
        return True

    def add_photo_consent(self, record: PhotoConsent) -> PhotoConsent:
        stored = replace(record, id=_next_id(self._tables.photo_consents))
        self._tables.photo_consents[stored.id] = stored
        return stored

    def photo_consents(self, clinic_id: int, patient_id: int | None = None) -> list[PhotoConsent]:
        found = [
            d
            for d in self._tables.photo_consents.values()
            if d.clinic_id == clinic_id and (patient_id is None or d.patient_id == patient_id)
        ]
        return sorted(found, key=lambda d: (d.recorded_at, d.id))


class FakeOutcomeRatings(_Repository):
    def add(self, record: OutcomeRating) -> OutcomeRating:
        stored = replace(record, id=_next_id(self._tables.outcomes))
        self._tables.outcomes[stored.id] = stored
        return stored

    def for_patient(self, clinic_id: int, patient_id: int) -> list[OutcomeRating]:
        found = _of_patient(self._tables.outcomes, clinic_id, patient_id)
        return sorted(found, key=lambda r: (r.rated_on, r.id))


class FakePhotoMeasurements(_Repository):
    def add(self, record: PhotoMeasurement) -> PhotoMeasurement:
        if any(m.photo_id == record.photo_id for m in self._tables.measurements.values()):
            raise DuplicateKey(f"measurement of photo {record.photo_id}")
        stored = replace(record, id=_next_id(self._tables.measurements))
        self._tables.measurements[stored.id] = stored
        return stored

    def for_photo(self, clinic_id: int, photo_id: int) -> PhotoMeasurement | None:
        return next(
            (
                m
                for m in self._tables.measurements.values()
                if m.clinic_id == clinic_id and m.photo_id == photo_id
            ),
            None,
        )

    def for_photos(self, clinic_id: int, photo_ids: Collection[int]) -> dict[int, PhotoMeasurement]:
        wanted = set(photo_ids)
        return {
            m.photo_id: m
            for m in self._tables.measurements.values()
            if m.clinic_id == clinic_id and m.photo_id in wanted
        }

    def add_failure(self, record: AnalysisFailure) -> None:
        if record.photo_id in self._tables.analysis_failures:
            raise DuplicateKey(f"analysis failure of photo {record.photo_id}")
        self._tables.analysis_failures[record.photo_id] = record

    def failure_for(self, clinic_id: int, photo_id: int) -> AnalysisFailure | None:
        return self.failures_for(clinic_id, [photo_id]).get(photo_id)

    def failures_for(
        self, clinic_id: int, photo_ids: Collection[int]
    ) -> dict[int, AnalysisFailure]:
        wanted = set(photo_ids)
        return {
            f.photo_id: f
            for f in self._tables.analysis_failures.values()
            if f.clinic_id == clinic_id and f.photo_id in wanted
        }

    def failures_because(self, reason: str) -> list[AnalysisFailure]:
        failures = self._tables.analysis_failures.values()
        return sorted((f for f in failures if f.reason == reason), key=lambda f: f.photo_id)

    def forget_failure(self, clinic_id: int, photo_id: int) -> None:
        failure = self._tables.analysis_failures.get(photo_id)
        if failure is not None and failure.clinic_id == clinic_id:
            del self._tables.analysis_failures[photo_id]

    def _clinical(self) -> list[Photo]:
        return [p for p in self._tables.photos.values() if p.is_clinical and not p.entered_in_error]

    def unanalysed(self, limit: int) -> list[tuple[int, int]]:
        measured = {m.photo_id for m in self._tables.measurements.values()}
        done = measured | set(self._tables.analysis_failures)
        waiting = sorted(p.id for p in self._clinical() if p.id not in done)[:limit]
        return [(self._tables.photos[i].clinic_id, i) for i in waiting]

    def uncompared_patients(self, version: str, limit: int) -> list[tuple[int, int]]:
        measured = {m.photo_id for m in self._tables.measurements.values()}
        compared = {
            c.after_photo_id
            for c in self._tables.comparisons.values()
            if c.analysis_version == version
        }
        clinical = self._clinical()
        found = {
            (p.clinic_id, p.patient_id)
            for p in clinical
            if p.id in measured
            and p.id not in compared
            and any(
                q.patient_id == p.patient_id
                and q.region == p.region
                and (q.captured_at, q.id) < (p.captured_at, p.id)
                for q in clinical
            )
        }
        return sorted(found, key=lambda pair: pair[1])[:limit]


class FakePhotoComparisons(_Repository):
    def add(self, record: PhotoComparison) -> PhotoComparison:
        key = (record.before_photo_id, record.after_photo_id, record.analysis_version)
        if any(
            (c.before_photo_id, c.after_photo_id, c.analysis_version) == key
            for c in self._tables.comparisons.values()
        ):
            raise DuplicateKey(f"comparison {key}")
        stored = replace(record, id=_next_id(self._tables.comparisons))
        self._tables.comparisons[stored.id] = stored
        return stored

    def get(
        self, clinic_id: int, before_id: int, after_id: int, version: str
    ) -> PhotoComparison | None:
        return self.for_photos(clinic_id, [after_id], version).get((before_id, after_id))

    def for_photos(
        self, clinic_id: int, photo_ids: Collection[int], version: str
    ) -> dict[tuple[int, int], PhotoComparison]:
        wanted = set(photo_ids)
        return {
            (c.before_photo_id, c.after_photo_id): c
            for c in self._tables.comparisons.values()
            if c.clinic_id == clinic_id
            and c.after_photo_id in wanted
            and c.analysis_version == version
        }


class FakeRequestKeys(_Repository):
    """One unit of work at a time in tests, so a claim never has to wait."""

    def claim(self, scope: str, key: str, at: dt.datetime) -> int | None:
        earlier = self._tables.request_keys.get((scope, key))
        if earlier is not None:
            return earlier
        # New, or left unsettled by a request refused after an audited read: this one takes it.
        self._tables.request_keys[(scope, key)] = None
        return None

    def settle(self, scope: str, key: str, record_id: int) -> None:
        self._tables.request_keys[(scope, key)] = record_id


class FakeThrottles(_Repository):
    def recent(self, scope: str, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        times = [
            at for s, k, at in self._tables.throttle_events if (s, k) == (scope, key) and at > since
        ]
        return len(times), min(times, default=None)

    def add(self, scope: str, key: str, at: dt.datetime) -> None:
        self._tables.throttle_events.append((scope, key, at))

    def forget_before(self, at: dt.datetime) -> int:
        kept = [event for event in self._tables.throttle_events if event[2] >= at]
        removed = len(self._tables.throttle_events) - len(kept)
        self._tables.throttle_events = kept
        return removed


class FakeDatabase:
    """The committed state that the units of work it opens share."""

    def __init__(self) -> None:
        self.state = _State()
        self.commits = 0

    def unit_of_work(self) -> FakeUnitOfWork:
        """A factory for ``Context.uow``."""
        return FakeUnitOfWork(self)


class FakeUnitOfWork:
    """One transaction over a copy of the database's state, taken on begin: ``commit`` publishes
    the copy to the database, leaving the ``with`` block forgets what was not committed."""

    def __init__(self, database: FakeDatabase | None = None) -> None:
        self.database = database if database is not None else FakeDatabase()
        self.clock = Clock()
        self.state = self.database.state.copy()
        self.committed = 0
        self.clinics = FakeClinics(self)
        self.users = FakeUsers(self)
        self.patients = FakePatients(self)
        self.charts = FakeCharts(self)
        self.audit = FakeAuditTrail(self)
        self.web_sessions = FakeWebSessions(self)
        self.appointments = FakeAppointments(self)
        self.clinic_setup = FakeClinicSetup(self)
        self.alerts = FakeAlerts(self)
        self.recovery_links = FakeRecoveryLinks(self)
        self.patient_links = FakePatientLinks(self)
        self.result_shares = FakeResultShares(self)
        self.sent_reports = FakeSentReports(self)
        self.notifications = FakeNotifications(self)
        self.outcomes = FakeOutcomeRatings(self)
        self.measurements = FakePhotoMeasurements(self)
        self.comparisons = FakePhotoComparisons(self)
        self.request_keys = FakeRequestKeys(self)
        self.corrections = FakeCorrections(self)
        self.throttles = FakeThrottles(self)
        self.sign_in_failures = FakeSignInFailures(self)
        self.second_factors = FakeSecondFactors(self)
        self.break_glass = FakeBreakGlass(self)
        self.consents = FakeConsents(self)

    def __enter__(self) -> Self:
        self.state = self.database.state.copy()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.database.state = self.state
        self.database.commits += 1
        self.committed += 1
        self.state = self.database.state.copy()

    def rollback(self) -> None:
        self.state = self.database.state.copy()


_KEY = re.compile(r"^[0-9a-f]{64}$")


class FakePhotoStore:
    """Content-addressed bytes in a dict, keyed like ``FilePhotoStore`` (SHA-256 hex), each
    written at the moment ``written_at`` says (the clock's now by default)."""

    def __init__(self, written_at: dt.datetime | None = None) -> None:
        self.blobs: dict[str, bytes] = {}
        self.written: dict[str, dt.datetime] = {}
        self.written_at = written_at

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        self.blobs.setdefault(key, data)
        self.written.setdefault(key, self.written_at or dt.datetime.now(dt.UTC))
        return key

    def files(self) -> Iterator[StoredFile]:
        for key in sorted(self.blobs):
            yield StoredFile(stored_file_name(key), key, self.written[key])

    def intact(self, key: str) -> bool:
        return hashlib.sha256(self.blobs[key]).hexdigest() == key

    def delete(self, name: str) -> None:
        key = name.rsplit("/", 1)[-1]
        self.blobs.pop(key, None)
        self.written.pop(key, None)

    def get(self, key: str) -> bytes:
        if not _KEY.match(key):
            raise ValueError(f"not a photo key: {key!r}")
        if key not in self.blobs:
            raise PhotoFileMissing()
        return self.blobs[key]

    def exists(self, key: str) -> bool:
        return key in self.blobs


class FakeMailer:
    """Keeps the messages it is given; with ``failure`` set, raises it instead (the SMTP server
    is down, refuses the recipient ...)."""

    def __init__(self, failure: smtplib.SMTPException | OSError | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.failure = failure

    def send(self, message: EmailMessage) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)
