"""Clinic alerts raised from check-ins, scoped by clinic; a version guards each change."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, bindparam, func, literal_column, select, union_all, update

from resurface.domain.alerts import PRESSING_GROUPS, AlertStatus, ClinicAlert
from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.errors import VersionConflict
from resurface.storage.repositories._base import (
    Repository,
    rows_and_total,
    values_of,
    with_total,
)
from resurface.storage.tables import (
    alerts,
)

_NOT_CLOSED = [status.value for status in AlertStatus if status is not AlertStatus.CLOSED]
"""Named, not ``!= closed``, so the (clinic, status) index finds the open alerts without
reading every alert the clinic ever had."""


@functools.cache
def _most_pressing(status: AlertStatus | None) -> Select[Any]:
    """Each (status, urgency) group of ``status`` (None: not closed) read newest first on
    ``ix_alerts_clinic_pressing`` and cut at ``reach`` (from the index alone: its key, raised
    time and rank), then the groups in order and the alerts of ``most`` after the first ``skip``
    read by id: the work is that of the alerts shown, not of the clinic's. Built once for each
    status (a union of six subqueries takes milliseconds to build); kept under psycopg's 4,096
    characters, beyond which it parses the statement at every call."""
    groups = []
    for rank, (of, urgency) in enumerate(PRESSING_GROUPS):
        if status is not None and of is not status:
            continue
        group = (
            select(alerts.c.id, alerts.c.raised_at, literal_column(str(rank)).label("pressing"))
            .where(
                alerts.c.clinic_id == bindparam("clinic_id"),
                alerts.c.status == of.value,
                alerts.c.urgency == urgency.value,
            )
            .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
            .limit(bindparam("reach"))
        )
        groups.append(select(group.subquery()))
    shown = union_all(*groups).subquery()
    first = (
        select(alerts)
        .join(shown, shown.c.id == alerts.c.id)
        .order_by(shown.c.pressing, shown.c.raised_at.desc(), shown.c.id.desc())
        .offset(bindparam("skip"))
        .limit(bindparam("most"))
    )
    counted = [status.value] if status is not None else _NOT_CLOSED
    not_closed = (
        select(func.count())
        .select_from(alerts)
        .where(alerts.c.clinic_id == bindparam("clinic_id"), alerts.c.status.in_(counted))
    )
    return with_total(first, not_closed)


PATIENT_ORDER = (alerts.c.raised_at.desc(), alerts.c.id.desc())
"""A patient's alerts newest first (``for_patient``; the chart read's, ``SqlCharts.chart_read``)."""
_OF_PATIENT = (
    select(alerts)
    .where(
        alerts.c.clinic_id == bindparam("clinic_id"), alerts.c.patient_id == bindparam("patient_id")
    )
    .order_by(*PATIENT_ORDER)
)


class SqlAlerts(Repository):
    def add(self, record: ClinicAlert) -> ClinicAlert:
        values = values_of(record, "version")
        return replace(record, id=self._insert(alerts, values), version=1)

    def get(self, clinic_id: int, alert_id: int) -> ClinicAlert | None:
        query = select(alerts).where(alerts.c.id == alert_id, alerts.c.clinic_id == clinic_id)
        row = self.connection.execute(query).first()
        return _alert(row) if row else None

    def open_in_clinic(self, clinic_id: int) -> list[ClinicAlert]:
        query = (
            select(alerts)
            .where(alerts.c.clinic_id == clinic_id, alerts.c.status.in_(_NOT_CLOSED))
            .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        )
        return [_alert(row) for row in self.connection.execute(query)]

    def most_pressing(
        self, clinic_id: int, most: int, *, skip: int = 0, status: AlertStatus | None = None
    ) -> tuple[list[ClinicAlert], int]:
        """``most`` alerts of ``status`` (None: not yet closed) after the first ``skip`` in the
        order of ``PRESSING_GROUPS``, and how many there are (``_most_pressing``)."""
        wanted = {"clinic_id": clinic_id, "most": most, "skip": skip, "reach": skip + most}
        query = _most_pressing(status)
        rows, total = rows_and_total(self.connection.execute(query, wanted).all())
        return [_alert(row) for row in rows], total

    def closed_in_clinic(
        self, clinic_id: int, offset: int, limit: int
    ) -> tuple[list[ClinicAlert], int]:
        closed = (alerts.c.clinic_id == clinic_id, alerts.c.status == AlertStatus.CLOSED.value)
        query = (
            select(alerts)
            .where(*closed)
            .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        found = [_alert(row) for row in self.connection.execute(query)]
        total = self.connection.execute(select(func.count()).where(*closed)).scalar_one()
        return found, int(total)

    def for_patient(self, clinic_id: int, patient_id: int) -> list[ClinicAlert]:
        wanted = {"clinic_id": clinic_id, "patient_id": patient_id}
        return [_alert(row) for row in self.connection.execute(_OF_PATIENT, wanted)]

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
