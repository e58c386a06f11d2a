"""The e-mail outbox: messages waiting, claimed, sent or failed and retried."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from resurface.domain.messages import (
    UNSENT,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from resurface.storage.repositories._base import Repository, values_of
from resurface.storage.tables import (
    notifications,
)


class SqlNotifications(Repository):
    def add(self, record: Notification) -> Notification:
        return replace(record, id=self._insert(notifications, values_of(record)))

    def get(self, notification_id: int) -> Notification | None:
        query = select(notifications).where(notifications.c.id == notification_id)
        row = self.connection.execute(query).first()
        return _notification(row) if row is not None else None

    def ready_to_send(self, at: dt.datetime, limit: int = 50) -> list[Notification]:
        """Pending ones, and failed ones whose retry time has come (any clinic: the outbox)."""
        query = (
            select(notifications)
            .where(
                notifications.c.status.in_([status.value for status in UNSENT]),
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
                notifications.c.status.in_([status.value for status in UNSENT]),
                (notifications.c.next_attempt_at.is_(None))
                | (notifications.c.next_attempt_at <= now),
            )
            .values(next_attempt_at=until)
        )
        return result.rowcount == 1

    def withdraw_reminders(self, clinic_id: int, appointment_id: int) -> int:
        """Withdraw the appointment's reminders still waiting to be sent; how many."""
        result = self.connection.execute(
            update(notifications)
            .where(
                notifications.c.clinic_id == clinic_id,
                notifications.c.appointment_id == appointment_id,
                notifications.c.status.in_([status.value for status in UNSENT]),
            )
            .values(status=NotificationStatus.WITHDRAWN.value)
        )
        return int(result.rowcount)

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
        appointment_id=row.appointment_id,
    )
