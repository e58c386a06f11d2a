"""Who is acting, and what each role may do. Every role check in Resurface goes through here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.people import Role
from resurface.services.errors import PermissionDenied


class Permission(StrEnum):
    VIEW_PATIENT_LIST = "view_patient_list"
    REGISTER_PATIENT = "register_patient"
    EDIT_PATIENT_DETAILS = "edit_patient_details"
    VIEW_CHART = "view_chart"
    WRITE_CHART = "write_chart"
    COSIGN_PLAN = "cosign_plan"
    MANAGE_USERS = "manage_users"
    MANAGE_CLINIC = "manage_clinic"
    VIEW_AUDIT = "view_audit"
    BOOK = "book"
    """Book, move and cancel appointments; mark arrivals and no-shows."""


_GRANTS: dict[Role, frozenset[Permission]] = {
    # Front desk: books and registers patients; no clinical record (minimum necessary).
    Role.STAFF: frozenset(
        {
            Permission.VIEW_PATIENT_LIST,
            Permission.REGISTER_PATIENT,
            Permission.EDIT_PATIENT_DETAILS,
            Permission.BOOK,
        }
    ),
    Role.CLINICIAN: frozenset(
        {
            Permission.VIEW_PATIENT_LIST,
            Permission.REGISTER_PATIENT,
            Permission.EDIT_PATIENT_DETAILS,
            Permission.VIEW_CHART,
            Permission.WRITE_CHART,
            Permission.BOOK,
        }
    ),
    # The clinic's medical director: everything a clinician may do, plus the clinic's running.
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Actor:
    """The signed-in person a use case acts for; ``source`` says from where (IP or "cli")."""

    user_id: int
    clinic_id: int
    role: Role
    name: str
    source: str = ""
    must_change_password: bool = False
    """After a password reset: the actor may only change their password or sign out (the web
    edge refuses everything else until then)."""

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


_WHO = {Role.STAFF: "Front desk staff", Role.CLINICIAN: "A clinician", Role.ADMIN: "An admin"}
_WHAT = {
    Permission.VIEW_PATIENT_LIST: "see the patient list",
    Permission.REGISTER_PATIENT: "register patients",
    Permission.EDIT_PATIENT_DETAILS: "correct a patient's details",
    Permission.VIEW_CHART: "see the clinical chart",
    Permission.WRITE_CHART: "write in the clinical chart",
    Permission.COSIGN_PLAN: "co-sign a treatment plan (the medical director does)",
    Permission.MANAGE_USERS: "manage users",
    Permission.MANAGE_CLINIC: "change the clinic's settings",
    Permission.VIEW_AUDIT: "read the audit trail",
    Permission.BOOK: "book appointments",
}


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"{_WHO[actor.role]} may not {_WHAT[permission]}")
