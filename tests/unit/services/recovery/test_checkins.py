"""Check-ins through the link: answers checked field by field, alerts once per code, escalation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.domain.alerts import AlertStatus
from resurface.domain.codes import AlertCode, RedFlag, Score, Urgency
from resurface.domain.errors import InvalidInput
from resurface.domain.people import Role
from resurface.services import auth
from resurface.services.context import Context
from resurface.services.recovery import checkins, links
from resurface.services.recovery.checkins import Answers, Instruction, parse_answers
from resurface.services.recovery.links import LinkSigner
from tests.support.clinic import SeededClinic, seed_clinic

TODAY = dt.date(2025, 6, 10)


def test_every_bad_field_is_named_at_once() -> None:
    answers = Answers(
        scores={"redness": "11", "swelling": "x", "irritation": 2, "pain": "3"},
        red_flags=["fever", "dragons"],
        note="n" * 2001,
        date="2025-06-11",
    )
    with pytest.raises(InvalidInput) as refused:
        parse_answers(answers, TODAY - dt.timedelta(days=3), TODAY)
    fields = set(refused.value.by_field())
    assert fields == {"redness", "swelling", "itch", "red_flags", "note", "date"}


def test_good_answers_become_a_checkin_of_today() -> None:
    answers = Answers(scores=dict.fromkeys([s.value for s in Score], "2"), red_flags=["fever"])
    checkin = parse_answers(answers, TODAY - dt.timedelta(days=3), TODAY)
    assert checkin.date == TODAY and checkin.scores[Score.PAIN] == 2
    assert checkin.red_flags == frozenset({RedFlag.FEVER})


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def test_a_worse_sign_supersedes_the_milder_alert_and_the_same_one_is_not_repeated(
    ctx: Context, north: SeededClinic
) -> None:
    """Seeded: fractional CO2 five days ago. Yellow crust without pain is "soon"; with pain it
    becomes urgent, which closes the milder alert of the same code."""
    keys = LinkSigner(ctx.links.secret, "https://clinic.example", 42)
    now = dt.datetime.now(dt.UTC)

    with ctx.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        issued = links.create_link(
            replace(ctx.at(now), links=keys),
            auth.actor_of(user, "t"),
            north.patient.id,
            north.record_ids["session"],
        )

    def send(pain: int, itch: int = 1) -> checkins.Submitted:
        answers = Answers(
            scores={"redness": 3, "swelling": 1, "irritation": 1, "pain": pain, "itch": itch},
            red_flags=["yellow_crust_or_pus"],
        )
        pinned = replace(ctx.at(now), links=keys)
        return checkins.submit_checkin(pinned, issued.token, answers, source="test")

    mild = send(pain=0)
    assert [(a.code, a.urgency) for a in mild.new_alerts] == [
        (AlertCode.POSSIBLE_INFECTION, Urgency.SOON)
    ]
    assert mild.result.instruction is Instruction.CLINIC_WILL_CONTACT
    assert mild.queued_notifications == 0  # no clinic address and no admin e-mail
    worse = send(pain=5)
    assert [(a.code, a.urgency) for a in worse.new_alerts] == [
        (AlertCode.POSSIBLE_INFECTION, Urgency.URGENT)
    ]
    assert worse.result.instruction is Instruction.CALL_NOW
    again = send(pain=5, itch=2)
    assert not again.duplicate and again.new_alerts == ()
    with ctx.uow() as uow:
        stored = uow.alerts.for_session(north.clinic.id, north.record_ids["session"])
    assert [(a.urgency, a.status) for a in stored] == [
        (Urgency.SOON, AlertStatus.CLOSED),
        (Urgency.URGENT, AlertStatus.OPEN),
    ]


def test_a_resend_under_the_same_key_gets_the_first_checkin_even_if_edited(
    ctx: Context, north: SeededClinic
) -> None:
    now = dt.datetime.now(dt.UTC)
    with ctx.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    issued = links.create_link(
        ctx.at(now), auth.actor_of(user, "t"), north.patient.id, north.record_ids["session"]
    )

    def send(note: str, key: str) -> checkins.Submitted:
        scores = {"redness": 3, "swelling": 1, "irritation": 1, "pain": 1, "itch": 1}
        answers = Answers(scores=scores, note=note, request_key=key)
        return checkins.submit_checkin(ctx.at(now), issued.token, answers, source="test")

    first = send("tight skin", "queue-7")
    again = send("tight skin, sent again", "queue-7")
    other = send("tight skin, sent again", "queue-8")
    assert (first.duplicate, again.duplicate, other.duplicate) == (False, True, False)
    assert again.result.record.id == first.result.record.id
    assert again.result.record.checkin.note == "tight skin"
    assert other.result.record.id != first.result.record.id
    with pytest.raises(InvalidInput) as refused:
        send("x", "not a key!")
    assert refused.value.field == "Idempotency-Key"


def test_the_patients_day_and_the_alert_e_mail_follow_the_clinics_own_settings(
    ctx: Context, north: SeededClinic
) -> None:
    """The server runs on UTC; the clinic is in Auckland, where it is already tomorrow."""
    with ctx.uow() as uow:
        uow.clinics.update(
            replace(
                north.clinic,
                email="desk@north.example.nz",
                timezone="Pacific/Auckland",
                public_url="https://north.example.nz",
            )
        )
        uow.commit()
    keys = LinkSigner(ctx.links.secret, "https://server.example", 42)
    now = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(13, 0), dt.UTC)
    pinned = replace(ctx.at(now), links=keys)
    with ctx.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert user is not None
    issued = links.create_link(
        pinned, auth.actor_of(user, "t"), north.patient.id, north.record_ids["session"]
    )
    assert issued.url.startswith("https://north.example.nz/r/")
    answers = Answers(
        scores={"redness": 3, "swelling": 1, "irritation": 1, "pain": 5, "itch": 1},
        red_flags=["yellow_crust_or_pus"],
    )
    sent = checkins.submit_checkin(pinned, issued.token, answers, source="test")
    assert sent.queued_notifications >= 1
    assert sent.result.record.checkin.date == now.date() + dt.timedelta(days=1)
    with ctx.uow() as uow:
        mails = uow.notifications.in_clinic(north.clinic.id)
    chart = f"https://north.example.nz/patients/{north.patient.id}"
    assert mails and all(chart in mail.body for mail in mails)
