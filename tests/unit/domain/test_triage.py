"""triage_by_day: each check-in's own day, in one pass, equals the old per-prefix replay."""

from __future__ import annotations

import datetime as dt

from resurface.domain.band_position import band_positions
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import Area, FitzpatrickType, Modality, RedFlag, Score
from resurface.domain.recovery import CourseBasis, expected_course_for
from resurface.domain.triage import Alert, triage, triage_by_day
from resurface.protocols import load_rule_base

RULES = load_rule_base()
TREATED = dt.date(2026, 11, 2)
BASIS = CourseBasis(
    Modality.FRACTIONAL_ABLATIVE_CO2, Area.PERIORAL, FitzpatrickType.IV, True, TREATED
)


def on(day: int, flags: tuple[RedFlag, ...] = (), **scores: int) -> CheckIn:
    return CheckIn(
        TREATED + dt.timedelta(days=day), {Score(k): v for k, v in scores.items()}, frozenset(flags)
    )


# A scripted course: settling, then pain far above, a milder pain later, a rise after day 3,
# red flags, two check-ins on one day.
SCRIPT = [
    on(0, redness=8, swelling=7, pain=4, itch=1, irritation=6),
    on(1, redness=7, swelling=6, pain=9, itch=1, irritation=5),
    on(2, redness=6, swelling=5, pain=3, itch=2, irritation=4),
    on(5, redness=3, swelling=2, pain=2, itch=2, irritation=2),
    on(6, redness=7, swelling=5, pain=6, itch=6, irritation=6),
    on(6, (RedFlag.YELLOW_CRUST_OR_PUS,), redness=7, swelling=5, pain=7, itch=6, irritation=6),
    on(9, (RedFlag.WHITE_PUSTULES,), redness=4, swelling=1, pain=1, itch=7, irritation=2),
    on(12, (RedFlag.RAW_AREAS_AFTER_DAY_10,), redness=4, swelling=1, pain=5, itch=1),
    on(25, (RedFlag.DARK_PATCHES,), redness=2, pain=0),
]


def old_answer(prefix: list[CheckIn]) -> tuple[Alert, ...]:
    """The service's former replay: triage every prefix, keep the alerts of its last day."""
    day = prefix[-1].day_after(TREATED)
    result = triage(RULES, BASIS.modality, BASIS.area, BASIS.skin_type, TREATED, prefix)
    return tuple(a for a in result.alerts if a.day == day)


def test_each_day_equals_the_per_prefix_replay() -> None:
    shown = triage_by_day(RULES, BASIS, SCRIPT)
    assert [d.alerts for d in shown] == [old_answer(SCRIPT[: i + 1]) for i in range(len(SCRIPT))]
    assert any(d.alerts for d in shown)  # the script does raise alerts


def test_positions_are_those_of_the_course_on_that_day() -> None:
    course = expected_course_for(RULES, BASIS)
    for checkin, shown in zip(SCRIPT, triage_by_day(RULES, BASIS, SCRIPT), strict=True):
        assert shown.checkin is checkin
        assert shown.day == checkin.day_after(TREATED)
        assert shown.positions == band_positions(course, shown.day, checkin.scores)


def test_check_ins_are_taken_in_date_order() -> None:
    shuffled = [SCRIPT[3], SCRIPT[0], SCRIPT[1], SCRIPT[2]]
    assert [d.day for d in triage_by_day(RULES, BASIS, shuffled)] == [0, 1, 2, 5]
