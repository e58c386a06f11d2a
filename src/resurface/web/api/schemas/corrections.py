"""The shapes of correcting a record: what a correction sends, and a record's history."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.services.corrections import HistoryEntry
from resurface.web.api.schemas.common import InputModel, Text, Whole


class CorrectionIn(InputModel):
    """Every correction names the version it was made on (a stale one is a 409) and why."""

    version: Whole = Field(description="the record's version you corrected")
    reason: Text = Field(description="why the record is corrected; kept with the earlier version")


class ChangeOut(BaseModel):
    what: str
    before: str
    after: str


class CorrectionOut(BaseModel):
    """One earlier version of a record: what changed, who, when and why."""

    version: int = Field(description="the version this correction replaced")
    kind: str = Field(description="amended or entered_in_error")
    reason: str
    changes: list[ChangeOut]
    earlier: dict[str, object] = Field(description="the earlier version in full")
    corrected_by: str
    corrected_at: dt.datetime

    @classmethod
    def of(cls, entry: HistoryEntry) -> CorrectionOut:
        c = entry.correction
        return cls(
            version=c.version,
            kind=c.kind.value,
            reason=c.reason,
            changes=[ChangeOut(what=x.what, before=x.before, after=x.after) for x in c.changes],
            earlier=dict(c.earlier),
            corrected_by=entry.corrected_by,
            corrected_at=c.corrected_at,
        )
