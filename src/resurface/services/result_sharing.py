"""Sharing results with the patient: the clinician switches a before/after comparison on the
Results page to "shared"; the patient then sees those two photos on their own page, until the
clinician withdraws it. Only the clinic's clinical photos of one region can be paired, and a photo
later marked entered in error is no longer shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.domain.chart import Photo, standing
from resurface.domain.errors import InvalidInput
from resurface.domain.sharing import SharedResult, region_words
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import LinkNotUsable, NotFound
from resurface.services.patients import find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.recovery import patient_links
from resurface.services.recovery.patient_links import PatientLinkAccess


@dataclass(frozen=True)
class SharedPair:
    """A shared comparison as the patient sees it: the region in words and the two dates."""

    share_id: int
    region: str
    before_on: dt.date
    after_on: dt.date


# --- the clinic's side --------------------------------------------------------------------------


def share_result(
    ctx: Context, actor: Actor, patient_id: int, before_id: int, after_id: int
) -> SharedResult:
    """Share the comparison of two of the patient's clinical photos of one region (sharing the
    same pair again changes nothing)."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        chart = standing(uow.charts.chart(actor.clinic_id, patient.id))
        photos = {p.id: p for p in chart.photos if p.is_clinical}
        before, after = photos.get(before_id), photos.get(after_id)
        if before is None or after is None or before.id == after.id:
            raise InvalidInput("after", "choose two different clinical photos of the patient")
        if before.region != after.region:
            raise InvalidInput("after", "the two photos must show the same region")
        shares = uow.result_shares.for_patient(actor.clinic_id, patient.id)
        existing = next((s for s in shares if s.active and s.shows(before.id, after.id)), None)
        if existing is not None:
            return existing
        share = uow.result_shares.add(
            SharedResult(
                0, actor.clinic_id, patient.id, before.id, after.id, actor.user_id, ctx.clock.now()
            )
        )
        detail = f"photos {before.id} and {after.id}"
        audit.record(uow, actor, "share", "result", share.id, patient_id=patient.id, detail=detail)
        uow.commit()
        return share


def withdraw_share(ctx: Context, actor: Actor, patient_id: int, share_id: int) -> None:
    """Stop showing a shared result to the patient (withdrawing twice is harmless)."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        shares = uow.result_shares.for_patient(actor.clinic_id, patient.id)
        if not any(s.id == share_id for s in shares):
            audit.record(uow, actor, "read_not_found", "result", share_id, patient_id=patient.id)
            uow.commit()
            raise NotFound("shared result", share_id)
        if uow.result_shares.withdraw(actor.clinic_id, share_id, actor.user_id, ctx.clock.now()):
            audit.record(uow, actor, "withdraw", "result", share_id, patient_id=patient.id)
        uow.commit()


def active_share(
    uow: UnitOfWork, clinic_id: int, patient_id: int, before_id: int, after_id: int
) -> SharedResult | None:
    """The share of this pair, if it is shared now (for the Results page's switch)."""
    shares = uow.result_shares.for_patient(clinic_id, patient_id)
    return next((s for s in shares if s.active and s.shows(before_id, after_id)), None)


# --- the patient's side -------------------------------------------------------------------------


def _shown(uow: UnitOfWork, access: PatientLinkAccess) -> list[tuple[SharedResult, Photo, Photo]]:
    chart = standing(uow.charts.chart(access.clinic.id, access.patient.id))
    photos = {p.id: p for p in chart.photos if p.is_clinical}
    shown = []
    for share in uow.result_shares.for_patient(access.clinic.id, access.patient.id):
        before, after = photos.get(share.before_photo_id), photos.get(share.after_photo_id)
        if share.active and before is not None and after is not None:
            shown.append((share, before, after))
    return shown


def shared_with(uow: UnitOfWork, access: PatientLinkAccess) -> tuple[SharedPair, ...]:
    """What the patient's page shows of their results, newest share first."""
    return tuple(
        SharedPair(
            share.id,
            region_words(before.region),
            before.captured_at.date(),
            after.captured_at.date(),
        )
        for share, before, after in reversed(_shown(uow, access))
    )


def shared_photo(
    ctx: Context, token: str, share_id: int, which: str, *, source: str
) -> tuple[Photo, bytes]:
    """The before or after photo of a shared result; anything else is refused like a bad
    token."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access = patient_links.access_in(uow, ctx.links.secret, token, now, ctx.rules)
        found = next(((s, b, a) for s, b, a in _shown(uow, access) if s.id == share_id), None)
        if found is None or which not in ("before", "after"):
            raise LinkNotUsable()
        photo = found[1] if which == "before" else found[2]
        patient_links.record_patient_event(
            uow, access, "read", "photo", photo.id, source=source, now=now
        )
        uow.commit()
    return photo, ctx.photos.get(photo.storage_key)
