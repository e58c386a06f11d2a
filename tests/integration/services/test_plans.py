"""Plan use cases on real storage: proposal kept beside decisions, co-signature, version
conflicts (on SQLite and PostgreSQL), audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.chart import Consultation, ItemDecision, PlanStatus
from resurface.domain.codes import Area, Concern, FitzpatrickType, Modality, Severity
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Patient, Role, Sex
from resurface.services import plans
from resurface.services.access import Actor
from resurface.services.errors import NotFound, PermissionDenied
from tests.support.clinic import SeededClinic, seed_clinic

TODAY = dt.date(2026, 5, 4)
NOW = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


def actor(runtime: Runtime, seeded: SeededClinic, role: Role) -> Actor:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(seeded.usernames[role])
        assert user is not None
    return Actor(user.id, user.clinic_id, user.role, user.display_name, "test")


def patient_with_goals(runtime: Runtime, seeded: SeededClinic, *goals: Goal) -> int:
    with runtime.context.uow() as uow:
        patient = uow.patients.add(
            Patient(0, seeded.clinic.id, "Sam", "Plan", dt.date(1980, 1, 1), Sex.FEMALE)
        )
        uow.charts.add_consultation(
            Consultation(0, seeded.clinic.id, patient.id, 1, TODAY, goals, MedicalHistory(),
                         FitzpatrickType.III, True)
        )  # fmt: skip
        uow.commit()
    return patient.id


PERIORAL = Goal(Concern.WRINKLES, Area.PERIORAL, Severity.SEVERE)
HANDS = Goal(Concern.PIGMENTATION, Area.HANDS, Severity.MILD)


def test_two_clinicians_deciding_on_one_version_the_second_is_refused(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    ctx = runtime.context.at(NOW)
    clinician = actor(runtime, seeded, Role.CLINICIAN)
    director = actor(runtime, seeded, Role.ADMIN)
    patient_id = patient_with_goals(runtime, seeded, PERIORAL, HANDS)
    plan = plans.propose_plan(ctx, clinician, patient_id)
    first = plans.Decision(plan.version, "accept")
    plans.decide_item(ctx, clinician, plan.id, 0, first)
    second = plans.Decision(plan.version, "override", chosen_sessions=5, override_reason="x")
    with pytest.raises(VersionConflict):
        plans.decide_item(ctx, director, plan.id, 0, second)
    with runtime.context.uow() as uow:
        stored = uow.charts.plan(seeded.clinic.id, plan.id)
    assert stored is not None and stored.items[0].decision is ItemDecision.ACCEPTED
    assert stored.items[0].decided_by == clinician.user_id


def test_the_proposal_is_kept_and_the_override_recorded(sqlite_runtime: Runtime) -> None:
    seeded = seed_clinic(sqlite_runtime.context.uow, "north")
    ctx = sqlite_runtime.context.at(NOW)
    clinician = actor(sqlite_runtime, seeded, Role.CLINICIAN)
    patient_id = patient_with_goals(sqlite_runtime, seeded, PERIORAL, HANDS)
    plan = plans.propose_plan(ctx, clinician, patient_id)
    assert plan.status is PlanStatus.PROPOSED
    assert [r["area"] for r in plan.proposal["recommendations"]] == ["perioral", "hands"]
    hands_limits = plan.proposal["recommendations"][1]["settings_limits"]
    assert hands_limits["energy_factor"] < 1 and "energy_max" in hands_limits
    override = plans.Decision(
        plan.version, "override", chosen_modality=Modality.NONABLATIVE_FRACTIONAL_1927.value,
        override_reason="prefers no downtime",
    )  # fmt: skip
    decided = plans.decide_item(ctx, clinician, plan.id, 0, override)
    item = decided.items[0]
    assert item.decision is ItemDecision.OVERRIDDEN
    assert item.modality is Modality.NONABLATIVE_FRACTIONAL_1927
    assert item.proposed_modality is not Modality.NONABLATIVE_FRACTIONAL_1927
    assert decided.status is PlanStatus.PROPOSED  # item 2 still pending
    accepted = plans.decide_item(
        ctx, clinician, plan.id, 1, plans.Decision(decided.version, "accept")
    )
    assert accepted.status is PlanStatus.ACCEPTED
    with pytest.raises(InvalidInput) as unexplained:  # an accepted plan is corrected with a reason
        plans.decide_item(ctx, clinician, plan.id, 1, plans.Decision(accepted.version, "accept"))
    assert unexplained.value.field == "correction_reason"


def test_a_new_proposal_supersedes_one_still_waiting(sqlite_runtime: Runtime) -> None:
    seeded = seed_clinic(sqlite_runtime.context.uow, "north")
    ctx = sqlite_runtime.context.at(NOW)
    clinician = actor(sqlite_runtime, seeded, Role.CLINICIAN)
    patient_id = patient_with_goals(sqlite_runtime, seeded, PERIORAL)
    old = plans.propose_plan(ctx, clinician, patient_id)
    new = plans.propose_plan(ctx, clinician, patient_id)
    view = plans.plan_view(ctx, clinician, patient_id)
    with sqlite_runtime.context.uow() as uow:
        cancelled = uow.charts.plan(seeded.clinic.id, old.id)
    assert cancelled is not None and cancelled.status is PlanStatus.CANCELLED
    assert view.plan is not None and view.plan.id == new.id


def test_cosign_required_keeps_the_plan_proposed_until_the_director_signs(
    sqlite_runtime: Runtime,
) -> None:
    seeded = seed_clinic(sqlite_runtime.context.uow, "north")
    ctx = sqlite_runtime.context.at(NOW)
    with sqlite_runtime.context.uow() as uow:
        uow.clinics.update(replace(seeded.clinic, require_cosign=True))
        uow.commit()
    clinician = actor(sqlite_runtime, seeded, Role.CLINICIAN)
    director = actor(sqlite_runtime, seeded, Role.ADMIN)
    patient_id = patient_with_goals(sqlite_runtime, seeded, PERIORAL)
    plan = plans.propose_plan(ctx, clinician, patient_id)
    decided = plans.decide_item(ctx, clinician, plan.id, 0, plans.Decision(1, "accept"))
    assert decided.status is PlanStatus.PROPOSED
    with pytest.raises(PermissionDenied):
        plans.cosign_plan(ctx, clinician, plan.id, decided.version)
    signed = plans.cosign_plan(ctx, director, plan.id, decided.version)
    assert signed.status is PlanStatus.ACCEPTED and signed.cosigned_by == director.user_id
    with sqlite_runtime.context.uow() as uow:
        actions = [e.entry.action for e in uow.audit.for_patient(seeded.clinic.id, patient_id)]
    assert {"create", "accepted", "cosign"} <= set(actions)


def test_no_consultation_no_plan_and_other_clinics_are_not_found(sqlite_runtime: Runtime) -> None:
    north = seed_clinic(sqlite_runtime.context.uow, "north")
    ctx = sqlite_runtime.context.at(NOW)
    south = seed_clinic(sqlite_runtime.context.uow, "south")
    clinician = actor(sqlite_runtime, north, Role.CLINICIAN)
    with sqlite_runtime.context.uow() as uow:
        bare = uow.patients.add(Patient(0, north.clinic.id, "No", "Consult", TODAY, Sex.MALE))
        uow.commit()
    with pytest.raises(InvalidInput) as error:
        plans.propose_plan(ctx, clinician, bare.id)
    assert error.value.field == "consultation"
    with pytest.raises(NotFound):
        plans.propose_plan(ctx, clinician, south.patient.id)
    with pytest.raises(NotFound):
        plans.decide_item(ctx, clinician, south.record_ids["plan"], 0, plans.Decision(1, "accept"))
