"""Results reports sent to patients, on SQLite and PostgreSQL: kept with who, when, to whom and
the outbox message; listed per patient within the clinic only, oldest first."""

from __future__ import annotations

import datetime as dt

from resurface.bootstrap import Runtime
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Role
from resurface.domain.results_report import SentReport
from tests.support.clinic import seed_clinic

NOW = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)


def test_sent_reports_are_kept_and_listed_within_the_clinic(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        message = uow.notifications.add(
            Notification(
                0, north.clinic.id, NotificationKind.RESULTS_REPORT, "robin@example.org",
                "Clinic north: your results report", "…", NOW, patient_id=north.patient.id,
            )
        )  # fmt: skip
        first = uow.sent_reports.add(
            SentReport(
                0, north.clinic.id, north.patient.id, user.id, NOW, "robin@example.org",
                "a" * 64, message.id,
            )
        )  # fmt: skip
        later = NOW + dt.timedelta(days=30)
        second = uow.sent_reports.add(
            SentReport(
                0, north.clinic.id, north.patient.id, user.id, later, "robin@example.org", "b" * 64
            )
        )
        uow.commit()
    with runtime.context.uow() as uow:
        listed = uow.sent_reports.for_patient(north.clinic.id, north.patient.id)
        assert listed == [first, second]
        assert listed[0].notification_id == message.id and listed[0].sent_at == NOW
        assert listed[1].notification_id is None
        assert uow.sent_reports.for_patient(south.clinic.id, north.patient.id) == []
        assert uow.sent_reports.for_patient(north.clinic.id, south.patient.id) == []
