"""A unit of work over one database connection and transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from resurface.domain.audit import ChainKey
from resurface.services.clock import Clock
from resurface.storage.repositories import (
    SqlAlerts,
    SqlAppointments,
    SqlAuditTrail,
    SqlBreakGlass,
    SqlCharts,
    SqlClinics,
    SqlCorrections,
    SqlNotifications,
    SqlOutcomeRatings,
    SqlPatients,
    SqlPhotoMeasurements,
    SqlRecoveryLinks,
    SqlRequestKeys,
    SqlSecondFactors,
    SqlSignInFailures,
    SqlThrottles,
    SqlUsers,
    SqlWebSessions,
)


class SqlUnitOfWork:
    """Rolls back unless ``commit`` was called; repositories share its one transaction."""

    clinics: SqlClinics
    users: SqlUsers
    patients: SqlPatients
    charts: SqlCharts
    audit: SqlAuditTrail
    web_sessions: SqlWebSessions
    appointments: SqlAppointments
    alerts: SqlAlerts
    recovery_links: SqlRecoveryLinks
    notifications: SqlNotifications
    outcomes: SqlOutcomeRatings
    measurements: SqlPhotoMeasurements
    request_keys: SqlRequestKeys
    corrections: SqlCorrections
    throttles: SqlThrottles
    sign_in_failures: SqlSignInFailures
    second_factors: SqlSecondFactors
    break_glass: SqlBreakGlass

    def __init__(
        self, engine: Engine, clock: Clock | None = None, audit_key: ChainKey | None = None
    ) -> None:
        self._engine = engine
        self.clock = clock or Clock()
        self._audit_key = audit_key
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        connection.begin()
        self._connection = connection
        self.clinics = SqlClinics(connection)
        self.users = SqlUsers(connection)
        self.patients = SqlPatients(connection)
        self.charts = SqlCharts(connection)
        self.audit = SqlAuditTrail(connection, self._audit_key)
        self.web_sessions = SqlWebSessions(connection)
        self.appointments = SqlAppointments(connection)
        self.alerts = SqlAlerts(connection)
        self.recovery_links = SqlRecoveryLinks(connection)
        self.notifications = SqlNotifications(connection)
        self.outcomes = SqlOutcomeRatings(connection)
        self.measurements = SqlPhotoMeasurements(connection)
        self.request_keys = SqlRequestKeys(connection)
        self.corrections = SqlCorrections(connection)
        self.throttles = SqlThrottles(connection)
        self.sign_in_failures = SqlSignInFailures(connection)
        self.second_factors = SqlSecondFactors(connection)
        self.break_glass = SqlBreakGlass(connection)
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
        assert self._connection is not None, "commit outside the unit of work"
        self.audit.flush()  # the audit lock is taken here, last, and held only to the commit
        self._connection.commit()
        self._connection.begin()

    def rollback(self) -> None:
        assert self._connection is not None, "rollback outside the unit of work"
        self.audit.forget()
        self._connection.rollback()
        self._connection.begin()
