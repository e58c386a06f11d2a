"""The patient's own guide: what their treatment does, how many sessions and when, how to prepare,
the day itself, recovery day by day, warning signs and whom to call, and the results to expect.

Written from the patient's screening (the consultation) and the decided plan (``domain.plans``),
with every text a template from ``protocols/guide.yaml`` (and the day-by-day aftercare from
``aftercare.yaml``). Each passage keeps its sources for the staff's evidence view; the patient's
text never carries a code or a citation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from resurface.domain.chart import Consultation
from resurface.domain.codes import (
    Area,
    Concern,
    Modality,
    PreTreatment,
    ScreeningAction,
)
from resurface.domain.planning import best_indication, pre_treatment_steps
from resurface.domain.plans import DecidedArea, DecidedPlan, SessionCount, schedule
from resurface.domain.reestimate import improvement_target
from resurface.domain.rulebase import ModalityFamily, Provenance, RuleBase
from resurface.domain.screening import screen


class DateStatus(StrEnum):
    DONE = "done"
    BOOKED = "booked"
    ESTIMATED = "estimated"
    TO_BOOK = "to be booked"


@dataclass(frozen=True)
class Passage:
    """One paragraph or list item of the guide, with where it comes from (staff only)."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    passages: tuple[Passage, ...] = ()
    items: tuple[Passage, ...] = ()
    """A bulleted list after the paragraphs."""


@dataclass(frozen=True)
class TreatmentDate:
    number: int
    on: dt.date | None
    status: DateStatus
    areas: str
    weeks_after_first: int | None = None
    """For a treatment still to be booked: how long after the first one it is planned."""

    @property
    def when(self) -> str:
        """The date in the patient's words."""
        if self.on is not None:
            day = self.on.strftime("%d %B %Y").lstrip("0")
            suffix = {
                DateStatus.DONE: " (done)",
                DateStatus.BOOKED: " (booked)",
                DateStatus.ESTIMATED: " (about; to be booked)",
            }.get(self.status, "")
            return day + suffix
        if self.weeks_after_first:
            weeks = "week" if self.weeks_after_first == 1 else "weeks"
            return f"to be booked, about {self.weeks_after_first} {weeks} after the first"
        return "to be booked"


@dataclass(frozen=True)
class RecoveryDay:
    """One phase of the day-by-day aftercare of one kind of treatment."""

    days: str
    title: str
    cleansing: str
    moisturising: str
    sun_protection: str
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class RecoveryCourse:
    name: str
    phases: tuple[RecoveryDay, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GuideFacts:
    """What the guide is written from."""

    clinic_name: str
    clinic_phone: str
    given_name: str
    consultation: Consultation | None
    plan: DecidedPlan | None
    done: tuple[dt.date, ...] = ()
    """Sessions already performed under the plan, oldest first."""
    booked: dt.date | None = None
    """The next session booked, if any."""


@dataclass(frozen=True)
class PatientGuide:
    clinic_name: str
    clinic_phone: str
    given_name: str
    planned: bool
    """False: no treatment is planned now (deferred, or no decided plan yet)."""
    sections: tuple[Section, ...]
    dates: tuple[TreatmentDate, ...] = ()
    recovery: tuple[RecoveryCourse, ...] = ()

    def patient_text(self) -> str:
        """Everything the patient reads, as plain text (for checks that no code leaks)."""
        parts = [self.clinic_name, self.clinic_phone]
        for section in self.sections:
            parts += [section.title, *(p.text for p in (*section.passages, *section.items))]
        for course in self.recovery:
            for phase in course.phases:
                parts += [phase.days, phase.title, phase.cleansing, phase.moisturising]
                parts += [phase.sun_protection, *phase.avoid]
        return "\n".join(parts)


class _Blank(dict[str, object]):
    """A clinic may edit a template and name a placeholder we do not fill: keep it as typed."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: object) -> str:
    return template.format_map(_Blank(values))


def words(items: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    listed = list(dict.fromkeys(items))
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def area_phrase(areas: Iterable[Area]) -> str:
    listed = list(areas)
    if listed == [Area.FULL_FACE]:
        return "the whole face"
    return words(_one_area(a) for a in listed)


def _one_area(area: Area) -> str:
    if area is Area.FULL_FACE:
        return "the whole face"
    if area in (Area.PERIORBITAL, Area.PERIORAL):
        return f"the area {area.label}"
    return f"the {area.label}"


def _span(low: float, high: float) -> tuple[str, str]:
    return f"{low:g}", f"{high:g}"


def _whole_days(low: float, high: float) -> tuple[str, str]:
    """Healing in whole days for the patient: the range widened to whole days."""
    return str(max(math.floor(low), 1)), str(math.ceil(high))


def _sources(provenance: Provenance) -> tuple[str, ...]:
    return provenance.labels


# --- the guide ----------------------------------------------------------------------------------


def patient_guide(rules: RuleBase, facts: GuideFacts) -> PatientGuide:
    """The guide for one patient; a deferred screening or an undecided plan gives a guide that
    says no treatment is planned now, and why, with no plan in it."""
    consultation = facts.consultation
    if consultation is not None and not consultation.eligible:
        return _deferred(rules, facts, consultation)
    if facts.plan is None or not facts.plan.areas:
        return _pending(rules, facts)
    plan = facts.plan
    dates = treatment_dates(plan, facts.done, facts.booked)
    families = tuple(dict.fromkeys(ModalityFamily.of(a.modality) for a in plan.areas))
    sections = (
        _what_it_does(rules, plan),
        _your_treatment(rules, plan),
        _how_many(rules, plan, consultation),
        _preparation(rules, plan, consultation),
        _the_day(rules, families),
        _recovery(rules, plan, families),
        warnings_section(rules, facts),
        _results(rules, plan, families),
    )
    recovery = tuple(recovery_course(rules, family) for family in families)
    return PatientGuide(
        facts.clinic_name,
        facts.clinic_phone,
        facts.given_name,
        True,
        sections,
        dates,
        recovery,
    )


def _deferred(rules: RuleBase, facts: GuideFacts, consultation: Consultation) -> PatientGuide:
    texts = rules.guide.deferred
    reasons = [
        texts.reasons.get(f.code, texts.other)
        for f in consultation.findings
        if f.action is ScreeningAction.DEFER
    ] or [texts.other]
    section = Section(
        "deferred",
        texts.heading,
        (Passage(texts.general, _sources(texts.provenance)),),
        tuple(Passage(r, _sources(texts.provenance)) for r in dict.fromkeys(reasons)),
    )
    contact = _contact(rules, facts)
    return PatientGuide(
        facts.clinic_name, facts.clinic_phone, facts.given_name, False, (section, contact)
    )


def _pending(rules: RuleBase, facts: GuideFacts) -> PatientGuide:
    section = Section("pending", "Your treatment plan", (Passage(rules.guide.pending),))
    return PatientGuide(
        facts.clinic_name,
        facts.clinic_phone,
        facts.given_name,
        False,
        (section, _contact(rules, facts)),
    )


def _contact(rules: RuleBase, facts: GuideFacts) -> Section:
    texts = rules.guide.warnings
    template = texts.questions if facts.clinic_phone else texts.questions_without_phone
    question = fill(template, clinic=facts.clinic_name, phone=facts.clinic_phone)
    return Section("contact", "Questions", (Passage(question),))


def _by_concern(plan: DecidedPlan) -> dict[Concern, list[DecidedArea]]:
    grouped: dict[Concern, list[DecidedArea]] = {}
    for item in plan.areas:
        grouped.setdefault(item.concern, []).append(item)
    return grouped


def _what_it_does(rules: RuleBase, plan: DecidedPlan) -> Section:
    passages = []
    for concern, items in _by_concern(plan).items():
        guide = rules.guide.concerns[concern]
        text = fill(guide.text, areas=area_phrase(i.area for i in items))
        passages.append(Passage(text, _sources(guide.provenance)))
    return Section("what", "What the treatment can do for you", tuple(passages))


def _modality_words(modality: Modality) -> str:
    return modality.label.replace(" (", ", ").replace(")", "")


def _your_treatment(rules: RuleBase, plan: DecidedPlan) -> Section:
    passages = []
    by_modality: dict[Modality, list[Area]] = {}
    for item in plan.areas:
        by_modality.setdefault(item.modality, []).append(item.area)
    for modality, areas in by_modality.items():
        family = rules.guide.families[ModalityFamily.of(modality)]
        chosen = (
            f"Your clinician has chosen {family.name} ({_modality_words(modality)}) for "
            f"{area_phrase(areas)}."
        )
        passages.append(Passage(chosen))
        passages.append(Passage(family.explained, _sources(family.provenance)))
    return Section("treatment", "Your treatment", tuple(passages))


def _how_many(rules: RuleBase, plan: DecidedPlan, consultation: Consultation | None) -> Section:
    texts = rules.guide.sessions
    cite = _sources(texts.provenance)
    skin_type = consultation.fitzpatrick_type if consultation else None
    darker_from = rules.planning.gentler_first_from
    passages: list[Passage] = []
    for item in plan.areas:
        concern = rules.guide.concerns[item.concern].name
        area = area_phrase([item.area])
        count: SessionCount = item.sessions
        indication = best_indication(rules.planning, item.modality, item.concern, item.area)
        ranges = indication.sessions.provenance.labels if indication is not None else ()
        if item.overridden:
            ranges = (*ranges, "the clinician's decision (plan override)")
        if count.max <= 1:
            text = fill(texts.one, concern=concern, areas=area)
            passages.append(Passage(text, ranges + cite))
            continue
        passages.append(
            Passage(
                fill(
                    texts.range,
                    concern=concern,
                    areas=area,
                    min=count.min,
                    max=count.max,
                    expected=count.expected,
                ),
                ranges + cite,
            )
        )
        passages.append(Passage(texts.severity, cite))
        if item.area.is_delicate:
            text = fill(texts.delicate_area, areas=_capital(area))
            passages.append(Passage(text, _sources(rules.planning.area_healing_provenance)))
        low, high = _span(item.interval_weeks.min, item.interval_weeks.max)
        spacing = _interval_sources(rules, item)
        passages.append(Passage(fill(texts.interval, min=low, max=high), spacing + cite))
    if skin_type is not None and skin_type.number >= darker_from.number:
        passages.append(
            Passage(texts.darker_skin, _sources(rules.planning.gentler_first_provenance))
        )
    if plan.sessions_planned > 1:
        passages.append(Passage(texts.reestimate, cite))
    return Section("sessions", "How many treatments, and when", tuple(_unique(passages)))


def _interval_sources(rules: RuleBase, item: DecidedArea) -> tuple[str, ...]:
    """Where the interval comes from: the indication's own, else the modality's."""
    indication = best_indication(rules.planning, item.modality, item.concern, item.area)
    if indication is not None and indication.interval_weeks is not None:
        return indication.interval_weeks.provenance.labels
    return rules.planning.profiles[item.modality].interval_weeks.provenance.labels


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unique(passages: Iterable[Passage]) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for passage in passages:
        seen.setdefault(passage.text, passage)
    return list(seen.values())


def planned_steps(
    rules: RuleBase, plan: DecidedPlan, consultation: Consultation | None
) -> tuple[PreTreatment, ...]:
    """The steps before treatment that the decided modalities and the screening call for."""
    if consultation is None:
        return ()
    areas = [item.area for item in plan.areas]
    found = screen(rules.screening, consultation.history, consultation.fitzpatrick_type, areas)
    modalities = {item.modality for item in plan.areas}
    steps = pre_treatment_steps(rules.screening.pre_treatment, found, modalities)
    return tuple(PreTreatment(step.code) for step in steps)


def _preparation(rules: RuleBase, plan: DecidedPlan, consultation: Consultation | None) -> Section:
    steps = planned_steps(rules, plan, consultation)
    sources = {r.code: r.provenance.labels for r in rules.screening.pre_treatment}
    items = tuple(
        Passage(rules.guide.preparation[step], sources.get(step, ()))
        for step in steps
        if step in rules.guide.preparation
    )
    return Section("preparation", "Before your treatment", (), items)


def _the_day(rules: RuleBase, families: tuple[ModalityFamily, ...]) -> Section:
    passages = tuple(
        Passage(rules.guide.families[f].day_of, _sources(rules.guide.families[f].provenance))
        for f in families
    )
    return Section("day", "On the day", passages)


def healing_days(
    rules: RuleBase, modalities: Iterable[Modality], areas: Iterable[Area]
) -> tuple[float, float]:
    """The healing time of the treatment, stretched for a delicate area as the planner does."""
    spans = [rules.planning.profiles[m].healing_days for m in modalities]
    factor = max((rules.planning.area_healing_factor.get(a, 1.0) for a in areas), default=1.0)
    low = min(s.min for s in spans) * factor
    high = max(s.max for s in spans) * factor
    return round(low, 1), round(high, 1)


def _recovery(rules: RuleBase, plan: DecidedPlan, families: tuple[ModalityFamily, ...]) -> Section:
    passages = []
    for family in families:
        guide = rules.guide.families[family]
        items = [i for i in plan.areas if ModalityFamily.of(i.modality) is family]
        low, high = healing_days(rules, (i.modality for i in items), (i.area for i in items))
        lo, hi = _whole_days(low, high)
        healing = rules.planning.profiles[items[0].modality].healing_days.provenance
        cite = _sources(guide.provenance) + tuple(healing.labels)
        passages.append(Passage(fill(guide.normal, min=lo, max=hi), cite))
        makeup = guide.makeup_from_day
        when = "the day after treatment" if makeup <= 1 else f"day {makeup} after treatment"
        lead = f"After {guide.name}: " if len(families) > 1 else ""
        passages.append(
            Passage(
                f"{lead}Make-up: not before {when}, once the skin has healed.",
                _sources(guide.provenance),
            )
        )
        passages.append(Passage(f"{lead}Sun: {guide.sun}", _sources(guide.provenance)))
    return Section("recovery", "Your recovery, day by day", tuple(passages))


def recovery_course(rules: RuleBase, family: ModalityFamily) -> RecoveryCourse:
    """The day-by-day aftercare of one kind of treatment, from ``aftercare.yaml``."""
    phases = tuple(
        RecoveryDay(
            _days(p.from_day, p.to_day),
            p.title,
            p.cleansing,
            p.moisturising,
            p.sun_protection,
            p.avoid,
        )
        for p in rules.aftercare.phases[family]
    )
    name = _capital(rules.guide.families[family].name.removeprefix("a ").removeprefix("an "))
    return RecoveryCourse(name, phases, rules.aftercare.provenance[family].labels)


def _days(first: int, last: int | None) -> str:
    start = "the day of treatment" if first == 0 else f"day {first}"
    if last is None:
        return f"From {start} on" if first else "From the day of treatment"
    if first == 0:
        return f"Day of treatment to day {last}"
    return f"Days {first} to {last}"


def warnings_section(rules: RuleBase, facts: GuideFacts) -> Section:
    texts = rules.guide.warnings
    cite = _sources(texts.provenance)
    template = texts.call if facts.clinic_phone else texts.call_without_phone
    call = fill(template, clinic=facts.clinic_name, phone=facts.clinic_phone)
    return Section(
        "warnings",
        "Warning signs: call us",
        (Passage(call), Passage(texts.emergency)),
        tuple(Passage(sign, cite) for sign in texts.signs),
    )


def _results(rules: RuleBase, plan: DecidedPlan, families: tuple[ModalityFamily, ...]) -> Section:
    texts = rules.guide.results
    passages = [Passage(texts.expect, _sources(texts.provenance))]
    for item in plan.areas:
        target = improvement_target(rules.response, item.concern, item.modality, item.area)
        concern = rules.guide.concerns[item.concern]
        if target.provenance.sources and not target.provenance.expert_opinion:
            pct = f"{target.improvement_pct:g}"
            text = fill(texts.studied, measure=concern.measure, pct=pct)
            passages.append(Passage(text, target.provenance.labels))
        else:
            passages.append(Passage(texts.unstudied, target.provenance.labels))
    for family in families:
        guide = rules.guide.families[family]
        passages.append(Passage(guide.judge_results, _sources(guide.provenance)))
    return Section("results", "Results to expect", tuple(_unique(passages)))


# --- dates --------------------------------------------------------------------------------------


def treatment_dates(
    plan: DecidedPlan, done: tuple[dt.date, ...], booked: dt.date | None
) -> tuple[TreatmentDate, ...]:
    """Each treatment of the series with its date: done, booked, or estimated from the one
    before by the planned interval (to be booked while no treatment has a date yet)."""
    planned = schedule(plan.areas)
    count = max(len(planned), len(done) + (1 if booked else 0))
    dates: list[TreatmentDate] = []
    previous: dt.date | None = None
    for index in range(count):
        areas = area_phrase(planned[index].areas) if index < len(planned) else ""
        if index < len(done):
            entry = TreatmentDate(index + 1, done[index], DateStatus.DONE, areas)
        elif index == len(done) and booked is not None:
            entry = TreatmentDate(index + 1, booked, DateStatus.BOOKED, areas)
        elif previous is not None and index < len(planned):
            gap = planned[index].week - planned[index - 1].week
            on = previous + dt.timedelta(weeks=gap)
            entry = TreatmentDate(index + 1, on, DateStatus.ESTIMATED, areas)
        else:
            weeks = planned[index].week if index < len(planned) else None
            entry = TreatmentDate(index + 1, None, DateStatus.TO_BOOK, areas, weeks)
        previous = entry.on
        dates.append(entry)
    return tuple(dates)


def last_possible_session(plan: DecidedPlan, anchor: dt.date) -> dt.date:
    """The latest a series started on ``anchor`` may end: every item at its most sessions and
    its longest interval. The patient link works until this series' recovery is over."""
    longest = tuple(
        replace(
            item,
            sessions=SessionCount(item.sessions.max, item.sessions.max, item.sessions.max),
            interval_weeks=replace(item.interval_weeks, min=item.interval_weeks.max),
        )
        for item in plan.areas
    )
    weeks = max((s.week for s in schedule(longest)), default=0)
    return anchor + dt.timedelta(weeks=math.ceil(weeks))


def evidence(guide: PatientGuide) -> Mapping[str, tuple[Passage, ...]]:
    """For staff: each section's passages with their sources."""
    return {s.title: (*s.passages, *s.items) for s in guide.sections}
