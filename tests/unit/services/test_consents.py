"""Treatment consent on the fakes: signing at the clinic and by link, the stored PDF's hash,
the session guard, and no consent while the screening defers treatment."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

import pytest

from resurface.domain.codes import Modality
from resurface.domain.consent import ConsentDocument, SignedVia
from resurface.domain.errors import InvalidInput
from resurface.services import consents, sessions
from resurface.services.consents import Signature
from resurface.services.context import Context
from resurface.services.errors import Conflict, LinkNotUsable, PermissionDenied
from resurface.services.sessions import AreaEntry, SessionEntry
from tests.support.consents import SIGNATURE, patient_to_consent
from tests.support.contexts import SeededClinic, seed_clinic
from tests.support.fakes import FakeDatabase, FakePhotoStore

printed: list[ConsentDocument] = []


def _printer(document: ConsentDocument) -> bytes:
    printed.append(document)
    text = f"%PDF {document.patient_name} {document.text.treatment} {document.signed_at_local}"
    return text.encode()


@pytest.fixture
def clinic(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db)


@pytest.fixture
def signing(ctx: Context) -> Context:
    return replace(ctx, printer=_printer)


def _patient(ctx: Context, clinic: SeededClinic, **kwargs: object) -> int:
    patient, _ = patient_to_consent(ctx.uow, clinic.clinic.id, clinic.clinician.user_id, **kwargs)  # type: ignore[arg-type]
    return patient.id


def test_signing_at_the_clinic_stores_the_pdf_under_its_hash_with_the_template_version(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic)
    signed = consents.sign_at_clinic(
        signing,
        clinic.clinician,
        patient_id,
        "ablative_co2",
        Signature("alex  consenter", SIGNATURE),
    )
    assert signed.via is SignedVia.CLINIC_DEVICE and signed.recorded_by == clinic.clinician.user_id
    assert signed.template_version == "1" and len(signed.template_digest) == 64
    assert signed.signed_name == "alex consenter"
    consent, pdf = consents.signed_pdf(signing, clinic.clinician, signed.id)
    assert hashlib.sha256(pdf).hexdigest() == signed.pdf_sha256 == consent.pdf_sha256
    assert printed[-1].text.treatment == "Fully ablative CO₂ laser resurfacing"
    assert "<polyline" in printed[-1].signature_svg
    assert consents.verify(signing, clinic.clinician, signed.id).intact


def test_a_tampered_pdf_fails_its_check(signing: Context, clinic: SeededClinic) -> None:
    patient_id = _patient(signing, clinic)
    signed = consents.sign_at_clinic(
        signing,
        clinic.clinician,
        patient_id,
        "ablative_co2",
        Signature("Alex Consenter", SIGNATURE),
    )
    store = signing.photos
    assert isinstance(store, FakePhotoStore)
    store.blobs[signed.pdf_sha256] = b"%PDF changed afterwards"
    checked = consents.verify(signing, clinic.admin, signed.id)
    assert not checked.intact
    assert checked.actual_sha256 == hashlib.sha256(b"%PDF changed afterwards").hexdigest()


def test_every_bad_field_is_named_and_nothing_is_stored(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic)
    with pytest.raises(InvalidInput) as refused:
        consents.sign_at_clinic(
            signing,
            clinic.clinician,
            patient_id,
            "ablative_co2",
            Signature("Someone Else", "[[[0.5,0.5]]]"),
        )
    assert {p.field for p in refused.value.problems} == {"signed_name", "signature"}
    overview = consents.consents_overview(signing, clinic.clinician, patient_id)
    assert overview.signed == ()


def test_no_consent_is_offered_while_the_screening_defers_treatment(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic, deferred=True)
    with pytest.raises(Conflict, match="deferred"):
        consents.consent_offer(signing, clinic.clinician, patient_id, "ablative_co2")
    with pytest.raises(Conflict):
        consents.sign_at_clinic(
            signing,
            clinic.clinician,
            patient_id,
            "ablative_co2",
            Signature("Alex Consenter", SIGNATURE),
        )
    with pytest.raises(Conflict):
        consents.issue_link(signing, clinic.clinician, patient_id, "ablative_co2")
    assert consents.consents_overview(signing, clinic.clinician, patient_id).deferred


def test_a_modality_the_plan_does_not_use_is_refused(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic)
    with pytest.raises(InvalidInput, match="modality"):
        consents.consent_offer(signing, clinic.clinician, patient_id, "nonablative_fractional_1927")
    with pytest.raises(InvalidInput, match="modality"):
        consents.consent_offer(signing, clinic.clinician, patient_id, "laser_x")


def test_front_desk_may_neither_read_nor_take_consent(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic)
    with pytest.raises(PermissionDenied):
        consents.consents_overview(signing, clinic.front_desk, patient_id)
    with pytest.raises(PermissionDenied):
        consents.sign_at_clinic(
            signing,
            clinic.front_desk,
            patient_id,
            "ablative_co2",
            Signature("Alex Consenter", SIGNATURE),
        )


def test_the_patient_signs_by_link_once(signing: Context, clinic: SeededClinic) -> None:
    patient_id = _patient(signing, clinic)
    issued = consents.issue_link(signing, clinic.clinician, patient_id, "ablative_co2")
    assert issued.url.endswith(f"/consent/{issued.token}")
    offer = consents.offer_by_link(signing, issued.token, "203.0.113.9")
    assert offer.patient.id == patient_id
    signed = consents.sign_by_link(
        signing, issued.token, Signature("Alex Consenter", SIGNATURE), "203.0.113.9"
    )
    assert signed.via is SignedVia.PATIENT_LINK and signed.link_id == issued.link.id
    with pytest.raises(LinkNotUsable):
        consents.offer_by_link(signing, issued.token, "203.0.113.9")
    with pytest.raises(LinkNotUsable):
        consents.sign_by_link(
            signing, issued.token, Signature("Alex Consenter", SIGNATURE), "203.0.113.9"
        )


def test_forged_revoked_and_expired_links_are_refused_alike(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic)
    revoked = consents.issue_link(signing, clinic.clinician, patient_id, "ablative_co2")
    consents.revoke_link(signing, clinic.clinician, patient_id, revoked.link.id)
    expired = consents.issue_link(signing, clinic.clinician, patient_id, "ablative_co2")
    later = signing.at(
        signing.clock.now() + dt.timedelta(days=consents.CONSENT_LINK_DAYS, seconds=1)
    )
    for context, token in (
        (signing, revoked.token),
        (later, expired.token),
        (signing, expired.token[:-2] + "xx"),
        (signing, "x" * 43),
    ):
        with pytest.raises(LinkNotUsable):
            consents.offer_by_link(context, token, "203.0.113.9")


def _session(on: dt.date, modality: str = "ablative_co2") -> SessionEntry:
    area = AreaEntry("full_face", modality, energy_mj=100.0, density_pct=None, passes=1)
    return SessionEntry(on, "Test CO2", (area,))


def test_no_first_session_without_consent_and_no_reason_passes_it(
    signing: Context, clinic: SeededClinic
) -> None:
    patient_id = _patient(signing, clinic)
    draft = sessions.session_draft(signing, clinic.clinician, patient_id)
    assert [g.guard.value for g in draft.guards] == ["no_consent"]
    entry = replace(_session(signing.clock.today()), proceed_reason="the patient agreed verbally")
    with pytest.raises(InvalidInput) as refused:
        sessions.record_session(signing, clinic.clinician, patient_id, entry)
    assert any(p.field == "guards" and "consent" in p.message for p in refused.value.problems)
    consents.sign_at_clinic(
        signing,
        clinic.clinician,
        patient_id,
        "ablative_co2",
        Signature("Alex Consenter", SIGNATURE),
    )
    assert sessions.session_draft(signing, clinic.clinician, patient_id).guards == ()


def test_a_new_modality_needs_its_own_consent(signing: Context, clinic: SeededClinic) -> None:
    patient_id = _patient(
        signing, clinic, modality=Modality.FRACTIONAL_ABLATIVE_CO2, sessions=(2, 2, 3)
    )
    consents.sign_at_clinic(
        signing,
        clinic.clinician,
        patient_id,
        "fractional_ablative_co2",
        Signature("Alex Consenter", SIGNATURE),
    )
    today = signing.clock.today()
    with pytest.raises(InvalidInput) as refused:
        sessions.record_session(
            signing, clinic.clinician, patient_id, _session(today, "ablative_co2")
        )
    messages = " ".join(p.message for p in refused.value.problems if p.field == "guards")
    assert "fully ablative CO₂" in messages
