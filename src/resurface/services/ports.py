"""The storage the use cases need, stated as Protocols. ``resurface.storage`` implements them;
unit tests use in-memory fakes. Records go in with ``id=0`` and come back with their id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentStatus
from resurface.domain.audit import (
    AuditEntry,
    AuditEvent,
    AuditFilter,
    ChainKey,
    Checkpoint,
    StoredLink,
)
from resurface.domain.break_glass import BreakGlass
from resurface.domain.chart import (
    Assessment,
    Chart,
    CheckInRecord,
    Consultation,
    Photo,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.clinic_setup import CalendarFeed, Closure, Device, OpeningHours, Room
from resurface.domain.codes import Modality
from resurface.domain.consent import (
    ConsentDocument,
    ConsentLink,
    PhotoConsent,
    SignedConsent,
)
from resurface.domain.corrections import Correction, RecordKind
from resurface.domain.journey import Stage
from resurface.domain.links import PatientLink, RecoveryLink
from resurface.domain.measurements import AnalysisFailure, PhotoComparison, PhotoMeasurement
from resurface.domain.messages import Notification
from resurface.domain.outcomes import OutcomeRating
from resurface.domain.people import Clinic, Patient, User
from resurface.domain.results_report import SentReport
from resurface.domain.sharing import SharedResult
from resurface.domain.signin import FailureCount, SessionStage
from resurface.services.clock import Clock

if TYPE_CHECKING:  # the report's read model is a use case's answer, built on these ports
    from resurface.services.results_report import ResultsReport


@dataclass(frozen=True)
class SeriesFacts:
    """Per patient, what the patient list needs to work out the stage without loading charts."""

    sessions_planned: int
    sessions_done: int
    last_session_on: dt.date | None
    last_modality: Modality | None


@dataclass(frozen=True)
class StageWindow:
    """What the storage needs to find the patients at a stage in one query: the clinic's today
    and how many days after a session of each modality the patient counts as recovering
    (``domain.recovery.modality_healing_days``). A modality missing here recovers in 0 days."""

    today: dt.date
    recovery_days: Mapping[Modality, int]


@dataclass(frozen=True)
class ChartRead:
    """What the chart shows of one patient, read together (``Charts.chart_read``)."""

    patient: Patient
    chart: Chart
    facts: SeriesFacts
    alerts: list[ClinicAlert]
    """As ``Alerts.for_patient`` reads them: newest first."""
    photo_consents: list[PhotoConsent]
    """As ``Consents.photo_consents`` reads the patient's: oldest first."""


NameKey = tuple[str, str, int]
"""Where a patient stands in the list's order: family name, given name, id."""


@dataclass(frozen=True)
class ListPlace:
    """Where a page of the patient list begins: ``skip`` rows into the list; with ``at``, ``skip``
    rows past the place of that key in the list's order (the first row at or after it; the key
    need not be a patient's any more), counting back from it when ``skip`` is negative. A page
    found from a key reads only the rows near it, however deep in the list (keyset paging)."""

    skip: int = 0
    at: NameKey | None = None
    before: int = 0
    """How many rows of the list come before ``at``, as the page that gave it counted them: with
    the rows counted from it, how many the search matches (few are sorted, many walked)."""


@dataclass(frozen=True)
class PatientRow:
    """A patient of the list with the facts its stage is worked out from."""

    patient: Patient
    series: SeriesFacts


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    user_id: int
    clinic_id: int
    csrf_token: str
    created_at: dt.datetime
    expires_at: dt.datetime
    source: str = ""
    last_seen_at: dt.datetime | None = None
    """When a request last came with it (written at most once a minute); None: when it began."""
    user_agent: str = ""
    stage: SessionStage = SessionStage.SIGNED_IN

    @property
    def last_seen(self) -> dt.datetime:
        return self.last_seen_at or self.created_at


@dataclass(frozen=True)
class SessionHolder:
    """A session with who holds it, read together: the check every signed-in request makes
    (one query, not one each for the session, the user, the clinic and the second factor)."""

    session: WebSession
    user: User
    clinic: Clinic
    has_second_factor: bool


@dataclass(frozen=True)
class SecondFactor:
    """A user's TOTP second factor: the secret as sealed by ``second_factor.SecretBox`` and the
    last time step whose code was accepted (a code is good once)."""

    user_id: int
    clinic_id: int
    sealed_secret: str
    enrolled_at: dt.datetime
    last_step: int = 0


class Clinics(Protocol):
    def add(self, clinic: Clinic) -> Clinic: ...
    def get(self, clinic_id: int) -> Clinic | None: ...
    def by_slug(self, slug: str) -> Clinic | None: ...
    def all(self) -> list[Clinic]: ...
    def update(self, clinic: Clinic) -> Clinic:
        """Save profile and settings; VersionConflict if saved since ``clinic.version``."""
        ...


class Users(Protocol):
    def add(self, user: User) -> User: ...
    def get(self, clinic_id: int, user_id: int) -> User | None: ...
    def by_username(self, username: str) -> User | None: ...
    def in_clinic(self, clinic_id: int) -> list[User]: ...
    def update(self, user: User) -> User: ...
    def set_password(
        self,
        clinic_id: int,
        user_id: int,
        password_hash: str,
        *,
        temporary_until: dt.datetime | None = None,
    ) -> None:
        """A new password; with ``temporary_until``, a temporary one (``must_change_password``)
        that stops working then."""
        ...


class Patients(Protocol):
    def add(self, patient: Patient) -> Patient: ...
    def get(self, clinic_id: int, patient_id: int) -> Patient | None: ...
    def in_clinic(self, clinic_id: int, name_contains: str = "") -> list[Patient]: ...
    def update(self, patient: Patient) -> Patient: ...
    def series(self, clinic_id: int, patient_id: int) -> SeriesFacts:
        """The patient's treatment series as kept with the patient (zeros if not found)."""
        ...

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
        """One page of the clinic's patients by family name, given name, id, beginning at
        ``place``, and how many match from the place's key on (from the start without one),
        counted no further than ``count_most``.
        Every word of ``search`` (``domain.people.search_words``) must be in the given or family
        name, anywhere if it is ``SEARCH_WORD_MIN`` long or longer, else at its start; ``stage``,
        if given, is the stage ``domain.journey.stage_of`` gives on ``window.today``."""
        ...

    def by_ids(self, clinic_id: int, patient_ids: Collection[int]) -> dict[int, Patient]:
        """The clinic's patients among ``patient_ids`` (the few a page shows)."""
        ...

    def find(
        self, clinic_id: int, given_name: str, family_name: str, date_of_birth: dt.date
    ) -> Patient | None: ...


class Charts(Protocol):
    """Chart records. Every lookup is scoped by clinic: another clinic's id reads as absent."""

    def chart(self, clinic_id: int, patient_id: int) -> Chart: ...
    def chart_read(self, clinic_id: int, patient_id: int) -> ChartRead | None:
        """The patient (``Patients.get``), their chart, their series (``Patients.series``),
        alerts (``Alerts.for_patient``) and photo consents (``Consents.photo_consents``), read
        together; None when the patient is not the clinic's."""
        ...

    def sessions_on(self, clinic_id: int, day: dt.date) -> list[TreatmentSession]:
        """The clinic's sessions performed on ``day`` (not entered in error), by id."""
        ...

    def add_consultation(self, record: Consultation) -> Consultation: ...
    def add_assessment(self, record: Assessment) -> Assessment: ...
    def add_plan(self, record: TreatmentPlan) -> TreatmentPlan: ...
    def update_plan(self, record: TreatmentPlan) -> TreatmentPlan: ...
    def add_session(self, record: TreatmentSession) -> TreatmentSession: ...
    def add_checkin(self, record: CheckInRecord) -> CheckInRecord: ...
    def add_photo(self, record: Photo) -> Photo: ...
    def consultation(self, clinic_id: int, record_id: int) -> Consultation | None: ...
    def assessment(self, clinic_id: int, record_id: int) -> Assessment | None: ...
    def plan(self, clinic_id: int, record_id: int) -> TreatmentPlan | None: ...
    def session(self, clinic_id: int, record_id: int) -> TreatmentSession | None: ...
    def checkin(self, clinic_id: int, record_id: int) -> CheckInRecord | None: ...
    def photo(self, clinic_id: int, record_id: int) -> Photo | None: ...
    def file_references(self) -> list[FileReference]: ...
    def amend_consultation(self, record: Consultation) -> Consultation: ...
    def amend_assessment(self, record: Assessment) -> Assessment: ...
    def amend_session(self, record: TreatmentSession) -> TreatmentSession: ...
    def amend_photo(self, record: Photo) -> Photo:
        """Save the photo's region. Every ``amend_*`` saves the record if it is still at
        ``record.version`` (else ``VersionConflict``) and returns it at the next version."""
        ...

    def mark_entered_in_error(
        self, kind: RecordKind, clinic_id: int, record_id: int, version: int, reason: str
    ) -> None:
        """Mark the record entered in error with ``reason`` if still at ``version``."""
        ...

    def accept_photo(self, record: Photo) -> Photo:
        """Save ``record.accepted_by``/``accepted_at`` (a patient's photo made clinical)."""
        ...

    def hold_session(self, clinic_id: int, session_id: int) -> None:
        """Hold the session until the unit of work ends: its check-ins are taken one at a time,
        so two sent at once cannot both open the same alert. The first write of the unit."""
        ...


class Corrections(Protocol):
    """The history of corrected records; another clinic's history reads as empty."""

    def add(self, record: Correction) -> Correction: ...
    def for_record(self, clinic_id: int, kind: RecordKind, record_id: int) -> list[Correction]:
        """Oldest first."""
        ...


class AuditAnchor(Protocol):
    """What anchors the audit trail outside the database: the keys that chain it, and signed
    checkpoints of its head."""

    def key(self) -> ChainKey:
        """The key new events are chained with."""
        ...

    def keys(self) -> dict[str, ChainKey]:
        """Every key the chain was ever keyed with, by id."""
        ...

    def rotate(self) -> ChainKey: ...
    def checkpoints(self) -> list[Checkpoint]:
        """Oldest first."""
        ...

    def last_checkpoint(self) -> Checkpoint | None: ...
    def add_checkpoint(self, point: Checkpoint) -> None: ...


class AuditTrail(Protocol):
    def append(self, entry: AuditEntry) -> None:
        """Add ``entry`` to the trail with the unit of work's changes: it is chained and written
        when the unit of work commits (and forgotten if it does not)."""
        ...

    def since(self, seq: int) -> Iterator[AuditEvent]:
        """The events after ``seq``, in order (the incremental check starts at a checkpoint)."""
        ...

    def stored_since(self, seq: int) -> Iterator[StoredLink]:
        """The events after ``seq`` in order, as stored, streamed (what the chain check reads:
        a million events in one pass, none of them kept)."""
        ...

    def at(self, seq: int) -> AuditEvent | None: ...
    def in_order(self) -> Iterator[AuditEvent]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> list[AuditEvent]: ...
    def search(
        self, clinic_id: int, wanted: AuditFilter, offset: int, limit: int
    ) -> tuple[list[AuditEvent], int]:
        """The clinic's events that match, newest first, one page of them, and how many match."""
        ...

    def head(self) -> tuple[int, str]:
        """The sequence number and hash of the last event ever appended."""
        ...


class WebSessions(Protocol):
    def add(self, session: WebSession) -> None: ...
    def get(self, token_hash: str) -> WebSession | None: ...
    def with_holder(self, token_hash: str) -> SessionHolder | None:
        """The session, its user and their clinic; None if there is no such session or its
        user or clinic is gone."""
        ...

    def of_user(self, user_id: int) -> list[WebSession]:
        """The user's sessions, the most recently begun first."""
        ...

    def seen(self, token_hash: str, at: dt.datetime) -> None: ...
    def delete(self, token_hash: str) -> None: ...
    def delete_for_user(self, user_id: int, *, keep: str = "") -> int:
        """End every session of the user but the one whose token hash is ``keep``."""
        ...

    def delete_expired(self, now: dt.datetime) -> int: ...


class SignInFailures(Protocol):
    """Failed sign-ins per key (``domain.signin.account_key`` / ``client_key``)."""

    def get(self, key: str) -> FailureCount | None: ...
    def save(self, count: FailureCount) -> None:
        """Insert or replace the count under its key."""
        ...

    def clear(self, key: str) -> None: ...


class SecondFactors(Protocol):
    def get(self, user_id: int) -> SecondFactor | None: ...
    def add(self, record: SecondFactor) -> None: ...
    def use_step(self, user_id: int, step: int) -> bool:
        """Record that the code of ``step`` was accepted, if no code of that step or a later one
        was: False means the code was already used (a replay)."""
        ...

    def delete(self, user_id: int) -> bool: ...
    def users_in(self, clinic_id: int) -> frozenset[int]:
        """The ids of the clinic's users who have a second factor."""
        ...


class BreakGlassAccess(Protocol):
    def add(self, record: BreakGlass) -> BreakGlass: ...
    def open_for(
        self, clinic_id: int, user_id: int, patient_id: int, now: dt.datetime
    ) -> BreakGlass | None:
        """The user's emergency access to the patient's chart that is open at ``now``, if any."""
        ...

    def since(self, clinic_id: int, since: dt.datetime) -> list[BreakGlass]:
        """The clinic's emergency accesses opened at or after ``since``, latest first."""
        ...


class Consents(Protocol):
    """Signed consents (never changed), signing links, and photo-consent decisions (appended)."""

    def add_signed(self, record: SignedConsent) -> SignedConsent: ...
    def signed(self, clinic_id: int, consent_id: int) -> SignedConsent | None: ...
    def signed_for_patient(self, clinic_id: int, patient_id: int) -> list[SignedConsent]: ...
    def add_link(self, record: ConsentLink) -> ConsentLink: ...
    def link_by_hash(self, token_hash: str) -> ConsentLink | None: ...
    def links_for_patient(self, clinic_id: int, patient_id: int) -> list[ConsentLink]: ...
    def close_link(
        self, link_id: int, *, consent_id: int | None = None, revoked_at: dt.datetime | None = None
    ) -> bool:
        """Mark a link used or revoked; False when it was closed already."""
        ...

    def add_photo_consent(self, record: PhotoConsent) -> PhotoConsent: ...
    def photo_consents(self, clinic_id: int, patient_id: int | None = None) -> list[PhotoConsent]:
        """One patient's decisions, or every patient's of the clinic, oldest first."""
        ...


class ConsentPrinter(Protocol):
    def __call__(self, document: ConsentDocument) -> bytes:
        """The signed consent as PDF bytes (rendered without network)."""
        ...


class ResultsReportPrinter(Protocol):
    def __call__(self, report: ResultsReport) -> bytes:
        """The results report as PDF bytes (rendered without network)."""
        ...


@dataclass(frozen=True)
class NamedVisit:
    """An appointment with the names the book shows beside it (read with it)."""

    appointment: Appointment
    provider: str
    """The clinician's display name if they see patients (an active clinician or admin of the
    clinic: ``scheduling.setup.providers``), else empty."""
    room: str
    """The room's name (inactive rooms too), else empty."""
    device: str
    """The device's name (inactive devices too), else empty."""


class Appointments(Protocol):
    def add(self, record: Appointment) -> Appointment: ...
    def get(self, clinic_id: int, appointment_id: int) -> Appointment | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> list[Appointment]: ...
    def coming_for_patient(
        self, clinic_id: int, patient_id: int, now: dt.datetime, today: dt.date
    ) -> list[NamedVisit]:
        """The patient's active visits but check-ins that end after ``now`` (those with a
        time) or are due ``today`` or later (those without), in :meth:`for_patient`'s order,
        each with its clinician's, room's and device's names (one query: the chart page read
        the clinic's rooms, devices and users for them, three more): the rest of a patient's
        years of appointments are not read."""
        ...

    def timed_between(
        self, clinic_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[NamedVisit]:
        """The appointments with a time, of any status, that overlap ``[start, end)``, by start
        (then id), each with its names as :meth:`coming_for_patient` gives them: Today's list
        of the day in one query, where reading the clinic's rooms, devices and users for the
        names took three more."""
        ...

    def due(self, clinic_id: int, until: dt.date) -> list[Appointment]: ...
    def checkins_due(
        self, clinic_id: int, today: dt.date, most: int, *, skip: int = 0
    ) -> tuple[list[Appointment], int]:
        """Each patient's oldest booked check-in due by ``today``, the ``most`` oldest first
        (by day, then id) after the first ``skip``, and how many patients have one due (none
        when ``skip`` is past the end)."""
        ...

    def sessions_due(
        self, clinic_id: int, until: dt.date, most: int, *, besides: dt.date, skip: int = 0
    ) -> tuple[list[Appointment], int]:
        """Booked sessions due by ``until`` but not on ``besides``, the ``most`` oldest first
        after the first ``skip``, and how many there are (none when ``skip`` is past the end)."""
        ...

    def sessions_booked_on(self, clinic_id: int, day: dt.date) -> list[Appointment]:
        """Booked sessions due on ``day``, by id."""
        ...

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
        """Timed appointments of any status overlapping ``[start, end)``, by start."""
        ...

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
        """What the book shows, in one query: the timed appointments of ``between`` (by start)
        and the booked visits without a time on ``first``..``last`` (sessions still to be
        timed, by day; only the patient filter applies to them)."""
        ...

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
        """Active appointments overlapping ``[start, end)`` holding the provider, room or device,
        or (given ``patient_id``) with the same patient."""
        ...

    def save(self, record: Appointment) -> Appointment:
        """Write over the version ``record`` was read at; ``VersionConflict`` when stale."""
        ...

    def mark_reminded(self, clinic_id: int, appointment_id: int, at: dt.datetime) -> None: ...
    def patient_answer(
        self,
        clinic_id: int,
        appointment_id: int,
        *,
        confirmed_at: dt.datetime | None,
        change_requested_at: dt.datetime | None,
        change_note: str,
    ) -> None: ...

    def set_status(
        self, clinic_id: int, appointment_id: int, status: AppointmentStatus
    ) -> None: ...


class ClinicSetupRecords(Protocol):
    def rooms(self, clinic_id: int) -> list[Room]: ...
    def add_room(self, record: Room) -> Room: ...
    def save_room(self, record: Room) -> bool: ...
    def devices(self, clinic_id: int) -> list[Device]: ...
    def add_device(self, record: Device) -> Device: ...
    def save_device(self, record: Device) -> bool: ...
    def hours(self, clinic_id: int) -> dict[int, OpeningHours]: ...
    def set_hours(self, clinic_id: int, hours: Mapping[int, OpeningHours]) -> None: ...
    def closures(self, clinic_id: int, since: dt.date | None = None) -> list[Closure]: ...
    def add_closure(self, record: Closure) -> Closure: ...
    def remove_closure(self, clinic_id: int, closure_id: int) -> bool: ...
    def working_days(self, clinic_id: int) -> dict[int, frozenset[int]]: ...
    def set_working_days(
        self, clinic_id: int, user_id: int, days: frozenset[int] | None
    ) -> None: ...
    def lengths(self, clinic_id: int) -> dict[str, int]: ...
    def set_length(self, clinic_id: int, kind: str, minutes: int) -> None: ...
    def reminder_hours(self, clinic_id: int) -> int | None: ...
    def set_reminder_hours(self, clinic_id: int, hours: int) -> None: ...
    def feeds(self, clinic_id: int) -> list[CalendarFeed]: ...
    def feed_by_hash(self, token_hash: str) -> CalendarFeed | None: ...
    def add_feed(self, record: CalendarFeed) -> CalendarFeed: ...
    def revoke_feed(self, clinic_id: int, feed_id: int, at: dt.datetime) -> bool: ...


class Alerts(Protocol):
    def add(self, record: ClinicAlert) -> ClinicAlert: ...
    def get(self, clinic_id: int, alert_id: int) -> ClinicAlert | None: ...
    def open_in_clinic(self, clinic_id: int) -> list[ClinicAlert]: ...
    def most_pressing(
        self, clinic_id: int, most: int, *, skip: int = 0, status: AlertStatus | None = None
    ) -> tuple[list[ClinicAlert], int]:
        """``most`` alerts after the first ``skip`` of those of ``status`` (open or acknowledged;
        None: both, every alert not yet closed), in ``domain.alerts.PRESSING_GROUPS`` order
        (newest first within a group), and how many there are (none when ``skip`` is past the
        end)."""
        ...

    def closed_in_clinic(
        self, clinic_id: int, offset: int, limit: int
    ) -> tuple[list[ClinicAlert], int]:
        """One page of the clinic's closed alerts, newest first, and how many there are: the
        closed list grows with the clinic's years, so only the page shown is read."""
        ...

    def for_patient(self, clinic_id: int, patient_id: int) -> list[ClinicAlert]: ...
    def for_session(self, clinic_id: int, session_id: int) -> list[ClinicAlert]: ...
    def update(self, record: ClinicAlert) -> ClinicAlert: ...


class RequestKeys(Protocol):
    """Keys that make a create safe to send twice. ``claim`` is the first write of its unit of
    work: it waits for a request in flight under the same key to finish, so of two requests at
    once exactly one makes the record; the other is given that record's id."""

    def claim(self, scope: str, key: str, at: dt.datetime) -> int | None:
        """Keep ``key`` for this request (``None``), or the id the earlier request recorded."""
        ...

    def settle(self, scope: str, key: str, record_id: int) -> None:
        """Note the record this request made under ``key``."""
        ...


class Throttles(Protocol):
    """Counted events (a refused token from a client, a use of a link), one per call to
    ``add``, kept where every server process sees them."""

    def recent(self, scope: str, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        """How many events ``key`` had in ``scope`` after ``since``, and when the oldest was."""
        ...

    def add(self, scope: str, key: str, at: dt.datetime) -> None: ...
    def forget_before(self, at: dt.datetime) -> int:
        """Remove every event before ``at``; how many were removed."""
        ...


class RecoveryLinks(Protocol):
    def add(self, record: RecoveryLink) -> RecoveryLink: ...
    def by_token_hash(self, token_hash: str) -> RecoveryLink | None: ...
    def for_session(self, clinic_id: int, session_id: int) -> list[RecoveryLink]: ...
    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool: ...


class ResultShares(Protocol):
    def add(self, record: SharedResult) -> SharedResult: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> list[SharedResult]: ...
    def withdraw(self, clinic_id: int, share_id: int, by: int, at: dt.datetime) -> bool: ...


class SentReports(Protocol):
    def add(self, record: SentReport) -> SentReport: ...
    def get(self, clinic_id: int, report_id: int) -> SentReport | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> list[SentReport]: ...
    def preparing(self, limit: int) -> list[tuple[int, int]]:
        """(clinic, report) of the reports still being prepared, oldest first (any clinic)."""
        ...

    def finish(self, record: SentReport) -> bool:
        """Record how a report being prepared ended; False when it no longer was."""
        ...

    def names_pdf(self, key: str) -> bool:
        """Whether any report, in any clinic, names the PDF kept under ``key``."""
        ...


class PatientLinks(Protocol):
    def add(self, record: PatientLink) -> PatientLink: ...
    def by_token_hash(self, token_hash: str) -> PatientLink | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> list[PatientLink]: ...
    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool: ...
    def extend(self, clinic_id: int, link_id: int, expires_at: dt.datetime) -> None:
        """A later expiry for a link that is not revoked (the series runs longer)."""
        ...


class Notifications(Protocol):
    def add(self, record: Notification) -> Notification: ...
    def get(self, notification_id: int) -> Notification | None: ...
    def ready_to_send(self, at: dt.datetime, limit: int = 50) -> list[Notification]: ...
    def in_clinic(self, clinic_id: int, limit: int = 100) -> list[Notification]: ...
    def save_delivery(self, record: Notification) -> None: ...
    def withdraw_reminders(self, clinic_id: int, appointment_id: int) -> int:
        """Withdraw the appointment's reminders still waiting to be sent; how many."""
        ...

    def claim(self, notification_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Reserve a due message for one sender until ``until``; False if another has it."""
        ...


class OutcomeRatings(Protocol):
    def add(self, record: OutcomeRating) -> OutcomeRating: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> list[OutcomeRating]: ...


class PhotoMeasurements(Protocol):
    def add(self, record: PhotoMeasurement) -> PhotoMeasurement:
        """Keep a photo's measurement; there is one per photo (a second is refused)."""
        ...

    def for_photo(self, clinic_id: int, photo_id: int) -> PhotoMeasurement | None: ...
    def for_photos(self, clinic_id: int, photo_ids: Collection[int]) -> dict[int, PhotoMeasurement]:
        """The measurements of the photos among ``photo_ids`` that have one (one query)."""
        ...

    def add_failure(self, record: AnalysisFailure) -> None: ...
    def failure_for(self, clinic_id: int, photo_id: int) -> AnalysisFailure | None: ...
    def failures_for(
        self, clinic_id: int, photo_ids: Collection[int]
    ) -> dict[int, AnalysisFailure]: ...
    def failures_because(self, reason: str) -> list[AnalysisFailure]:
        """Every clinic's photos found not measurable for exactly this reason."""
        ...

    def forget_failure(self, clinic_id: int, photo_id: int) -> None:
        """The photo is to be measured again: its recorded failure no longer holds."""
        ...

    def unanalysed(self, limit: int) -> list[tuple[int, int]]:
        """(clinic id, photo id) of clinical photos (not entered in error) with neither a
        measurement nor a failure: what a lost job left waiting."""
        ...

    def uncompared_patients(self, version: str, limit: int) -> list[tuple[int, int]]:
        """(clinic id, patient id) of patients with a measured clinical photo that has an
        earlier photo of its region and no comparison as the later photo at ``version``."""
        ...


class PhotoComparisons(Protocol):
    def add(self, record: PhotoComparison) -> PhotoComparison:
        """Keep a comparison; one per pair and analysis version (a second is refused)."""
        ...

    def get(
        self, clinic_id: int, before_id: int, after_id: int, version: str
    ) -> PhotoComparison | None: ...
    def for_photos(
        self, clinic_id: int, photo_ids: Collection[int], version: str
    ) -> dict[tuple[int, int], PhotoComparison]:
        """The comparisons at ``version`` whose later photo is among ``photo_ids``, by
        (before id, after id): what a results page shows, in one query."""
        ...


class JobQueue(Protocol):
    """Work that leaves the request: a use case defers a job by name with its arguments, and a
    worker runs it later (``services.jobs`` names the jobs). Deferring the same job with the same
    arguments while it still waits adds nothing; every job may run more than once (a retry after
    a crash) and is written so that a second run changes nothing."""

    def defer(self, job: str, **args: int | str) -> None: ...
    def run_pending(self, run: Callable[[str, Mapping[str, int | str]], None]) -> int:
        """Run every job that is due, here and one at a time, until none is left; how many
        ran. The demo and the tests call it; the real app's jobs are run by workers."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Nothing is kept unless ``commit`` is called; leaving rolls back.
    ``clock`` is the clinic's clock of the context that opened it."""

    clock: Clock

    @property
    def clinics(self) -> Clinics: ...
    @property
    def users(self) -> Users: ...
    @property
    def patients(self) -> Patients: ...
    @property
    def charts(self) -> Charts: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def web_sessions(self) -> WebSessions: ...
    @property
    def appointments(self) -> Appointments: ...
    @property
    def clinic_setup(self) -> ClinicSetupRecords: ...
    @property
    def alerts(self) -> Alerts: ...
    @property
    def recovery_links(self) -> RecoveryLinks: ...
    @property
    def patient_links(self) -> PatientLinks: ...
    @property
    def result_shares(self) -> ResultShares: ...
    @property
    def sent_reports(self) -> SentReports: ...
    @property
    def notifications(self) -> Notifications: ...
    @property
    def outcomes(self) -> OutcomeRatings: ...
    @property
    def measurements(self) -> PhotoMeasurements: ...
    @property
    def comparisons(self) -> PhotoComparisons: ...
    @property
    def request_keys(self) -> RequestKeys: ...
    @property
    def corrections(self) -> Corrections: ...
    @property
    def throttles(self) -> Throttles: ...
    @property
    def sign_in_failures(self) -> SignInFailures: ...
    @property
    def second_factors(self) -> SecondFactors: ...
    @property
    def break_glass(self) -> BreakGlassAccess: ...
    @property
    def consents(self) -> Consents: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class PhotoStore(Protocol):
    """Content-addressed bytes: the key is derived from the content, so a put is idempotent.

    A photo's bytes are stored before the record that names them is committed, so a crash in
    between leaves a file no record names; ``files``, ``intact`` and ``delete`` let a check find
    and remove those, and find records whose file is missing or damaged."""

    def put(self, data: bytes) -> str: ...
    def get(self, key: str) -> bytes:
        """The bytes, or ``PhotoFileMissing`` when the file is not in the store."""
        ...

    def exists(self, key: str) -> bool: ...
    def files(self) -> Iterator[StoredFile]: ...
    def intact(self, key: str) -> bool: ...
    def delete(self, name: str) -> None: ...


@dataclass(frozen=True)
class StoredFile:
    """A file in the photo store: its name there, its key, and when it was written (UTC).
    ``key`` is ``None`` for an upload cut off before it got its name, or a stray file."""

    name: str
    key: str | None
    written_at: dt.datetime


def stored_file_name(key: str) -> str:
    """The ``StoredFile.name`` of the file holding ``key``'s bytes: every photo store fans its
    files out as ``ab/cd/<key>`` by the key's first two pairs of hex digits."""
    return f"{key[:2]}/{key[2:4]}/{key}"


@dataclass(frozen=True)
class FileReference:
    """A record that names a file in the photo store."""

    key: str
    record_type: str
    record_id: int
    clinic_id: int


__all__ = [
    "Alerts",
    "Appointments",
    "AuditAnchor",
    "AuditTrail",
    "Charts",
    "ClinicSetupRecords",
    "Clinics",
    "ConsentPrinter",
    "Consents",
    "Corrections",
    "FileReference",
    "JobQueue",
    "Notifications",
    "OutcomeRatings",
    "PatientLinks",
    "PatientRow",
    "Patients",
    "PhotoComparisons",
    "PhotoMeasurements",
    "PhotoStore",
    "RecoveryLinks",
    "RequestKeys",
    "ResultShares",
    "ResultsReportPrinter",
    "SecondFactor",
    "SecondFactors",
    "SentReports",
    "SeriesFacts",
    "SessionHolder",
    "SignInFailures",
    "StageWindow",
    "StoredFile",
    "UnitOfWork",
    "Users",
    "WebSession",
    "WebSessions",
    "stored_file_name",
]


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand one message to the mail server, or raise ``smtplib.SMTPException``/``OSError``."""
        ...
