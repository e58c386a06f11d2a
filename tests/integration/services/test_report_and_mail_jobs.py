"""Drawing a sent results report and delivering an urgent e-mail as background jobs, through each
database's real queue (procrastinate on PostgreSQL, the jobs table on SQLite): sending answers
before anything is drawn, the job keeps the PDF and queues one e-mail however often it runs, a lost
job is caught up, a patient without an address gets a report that says why it was not sent, and
an urgent alert's e-mail goes out through a job, without the outbox loop."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.messages import NotificationKind, NotificationStatus
from resurface.domain.people import Role
from resurface.domain.results_report import ReportStatus, SentReport
from resurface.services import auth, jobs, results_report
from resurface.services.access import Actor
from resurface.services.context import Context, JobsInMemory
from resurface.services.errors import LinkNotUsable
from resurface.services.photo_store_check import check_photo_store
from resurface.services.recovery import checkins, links, patient_links
from resurface.services.recovery.checkins import Answers
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.fakes import FakeMailer
from tests.support.jobs import settle

ADDRESS = "robin@example.org"


def _clinician(runtime: Runtime) -> tuple[SeededClinic, Actor]:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    return north, auth.actor_of(user, "test")


def _set_email(ctx: Context, north: SeededClinic, email: str) -> None:
    with ctx.uow() as uow:
        patient = uow.patients.get(north.clinic.id, north.patient.id)
        assert patient is not None
        uow.patients.update(replace(patient, email=email))
        uow.commit()


def _reports(ctx: Context, north: SeededClinic) -> list[SentReport]:
    with ctx.uow() as uow:
        return uow.sent_reports.for_patient(north.clinic.id, north.patient.id)


def _report_mail(ctx: Context, north: SeededClinic) -> list[int]:
    with ctx.uow() as uow:
        messages = uow.notifications.in_clinic(north.clinic.id)
    return [m.id for m in messages if m.kind is NotificationKind.RESULTS_REPORT]


def _token(ctx: Context, north: SeededClinic) -> str:
    """The patient's own link, out of the e-mail that carries the report."""
    with ctx.uow() as uow:
        (message,) = [
            m
            for m in uow.notifications.in_clinic(north.clinic.id)
            if m.kind is NotificationKind.RESULTS_REPORT
        ]
    return message.body.split("/p/")[1].split("/")[0]


def test_sending_answers_at_once_and_the_job_draws_keeps_and_queues_one_email(
    runtime: Runtime,
) -> None:
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(ctx, actor, north.patient.id)
    assert asked.status is ReportStatus.PREPARING and asked.pdf_sha256 is None
    assert _reports(ctx, north) == [asked] and _report_mail(ctx, north) == []
    (row,) = results_report.sent_reports(ctx, actor, north.patient.id)
    assert row.report.status is ReportStatus.PREPARING and row.sent_by == "clinician of north"

    settle(runtime)  # what a worker does
    (sent,) = _reports(ctx, north)
    (message_id,) = _report_mail(ctx, north)
    assert sent.status is ReportStatus.SENT and sent.notification_id == message_id
    assert sent.recipient == ADDRESS and sent.sent_at is not None and sent.pdf_sha256
    pdf = ctx.photos.get(sent.pdf_sha256)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == sent.pdf_sha256
    mine = results_report.patient_sent_report(ctx, _token(ctx, north), source="test")
    assert mine == pdf
    with ctx.uow() as uow:
        events = [e.entry for e in uow.audit.for_patient(north.clinic.id, north.patient.id)]
    done = [(e.action, e.source) for e in events if e.record_type == "results_report"]
    assert ("send", "test") in done and ("sent", results_report.JOB_SOURCE) in done

    results_report.prepare_report(ctx, north.clinic.id, sent.id)  # the job again: a retry
    jobs.catch_up(ctx)  # nothing is being prepared: nothing to defer
    settle(runtime)
    assert _reports(ctx, north) == [sent] and _report_mail(ctx, north) == [message_id]


def test_two_runs_of_the_job_at_once_queue_one_email(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one run draws the report, another (a duplicate, a second worker) does all of it:
    the first then finds the report sent and keeps nothing of its own."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(replace(ctx, jobs=JobsInMemory()), actor, north.patient.id)
    real = results_report.report_pdf
    inner: list[int] = []

    def draw_while_another_sends(*args: object, **kwargs: object) -> bytes:
        if not inner:
            inner.append(1)
            results_report.prepare_report(ctx, north.clinic.id, asked.id)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(results_report, "report_pdf", draw_while_another_sends)
    results_report.prepare_report(ctx, north.clinic.id, asked.id)
    (sent,) = _reports(ctx, north)
    assert inner and sent.status is ReportStatus.SENT
    assert len(_report_mail(ctx, north)) == 1 and sent.notification_id in _report_mail(ctx, north)


def test_a_report_whose_job_was_lost_is_caught_up(runtime: Runtime) -> None:
    """The request committed the report and died before its job was deferred."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    lost = JobsInMemory()
    results_report.send_report(replace(ctx, jobs=lost), actor, north.patient.id)
    assert lost.waiting  # deferred into a queue nobody runs
    settle(runtime)
    assert [r.status for r in _reports(ctx, north)] == [ReportStatus.PREPARING]
    jobs.catch_up(ctx)
    settle(runtime)
    assert [r.status for r in _reports(ctx, north)] == [ReportStatus.SENT]
    assert len(_report_mail(ctx, north)) == 1


def test_a_patient_without_an_address_any_more_gets_a_report_that_says_why_it_was_not_sent(
    runtime: Runtime,
) -> None:
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    results_report.send_report(ctx, actor, north.patient.id)
    _set_email(ctx, north, "")  # the front desk removed it before the job ran
    settle(runtime)
    (report,) = _reports(ctx, north)
    assert report.status is ReportStatus.NOT_SENT and report.pdf_sha256 is None
    assert "no e-mail address" in report.reason
    assert _report_mail(ctx, north) == []
    with ctx.uow() as uow:
        events = [e.entry for e in uow.audit.for_patient(north.clinic.id, north.patient.id)]
    (refusal,) = [e for e in events if e.action == "not_sent"]
    assert refusal.record_type == "results_report" and "no e-mail address" in refusal.detail
    with ctx.uow() as uow:  # the patient's link opens no report
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert user is not None
    _set_email(ctx, north, ADDRESS)
    issued = links.create_link(
        ctx, auth.actor_of(user, "t"), north.patient.id, north.record_ids["session"]
    )
    with pytest.raises(LinkNotUsable):
        results_report.patient_sent_report(ctx, issued.token, source="test")


def _stored(ctx: Context) -> set[str]:
    return {f.name for f in ctx.photos.files()}


def test_an_address_removed_while_the_report_is_drawn_leaves_no_file_and_a_reason(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The front desk removes the patient's address while the job draws: the report is not
    sent, says why, and nothing it drew is kept (no file that no record names)."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(replace(ctx, jobs=JobsInMemory()), actor, north.patient.id)
    before = _stored(ctx)
    real = results_report.report_pdf

    def draw_while_the_address_goes(*args: object, **kwargs: object) -> bytes:
        pdf = real(*args, **kwargs)  # type: ignore[arg-type]
        _set_email(ctx, north, "")
        return pdf

    monkeypatch.setattr(results_report, "report_pdf", draw_while_the_address_goes)
    results_report.prepare_report(ctx, north.clinic.id, asked.id)
    (report,) = _reports(ctx, north)
    assert report.status is ReportStatus.NOT_SENT and report.pdf_sha256 is None
    assert report.reason == results_report.NO_ADDRESS_ANY_MORE
    assert _report_mail(ctx, north) == []
    assert _stored(ctx) == before, "the drawn PDF was kept though no record names it"
    assert not check_photo_store(ctx).orphans
    (row,) = results_report.sent_reports(ctx, actor, north.patient.id)
    assert row.report.status is ReportStatus.NOT_SENT and "no e-mail address" in row.report.reason


def test_a_job_that_fails_after_drawing_keeps_no_file_and_is_tried_again(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Queuing the e-mail fails (the database drops the connection, say): the job fails to be
    tried again, the report is still being prepared, and the drawn PDF is not left behind."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(replace(ctx, jobs=JobsInMemory()), actor, north.patient.id)
    before = _stored(ctx)
    real = patient_links.working_link

    def fails(*args: object, **kwargs: object) -> object:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(patient_links, "working_link", fails)
    with pytest.raises(ConnectionError):
        results_report.prepare_report(ctx, north.clinic.id, asked.id)
    assert [r.status for r in _reports(ctx, north)] == [ReportStatus.PREPARING]
    assert _stored(ctx) == before and _report_mail(ctx, north) == []

    monkeypatch.setattr(patient_links, "working_link", real)
    results_report.prepare_report(ctx, north.clinic.id, asked.id)  # the retry
    (sent,) = _reports(ctx, north)
    assert sent.status is ReportStatus.SENT and sent.pdf_sha256
    assert _stored(ctx) - before == {f.name for f in ctx.photos.files() if f.key == sent.pdf_sha256}


def test_a_report_whose_job_fails_for_an_hour_is_marked_not_sent_with_a_reason(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing fails at every attempt: the report is not left "being prepared" for ever; the
    catch-up an hour later marks it not sent, tells the clinic why, and draws nothing more."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(replace(ctx, jobs=JobsInMemory()), actor, north.patient.id)

    def fails(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the PDF renderer crashed")

    monkeypatch.setattr(results_report, "report_pdf", fails)
    soon = replace(ctx, clock=ctx.clock.at(asked.requested_at + dt.timedelta(minutes=59)))
    with pytest.raises(RuntimeError):
        results_report.prepare_report(soon, north.clinic.id, asked.id)
    assert [r.status for r in _reports(ctx, north)] == [ReportStatus.PREPARING]

    later = replace(ctx, clock=ctx.clock.at(asked.requested_at + dt.timedelta(minutes=61)))
    results_report.prepare_report(later, north.clinic.id, asked.id)  # as the catch-up runs it
    (report,) = _reports(ctx, north)
    assert report.status is ReportStatus.NOT_SENT and report.pdf_sha256 is None
    assert "could not be prepared within an hour" in report.reason
    assert _report_mail(ctx, north) == []
    (row,) = results_report.sent_reports(ctx, actor, north.patient.id)
    assert "send it again" in row.report.reason


def test_the_photo_store_check_keeps_the_pdf_of_a_sent_report(runtime: Runtime) -> None:
    """A sent report's PDF is named by its record: the operator's check does not take it for an
    orphan, and removing orphans leaves the patient's report readable."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    results_report.send_report(ctx, actor, north.patient.id)
    settle(runtime)
    (sent,) = _reports(ctx, north)
    assert sent.pdf_sha256
    check = check_photo_store(ctx, remove_orphans=True, in_flight=dt.timedelta(0))
    assert sent.pdf_sha256 not in {f.key for f in check.orphans}
    assert not check.removed and sent.pdf_sha256 not in {r.key for r in check.missing}
    mine = results_report.patient_sent_report(ctx, _token(ctx, north), source="test")
    assert hashlib.sha256(mine).hexdigest() == sent.pdf_sha256


def test_an_urgent_alerts_email_is_delivered_by_a_job_without_the_outbox_loop(
    runtime: Runtime,
) -> None:
    north, actor = _clinician(runtime)
    mailer = FakeMailer()
    ctx = replace(runtime.context, mailer=mailer, mail_sender="clinic@resurface.example")
    with ctx.uow() as uow:
        uow.clinics.update(replace(north.clinic, email="desk@north.example"))
        uow.commit()
    issued = links.create_link(ctx, actor, north.patient.id, north.record_ids["session"])
    answers = Answers(
        scores={"redness": 3, "swelling": 1, "irritation": 1, "pain": 5, "itch": 1},
        red_flags=["yellow_crust_or_pus"],
    )
    submitted = checkins.submit_checkin(ctx, issued.token, answers, source="test")
    assert submitted.queued_notifications == 1 and not mailer.sent

    jobs.run_pending_jobs(ctx)  # a worker, with no outbox loop anywhere
    (mail,) = mailer.sent
    assert mail["To"] == "desk@north.example" and mail["From"] == "clinic@resurface.example"
    assert mail["Subject"].startswith("Urgent recovery alert")
    with ctx.uow() as uow:
        (message,) = uow.notifications.in_clinic(north.clinic.id)
    assert message.status is NotificationStatus.SENT and message.attempts == 1

    # The job again (a retry, a duplicate): the message is sent already, nothing more goes out.
    jobs.run_job(ctx, "deliver_message", {"notification_id": message.id})
    later = ctx.at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    jobs.run_job(later, "deliver_message", {"notification_id": message.id})
    assert len(mailer.sent) == 1


def test_a_failing_run_never_removes_the_file_of_the_run_that_sent_the_report(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of the job for one report draw the same file. The first adds it and fails; just
    after it found no report naming the file, the second (a retry, another worker) sends the
    report with the file it found there; then the first removes the file: it is put back, and
    the sent report's PDF is there to read."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(replace(ctx, jobs=JobsInMemory()), actor, north.patient.id)
    before = _stored(ctx)
    real_link, real_delete = patient_links.working_link, ctx.photos.delete
    failed: list[int] = []

    def fails_once(*args: object, **kwargs: object) -> object:
        if not failed:
            failed.append(1)
            raise ConnectionError("the database went away")
        return real_link(*args, **kwargs)  # type: ignore[arg-type]

    def the_other_run_sends_first(name: str) -> None:
        results_report.prepare_report(ctx, north.clinic.id, asked.id)
        real_delete(name)

    monkeypatch.setattr(patient_links, "working_link", fails_once)
    monkeypatch.setattr(ctx.photos, "delete", the_other_run_sends_first)
    with pytest.raises(ConnectionError):
        results_report.prepare_report(ctx, north.clinic.id, asked.id)
    (sent,) = _reports(ctx, north)
    assert sent.status is ReportStatus.SENT and sent.pdf_sha256
    assert ctx.photos.exists(sent.pdf_sha256), "the sent report's PDF was removed"
    assert hashlib.sha256(ctx.photos.get(sent.pdf_sha256)).hexdigest() == sent.pdf_sha256
    assert len(_stored(ctx) - before) == 1
    assert sent.pdf_sha256 not in {m.key for m in check_photo_store(ctx).missing}


def test_the_run_that_sends_puts_back_a_file_a_failing_run_removed_before_the_commit(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other order: the run that sends finds the file another run added, and before it
    commits, that run (failed, no report naming the file yet) removes it. Once committed, the
    sending run puts the file back."""
    north, actor = _clinician(runtime)
    ctx = runtime.context
    _set_email(ctx, north, ADDRESS)
    asked = results_report.send_report(replace(ctx, jobs=JobsInMemory()), actor, north.patient.id)
    real_link = patient_links.working_link
    removed: list[str] = []

    def the_failing_run_cleans_up(*args: object, **kwargs: object) -> object:
        # Inside the sending run's transaction, after its file was put (found there).
        (name,) = [f.name for f in ctx.photos.files() if f.name not in before]
        key = name.rsplit("/", 1)[-1]
        results_report._discard_unnamed(ctx, key, ctx.photos.get(key))  # the failing run's end
        removed.append(key)
        return real_link(*args, **kwargs)  # type: ignore[arg-type]

    before = _stored(ctx)
    monkeypatch.setattr(patient_links, "working_link", the_failing_run_cleans_up)
    results_report.prepare_report(ctx, north.clinic.id, asked.id)
    (sent,) = _reports(ctx, north)
    assert sent.status is ReportStatus.SENT and removed == [sent.pdf_sha256]
    assert ctx.photos.exists(sent.pdf_sha256), "the sent report's PDF is missing"
    assert sent.pdf_sha256 not in {m.key for m in check_photo_store(ctx).missing}
