"""The results report (a PDF in two versions) and sending the patient's version by e-mail.

The report is gathered from the same answers as the Results page (``services.results``: the
measured before/after of each region, the response across the series and the re-estimated
sessions, GAIS), the recovery check-ins against the expected course (``domain.recovery``) and the
appointment book. ``domain.results_report`` decides when a change across the series is beyond
measurement noise. The chart version adds each session's laser settings, the alerts and the
sources; the patient's version has no codes and no citations.

Sending: the clinician's request records the report as being prepared and defers a background
job; the job renders the patient's version, keeps it in the photo store under its SHA-256 (what
the patient reads is what was sent), and queues one e-mail in the outbox with a link to it
through the patient's own link. The e-mail itself holds no health data, as every e-mail of the
outbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from resurface.domain.alerts import ClinicAlert
from resurface.domain.chart import Chart, Photo, TreatmentSession, standing
from resurface.domain.codes import Score
from resurface.domain.errors import InvalidInput
from resurface.domain.guide import area_phrase
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.outcomes import OutcomeRating
from resurface.domain.people import Clinic, Patient
from resurface.domain.photo_metrics import ChangeVerdict, metric_label, patient_metric_label
from resurface.domain.photo_series import baseline_of
from resurface.domain.recovery import course_for, expected_course_for
from resurface.domain.reestimate import ResponseStatus
from resurface.domain.results_report import (
    ReportStatus,
    ReportVersion,
    SentReport,
    latest_sent,
    series_noise_pct,
    series_verdict,
)
from resurface.domain.rulebase import Grade, ModalityFamily, RuleBase
from resurface.domain.sharing import region_words
from resurface.services import audit, results
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import LinkNotUsable, NotFound
from resurface.services.patient_page import Visit, VisitKind, upcoming_visits
from resurface.services.patients import find_patient_audited
from resurface.services.ports import ResultsReportPrinter, UnitOfWork, stored_file_name
from resurface.services.recovery import patient_links
from resurface.services.results import ItemResponse, MetricChange, ResultsView

__all__ = [
    "JOB_SOURCE",
    "PREPARE_RESULTS_REPORT",
    "ItemProgress",
    "RecoveryOfSession",
    "RegionResult",
    "ReportVersion",
    "ResultsReport",
    "SentReportRow",
    "patient_sent_report",
    "prepare_report",
    "report_pdf",
    "results_report",
    "send_report",
    "sent_reports",
]

HIDDEN_METRICS = frozenset({"l_star_mean", "b_star_mean"})
"""Shown nowhere on Results either: lightness and yellowness move with the room's light."""


@dataclass(frozen=True)
class RegionResult:
    """One region's baseline and latest photo side by side, with the overlay and the changes."""

    region: str
    before: Photo
    after: Photo | None
    before_image: bytes
    after_image: bytes | None
    overlay_png: bytes | None
    changes: tuple[MetricChange, ...]
    comparable: bool
    problem: str
    """Why nothing could be measured (the photos could not be compared), or empty."""
    length_unit: str = "mm"
    """``px`` when neither photo had a scale."""

    def judged(self, verdict: str) -> tuple[MetricChange, ...]:
        return tuple(c for c in self.changes if c.verdict == verdict)


@dataclass(frozen=True)
class SeriesPoint:
    on: dt.date
    sessions_before: int
    improvement_pct: float | None
    verdict: ChangeVerdict


@dataclass(frozen=True)
class ItemProgress:
    """The measured change of one plan item's concern across the series, and what it means for
    the sessions still needed."""

    response: ItemResponse
    metric_label: str
    patient_metric_label: str
    noise_pct: float | None
    baseline_on: dt.date | None
    points: tuple[SeriesPoint, ...]
    session_dates: tuple[dt.date, ...]

    @property
    def latest(self) -> SeriesPoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class RecoveryOfSession:
    """How the recovery after one session went, from the patient's check-ins."""

    session: TreatmentSession
    treatment: str
    checkins: int
    last_day: int | None
    above_expected: tuple[tuple[str, tuple[int, ...]], ...]
    """Each score that was above its expected range, with the days."""
    warning_days: tuple[int, ...]
    alerts: tuple[ClinicAlert, ...]


@dataclass(frozen=True)
class ResultsReport:
    version: ReportVersion
    clinic: Clinic
    patient: Patient
    printed_on: dt.date
    regions: tuple[RegionResult, ...]
    progress: tuple[ItemProgress, ...]
    recovery: tuple[RecoveryOfSession, ...]
    gais: tuple[OutcomeRating, ...]
    gais_grades: tuple[Grade, ...]
    sessions: tuple[TreatmentSession, ...]
    sessions_done: int
    sessions_remaining: int | None
    """The re-estimate's sessions still needed (the largest over the plan's items); None
    without a plan."""
    next_visits: tuple[Visit, ...]
    next_steps: tuple[str, ...]
    alerts: tuple[ClinicAlert, ...] = ()
    """The chart version only."""
    sources: tuple[str, ...] = ()
    """The chart version only."""

    @property
    def chart(self) -> bool:
        return self.version is ReportVersion.CHART

    @property
    def first_session(self) -> dt.date | None:
        return self.sessions[0].performed_on if self.sessions else None

    @property
    def last_session(self) -> dt.date | None:
        return self.sessions[-1].performed_on if self.sessions else None


@dataclass(frozen=True)
class SentReportRow:
    """A sent report as the Results page lists it."""

    report: SentReport
    sent_by: str


# --- the report ---------------------------------------------------------------------------------


def results_report(
    ctx: Context, actor: Actor, patient_id: int, version: ReportVersion
) -> ResultsReport:
    """The patient's results report in ``version``; reading it is audited."""
    require(actor, Permission.VIEW_CHART)
    view = results.read_results(ctx, actor, patient_id)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        report = _gather(uow, ctx, actor.clinic_id, patient, view, version)
        audit.record(
            uow, actor, "read", "results_report", patient.id, patient_id=patient.id,
            detail=f"{version.value} version",
        )  # fmt: skip
        uow.commit()
    return report


def report_pdf(ctx: Context, actor: Actor, patient_id: int, version: ReportVersion) -> bytes:
    """The report as PDF bytes (A4, rendered without network)."""
    return _printer(ctx)(results_report(ctx, actor, patient_id, version))


def _gather(
    uow: UnitOfWork,
    ctx: Context,
    clinic_id: int,
    patient: Patient,
    view: ResultsView,
    version: ReportVersion,
) -> ResultsReport:
    clinic = _clinic(uow, clinic_id)
    today = ctx.clock.today_of(clinic)
    chart = standing(uow.charts.chart(clinic_id, patient.id))
    sessions = tuple(sorted(chart.sessions, key=lambda s: (s.performed_on, s.id)))
    alerts = tuple(uow.alerts.for_patient(clinic_id, patient.id))
    visits = upcoming_visits(uow, clinic_id, patient.id, today, ctx.clock.zone_of(clinic))
    regions = _regions(ctx, view)
    units = {r.before.region: r.length_unit for r in regions}
    progress = tuple(
        _progress(ctx.rules, r, sessions, units.get(r.area.value, "mm")) for r in view.responses
    )
    remaining = max((r.remaining_now for r in view.responses), default=None)
    chart_version = version is ReportVersion.CHART
    return ResultsReport(
        version=version,
        clinic=clinic,
        patient=patient,
        printed_on=today,
        regions=regions,
        progress=progress,
        recovery=tuple(_recovery(ctx.rules, chart, patient, s, alerts) for s in sessions),
        gais=view.outcomes,
        gais_grades=view.gais,
        sessions=sessions,
        sessions_done=max((r.sessions_done for r in view.responses), default=len(sessions)),
        sessions_remaining=remaining,
        next_visits=visits,
        next_steps=_next_steps(clinic, view, remaining, visits),
        alerts=alerts if chart_version else (),
        sources=_sources(ctx.rules, view) if chart_version else (),
    )


def _regions(ctx: Context, view: ResultsView) -> tuple[RegionResult, ...]:
    out = []
    for series in view.regions:
        stored = [p for p in series.photos if ctx.photos.exists(p.storage_key)]
        if not stored:
            continue
        before = baseline_of(stored) or stored[0]
        after = stored[-1] if stored[-1].id != before.id else None
        out.append(_region(ctx, view, before, after))
    return tuple(out)


def _region(ctx: Context, view: ResultsView, before: Photo, after: Photo | None) -> RegionResult:
    words = region_words(before.region)
    before_image = ctx.photos.get(before.storage_key)
    if after is None:
        return RegionResult(words, before, None, before_image, None, None, (), True, "")
    after_image = ctx.photos.get(after.storage_key)
    shown = view.before is not None and view.after is not None
    measured, problem = None, ""
    if shown and (view.before, view.after) == (before, after):
        measured, problem = view.measured, view.measure_error
    else:
        measured, problem = results.kept_measurement(ctx, before.clinic_id, before, after)
    if measured is None:
        problem = problem or "the photos could not be measured"
        return RegionResult(
            words, before, after, before_image, after_image, None, (), False, problem
        )
    changes = tuple(c for c in measured.changes if c.metric not in HIDDEN_METRICS)
    verdict = measured.comparability
    comparable = verdict is None or verdict.comparable
    problem = "" if verdict is None or verdict.comparable else "; ".join(verdict.reasons)
    return RegionResult(
        words, before, after, before_image, after_image, measured.overlay_png, changes,
        comparable, problem, measured.length_unit,
    )  # fmt: skip


def _progress(
    rules: RuleBase,
    response: ItemResponse,
    sessions: tuple[TreatmentSession, ...],
    length_unit: str,
) -> ItemProgress:
    noise = (
        series_noise_pct(rules.repeatability, response.metric, response.area)
        if response.metric is not None
        else None
    )
    points = tuple(
        SeriesPoint(
            p.photo.captured_at.date(),
            p.sessions_before,
            p.improvement_pct,
            series_verdict(p.improvement_pct, noise),
        )
        for p in response.points
    )
    label = metric_label(response.metric, length_unit) if response.metric else ""
    words = patient_metric_label(response.metric, length_unit) if response.metric else ""
    baseline = response.baseline.captured_at.date() if response.baseline else None
    dates = tuple(s.performed_on for s in sessions if response.area in {a.area for a in s.areas})
    return ItemProgress(response, label, words, noise, baseline, points, dates)


def _recovery(
    rules: RuleBase,
    chart: Chart,
    patient: Patient,
    session: TreatmentSession,
    alerts: tuple[ClinicAlert, ...],
) -> RecoveryOfSession:
    treatment = _treatment_words(rules, session)
    checkins = sorted(
        (c for c in chart.checkins if c.session_id == session.id), key=lambda c: c.checkin.date
    )
    raised = tuple(a for a in alerts if a.session_id == session.id)
    if not session.areas:
        return RecoveryOfSession(session, treatment, len(checkins), None, (), (), raised)
    course = expected_course_for(rules, course_for(session, patient, chart.consultations))
    above: dict[Score, list[int]] = {}
    warnings: list[int] = []
    for record in checkins:
        day = record.checkin.day_after(session.performed_on)
        for score, value in record.checkin.scores.items():
            if value > course.band(day, score).high:
                above.setdefault(score, []).append(day)
        if record.checkin.red_flags:
            warnings.append(day)
    days = [c.checkin.day_after(session.performed_on) for c in checkins]
    return RecoveryOfSession(
        session,
        treatment,
        len(checkins),
        max(days) if days else None,
        tuple((score.value, tuple(found)) for score, found in above.items()),
        tuple(warnings),
        raised,
    )


def _treatment_words(rules: RuleBase, session: TreatmentSession) -> str:
    """The treatment in the patient's words, as the aftercare sheet names it."""
    if not session.areas:
        return "a visit"
    modalities = {a.modality for a in session.areas}
    family = ModalityFamily.of(max(modalities, key=lambda m: (m.is_fully_ablative, m.is_ablative)))
    return f"{rules.guide.families[family].name} on {area_phrase(a.area for a in session.areas)}"


def _next_steps(
    clinic: Clinic, view: ResultsView, remaining: int | None, visits: tuple[Visit, ...]
) -> tuple[str, ...]:
    """What comes next, from the re-estimate and the appointment book (facts, no advice)."""
    steps: list[str] = []
    statuses = {r.estimate.status for r in view.responses}
    treatment = next((v for v in visits if v.kind is VisitKind.TREATMENT), None)
    if remaining is None:
        steps.append("No treatment is planned at the moment.")
    elif remaining == 0:
        steps.append("No more treatments are estimated: the expected improvement is reached.")
    else:
        plural = "treatment is" if remaining == 1 else "treatments are"
        steps.append(f"About {remaining} more {plural} estimated at the rate measured so far.")
        if treatment is not None:
            steps.append(f"Your next treatment is booked for {_day(treatment.on)}.")
        else:
            steps.append("The clinic will book your next treatment with you.")
    if statuses & {ResponseStatus.NO_RESPONSE, ResponseStatus.REVIEW_PLAN}:
        steps.append("Your clinician will go through the plan with you at your next visit.")
    other = next((v for v in visits if v is not treatment), None)
    if other is not None:
        steps.append(f"Your next visit ({other.kind.value}) is on {_day(other.on)}.")
    if clinic.phone.strip():
        steps.append(f"Questions? Call {clinic.name} on {clinic.phone.strip()}.")
    return tuple(steps)


def _sources(rules: RuleBase, view: ResultsView) -> tuple[str, ...]:
    found: list[str] = []
    for response in view.responses:
        found.extend(response.estimate.sources)
    found.extend(rules.repeatability.sources)
    return tuple(dict.fromkeys(found))


def _day(on: dt.date) -> str:
    return on.strftime("%d %B %Y").lstrip("0")


# --- sending the patient's version --------------------------------------------------------------

PREPARE_RESULTS_REPORT = "prepare_results_report"
"""The background job that draws a report a clinician sent, and queues its e-mail."""

JOB_SOURCE = "background job"
"""Where the reads and writes of the job come from, in the audit trail (they are the asking
clinician's, made for them by a worker)."""

NO_ADDRESS_ANY_MORE = "the patient has no e-mail address any more: add one and send again"
NOT_READY_IN_TIME = (
    "it could not be prepared within an hour (the background worker failed or is not running):"
    " send it again, and tell the administrator if this happens again"
)
GIVE_UP_AFTER = dt.timedelta(hours=1)
"""A report still being prepared this long after it was asked for is marked not sent, with
:data:`NOT_READY_IN_TIME`: its job has failed every attempt (or no worker runs), and the clinic
must know rather than wait; the job's retries take minutes (4 s to about 6 min apart)."""


def send_report(ctx: Context, actor: Actor, patient_id: int) -> SentReport:
    """Ask for the patient's version to be e-mailed: the report is recorded at once as being
    prepared (who asked, when, for whom; audited) and a background job
    (:func:`prepare_report`) draws it, keeps the PDF, queues the e-mail and marks it sent. The
    request draws nothing (drawing takes seconds)."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = _addressed(find_patient_audited(uow, actor, patient_id))
        asked = uow.sent_reports.add(
            SentReport(
                0, actor.clinic_id, patient.id, actor.user_id, ctx.clock.now(),
                patient.email.strip(),
            )
        )  # fmt: skip
        audit.record(
            uow, actor, "send", "results_report", asked.id, patient_id=patient.id,
            detail=f"to {asked.recipient}; being prepared",
        )  # fmt: skip
        uow.commit()
    # After the commit: a defer lost to a crash here is deferred again by ``jobs.catch_up``.
    ctx.jobs.defer(PREPARE_RESULTS_REPORT, clinic_id=asked.clinic_id, report_id=asked.id)
    return asked


def prepare_report(ctx: Context, clinic_id: int, report_id: int) -> None:
    """The job: draw the patient's version of a report being prepared, keep the PDF under its
    SHA-256 and, in one transaction, queue the one e-mail with the link to it and mark the
    report sent; or mark it not sent and say why. A report no longer being prepared (done by an
    earlier run of this job, or by another worker at the same time) is left as it is; one asked
    for more than :data:`GIVE_UP_AFTER` ago is not drawn any more, but marked not sent (the
    catch-up runs this job again for every report still being prepared).

    What may change while the report is drawn (the address removed, the report finished by
    another run) is checked again before its PDF is kept, so nothing drawn is left that no
    record names; a run that fails after keeping it takes it back (:func:`_keep_and_queue`)."""
    with ctx.uow() as uow:
        asked = uow.sent_reports.get(clinic_id, report_id)
        if asked is None or asked.status is not ReportStatus.PREPARING:
            return
        actor, why_not = _asker(uow, asked)
    if ctx.clock.now() - asked.requested_at > GIVE_UP_AFTER:
        why_not = NOT_READY_IN_TIME
    if actor is None or why_not:
        _not_sent(ctx, actor, asked, why_not)
        return
    # Drawn outside any transaction: no database connection is held while it draws.
    pdf = report_pdf(ctx, actor, asked.patient_id, ReportVersion.PATIENT)
    _keep_and_queue(ctx, actor, asked, pdf)


def _keep_and_queue(ctx: Context, actor: Actor, asked: SentReport, pdf: bytes) -> None:
    """Check again what may have changed while the report was drawn, then keep the PDF and queue
    its e-mail in one transaction; or mark the report not sent, keeping nothing.

    The PDF is written just before the transaction that names it commits (as a photo is). When
    that transaction does not commit (it fails, or another run sent the report first), a PDF
    this run added to the store is removed again unless a report names it: the same patient's
    report drawn twice on one day is the same file. Only a crash in between leaves it unnamed,
    for ``photos check`` to find.

    Two runs of the job for one report (a retry, two workers) draw the same file. A failing run
    that added it removes it only if no report names it, and puts it back if a report names it
    once it is removed (the other run committed between the check and the removal); the run
    that commits puts it back if it is gone just after its commit. Whatever the order, a report
    that names the file finds it (:func:`_discard_unnamed`, :func:`_kept_after_commit`)."""
    key = hashlib.sha256(pdf).hexdigest()
    added = sent = False
    try:
        with ctx.uow() as uow:
            current = uow.sent_reports.get(asked.clinic_id, asked.id)
            if current is None or current.status is not ReportStatus.PREPARING:
                return  # another run finished it while this one drew
            patient = find_patient_audited(uow, actor, asked.patient_id)
            if not patient.email.strip():
                _finish_not_sent(uow, actor, asked, NO_ADDRESS_ANY_MORE)
                return
            added = not ctx.photos.exists(key)
            ctx.photos.put(pdf)
            sent = _queue_email(uow, ctx, actor, asked, patient, key)
    finally:
        if added and not sent:
            _discard_unnamed(ctx, key, pdf)
    if sent:
        _kept_after_commit(ctx, key, pdf)


def _discard_unnamed(ctx: Context, key: str, pdf: bytes) -> None:
    """Remove the PDF under ``key`` unless a report names it (checked once this run's
    transaction has ended, so a report another run committed meanwhile keeps its file); if a
    report names it once it is removed (committed between the check and the removal), put it
    back."""
    if _named(ctx, key):
        return
    ctx.photos.delete(stored_file_name(key))
    if _named(ctx, key):
        ctx.photos.put(pdf)


def _kept_after_commit(ctx: Context, key: str, pdf: bytes) -> None:
    """After the commit that names the PDF: put it back if a failing run of the same job
    removed it before it could see this commit (see :func:`_discard_unnamed`)."""
    if not ctx.photos.exists(key):
        ctx.photos.put(pdf)


def _named(ctx: Context, key: str) -> bool:
    with ctx.uow() as uow:
        return uow.sent_reports.names_pdf(key)


def _asker(uow: UnitOfWork, asked: SentReport) -> tuple[Actor | None, str]:
    """The clinician who sent the report, acting through the job; or why they no longer may."""
    user = uow.users.get(asked.clinic_id, asked.sent_by)
    if user is None:
        return None, "the user who sent it is gone"
    actor = Actor(user.id, user.clinic_id, user.role, user.display_name, source=JOB_SOURCE)
    if not user.active or not actor.may(Permission.WRITE_CHART):
        return actor, f"{user.display_name} may no longer send reports: send it again"
    patient = uow.patients.get(asked.clinic_id, asked.patient_id)
    if patient is None or not patient.email.strip():
        return actor, NO_ADDRESS_ANY_MORE
    return actor, ""


def _queue_email(
    uow: UnitOfWork, ctx: Context, actor: Actor, asked: SentReport, patient: Patient, key: str
) -> bool:
    """Inside the caller's transaction: queue the e-mail and mark the report sent, committed
    together (True), or nothing when another run marked it first (False)."""
    clinic = _clinic(uow, asked.clinic_id)
    now = ctx.clock.now()
    issued = patient_links.working_link(uow, ctx, actor, patient)
    message = uow.notifications.add(
        Notification(
            id=0,
            clinic_id=clinic.id,
            kind=NotificationKind.RESULTS_REPORT,
            recipient=patient.email.strip(),
            subject=f"{clinic.name}: your results report",
            body=_body(clinic, patient, f"{issued.url}/results-report.pdf"),
            created_at=now,
            patient_id=patient.id,
        )
    )
    sent = replace(
        asked, status=ReportStatus.SENT, recipient=message.recipient, pdf_sha256=key,
        notification_id=message.id, sent_at=now,
    )  # fmt: skip
    if not uow.sent_reports.finish(sent):
        return False  # another run of the job sent it: this one's e-mail is never committed
    audit.record(
        uow, actor, "sent", "results_report", sent.id, patient_id=patient.id,
        detail=f"to {sent.recipient}; pdf sha256 {key}; message {message.id}",
    )  # fmt: skip
    uow.commit()
    return True


def _not_sent(ctx: Context, actor: Actor | None, asked: SentReport, reason: str) -> None:
    with ctx.uow() as uow:
        _finish_not_sent(uow, actor, asked, reason)


def _finish_not_sent(uow: UnitOfWork, actor: Actor | None, asked: SentReport, reason: str) -> None:
    """Mark the report not sent with the reason the clinic reads, audited, and commit; nothing
    when another run finished it first."""
    done = replace(asked, status=ReportStatus.NOT_SENT, reason=reason)
    if uow.sent_reports.finish(done):
        audit.record(
            uow, actor, "not_sent", "results_report", asked.id,
            patient_id=asked.patient_id, detail=reason,
        )  # fmt: skip
        uow.commit()


def _addressed(patient: Patient) -> Patient:
    """The patient, if they have an e-mail address (the job checks again: the front desk may
    have removed it meanwhile)."""
    if not patient.email.strip():
        raise InvalidInput(
            "email", "the patient has no e-mail address: add one to their details first"
        )
    return patient


def _body(clinic: Clinic, patient: Patient, url: str) -> str:
    call = f"\nQuestions? Call the clinic: {clinic.phone}\n" if clinic.phone.strip() else ""
    return (
        f"Hello {patient.given_name},\n\n"
        "Your results report is ready. It opens through your own page:\n\n"
        f"{url}\n\n"
        "The link is your own: please do not share it.\n"
        f"{call}\n"
        f"{clinic.name}\n"
    )


def sent_reports(ctx: Context, actor: Actor, patient_id: int) -> tuple[SentReportRow, ...]:
    """The reports e-mailed to the patient, newest first, with who sent them."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        rows = uow.sent_reports.for_patient(actor.clinic_id, patient.id)
        names = {u.id: u.display_name for u in uow.users.in_clinic(actor.clinic_id)}
        audit.record(uow, actor, "read", "sent_results_reports", patient.id, patient_id=patient.id)
        uow.commit()
    return tuple(
        SentReportRow(r, names.get(r.sent_by, f"user {r.sent_by}")) for r in reversed(rows)
    )


def patient_sent_report(ctx: Context, token: str, *, source: str) -> bytes:
    """The latest report sent to the patient, through their own link; without one (a report
    still being prepared, or not sent, is none) the link is refused like a bad token."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access = patient_links.access_in(uow, ctx.links.secret, token, now, ctx.rules)
        found = latest_sent(uow.sent_reports.for_patient(access.clinic.id, access.patient.id))
        if found is None or found.pdf_sha256 is None:
            raise LinkNotUsable()
        patient_links.record_patient_event(
            uow, access, "read", "results_report", found.id, source=source, now=now
        )
        uow.commit()
    return ctx.photos.get(found.pdf_sha256)


# --- helpers ------------------------------------------------------------------------------------


def _printer(ctx: Context) -> ResultsReportPrinter:
    if ctx.report_printer is None:
        raise RuntimeError("no results report printer is wired (bootstrap sets one)")
    return ctx.report_printer


def _clinic(uow: UnitOfWork, clinic_id: int) -> Clinic:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    return clinic
