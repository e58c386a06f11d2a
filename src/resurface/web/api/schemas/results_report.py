"""The results report API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.results_report import SentReport


class SentReportOut(BaseModel):
    id: int
    recipient: str
    sent_at: dt.datetime
    sent_by: int = Field(description="the user who sent it")
    pdf_sha256: str = Field(description="the PDF as sent, kept under this SHA-256")
    notification_id: int | None = Field(description="the outbox message with the link to it")

    @classmethod
    def of(cls, sent: SentReport) -> SentReportOut:
        return cls(
            id=sent.id,
            recipient=sent.recipient,
            sent_at=sent.sent_at,
            sent_by=sent.sent_by,
            pdf_sha256=sent.pdf_sha256,
            notification_id=sent.notification_id,
        )
