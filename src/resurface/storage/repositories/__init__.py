"""SQLAlchemy implementations of the storage ports in ``resurface.services.ports``."""

from resurface.storage.repositories.audit import SqlAuditTrail
from resurface.storage.repositories.charts import SqlCharts
from resurface.storage.repositories.clinics import SqlClinics
from resurface.storage.repositories.patients import SqlPatients
from resurface.storage.repositories.users import SqlUsers
from resurface.storage.repositories.web_sessions import SqlWebSessions

__all__ = [
    "SqlAuditTrail",
    "SqlCharts",
    "SqlClinics",
    "SqlPatients",
    "SqlUsers",
    "SqlWebSessions",
]
