"""Follow-up records: appointments, alerts, recovery links, notifications, outcome ratings and
photo measurements. Every read is scoped by clinic, except where a token or the delivery queue
is the key."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace
from enum import Enum
from typing import Any

from sqlalchemy import select, update

from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.errors import VersionConflict
from resurface.domain.followup import (
    AlertStatus,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ClinicAlert,
    Notification,
    NotificationKind,
    NotificationStatus,
    OutcomeRating,
    PhotoMeasurement,
    RecoveryLink,
    RegionMeasurement,
)
from resurface.storage.repositories._base import Repository, now
from resurface.storage.tables import (
    alerts,
    appointments,
    notifications,
    outcome_ratings,
    photo_measurements,
    recovery_links,
)


def _values(record: object, *drop: str) -> dict[str, Any]:
    values = asdict(record)  # type: ignore[call-overload]
    for name in ("id", *drop):
        values.pop(name, None)
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()}


class SqlAppointments(Repository):
    def add(self, record: Appointment) -> Appointment:
        values = _values(record) | {"created_at": now()}
        return replace(record, id=self._insert(appointments, values))

    def for_patient(self, clinic_id: int, patient_id: int) -> list[Appointment]:
        query = (
            select(appointments)
            .where(appointments.c.clinic_id == clinic_id, appointments.c.patient_id == patient_id)
            .order_by(appointments.c.due_on, appointments.c.id)
        )
        return [_appointment(row) for row in self.connection.execute(query)]

    def due(self, clinic_id: int, until: dt.date) -> list[Appointment]:
        query = (
            select(appointments)
            .where(
                appointments.c.clinic_id == clinic_id,
                appointments.c.status == AppointmentStatus.DUE.value,
                appointments.c.due_on <= until,
            )
            .order_by(appointments.c.due_on, appointments.c.id)
        )
        return [_appointment(row) for row in self.connection.execute(query)]

    def set_status(self, clinic_id: int, appointment_id: int, status: AppointmentStatus) -> None:
        self.connection.execute(
            update(appointments)
            .where(appointments.c.id == appointment_id, appointments.c.clinic_id == clinic_id)
            .values(status=status.value)
        )


def _appointment(row: Any) -> Appointment:
    return Appointment(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        kind=AppointmentKind(row.kind),
        due_on=row.due_on,
        after_session_id=row.after_session_id,
        plan_id=row.plan_id,
        status=AppointmentStatus(row.status),
    )


class SqlAlerts(Repository):
    def add(self, record: ClinicAlert) -> ClinicAlert:
        values = _values(record, "version")
        return replace(record, id=self._insert(alerts, values), version=1)

    def get(self, clinic_id: int, alert_id: int) -> ClinicAlert | None:
        query = select(alerts).where(alerts.c.id == alert_id, alerts.c.clinic_id == clinic_id)
        row = self.connection.execute(query).first()
        return _alert(row) if row else None

    def open_in_clinic(self, clinic_id: int) -> list[ClinicAlert]:
        query = (
            select(alerts)
            .where(alerts.c.clinic_id == clinic_id, alerts.c.status != AlertStatus.CLOSED.value)
            .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        )
        return [_alert(row) for row in self.connection.execute(query)]

    def for_patient(self, clinic_id: int, patient_id: int) -> list[ClinicAlert]:
        query = (
            select(alerts)
            .where(alerts.c.clinic_id == clinic_id, alerts.c.patient_id == patient_id)
            .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        )
        return [_alert(row) for row in self.connection.execute(query)]

    def for_session(self, clinic_id: int, session_id: int) -> list[ClinicAlert]:
        query = (
            select(alerts)
            .where(alerts.c.clinic_id == clinic_id, alerts.c.session_id == session_id)
            .order_by(alerts.c.raised_at, alerts.c.id)
        )
        return [_alert(row) for row in self.connection.execute(query)]

    def update(self, record: ClinicAlert) -> ClinicAlert:
        """Save status, acknowledgement, closure and note if nobody changed the alert meanwhile."""
        result = self.connection.execute(
            update(alerts)
            .where(
                alerts.c.id == record.id,
                alerts.c.clinic_id == record.clinic_id,
                alerts.c.version == record.version,
            )
            .values(
                status=record.status.value,
                acknowledged_by=record.acknowledged_by,
                acknowledged_at=record.acknowledged_at,
                closed_by=record.closed_by,
                closed_at=record.closed_at,
                note=record.note,
                version=alerts.c.version + 1,
            )
        )
        if result.rowcount != 1:
            current = self.get(record.clinic_id, record.id)
            raise VersionConflict(
                "alert", record.id, record.version, current.version if current else 0
            )
        return replace(record, version=record.version + 1)


def _alert(row: Any) -> ClinicAlert:
    return ClinicAlert(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        session_id=row.session_id,
        code=AlertCode(row.code),
        urgency=Urgency(row.urgency),
        day=row.day,
        message=row.message,
        patient_message=row.patient_message,
        raised_at=row.raised_at,
        checkin_id=row.checkin_id,
        status=AlertStatus(row.status),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        note=row.note,
        version=row.version,
    )


class SqlRecoveryLinks(Repository):
    def add(self, record: RecoveryLink) -> RecoveryLink:
        return replace(record, id=self._insert(recovery_links, _values(record)))

    def by_token_hash(self, token_hash: str) -> RecoveryLink | None:
        """Unscoped on purpose: the token itself is the key a patient holds."""
        query = select(recovery_links).where(recovery_links.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _link(row) if row else None

    def for_session(self, clinic_id: int, session_id: int) -> list[RecoveryLink]:
        query = (
            select(recovery_links)
            .where(
                recovery_links.c.clinic_id == clinic_id, recovery_links.c.session_id == session_id
            )
            .order_by(recovery_links.c.id)
        )
        return [_link(row) for row in self.connection.execute(query)]

    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool:
        result = self.connection.execute(
            update(recovery_links)
            .where(
                recovery_links.c.id == link_id,
                recovery_links.c.clinic_id == clinic_id,
                recovery_links.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return result.rowcount == 1


def _link(row: Any) -> RecoveryLink:
    return RecoveryLink(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        session_id=row.session_id,
        token_hash=row.token_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class SqlNotifications(Repository):
    def add(self, record: Notification) -> Notification:
        return replace(record, id=self._insert(notifications, _values(record)))

    def ready_to_send(self, at: dt.datetime, limit: int = 50) -> list[Notification]:
        """Pending ones, and failed ones whose retry time has come (any clinic: the outbox)."""
        query = (
            select(notifications)
            .where(
                notifications.c.status != NotificationStatus.SENT.value,
                (notifications.c.next_attempt_at.is_(None))
                | (notifications.c.next_attempt_at <= at),
            )
            .order_by(notifications.c.id)
            .limit(limit)
        )
        return [_notification(row) for row in self.connection.execute(query)]

    def in_clinic(self, clinic_id: int, limit: int = 100) -> list[Notification]:
        query = (
            select(notifications)
            .where(notifications.c.clinic_id == clinic_id)
            .order_by(notifications.c.id.desc())
            .limit(limit)
        )
        return [_notification(row) for row in self.connection.execute(query)]

    def claim(self, notification_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Push the message's next attempt to ``until`` if it is still due: only one of several
        senders wins it, and a sender that dies mid-send leaves it due again at ``until``."""
        result = self.connection.execute(
            update(notifications)
            .where(
                notifications.c.id == notification_id,
                notifications.c.status != NotificationStatus.SENT.value,
                (notifications.c.next_attempt_at.is_(None))
                | (notifications.c.next_attempt_at <= now),
            )
            .values(next_attempt_at=until)
        )
        return result.rowcount == 1

    def save_delivery(self, record: Notification) -> None:
        self.connection.execute(
            update(notifications)
            .where(notifications.c.id == record.id)
            .values(
                status=record.status.value,
                attempts=record.attempts,
                last_error=record.last_error,
                next_attempt_at=record.next_attempt_at,
                sent_at=record.sent_at,
            )
        )


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        clinic_id=row.clinic_id,
        kind=NotificationKind(row.kind),
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
        patient_id=row.patient_id,
        alert_id=row.alert_id,
        status=NotificationStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


class SqlOutcomeRatings(Repository):
    def add(self, record: OutcomeRating) -> OutcomeRating:
        values = _values(record) | {"created_at": now()}
        return replace(record, id=self._insert(outcome_ratings, values))

    def for_patient(self, clinic_id: int, patient_id: int) -> list[OutcomeRating]:
        query = (
            select(outcome_ratings)
            .where(
                outcome_ratings.c.clinic_id == clinic_id,
                outcome_ratings.c.patient_id == patient_id,
            )
            .order_by(outcome_ratings.c.rated_on, outcome_ratings.c.id)
        )
        return [
            OutcomeRating(
                id=row.id,
                clinic_id=row.clinic_id,
                patient_id=row.patient_id,
                rated_on=row.rated_on,
                scale=row.scale,
                value=row.value,
                label=row.label,
                rated_by=row.rated_by,
                session_id=row.session_id,
                note=row.note,
            )
            for row in self.connection.execute(query)
        ]


class SqlPhotoMeasurements(Repository):
    def add(self, record: PhotoMeasurement) -> PhotoMeasurement:
        values = {
            "clinic_id": record.clinic_id,
            "photo_id": record.photo_id,
            "analysed_at": record.analysed_at,
            "px_per_mm": record.px_per_mm,
            "length_unit": record.length_unit,
            "regions": [asdict(region) for region in record.regions],
            "overlay_key": record.overlay_key,
        }
        return replace(record, id=self._insert(photo_measurements, values))

    def for_photo(self, clinic_id: int, photo_id: int) -> PhotoMeasurement | None:
        query = select(photo_measurements).where(
            photo_measurements.c.clinic_id == clinic_id,
            photo_measurements.c.photo_id == photo_id,
        )
        row = self.connection.execute(query).first()
        if row is None:
            return None
        return PhotoMeasurement(
            id=row.id,
            clinic_id=row.clinic_id,
            photo_id=row.photo_id,
            analysed_at=row.analysed_at,
            px_per_mm=row.px_per_mm,
            length_unit=row.length_unit,
            regions=tuple(RegionMeasurement(**region) for region in row.regions),
            overlay_key=row.overlay_key,
        )
