"""The results report API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.results_report import ReportStatus, SentReport


class SentReportOut(BaseModel):
    id: int
    status: ReportStatus = Field(
        description="being prepared by a background job, sent, or not sent (see reason)"
    )
    recipient: str = Field(description="the address asked for; once sent, the one it went to")
    requested_at: dt.datetime = Field(description="when the clinician sent it")
    sent_at: dt.datetime | None = Field(description="when its e-mail was queued; None until sent")
    sent_by: int = Field(description="the user who sent it")
    pdf_sha256: str | None = Field(description="the PDF as sent, kept under this SHA-256")
    notification_id: int | None = Field(description="the outbox message with the link to it")
    reason: str = Field(description="why it was not sent; empty otherwise")

    @classmethod
    def of(cls, sent: SentReport) -> SentReportOut:
        return cls(
            id=sent.id,
            status=sent.status,
            recipient=sent.recipient,
            requested_at=sent.requested_at,
            sent_at=sent.sent_at,
            sent_by=sent.sent_by,
            pdf_sha256=sent.pdf_sha256,
            notification_id=sent.notification_id,
            reason=sent.reason,
        )
