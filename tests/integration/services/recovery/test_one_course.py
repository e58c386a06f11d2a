"""Issue 9: one session, two treated areas, one answer everywhere.

The session treats the neck (non-ablative, listed first) and the perioral area (fractional CO2,
the more demanding). A day-0 pain between the two areas' bands is usual for the perioral course
and above the neck's: the patient's page, the clinician's chart and the alerts must all follow
the perioral course, and both pages say so in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.bootstrap import Runtime
from resurface.domain.band_position import Position
from resurface.domain.chart import AreaSettings, TreatmentSession
from resurface.domain.codes import Area, FitzpatrickType, Modality, Score
from resurface.domain.people import Role
from resurface.domain.recovery import expected_course
from resurface.services import auth
from resurface.services.recovery import checkins, clinician_view, links
from resurface.services.recovery.checkins import Answers
from resurface.services.recovery.links import LinkSigner
from tests.support.clinic import seed_clinic

FCO2 = Modality.FRACTIONAL_ABLATIVE_CO2
N1550 = Modality.NONABLATIVE_FRACTIONAL_1550


def test_two_areas_one_course_on_every_page(sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    north = seed_clinic(runtime.context.uow, "north")
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    rules = runtime.context.rules
    skin = FitzpatrickType.II  # the seeded patient's recorded type
    perioral = expected_course(rules, FCO2, Area.PERIORAL, skin).band(0, Score.PAIN)
    neck = expected_course(rules, N1550, Area.NECK, skin).band(0, Score.PAIN)
    between = [v for v in range(11) if neck.high < v <= perioral.high and v >= perioral.low]
    assert between, (neck, perioral)
    pain = between[0]

    keys = LinkSigner(runtime.settings.secret_key, "https://clinic.example", 42)
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        actor = auth.actor_of(user, "t")
        session = uow.charts.add_session(
            TreatmentSession(
                0, north.clinic.id, north.patient.id, user.id, today, "Test CO2",
                areas=(
                    AreaSettings(Area.NECK, N1550, 1550),
                    AreaSettings(Area.PERIORAL, FCO2, 10600),
                ),
            )
        )  # fmt: skip
        uow.commit()
        issued = links.create_link(
            replace(runtime.context.at(now), links=keys), actor, north.patient.id, session.id
        )

    scores = {s.value: 0 for s in Score} | {"pain": pain}
    ctx = replace(runtime.context.at(now), links=keys)
    submitted = checkins.submit_checkin(ctx, issued.token, Answers(scores=scores), source="test")
    page = checkins.recovery_view(ctx, issued.token, source="test")
    chart = clinician_view.read_recovery(ctx, actor, north.patient.id, session.id)
    with runtime.context.uow() as uow:
        alerts = uow.alerts.for_session(north.clinic.id, session.id)

    # The patient's page: usual for day 0, on the perioral course.
    (pain_position,) = [p for p in page.entries[0].positions if p.score is Score.PAIN]
    assert pain_position.band == perioral
    assert pain_position.position is Position.WITHIN
    assert page.treatment.area is Area.PERIORAL
    # The clinician's chart follows the same area and band.
    assert chart.area is Area.PERIORAL and chart.modality is FCO2
    (pain_series,) = [s for s in chart.series if s.score is Score.PAIN]
    assert [(r.day, r.value, r.band) for r in pain_series.readings] == [(0, pain, perioral)]
    assert chart.basis == page.treatment
    # No alert was raised for a pain that is usual on this course.
    assert submitted.new_alerts == () and alerts == []
    # Both pages state the course in the same plain words.
    words = "around the mouth, fractional ablative CO₂ (10,600 nm), skin type II"
    assert page.treatment.in_words() == words
