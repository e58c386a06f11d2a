"""The results report: its two versions, the record of one sent to the patient, and how far a
change across the series has to go before the report calls it better or worse.

The patient's version is in plain words (no codes, no citations); the chart version adds the laser
settings of every session, the alerts and the sources. A report reaches the patient only when a
clinician sends it; what was sent is kept as it was sent (``SentReport``), drawn by a background
job after the clinician asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.codes import Area
from resurface.domain.photo_metrics import ChangeVerdict, RepeatabilityRules


class ReportVersion(StrEnum):
    PATIENT = "patient"
    CHART = "chart"


class ReportStatus(StrEnum):
    """Where a report the clinician sent stands: drawn and e-mailed by a background job."""

    PREPARING = "preparing"
    SENT = "sent"
    NOT_SENT = "not_sent"


@dataclass(frozen=True)
class SentReport:
    """A patient's results report a clinician sent: who asked and when, to which address, and
    where it stands. A background job draws it (``PREPARING``), keeps the PDF under its SHA-256,
    queues the outbox message that carries the link to it and marks it ``SENT`` (``sent_at``);
    or, when it cannot be sent (the patient has no e-mail address any more), ``NOT_SENT`` with
    the ``reason``. The patient reads only a sent one."""

    id: int
    clinic_id: int
    patient_id: int
    sent_by: int
    """The clinician who asked for it to be sent."""
    requested_at: dt.datetime
    recipient: str
    """The address asked for; once sent, the address the message went to."""
    status: ReportStatus = ReportStatus.PREPARING
    pdf_sha256: str | None = None
    notification_id: int | None = None
    sent_at: dt.datetime | None = None
    reason: str = ""
    """Why it was not sent (``NOT_SENT``)."""

    @property
    def sent(self) -> bool:
        return self.status is ReportStatus.SENT


def latest_sent(reports: Sequence[SentReport]) -> SentReport | None:
    """The newest of ``reports`` (oldest first) that was sent, or None: what the patient reads."""
    return next((r for r in reversed(reports) if r.sent), None)


_FACE_KINDS = ("forehead", "periorbital", "perioral", "cheek")
_AREA_KINDS: dict[Area, tuple[str, ...]] = {
    Area.FULL_FACE: _FACE_KINDS,
    Area.FOREHEAD: ("forehead",),
    Area.PERIORBITAL: ("periorbital",),
    Area.PERIORAL: ("perioral",),
    Area.CHEEKS: ("cheek",),
}
"""The kinds of measured region an area's change is averaged over (``services.results``); every
other area is measured as a drawn region."""


def series_noise_pct(rules: RepeatabilityRules, metric: str, area: Area) -> float | None:
    """How many percent a metric's change over an area must exceed to count as a change: the
    largest relative minimal detectable change of the region kinds the area is measured in
    (an area's change is their average, so the least repeatable kind decides). None when the
    metric has no relative minimal detectable change there: its changes are never judged."""
    kinds: Iterable[str] = _AREA_KINDS.get(area, ("drawn",))
    found = [rules.changes.get((metric, kind)) for kind in kinds]
    relative = [d.value for d in found if d is not None and d.relative]
    if not relative or len(relative) < len(found):
        return None
    return max(relative)


def series_verdict(improvement_pct: float | None, noise_pct: float | None) -> ChangeVerdict:
    """Better or worse only beyond the noise (``series_noise_pct``); otherwise no measurable
    change. ``improvement_pct`` is positive when the skin improved."""
    if improvement_pct is None or noise_pct is None or abs(improvement_pct) <= noise_pct:
        return ChangeVerdict.NO_MEASURABLE_CHANGE
    return ChangeVerdict.BETTER if improvement_pct > 0 else ChangeVerdict.WORSE
