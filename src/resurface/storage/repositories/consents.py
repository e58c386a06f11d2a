"""Signed consents, signing links and photo-consent decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, select, update

from resurface.domain.codes import Modality
from resurface.domain.consent import (
    ConsentLink,
    PhotoConsent,
    PhotoUse,
    SignedConsent,
    SignedVia,
)
from resurface.storage.repositories._base import Repository, values_of
from resurface.storage.tables import consent_links, photo_consents, signed_consents


def _signed(row: Any) -> SignedConsent:
    return SignedConsent(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        plan_id=row.plan_id,
        modality=Modality(row.modality),
        template_version=row.template_version,
        template_digest=row.template_digest,
        signed_name=row.signed_name,
        signed_at=row.signed_at,
        pdf_sha256=row.pdf_sha256,
        via=SignedVia(row.via),
        recorded_by=row.recorded_by,
        link_id=row.link_id,
    )


def _link(row: Any) -> ConsentLink:
    return ConsentLink(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        plan_id=row.plan_id,
        modality=Modality(row.modality),
        token_hash=row.token_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        consent_id=row.consent_id,
    )


def _photo(row: Any) -> PhotoConsent:
    return PhotoConsent(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        use=PhotoUse(row.use),
        granted=bool(row.granted),
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        note=row.note,
    )


PHOTO_CONSENT_ORDER = (photo_consents.c.recorded_at, photo_consents.c.id)
"""Photo-consent decisions oldest first (``photo_consents``; the chart read's,
``SqlCharts.chart_read``)."""
_PHOTO_CONSENTS = (
    select(photo_consents)
    .where(photo_consents.c.clinic_id == bindparam("clinic_id"))
    .order_by(*PHOTO_CONSENT_ORDER)
)
_PATIENT_PHOTO_CONSENTS = _PHOTO_CONSENTS.where(
    photo_consents.c.patient_id == bindparam("patient_id")
)


class SqlConsents(Repository):
    # --- signed consents (inserted once, never updated) ---

    def add_signed(self, record: SignedConsent) -> SignedConsent:
        return replace(record, id=self._insert(signed_consents, values_of(record)))

    def signed(self, clinic_id: int, consent_id: int) -> SignedConsent | None:
        query = select(signed_consents).where(
            signed_consents.c.clinic_id == clinic_id, signed_consents.c.id == consent_id
        )
        row = self.connection.execute(query).first()
        return _signed(row) if row else None

    def signed_for_patient(self, clinic_id: int, patient_id: int) -> list[SignedConsent]:
        query = (
            select(signed_consents)
            .where(
                signed_consents.c.clinic_id == clinic_id,
                signed_consents.c.patient_id == patient_id,
            )
            .order_by(signed_consents.c.signed_at, signed_consents.c.id)
        )
        return [_signed(row) for row in self.connection.execute(query)]

    # --- signing links ---

    def add_link(self, record: ConsentLink) -> ConsentLink:
        return replace(record, id=self._insert(consent_links, values_of(record)))

    def link_by_hash(self, token_hash: str) -> ConsentLink | None:
        query = select(consent_links).where(consent_links.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _link(row) if row else None

    def links_for_patient(self, clinic_id: int, patient_id: int) -> list[ConsentLink]:
        query = (
            select(consent_links)
            .where(consent_links.c.clinic_id == clinic_id, consent_links.c.patient_id == patient_id)
            .order_by(consent_links.c.created_at, consent_links.c.id)
        )
        return [_link(row) for row in self.connection.execute(query)]

    def close_link(
        self, link_id: int, *, consent_id: int | None = None, revoked_at: dt.datetime | None = None
    ) -> bool:
        """Mark a link used (``consent_id``) or revoked; False when it was closed already (a
        second signature through the same link at the same moment loses)."""
        values: dict[str, Any] = {}
        if consent_id is not None:
            values["consent_id"] = consent_id
        if revoked_at is not None:
            values["revoked_at"] = revoked_at
        result = self.connection.execute(
            update(consent_links)
            .where(
                consent_links.c.id == link_id,
                consent_links.c.consent_id.is_(None),
                consent_links.c.revoked_at.is_(None),
            )
            .values(**values)
        )
        return result.rowcount == 1

    # --- photo consent decisions (appended, never updated) ---

    def add_photo_consent(self, record: PhotoConsent) -> PhotoConsent:
        return replace(record, id=self._insert(photo_consents, values_of(record)))

    def photo_consents(self, clinic_id: int, patient_id: int | None = None) -> list[PhotoConsent]:
        """The decisions of one patient, or of every patient of the clinic, oldest first."""
        if patient_id is None:
            found = self.connection.execute(_PHOTO_CONSENTS, {"clinic_id": clinic_id})
        else:
            wanted = {"clinic_id": clinic_id, "patient_id": patient_id}
            found = self.connection.execute(_PATIENT_PHOTO_CONSENTS, wanted)
        return [_photo(row) for row in found]
