"""Who is due: each patient whose check-in is due (the oldest first), and the sessions booked
for the coming week (and any overdue), a page at a time. Today shows the first of each list;
these are the lists its "and N more" lines lead to. The front desk sees them as the clinician
does: names, dates and phone numbers are what they call patients with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from resurface.domain.appointments import Appointment
from resurface.domain.people import Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.paging import Page, read_page
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

SESSIONS_AHEAD_DAYS = 7
"""How far ahead the sessions due are listed (a week: the front desk's planning horizon)."""

PER_PAGE = 25


class DueList(StrEnum):
    CHECKINS = "checkins"
    """Each patient's oldest booked check-in due by today."""
    SESSIONS = "sessions"
    """Booked sessions due in the next ``SESSIONS_AHEAD_DAYS`` days or overdue, but not today's
    (Today lists those with the day's sessions)."""


@dataclass(frozen=True)
class DueItem:
    patient: Patient
    appointment: Appointment

    def overdue_days(self, today: dt.date) -> int:
        return max((today - self.appointment.due_on).days, 0)


def due_list(
    ctx: Context, actor: Actor, which: DueList, page: int, per_page: int = PER_PAGE
) -> Page[DueItem]:
    """One page of a list of who is due, oldest first, as of the clinic's today; the read is
    audited."""
    require(actor, Permission.VIEW_PATIENT_LIST)
    with ctx.uow() as uow:
        found = _page(uow, actor.clinic_id, which, ctx.clock.today(), page, per_page)
        detail = f"{which.value} page={page}"
        audit.record(uow, actor, "due_list_read", "clinic", actor.clinic_id, detail=detail)
        uow.commit()
        return found


def read_due(
    uow: UnitOfWork, clinic_id: int, which: DueList, today: dt.date, most: int, skip: int = 0
) -> tuple[list[Appointment], int]:
    """``most`` of the list after the first ``skip``, and how long the list is (0 past its end):
    one query, on Today and on the list's own pages alike."""
    if which is DueList.CHECKINS:
        return uow.appointments.checkins_due(clinic_id, today, most, skip=skip)
    until = today + dt.timedelta(SESSIONS_AHEAD_DAYS)
    return uow.appointments.sessions_due(clinic_id, until, most, besides=today, skip=skip)


def _page(
    uow: UnitOfWork, clinic_id: int, which: DueList, today: dt.date, page: int, per_page: int
) -> Page[DueItem]:
    found = read_page(
        lambda most, skip: read_due(uow, clinic_id, which, today, most, skip), page, per_page
    )
    patients = uow.patients.by_ids(clinic_id, {a.patient_id for a in found.items})
    items = [DueItem(patients[a.patient_id], a) for a in found.items if a.patient_id in patients]
    return Page(tuple(items), found.total, page, per_page)
