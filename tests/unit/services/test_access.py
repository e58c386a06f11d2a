from __future__ import annotations

import pytest

from resurface.domain.people import Role
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import PermissionDenied


def _actor(role: Role) -> Actor:
    return Actor(1, 1, role, "someone")


def test_front_desk_staff_may_list_but_not_read_charts_or_manage_users() -> None:
    staff = _actor(Role.STAFF)
    require(staff, Permission.VIEW_PATIENT_LIST)
    for permission in (Permission.VIEW_CHART, Permission.WRITE_CHART, Permission.MANAGE_USERS):
        with pytest.raises(PermissionDenied, match="Front desk staff may not"):
            require(staff, permission)


def test_clinicians_write_charts_but_do_not_manage_users() -> None:
    clinician = _actor(Role.CLINICIAN)
    assert clinician.may(Permission.WRITE_CHART)
    assert not clinician.may(Permission.MANAGE_USERS)
    assert not clinician.may(Permission.COSIGN_PLAN)


def test_admins_may_do_everything() -> None:
    assert all(_actor(Role.ADMIN).may(p) for p in Permission)
