"""Eight copies of a check-in sent at once through one link (a phone's queue flushed while the
original was still in flight, taps on a slow network) are stored once and raise one alert and
one e-mail, on SQLite and PostgreSQL: the database enforces it, not a read before the write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.alerts import AlertStatus
from resurface.domain.codes import Score, Urgency
from resurface.domain.people import Role
from resurface.services import auth, users
from resurface.services.recovery import checkins, links
from resurface.services.recovery.checkins import Answers, Submitted
from tests.support.clinic import SeededClinic, seed_clinic

COPIES = 8


@pytest.fixture
def north(runtime: Runtime) -> SeededClinic:
    clinic = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        uow.clinics.update(replace(clinic.clinic, email="desk@north.example"))
        uow.commit()
    return clinic


def _token(runtime: Runtime, clinic: SeededClinic) -> str:
    ctx = runtime.context
    actor = auth.actor_of(users.active_user(ctx, clinic.usernames[Role.CLINICIAN]), "test")
    issued = links.create_link(ctx, actor, clinic.patient.id, clinic.record_ids["session"])
    return issued.token


def _at_once(send: Callable[[int], Submitted]) -> list[Submitted | BaseException]:
    """Run ``send(n)`` for n in 0..7 in threads released together; their answers or errors."""
    start = threading.Barrier(COPIES)
    answers: list[Submitted | BaseException] = [RuntimeError("not run")] * COPIES

    def run(n: int) -> None:
        start.wait()
        try:
            answers[n] = send(n)
        except BaseException as error:
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return answers


def _stored(runtime: Runtime, clinic: SeededClinic) -> tuple[int, int, int]:
    """Check-ins of the session, its open urgent alerts, and the e-mails queued."""
    session_id = clinic.record_ids["session"]
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(clinic.clinic.id, clinic.patient.id)
        alerts = uow.alerts.for_session(clinic.clinic.id, session_id)
        mails = uow.notifications.in_clinic(clinic.clinic.id)
    urgent = [
        a for a in alerts if a.urgency is Urgency.URGENT and a.status is not AlertStatus.CLOSED
    ]
    return sum(1 for c in chart.checkins if c.session_id == session_id), len(urgent), len(mails)


def _fever(note: str = "", key: str = "") -> Answers:
    scores = dict.fromkeys((s.value for s in Score), 3)
    return Answers(scores=scores, red_flags=["fever"], note=note, request_key=key)


def test_eight_identical_checkins_at_once_are_stored_once(
    runtime: Runtime, north: SeededClinic
) -> None:
    token = _token(runtime, north)
    before, _, _ = _stored(runtime, north)
    answers = _at_once(
        lambda _n: checkins.submit_checkin(runtime.context, token, _fever(), source="test")
    )
    assert all(isinstance(a, Submitted) for a in answers), answers
    submitted = [a for a in answers if isinstance(a, Submitted)]
    assert sum(not a.duplicate for a in submitted) == 1
    assert len({a.result.record.id for a in submitted}) == 1, "every copy gets the first answer"
    assert _stored(runtime, north) == (before + 1, 1, 1)


def test_eight_different_fever_checkins_at_once_raise_one_alert_and_one_email(
    runtime: Runtime, north: SeededClinic
) -> None:
    token = _token(runtime, north)
    before, _, _ = _stored(runtime, north)
    answers = _at_once(
        lambda n: checkins.submit_checkin(
            runtime.context, token, _fever(note=f"hot, try {n}"), source="test"
        )
    )
    assert all(isinstance(a, Submitted) for a in answers), answers
    assert _stored(runtime, north) == (before + COPIES, 1, 1)


def test_one_key_sent_eight_times_at_once_keeps_the_first_checkin(
    runtime: Runtime, north: SeededClinic
) -> None:
    token = _token(runtime, north)
    before, _, _ = _stored(runtime, north)
    answers = _at_once(
        lambda n: checkins.submit_checkin(
            runtime.context, token, _fever(note=f"edited {n}", key="phone-queue-1"), source="test"
        )
    )
    submitted = [a for a in answers if isinstance(a, Submitted)]
    assert len(submitted) == COPIES, answers
    assert len({a.result.record.id for a in submitted}) == 1
    assert _stored(runtime, north)[0] == before + 1
