"""Patients' links: looked up by token hash; recovery links listed per session, patient links per
patient, within the clinic; and the results shared through the patient's link."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from resurface.domain.links import PatientLink, RecoveryLink
from resurface.domain.sharing import SharedResult
from resurface.storage.repositories._base import Repository, values_of
from resurface.storage.tables import patient_links, recovery_links, result_shares


class SqlRecoveryLinks(Repository):
    def add(self, record: RecoveryLink) -> RecoveryLink:
        return replace(record, id=self._insert(recovery_links, values_of(record)))

    def by_token_hash(self, token_hash: str) -> RecoveryLink | None:
        """Unscoped on purpose: the token itself is the key a patient holds."""
        query = select(recovery_links).where(recovery_links.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _link(row) if row else None

    def for_session(self, clinic_id: int, session_id: int) -> list[RecoveryLink]:
        query = (
            select(recovery_links)
            .where(
                recovery_links.c.clinic_id == clinic_id, recovery_links.c.session_id == session_id
            )
            .order_by(recovery_links.c.id)
        )
        return [_link(row) for row in self.connection.execute(query)]

    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool:
        result = self.connection.execute(
            update(recovery_links)
            .where(
                recovery_links.c.id == link_id,
                recovery_links.c.clinic_id == clinic_id,
                recovery_links.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return result.rowcount == 1


def _link(row: Any) -> RecoveryLink:
    return RecoveryLink(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        session_id=row.session_id,
        token_hash=row.token_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class SqlPatientLinks(Repository):
    def extend(self, clinic_id: int, link_id: int, expires_at: dt.datetime) -> None:
        """A later expiry for a link that is not revoked (the series runs longer)."""
        self.connection.execute(
            update(patient_links)
            .where(
                patient_links.c.id == link_id,
                patient_links.c.clinic_id == clinic_id,
                patient_links.c.revoked_at.is_(None),
                patient_links.c.expires_at < expires_at,
            )
            .values(expires_at=expires_at)
        )

    def add(self, record: PatientLink) -> PatientLink:
        return replace(record, id=self._insert(patient_links, values_of(record)))

    def by_token_hash(self, token_hash: str) -> PatientLink | None:
        """Unscoped on purpose: the token itself is the key a patient holds."""
        query = select(patient_links).where(patient_links.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _patient_link(row) if row else None

    def for_patient(self, clinic_id: int, patient_id: int) -> list[PatientLink]:
        query = (
            select(patient_links)
            .where(patient_links.c.clinic_id == clinic_id, patient_links.c.patient_id == patient_id)
            .order_by(patient_links.c.id)
        )
        return [_patient_link(row) for row in self.connection.execute(query)]

    def revoke(self, clinic_id: int, link_id: int, at: dt.datetime) -> bool:
        result = self.connection.execute(
            update(patient_links)
            .where(
                patient_links.c.id == link_id,
                patient_links.c.clinic_id == clinic_id,
                patient_links.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return result.rowcount == 1


def _patient_link(row: Any) -> PatientLink:
    return PatientLink(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        token_hash=row.token_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class SqlResultShares(Repository):
    def add(self, record: SharedResult) -> SharedResult:
        return replace(record, id=self._insert(result_shares, values_of(record)))

    def for_patient(self, clinic_id: int, patient_id: int) -> list[SharedResult]:
        query = (
            select(result_shares)
            .where(result_shares.c.clinic_id == clinic_id, result_shares.c.patient_id == patient_id)
            .order_by(result_shares.c.id)
        )
        return [_share(row) for row in self.connection.execute(query)]

    def withdraw(self, clinic_id: int, share_id: int, by: int, at: dt.datetime) -> bool:
        result = self.connection.execute(
            update(result_shares)
            .where(
                result_shares.c.id == share_id,
                result_shares.c.clinic_id == clinic_id,
                result_shares.c.withdrawn_at.is_(None),
            )
            .values(withdrawn_by=by, withdrawn_at=at)
        )
        return result.rowcount == 1


def _share(row: Any) -> SharedResult:
    return SharedResult(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        before_photo_id=row.before_photo_id,
        after_photo_id=row.after_photo_id,
        shared_by=row.shared_by,
        shared_at=row.shared_at,
        withdrawn_by=row.withdrawn_by,
        withdrawn_at=row.withdrawn_at,
    )
