"""Results reports sent to patients, on SQLite and PostgreSQL: kept with who asked, when, to whom
and where each stands; listed per patient within the clinic only, oldest first; those being
prepared found for the catch-up; each finished once, its kept PDF named among the files that
records name."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.bootstrap import Runtime
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Role
from resurface.domain.results_report import ReportStatus, SentReport
from tests.support.clinic import seed_clinic

NOW = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)


def test_sent_reports_are_kept_and_listed_within_the_clinic(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        first = uow.sent_reports.add(
            SentReport(0, north.clinic.id, north.patient.id, user.id, NOW, "robin@example.org")
        )
        later = NOW + dt.timedelta(days=30)
        second = uow.sent_reports.add(
            SentReport(0, north.clinic.id, north.patient.id, user.id, later, "robin@example.org")
        )
        uow.commit()
    with runtime.context.uow() as uow:
        listed = uow.sent_reports.for_patient(north.clinic.id, north.patient.id)
        assert listed == [first, second]
        assert listed[0].status is ReportStatus.PREPARING and listed[0].requested_at == NOW
        assert listed[0].pdf_sha256 is None and listed[0].sent_at is None
        assert uow.sent_reports.get(north.clinic.id, first.id) == first
        assert uow.sent_reports.get(south.clinic.id, first.id) is None
        assert uow.sent_reports.for_patient(south.clinic.id, north.patient.id) == []
        assert uow.sent_reports.for_patient(north.clinic.id, south.patient.id) == []
        assert uow.sent_reports.preparing(10) == [(north.clinic.id, first.id),
                                                  (north.clinic.id, second.id)]  # fmt: skip
        assert uow.sent_reports.preparing(1) == [(north.clinic.id, first.id)]


def test_a_report_being_prepared_is_finished_once(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        asked = uow.sent_reports.add(
            SentReport(0, north.clinic.id, north.patient.id, user.id, NOW, "robin@example.org")
        )
        refused = uow.sent_reports.add(replace(asked, id=0))
        message = uow.notifications.add(
            Notification(
                0, north.clinic.id, NotificationKind.RESULTS_REPORT, "robin@example.org",
                "Clinic north: your results report", "…", NOW, patient_id=north.patient.id,
            )
        )  # fmt: skip
        uow.commit()
    sent_at = NOW + dt.timedelta(seconds=4)
    sent = replace(
        asked, status=ReportStatus.SENT, pdf_sha256="a" * 64, notification_id=message.id,
        sent_at=sent_at, recipient="robin.new@example.org",
    )  # fmt: skip
    not_sent = replace(refused, status=ReportStatus.NOT_SENT, reason="no e-mail address")
    with runtime.context.uow() as uow:
        assert uow.sent_reports.finish(sent)
        assert uow.sent_reports.finish(not_sent)
        uow.commit()
    with runtime.context.uow() as uow:
        assert not uow.sent_reports.finish(replace(sent, pdf_sha256="b" * 64))
        assert not uow.sent_reports.finish(replace(not_sent, status=ReportStatus.SENT))
        assert uow.sent_reports.for_patient(north.clinic.id, north.patient.id) == [sent, not_sent]
        assert uow.sent_reports.preparing(10) == []
        # the kept PDF is named (the photo store check keeps it); one never kept is not
        assert uow.sent_reports.names_pdf("a" * 64) and not uow.sent_reports.names_pdf("b" * 64)
        references = {(r.key, r.record_type, r.record_id) for r in uow.charts.file_references()}
        assert ("a" * 64, "results_report", sent.id) in references
        assert not any(r[1] == "results_report" and r[2] == not_sent.id for r in references)
