"""The schema of ``consent.yaml`` (the consent templates) and its conversion to the domain."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.consent import (
    ConsentBenefit,
    ConsentRisk,
    ConsentRules,
    ConsentTemplate,
    RiskRate,
)
from resurface.protocols._schema import Sourced, Strict

Percent = Annotated[float, Field(ge=0, le=100)]
Words = Annotated[str, Field(min_length=1, max_length=600)]


class RateModel(Sourced):
    """``percent``, or ``percent_min``/``percent_max``, or ``below``; none of them: the clinic's
    to set (then ``expert_opinion: true`` with a note is required)."""

    when: str = ""
    percent: Percent | None = None
    percent_min: Percent | None = None
    percent_max: Percent | None = None
    below: Percent | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> RateModel:
        figures = [self.percent is not None, self.percent_min is not None, self.below is not None]
        if sum(figures) > 1:
            raise ValueError("give one of percent, percent_min/percent_max or below")
        if (self.percent_min is None) != (self.percent_max is None):
            raise ValueError("percent_min and percent_max go together")
        low, high = self.percent_min, self.percent_max
        if low is not None and high is not None and low > high:
            raise ValueError("percent_min is above percent_max")
        if not any(figures) and not self.expert_opinion:
            raise ValueError(
                "a rate without a figure is the clinic's to set: say expert_opinion: true "
                "with a note"
            )
        if any(figures) and not self.source and not self.expert_opinion:
            raise ValueError("a rate needs a source, or expert_opinion: true with a note")
        return self

    def to_domain(self) -> RiskRate:
        low, high = self.percent_min, self.percent_max
        if self.percent is not None:
            low = high = self.percent
        if self.below is not None:
            return RiskRate(self.when, None, self.below, True, self.provenance())
        return RiskRate(self.when, low, high, False, self.provenance())


class RiskModel(Strict):
    name: Words
    detail: Words
    rates: list[RateModel] = Field(min_length=1)

    def to_domain(self) -> ConsentRisk:
        return ConsentRisk(self.name, self.detail, tuple(r.to_domain() for r in self.rates))


class BenefitModel(Sourced):
    """A benefit told to every patient of the modality, or only to those with one of
    ``concerns`` on one of ``areas`` (when given)."""

    text: Words
    concerns: list[Concern] = Field(default_factory=list)
    areas: list[Area] = Field(default_factory=list)

    def to_domain(self) -> ConsentBenefit:
        return ConsentBenefit(self.text, self.provenance(), tuple(self.concerns), tuple(self.areas))


class TemplateModel(Strict):
    version: Annotated[str, Field(min_length=1, max_length=40)]
    treatment: Words
    procedure: Annotated[str, Field(min_length=1, max_length=2000)]
    benefits: list[BenefitModel] = Field(min_length=1)
    """At least one should apply to any patient (one without ``concerns`` and ``areas``)."""
    expected: list[RiskModel] = Field(min_length=1)
    risks: list[RiskModel] = Field(min_length=1)
    alternatives: list[Words] = Field(min_length=1)

    def to_domain(self, modality: Modality) -> ConsentTemplate:
        return ConsentTemplate(
            modality=modality,
            version=self.version,
            treatment=self.treatment,
            procedure=" ".join(self.procedure.split()),
            benefits=tuple(b.to_domain() for b in self.benefits),
            expected=tuple(r.to_domain() for r in self.expected),
            risks=tuple(r.to_domain() for r in self.risks),
            alternatives=tuple(self.alternatives),
        )


class ConsentFile(Strict):
    title: Words
    clinic_sets_rate: Words
    statement: list[Words] = Field(min_length=1)
    templates: dict[Modality, TemplateModel]

    def to_domain(self) -> ConsentRules:
        return ConsentRules(
            title=self.title,
            statement=tuple(self.statement),
            clinic_sets_rate=self.clinic_sets_rate,
            templates={m: t.to_domain(m) for m, t in self.templates.items()},
        )
