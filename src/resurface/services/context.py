"""What every use case needs besides its own input, built once in ``bootstrap``: a way to open a
unit of work, the clinic's clock, the rule base, the photo store, the recovery-link signer, the
sign-in policy and secret box, the mailer and the limits.

A use case reads ``def do_something(ctx: Context, actor: Actor, ...own input...)``, opens its own
transaction with ``with ctx.uow() as uow:`` and commits it. Routes and commands only translate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace

from resurface.domain.rulebase import RuleBase
from resurface.imaging.ingest import DEFAULT_MAX_PIXELS
from resurface.services.auth import LoginPolicy
from resurface.services.clock import Clock
from resurface.services.ports import (
    AuditAnchor,
    ConsentPrinter,
    JobQueue,
    Mailer,
    PhotoStore,
    ResultsReportPrinter,
    UnitOfWork,
)
from resurface.services.recovery.links import LinkSigner
from resurface.services.second_factor import SecretBox

__all__ = ["Clock", "Context", "JobsInMemory", "Limits", "LinkSigner", "SecretBox"]


class JobsInMemory:
    """A job queue kept in memory, for a context built without a real one (unit tests with
    fakes): deferred jobs wait in order, the same job with the same arguments once, until
    ``run_pending`` runs them."""

    def __init__(self) -> None:
        self.waiting: list[tuple[str, dict[str, int | str]]] = []

    def defer(self, job: str, **args: int | str) -> None:
        if (job, args) not in self.waiting:
            self.waiting.append((job, args))

    def run_pending(self, run: Callable[[str, Mapping[str, int | str]], None]) -> int:
        ran = 0
        while self.waiting:
            job, args = self.waiting.pop(0)
            run(job, args)
            ran += 1
        return ran


@dataclass(frozen=True)
class Limits:
    """How much one request may bring in."""

    upload_bytes: int = 40 * 1024 * 1024
    photo_pixels: int = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class Context:
    units: Callable[[], UnitOfWork]
    rules: RuleBase
    photos: PhotoStore
    links: LinkSigner
    login_policy: LoginPolicy
    secret_box: SecretBox
    """Seals second-factor secrets with a key derived from the server's secret."""
    clock: Clock = field(default_factory=Clock)
    limits: Limits = field(default_factory=Limits)
    mailer: Mailer | None = None
    mail_sender: str = "resurface@localhost"
    """The address the outbox's e-mail comes from (``RESURFACE_SMTP_FROM``)."""
    anchor: AuditAnchor | None = None
    """The audit trail's keys and checkpoints, kept outside the database."""
    printer: ConsentPrinter | None = None
    """Renders a signed consent as a PDF (``reports.consent``, wired in bootstrap)."""
    report_printer: ResultsReportPrinter | None = None
    """Renders a results report as a PDF (``reports.results``, wired in bootstrap)."""
    jobs: JobQueue = field(default_factory=JobsInMemory)
    """Where use cases defer background jobs (``services.jobs``); bootstrap wires the database's
    queue."""
    photo_work: Callable[[], AbstractContextManager[object]] = nullcontext
    """Held while a photo is measured (analysis, comparison, capture check); bootstrap makes it
    one of the machine's measuring slots, so however many photos wait, memory holds
    ``RESURFACE_PHOTO_WORKERS`` photos at work."""
    photo_intake: Callable[[], AbstractContextManager[object]] = nullcontext
    """Held while an arriving photo is decoded and stored again without its metadata; slots of
    their own, so an upload never waits behind the background measuring of other photos."""

    def uow(self) -> UnitOfWork:
        """A new unit of work that reads this context's clock (audit events are stamped by it)."""
        unit = self.units()
        unit.clock = self.clock
        return unit

    def at(self, moment: dt.datetime) -> Context:
        """The same context with its clock pinned to ``moment``."""
        return replace(self, clock=self.clock.at(moment))
