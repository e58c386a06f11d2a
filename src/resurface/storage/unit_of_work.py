"""A unit of work over one database connection and transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import redis
from sqlalchemy import Connection, Engine

from resurface.domain.audit import ChainKey
from resurface.services.clock import Clock
from resurface.services.ports import SignInFailures, Throttles
from resurface.storage.audit_group import AuditGroupCommit
from resurface.storage.database import reads_outside_transactions
from resurface.storage.repositories import (
    SqlAlerts,
    SqlAppointments,
    SqlAuditTrail,
    SqlBreakGlass,
    SqlCharts,
    SqlClinics,
    SqlClinicSetup,
    SqlConsents,
    SqlCorrections,
    SqlNotifications,
    SqlOutcomeRatings,
    SqlPatientLinks,
    SqlPatients,
    SqlPhotoComparisons,
    SqlPhotoMeasurements,
    SqlRecoveryLinks,
    SqlRequestKeys,
    SqlResultShares,
    SqlSecondFactors,
    SqlSentReports,
    SqlSignInFailures,
    SqlThrottles,
    SqlUsers,
    SqlWebSessions,
)
from resurface.storage.repositories.redis_limits import RedisSignInFailures, RedisThrottles


class SqlUnitOfWork:
    """Rolls back unless ``commit`` was called; repositories share its one transaction.

    With ``limits`` (a Redis client, ``RESURFACE_REDIS_URL``) the limits' counts (``throttles``,
    ``sign_in_failures``) live in Redis instead, outside the transaction.

    With ``audit_group`` (one per engine and process) a unit of work that changed nothing but
    recorded audit events (a read) has them written together with other readers' at commit
    (``storage.audit_group``); one that changed anything writes them in its own transaction."""

    clinics: SqlClinics
    users: SqlUsers
    patients: SqlPatients
    charts: SqlCharts
    audit: SqlAuditTrail
    web_sessions: SqlWebSessions
    appointments: SqlAppointments
    clinic_setup: SqlClinicSetup
    alerts: SqlAlerts
    recovery_links: SqlRecoveryLinks
    patient_links: SqlPatientLinks
    result_shares: SqlResultShares
    sent_reports: SqlSentReports
    notifications: SqlNotifications
    outcomes: SqlOutcomeRatings
    measurements: SqlPhotoMeasurements
    comparisons: SqlPhotoComparisons
    request_keys: SqlRequestKeys
    corrections: SqlCorrections
    throttles: Throttles
    sign_in_failures: SignInFailures
    second_factors: SqlSecondFactors
    break_glass: SqlBreakGlass
    consents: SqlConsents

    def __init__(
        self,
        engine: Engine,
        clock: Clock | None = None,
        audit_key: ChainKey | None = None,
        limits: redis.Redis | None = None,
        audit_group: AuditGroupCommit | None = None,
    ) -> None:
        self._engine = engine
        self._audit_group = audit_group
        self._limits = limits
        self.clock = clock or Clock()
        self._audit_key = audit_key
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        connection.begin()
        reads_outside_transactions(connection)
        if self._audit_group is not None:
            self._audit_group.begin(connection)
        self._connection = connection
        self.clinics = SqlClinics(connection)
        self.users = SqlUsers(connection)
        self.patients = SqlPatients(connection)
        self.charts = SqlCharts(connection)
        self.audit = SqlAuditTrail(connection, self._audit_key)
        self.web_sessions = SqlWebSessions(connection)
        self.appointments = SqlAppointments(connection)
        self.clinic_setup = SqlClinicSetup(connection)
        self.alerts = SqlAlerts(connection)
        self.recovery_links = SqlRecoveryLinks(connection)
        self.patient_links = SqlPatientLinks(connection)
        self.result_shares = SqlResultShares(connection)
        self.sent_reports = SqlSentReports(connection)
        self.notifications = SqlNotifications(connection)
        self.outcomes = SqlOutcomeRatings(connection)
        self.measurements = SqlPhotoMeasurements(connection)
        self.comparisons = SqlPhotoComparisons(connection)
        self.request_keys = SqlRequestKeys(connection)
        self.corrections = SqlCorrections(connection)
        if self._limits is None:
            self.throttles = SqlThrottles(connection)
            self.sign_in_failures = SqlSignInFailures(connection)
        else:
            self.throttles = RedisThrottles(self._limits)
            self.sign_in_failures = RedisSignInFailures(self._limits)
        self.second_factors = SqlSecondFactors(connection)
        self.break_glass = SqlBreakGlass(connection)
        self.consents = SqlConsents(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        self.audit.forget()
        self._connection.rollback()
        self._connection.close()
        self._connection = None

    def commit(self) -> None:
        connection = self._connection
        assert connection is not None, "commit outside the unit of work"
        group = self._audit_group
        if group is not None and self.audit.pending and group.only_read(connection):
            group.commit(self.audit, connection)  # a read's events, with other readers'
        else:
            self.audit.flush()  # the audit lock is taken here, last, and held only to the commit
            connection.commit()
        connection.begin()
        reads_outside_transactions(connection)
        if group is not None:
            group.begin(connection)

    def rollback(self) -> None:
        assert self._connection is not None, "rollback outside the unit of work"
        self.audit.forget()
        self._connection.rollback()
        self._connection.begin()
        reads_outside_transactions(self._connection)
        if self._audit_group is not None:
            self._audit_group.begin(self._connection)
