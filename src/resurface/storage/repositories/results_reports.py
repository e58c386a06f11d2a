"""Results reports sent to patients, listed per patient within the clinic."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from resurface.domain.results_report import SentReport
from resurface.storage.repositories._base import Repository, values_of
from resurface.storage.tables import sent_results_reports as sent


class SqlSentReports(Repository):
    def add(self, record: SentReport) -> SentReport:
        return replace(record, id=self._insert(sent, values_of(record)))

    def for_patient(self, clinic_id: int, patient_id: int) -> list[SentReport]:
        query = (
            select(sent)
            .where(sent.c.clinic_id == clinic_id, sent.c.patient_id == patient_id)
            .order_by(sent.c.id)
        )
        return [_sent(row) for row in self.connection.execute(query)]


def _sent(row: Any) -> SentReport:
    return SentReport(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        sent_by=row.sent_by,
        sent_at=row.sent_at,
        recipient=row.recipient,
        pdf_sha256=row.pdf_sha256,
        notification_id=row.notification_id,
    )
