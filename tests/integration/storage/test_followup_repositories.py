"""Follow-up records on SQLite and PostgreSQL: scoping, ordering, versions, the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.errors import VersionConflict
from resurface.domain.links import RecoveryLink
from resurface.domain.measurements import PhotoMeasurement, RegionMeasurement
from resurface.domain.messages import Notification, NotificationKind, NotificationStatus
from resurface.domain.outcomes import OutcomeRating
from resurface.domain.people import Role
from tests.support.clinic import SeededClinic, seed_clinic

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _alert(seeded: SeededClinic, urgency: Urgency, minutes: int) -> ClinicAlert:
    return ClinicAlert(
        0,
        seeded.clinic.id,
        seeded.patient.id,
        seeded.record_ids["session"],
        AlertCode.POSSIBLE_INFECTION,
        urgency,
        3,
        "staff text",
        "patient text",
        NOW + dt.timedelta(minutes=minutes),
        checkin_id=seeded.record_ids["checkin"],
    )


def test_alerts_are_scoped_newest_first_and_version_checked(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        first = uow.alerts.add(_alert(north, Urgency.SOON, 0))
        second = uow.alerts.add(_alert(north, Urgency.URGENT, 5))
        uow.alerts.add(_alert(south, Urgency.URGENT, 1))
        uow.commit()
    with runtime.context.uow() as uow:
        assert [a.id for a in uow.alerts.open_in_clinic(north.clinic.id)] == [second.id, first.id]
        assert uow.alerts.get(south.clinic.id, first.id) is None
        acknowledged = replace(
            first, status=AlertStatus.ACKNOWLEDGED, acknowledged_at=NOW, note="called patient"
        )
        saved = uow.alerts.update(acknowledged)
        uow.commit()
    assert saved.version == 2
    with runtime.context.uow() as uow, pytest.raises(VersionConflict):
        uow.alerts.update(replace(first, status=AlertStatus.CLOSED))
    with runtime.context.uow() as uow:
        stored = uow.alerts.get(north.clinic.id, first.id)
        assert stored is not None and stored.note == "called patient"
        uow.alerts.update(replace(stored, status=AlertStatus.CLOSED, closed_at=NOW))
        uow.commit()
        assert [a.id for a in uow.alerts.open_in_clinic(north.clinic.id)] == [second.id]


def test_closed_alerts_are_read_a_page_at_a_time_newest_first(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        closed = [
            uow.alerts.add(
                replace(_alert(north, Urgency.ROUTINE, minutes), status=AlertStatus.CLOSED)
            )
            for minutes in range(7)
        ]
        uow.alerts.add(_alert(north, Urgency.URGENT, 10))  # still open: not in the closed list
        uow.alerts.add(replace(_alert(south, Urgency.ROUTINE, 20), status=AlertStatus.CLOSED))
        uow.commit()
    newest_first = [a.id for a in reversed(closed)]
    with runtime.context.uow() as uow:
        first, total = uow.alerts.closed_in_clinic(north.clinic.id, 0, 3)
        last, _ = uow.alerts.closed_in_clinic(north.clinic.id, 6, 3)
        beyond, _ = uow.alerts.closed_in_clinic(north.clinic.id, 9, 3)
    assert total == 7
    assert [a.id for a in first] == newest_first[:3]
    assert [a.id for a in last] == newest_first[6:]
    assert beyond == []


def test_due_appointments_in_date_order(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    pid, cid = north.patient.id, north.clinic.id
    with runtime.context.uow() as uow:
        late = uow.appointments.add(
            Appointment(0, cid, pid, AppointmentKind.SESSION, dt.date(2026, 12, 20))
        )
        early = uow.appointments.add(
            Appointment(0, cid, pid, AppointmentKind.CHECKIN, dt.date(2026, 11, 21))
        )
        done = uow.appointments.add(
            Appointment(0, cid, pid, AppointmentKind.CHECKIN, dt.date(2026, 11, 22))
        )
        uow.appointments.set_status(cid, done.id, AppointmentStatus.DONE)
        uow.commit()
    with runtime.context.uow() as uow:
        assert [a.id for a in uow.appointments.due(cid, dt.date(2026, 11, 30))] == [early.id]
        assert [a.id for a in uow.appointments.for_patient(cid, pid)] == [
            early.id,
            done.id,
            late.id,
        ]


def test_recovery_links_are_found_by_token_hash_and_revoked_once(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        link = uow.recovery_links.add(
            RecoveryLink(
                0,
                north.clinic.id,
                north.patient.id,
                north.record_ids["session"],
                "f" * 64,
                user.id,
                NOW,
                NOW + dt.timedelta(days=42),
            )
        )
        uow.commit()
    with runtime.context.uow() as uow:
        found = uow.recovery_links.by_token_hash("f" * 64)
        assert found is not None and found.usable(NOW)
        assert uow.recovery_links.revoke(north.clinic.id, link.id, NOW) is True
        assert uow.recovery_links.revoke(north.clinic.id, link.id, NOW) is False
        uow.commit()
    with runtime.context.uow() as uow:
        revoked = uow.recovery_links.by_token_hash("f" * 64)
        assert revoked is not None and not revoked.usable(NOW)


def test_the_outbox_offers_pending_and_due_retries_only(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        pending = uow.notifications.add(
            Notification(
                0,
                north.clinic.id,
                NotificationKind.URGENT_ALERT,
                "a@clinic.test",
                "Urgent",
                "body",
                NOW,
            )
        )
        later = uow.notifications.add(
            Notification(
                0,
                north.clinic.id,
                NotificationKind.CHECKIN_REMINDER,
                "p@mail.test",
                "Reminder",
                "body",
                NOW,
            )
        )
        uow.notifications.save_delivery(
            replace(
                later,
                status=NotificationStatus.FAILED,
                attempts=1,
                last_error="refused",
                next_attempt_at=NOW + dt.timedelta(minutes=10),
            )
        )
        uow.commit()
    with runtime.context.uow() as uow:
        assert [n.id for n in uow.notifications.ready_to_send(NOW)] == [pending.id]
        due = uow.notifications.ready_to_send(NOW + dt.timedelta(minutes=11))
        assert [n.id for n in due] == [pending.id, later.id]
        assert due[1].last_error == "refused" and due[1].attempts == 1


def test_an_appointments_waiting_reminders_are_withdrawn_and_never_sent(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    reminder = Notification(
        0, north.clinic.id, NotificationKind.VISIT_REMINDER, "p@mail.test", "Visit", "body", NOW,
        appointment_id=41,
    )  # fmt: skip
    with runtime.context.uow() as uow:
        waiting = uow.notifications.add(reminder)
        failed = uow.notifications.add(reminder)
        uow.notifications.save_delivery(replace(failed, status=NotificationStatus.FAILED))
        sent = uow.notifications.add(replace(reminder, status=NotificationStatus.SENT))
        other = uow.notifications.add(replace(reminder, appointment_id=42))
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.notifications.withdraw_reminders(north.clinic.id + 1, 41) == 0
        assert uow.notifications.withdraw_reminders(north.clinic.id, 41) == 2
        uow.commit()
    with runtime.context.uow() as uow:
        assert [n.id for n in uow.notifications.ready_to_send(NOW)] == [other.id]
        statuses = {n.id: n.status for n in uow.notifications.in_clinic(north.clinic.id)}
    assert statuses[waiting.id] is statuses[failed.id] is NotificationStatus.WITHDRAWN
    assert statuses[sent.id] is NotificationStatus.SENT


def test_outcomes_and_photo_measurements_round_trip(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    cid, pid = north.clinic.id, north.patient.id
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        uow.outcomes.add(
            OutcomeRating(0, cid, pid, dt.date(2026, 11, 20), "gais", 2, "much improved", user.id)
        )
        uow.measurements.add(
            PhotoMeasurement(
                0,
                cid,
                north.record_ids["photo"],
                NOW,
                12.5,
                "mm",
                (
                    RegionMeasurement(
                        "perioral", 812.0, {"a_star_mean": 14.2, "ita_category": "light"}
                    ),
                ),
                overlay_key="c" * 64,
            )
        )
        uow.commit()
    with runtime.context.uow() as uow:
        assert [o.label for o in uow.outcomes.for_patient(cid, pid)] == ["much improved"]
        measured = uow.measurements.for_photo(cid, north.record_ids["photo"])
        assert measured is not None
        assert measured.regions[0].metrics == {"a_star_mean": 14.2, "ita_category": "light"}
        assert uow.measurements.for_photo(cid + 1, north.record_ids["photo"]) is None


def test_only_one_sender_claims_a_due_message(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        message = uow.notifications.add(
            Notification(
                0,
                north.clinic.id,
                NotificationKind.URGENT_ALERT,
                "a@clinic.test",
                "Urgent",
                "body",
                NOW,
            )
        )
        uow.commit()
    lease = NOW + dt.timedelta(minutes=10)
    with runtime.context.uow() as uow:
        assert uow.notifications.claim(message.id, NOW, lease) is True
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.notifications.claim(message.id, NOW, lease) is False
        assert uow.notifications.ready_to_send(NOW) == []
        # A sender that died while sending leaves the message due again after the lease.
        assert [n.id for n in uow.notifications.ready_to_send(lease)] == [message.id]
