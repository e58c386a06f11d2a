"""The patient's consent to each use of their photos (the medical record, teaching, marketing):
given or withdrawn, by whom and when, every decision kept; and the medical director's export of
the photos a use may take (only those of patients whose decision in force allows it)."""

from __future__ import annotations

from dataclasses import dataclass

from resurface.domain.chart import Photo
from resurface.domain.consent import (
    PhotoConsent,
    PhotoUse,
    photo_consent_in_force,
    photos_allowed_for,
)
from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.people import Patient
from resurface.domain.text import text_problems
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.patients import find_patient_audited

MAX_NOTE = 500


@dataclass(frozen=True)
class PhotoConsentView:
    patient: Patient
    in_force: dict[PhotoUse, PhotoConsent]
    history: tuple[PhotoConsent, ...]
    names: dict[int, str]

    def allows(self, use: PhotoUse) -> bool:
        decision = self.in_force.get(use)
        return decision is not None and decision.granted


@dataclass(frozen=True)
class ExportedPhoto:
    """A photo in a teaching or marketing set: no name, only a pseudonymous patient number."""

    photo: Photo
    patient_ref: str


def photo_consents(ctx: Context, actor: Actor, patient_id: int) -> PhotoConsentView:
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        history = tuple(uow.consents.photo_consents(actor.clinic_id, patient.id))
        names = {u.id: u.display_name for u in uow.users.in_clinic(actor.clinic_id)}
        audit.record(uow, actor, "read", "photo_consents", patient.id, patient_id=patient.id)
        uow.commit()
        return PhotoConsentView(patient, photo_consent_in_force(history), history, names)


def record_photo_consent(
    ctx: Context, actor: Actor, patient_id: int, use: str, granted: bool, note: str = ""
) -> PhotoConsent:
    """Record the patient's decision on one use (a withdrawal is ``granted=False``). Audited."""
    require(actor, Permission.WRITE_CHART)
    problems: list[FieldProblem] = []
    chosen = None
    try:
        chosen = PhotoUse(use)
    except ValueError:
        problems.append(
            FieldProblem("use", "choose one of " + ", ".join(u.value for u in PhotoUse))
        )
    if len(note) > MAX_NOTE:
        problems.append(FieldProblem("note", f"is longer than {MAX_NOTE} characters"))
    problems += text_problems(free_text={"note": note})
    if problems or chosen is None:
        raise InvalidInput.of(problems)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        decision = uow.consents.add_photo_consent(
            PhotoConsent(
                id=0,
                clinic_id=actor.clinic_id,
                patient_id=patient.id,
                use=chosen,
                granted=granted,
                recorded_by=actor.user_id,
                recorded_at=ctx.clock.now(),
                note=" ".join(note.split()),
            )
        )
        audit.record(
            uow,
            actor,
            "grant" if granted else "withdraw",
            "photo_consent",
            decision.id,
            patient_id=patient.id,
            detail=chosen.value,
        )
        uow.commit()
        return decision


def consented_photos(ctx: Context, actor: Actor, use: str) -> tuple[ExportedPhoto, ...]:
    """The clinic's photos that ``use`` (teaching or marketing) may take now: only those of
    patients whose decision in force allows it, none entered in error. The medical director's."""
    require(actor, Permission.MANAGE_CLINIC)
    try:
        chosen = PhotoUse(use)
    except ValueError:
        raise InvalidInput("use", "choose teaching or marketing") from None
    if chosen is PhotoUse.RECORD:
        raise InvalidInput("use", "choose teaching or marketing")
    with ctx.uow() as uow:
        decisions = uow.consents.photo_consents(actor.clinic_id)
        by_patient: dict[int, list[PhotoConsent]] = {}
        for d in decisions:
            by_patient.setdefault(d.patient_id, []).append(d)
        found: list[ExportedPhoto] = []
        for patient_id, theirs in sorted(by_patient.items()):
            if not photos_allowed_for(theirs, chosen):
                continue
            chart = uow.charts.chart(actor.clinic_id, patient_id)
            found += [
                ExportedPhoto(p, f"P{patient_id:05d}")
                for p in chart.photos
                if not p.entered_in_error
            ]
        audit.record(
            uow,
            actor,
            "export",
            "photo_set",
            chosen.value,
            detail=f"{len(found)} photos of {len({e.patient_ref for e in found})} patients",
        )
        uow.commit()
        return tuple(found)


__all__ = [
    "ExportedPhoto",
    "PhotoConsentView",
    "consented_photos",
    "photo_consents",
    "record_photo_consent",
]
