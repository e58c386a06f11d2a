"""A patient at the point of consent: a consultation and an accepted plan, no session yet; and
a signature as the pad sends it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from resurface.domain.chart import (
    Consultation,
    ItemDecision,
    PlanItem,
    PlanStatus,
    ScreeningFinding,
    Span,
    TreatmentPlan,
)
from resurface.domain.codes import (
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    ScreeningAction,
    Severity,
)
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Patient, Sex
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from playwright.sync_api import Page

STROKES = [
    [[0.05, 0.6], [0.12, 0.3], [0.2, 0.7], [0.28, 0.35], [0.36, 0.65], [0.45, 0.4]],
    [[0.5, 0.5], [0.6, 0.45], [0.7, 0.55], [0.8, 0.5], [0.9, 0.52]],
]
SIGNATURE = json.dumps(STROKES)


def patient_to_consent(
    units: Callable[[], UnitOfWork],
    clinic_id: int,
    clinician_id: int,
    *,
    family_name: str = "Consenter",
    modality: Modality = Modality.ABLATIVE_CO2,
    area: Area = Area.FULL_FACE,
    concern: Concern = Concern.WRINKLES,
    sessions: tuple[int, int, int] = (1, 1, 1),
    deferred: bool = False,
    today: dt.date | None = None,
) -> tuple[Patient, int]:
    """A patient with a consultation and an accepted plan of ``modality``; the plan's id."""
    today = today or dt.datetime.now(dt.UTC).date()
    findings = (
        (
            ScreeningFinding(
                Contraindication.PREGNANCY,
                ScreeningAction.DEFER,
                tuple(Modality),
                "Laser resurfacing is put off during pregnancy.",
                "",
            ),
        )
        if deferred
        else ()
    )
    with units() as uow:
        patient = uow.patients.add(
            Patient(
                0,
                clinic_id,
                "Alex",
                family_name,
                dt.date(1968, 3, 9),
                Sex.FEMALE,
                fitzpatrick_type=FitzpatrickType.II,
            )
        )
        uow.charts.add_consultation(
            Consultation(
                0,
                clinic_id,
                patient.id,
                clinician_id,
                today - dt.timedelta(days=10),
                goals=(Goal(concern, area, Severity.SEVERE),),
                history=MedicalHistory(),
                fitzpatrick_type=FitzpatrickType.II,
                eligible=not deferred,
                findings=findings,
            )
        )
        low, expected, high = sessions
        plan = uow.charts.add_plan(
            TreatmentPlan(
                0,
                clinic_id,
                patient.id,
                clinician_id,
                today - dt.timedelta(days=9),
                PlanStatus.ACCEPTED,
                items=(
                    PlanItem(
                        area,
                        concern,
                        Severity.SEVERE,
                        modality,
                        low,
                        expected,
                        high,
                        Span(4, 8),
                        Span(5, 7),
                        decision=ItemDecision.ACCEPTED,
                        decided_by=clinician_id,
                    ),
                ),
                rationale=("severe wrinkles",),
                sources=(),
            )
        )
        uow.commit()
    return patient, plan.id


def draw_signature(page: Page) -> None:
    """Draw two strokes across the pad with the mouse, as a finger would."""
    pad = page.locator("canvas#signature")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None and box["width"] > 200
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (
        [(0.08, 0.7), (0.15, 0.2), (0.22, 0.75), (0.3, 0.25), (0.38, 0.7), (0.45, 0.3)],
        [(0.52, 0.55), (0.65, 0.45), (0.78, 0.6), (0.92, 0.5)],
    ):
        page.mouse.move(x0 + stroke[0][0] * w, y0 + stroke[0][1] * h)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(x0 + x * w, y0 + y * h, steps=4)
        page.mouse.up()
