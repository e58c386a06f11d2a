"""The audit review API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.audit import AuditEvent
from resurface.services.audit_review import Reader, outcome_of


class AuditEventOut(BaseModel):
    seq: int
    at: dt.datetime
    who: str
    user_id: int | None
    action: str
    outcome: str = Field(
        description="allowed, or refused (a role's limit, an unknown id, a bad sign-in)"
    )
    record_type: str
    record_id: str
    patient_id: int | None
    source: str = Field(description="from where: the client address, or cli")
    detail: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        e = event.entry
        return cls(
            seq=event.seq,
            at=e.at,
            who=e.actor,
            user_id=e.user_id,
            action=e.action,
            outcome=outcome_of(event),
            record_type=e.record_type,
            record_id=e.record_id,
            patient_id=e.patient_id,
            source=e.source,
            detail=e.detail,
        )


class ReaderOut(BaseModel):
    """Someone who opened the patient's record."""

    name: str
    user_id: int | None
    reads: int
    last_at: dt.datetime

    @classmethod
    def of(cls, reader: Reader) -> ReaderOut:
        return cls(
            name=reader.name, user_id=reader.user_id, reads=reader.reads, last_at=reader.last_at
        )
