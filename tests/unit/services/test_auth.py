"""Signing in: failed attempts make the next wait (per name, per address) and never lock anyone
out for good; unknown and known names are answered alike; the second factor; idle logoff."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pyotp
import pytest

from resurface.domain.errors import InvalidInput
from resurface.services import auth, clinic_settings, second_factor
from resurface.services.context import Context
from resurface.services.errors import AuthenticationFailed, NotSignedIn
from resurface.services.sign_in_throttle import SignInThrottled
from tests.support.contexts import PASSWORD, SeededClinic, fake_context, seed_clinic
from tests.support.fakes import FakeDatabase

T0 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def harbour(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db, "harbour")


def _answers(ctx: Context, username: str, attempts: int, source: str = "10.0.0.1") -> list[str]:
    """What each of ``attempts`` wrong passwords for ``username`` is answered, a second apart."""
    answers = []
    for n in range(attempts):
        try:
            auth.sign_in(ctx.at(T0 + dt.timedelta(seconds=n)), username, f"guess {n}", source)
        except AuthenticationFailed as error:
            answers.append(f"401 {error}")
        except SignInThrottled as error:
            answers.append(f"429 {error}")
    return answers


def test_a_known_and_an_unknown_name_are_answered_alike(
    ctx: Context, harbour: SeededClinic
) -> None:
    known = _answers(ctx, "harbour.clinician", 7, source="10.0.0.1")
    unknown = _answers(ctx, "nobody.here", 7, source="10.0.0.2")
    assert known == unknown
    assert known[:5] == ["401 wrong user name or password"] * 5
    assert known[5] == "429 too many failed sign-ins; wait 29 seconds and try again"


def test_after_the_wait_the_right_password_signs_in(ctx: Context, harbour: SeededClinic) -> None:
    _answers(ctx, "harbour.clinician", 5)
    with pytest.raises(SignInThrottled):
        auth.sign_in(ctx.at(T0 + dt.timedelta(seconds=20)), "harbour.clinician", PASSWORD, "x")
    later = ctx.at(T0 + dt.timedelta(seconds=35))
    signed_in = auth.sign_in(later, "harbour.clinician", PASSWORD, "10.0.0.9")
    assert signed_in.actor.user_id == harbour.clinician.user_id
    # The count starts again after a sign-in: four more mistakes cost no wait.
    assert all(a.startswith("401") for a in _answers(later, "harbour.clinician", 4))


def test_one_address_trying_many_names_is_made_to_wait(ctx: Context, harbour: SeededClinic) -> None:
    for n in range(20):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(ctx.at(T0), f"name{n}", "x", "10.9.9.9")
    with pytest.raises(SignInThrottled):
        auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "10.9.9.9")
    # ... while the clinician at another address signs in.
    assert auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "10.0.0.5").token


def test_the_counts_are_shared_by_every_server_process(db: FakeDatabase) -> None:
    seed_clinic(db, "harbour")
    first, _ = fake_context(now=T0, database=db)
    second, _ = fake_context(now=T0, database=db)  # another process, same database
    _answers(first, "harbour.admin", 5)
    with pytest.raises(SignInThrottled):
        auth.sign_in(second.at(T0 + dt.timedelta(seconds=6)), "harbour.admin", PASSWORD, "y")


def test_refused_sign_ins_are_audited_as_the_system(ctx: Context, harbour: SeededClinic) -> None:
    _answers(ctx, "harbour.staff", 6)
    with ctx.uow() as uow:
        refused = [e.entry for e in uow.audit.in_order() if e.entry.action == "sign_in_refused"]
    assert [e.actor for e in refused] == ["system"] * 6
    assert refused[0].detail == "wrong password; 10.0.0.1"
    assert refused[-1].detail.startswith("password: throttled for ")


# --- the second factor ----------------------------------------------------------------------


def _enrol(ctx: Context, harbour: SeededClinic) -> str:
    enrolment = second_factor.start_enrolment(ctx.at(T0), harbour.clinician)
    code = pyotp.TOTP(enrolment.secret).at(T0)
    second_factor.confirm_enrolment(ctx.at(T0), harbour.clinician, enrolment.token, code)
    return enrolment.secret


def test_with_a_second_factor_the_password_alone_reaches_nothing(
    ctx: Context, harbour: SeededClinic
) -> None:
    secret = _enrol(ctx, harbour)
    later = T0 + dt.timedelta(minutes=5)
    half = auth.sign_in(ctx.at(later), "harbour.clinician", PASSWORD, "10.0.0.1")
    assert half.awaits_code
    with pytest.raises(NotSignedIn):
        auth.session_actor(ctx.at(later), half.token, "10.0.0.1")
    with pytest.raises(InvalidInput) as wrong:
        auth.confirm_code(ctx.at(later), half.token, "000000", "10.0.0.1")
    assert wrong.value.field == "code"
    code = pyotp.TOTP(secret).at(later)
    signed_in = auth.confirm_code(ctx.at(later), half.token, f"{code[:3]} {code[3:]}", "x")
    assert not signed_in.awaits_code and signed_in.token != half.token
    assert auth.session_actor(ctx.at(later), signed_in.token, "x").actor.name.startswith("Clin")
    # The half-open session is gone, and the same code does not open a second session.
    with pytest.raises(NotSignedIn):
        auth.confirm_code(ctx.at(later), half.token, code, "x")
    again = auth.sign_in(ctx.at(later), "harbour.clinician", PASSWORD, "10.0.0.1")
    with pytest.raises(InvalidInput):
        auth.confirm_code(ctx.at(later), again.token, code, "x")


def test_the_code_must_come_within_five_minutes_of_the_password(
    ctx: Context, harbour: SeededClinic
) -> None:
    secret = _enrol(ctx, harbour)
    half = auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "10.0.0.1")
    late = T0 + dt.timedelta(minutes=6)
    with pytest.raises(NotSignedIn) as ran_out:
        auth.confirm_code(ctx.at(late), half.token, pyotp.TOTP(secret).at(late), "x")
    assert ran_out.value.expired


def test_guessing_codes_is_made_to_wait(ctx: Context, harbour: SeededClinic) -> None:
    secret = _enrol(ctx, harbour)
    half = auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "10.0.0.1")
    for _ in range(5):
        with pytest.raises(InvalidInput):
            auth.confirm_code(ctx.at(T0), half.token, "123456", "10.0.0.1")
    with pytest.raises(SignInThrottled):
        auth.confirm_code(ctx.at(T0), half.token, pyotp.TOTP(secret).at(T0), "10.0.0.1")


def test_turning_the_second_factor_off_needs_a_current_code(
    ctx: Context, harbour: SeededClinic
) -> None:
    secret = _enrol(ctx, harbour)
    later = T0 + dt.timedelta(minutes=1)
    with pytest.raises(InvalidInput):
        second_factor.turn_off(ctx.at(later), harbour.clinician, "000000")
    assert second_factor.enrolled_since(ctx, harbour.clinician) == T0
    second_factor.turn_off(ctx.at(later), harbour.clinician, pyotp.TOTP(secret).at(later))
    assert second_factor.enrolled_since(ctx, harbour.clinician) is None
    assert not auth.sign_in(ctx.at(later), "harbour.clinician", PASSWORD, "x").awaits_code


def test_the_secret_is_stored_sealed(ctx: Context, db: FakeDatabase, harbour: SeededClinic) -> None:
    secret = _enrol(ctx, harbour)
    stored = db.state.second_factors[harbour.clinician.user_id]
    assert secret not in stored.sealed_secret
    other, _ = fake_context(now=T0, database=db)
    assert other.secret_box.open(stored.sealed_secret) == secret
    with_other_key = second_factor.SecretBox("another server's secret key, 32 characters+")
    assert with_other_key.open(stored.sealed_secret) is None


def test_an_old_enrolment_page_cannot_be_confirmed(ctx: Context, harbour: SeededClinic) -> None:
    enrolment = second_factor.start_enrolment(ctx, harbour.clinician)
    with pytest.raises(InvalidInput) as too_old:
        second_factor.confirm_enrolment(
            ctx, harbour.admin, enrolment.token, pyotp.TOTP(enrolment.secret).now()
        )  # another user's enrolment
    assert too_old.value.field == "code"


def test_a_clinic_can_require_medical_directors_to_enrol(
    ctx: Context, harbour: SeededClinic
) -> None:
    clinic_settings.set_sign_in_rules(ctx, harbour.admin, 30, True)
    admin = auth.sign_in(ctx, "harbour.admin", PASSWORD, "x")
    clinician = auth.sign_in(ctx, "harbour.clinician", PASSWORD, "x")
    assert auth.session_actor(ctx, admin.token, "x").must_enrol
    assert not auth.session_actor(ctx, clinician.token, "x").must_enrol


# --- idle logoff -------------------------------------------------------------------------------


def test_a_session_idle_for_the_clinics_time_ends(ctx: Context, harbour: SeededClinic) -> None:
    token = auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "x").token
    auth.session_actor(ctx.at(T0 + dt.timedelta(minutes=20)), token, "x")  # a request
    auth.session_actor(ctx.at(T0 + dt.timedelta(minutes=49)), token, "x")  # 29 minutes later
    with pytest.raises(NotSignedIn) as idle:
        auth.session_actor(ctx.at(T0 + dt.timedelta(minutes=79)), token, "x")
    assert idle.value.idle_minutes == 30
    assert "signed out after 30 minutes without activity" in str(idle.value)
    with pytest.raises(NotSignedIn) as gone:  # and it stays ended
        auth.session_actor(ctx.at(T0 + dt.timedelta(minutes=79)), token, "x")
    assert gone.value.idle_minutes == 0


def test_the_clinic_sets_its_idle_time(ctx: Context, harbour: SeededClinic) -> None:
    clinic_settings.set_sign_in_rules(ctx, harbour.admin, 10, False)
    token = auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "x").token
    with pytest.raises(NotSignedIn) as idle:
        auth.session_actor(ctx.at(T0 + dt.timedelta(minutes=11)), token, "x")
    assert idle.value.idle_minutes == 10
    with pytest.raises(InvalidInput) as refused:
        clinic_settings.set_sign_in_rules(ctx, harbour.admin, 2, False)
    assert refused.value.field == "idle_minutes"


def test_last_seen_is_written_at_most_once_a_minute(
    ctx: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    token = auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "x").token
    commits = db.commits
    for seconds in (10, 30, 59):
        auth.session_actor(ctx.at(T0 + dt.timedelta(seconds=seconds)), token, "x")
    assert db.commits == commits
    auth.session_actor(ctx.at(T0 + dt.timedelta(seconds=61)), token, "x")
    (session,) = db.state.web_sessions.values()
    assert session.last_seen == T0 + dt.timedelta(seconds=61)


def test_the_absolute_limit_still_holds_for_a_busy_session(
    ctx: Context, harbour: SeededClinic
) -> None:
    token = auth.sign_in(ctx.at(T0), "harbour.clinician", PASSWORD, "x").token
    for minutes in range(0, 8 * 60, 20):
        auth.session_actor(ctx.at(T0 + dt.timedelta(minutes=minutes)), token, "x")
    with pytest.raises(NotSignedIn) as expired:
        auth.session_actor(ctx.at(T0 + dt.timedelta(hours=8)), token, "x")
    assert expired.value.expired and not expired.value.idle_minutes


def test_the_clinic_record_keeps_its_sign_in_rules(ctx: Context, harbour: SeededClinic) -> None:
    updated = clinic_settings.set_sign_in_rules(ctx, harbour.admin, 45, True)
    assert replace(updated, version=0) == replace(
        harbour.clinic, idle_minutes=45, require_second_factor=True, version=0
    )
