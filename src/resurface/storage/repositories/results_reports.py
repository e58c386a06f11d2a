"""Results reports sent to patients: listed per patient within the clinic, those still being
prepared found for the catch-up, each finished once, and whether one names a kept PDF."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from resurface.domain.results_report import ReportStatus, SentReport
from resurface.storage.repositories._base import Repository, values_of
from resurface.storage.tables import sent_results_reports as sent


class SqlSentReports(Repository):
    def add(self, record: SentReport) -> SentReport:
        return replace(record, id=self._insert(sent, values_of(record)))

    def get(self, clinic_id: int, report_id: int) -> SentReport | None:
        query = select(sent).where(sent.c.clinic_id == clinic_id, sent.c.id == report_id)
        row = self.connection.execute(query).first()
        return _sent(row) if row is not None else None

    def for_patient(self, clinic_id: int, patient_id: int) -> list[SentReport]:
        query = (
            select(sent)
            .where(sent.c.clinic_id == clinic_id, sent.c.patient_id == patient_id)
            .order_by(sent.c.id)
        )
        return [_sent(row) for row in self.connection.execute(query)]

    def preparing(self, limit: int) -> list[tuple[int, int]]:
        """(clinic, report) of the reports still being prepared, oldest first (any clinic)."""
        query = (
            select(sent.c.clinic_id, sent.c.id)
            .where(sent.c.status == ReportStatus.PREPARING.value)
            .order_by(sent.c.id)
            .limit(limit)
        )
        return [(row.clinic_id, row.id) for row in self.connection.execute(query)]

    def names_pdf(self, key: str) -> bool:
        """Whether any report, in any clinic, names the PDF kept under ``key`` (the same patient's
        report drawn twice on one day is the same PDF, under the same key)."""
        query = select(sent.c.id).where(sent.c.pdf_sha256 == key).limit(1)
        return self.connection.execute(query).first() is not None

    def finish(self, record: SentReport) -> bool:
        """Record how a report being prepared ended (sent, or not sent and why); False when it
        is no longer being prepared (another run of its job finished it first)."""
        result = self.connection.execute(
            update(sent)
            .where(
                sent.c.clinic_id == record.clinic_id,
                sent.c.id == record.id,
                sent.c.status == ReportStatus.PREPARING.value,
            )
            .values(
                status=record.status.value,
                recipient=record.recipient,
                pdf_sha256=record.pdf_sha256,
                notification_id=record.notification_id,
                sent_at=record.sent_at,
                reason=record.reason,
            )
        )
        return result.rowcount == 1


def _sent(row: Any) -> SentReport:
    return SentReport(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        sent_by=row.sent_by,
        requested_at=row.requested_at,
        recipient=row.recipient,
        status=ReportStatus(row.status),
        pdf_sha256=row.pdf_sha256,
        notification_id=row.notification_id,
        sent_at=row.sent_at,
        reason=row.reason,
    )
