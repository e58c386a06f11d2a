"""SQLAlchemy implementations of the storage ports in ``resurface.services.ports``."""

from resurface.storage.repositories.alerts import SqlAlerts
from resurface.storage.repositories.appointments import SqlAppointments
from resurface.storage.repositories.audit import SqlAuditTrail
from resurface.storage.repositories.break_glass import SqlBreakGlass
from resurface.storage.repositories.charts import SqlCharts
from resurface.storage.repositories.clinic_setup import SqlClinicSetup
from resurface.storage.repositories.clinics import SqlClinics
from resurface.storage.repositories.consents import SqlConsents
from resurface.storage.repositories.corrections import SqlCorrections
from resurface.storage.repositories.links import (
    SqlPatientLinks,
    SqlRecoveryLinks,
    SqlResultShares,
)
from resurface.storage.repositories.measurements import SqlPhotoComparisons, SqlPhotoMeasurements
from resurface.storage.repositories.messages import SqlNotifications
from resurface.storage.repositories.outcomes import SqlOutcomeRatings
from resurface.storage.repositories.patients import SqlPatients
from resurface.storage.repositories.request_keys import SqlRequestKeys
from resurface.storage.repositories.results_reports import SqlSentReports
from resurface.storage.repositories.sign_in import SqlSecondFactors, SqlSignInFailures
from resurface.storage.repositories.throttles import SqlThrottles
from resurface.storage.repositories.users import SqlUsers
from resurface.storage.repositories.web_sessions import SqlWebSessions

__all__ = [
    "SqlAlerts",
    "SqlAppointments",
    "SqlAuditTrail",
    "SqlBreakGlass",
    "SqlCharts",
    "SqlClinicSetup",
    "SqlClinics",
    "SqlConsents",
    "SqlCorrections",
    "SqlNotifications",
    "SqlOutcomeRatings",
    "SqlPatientLinks",
    "SqlPatients",
    "SqlPhotoComparisons",
    "SqlPhotoMeasurements",
    "SqlRecoveryLinks",
    "SqlRequestKeys",
    "SqlResultShares",
    "SqlSecondFactors",
    "SqlSentReports",
    "SqlSignInFailures",
    "SqlThrottles",
    "SqlUsers",
    "SqlWebSessions",
]
