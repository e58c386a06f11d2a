"""Chart records: one table (or a parent and its lines) per record kind, JSON for small lists."""

from __future__ import annotations

import datetime as dt
import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Date,
    Float,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.selectable import NamedFromClause
from sqlalchemy.sql.util import ClauseAdapter

from resurface.domain.chart import (
    AreaSettings,
    Assessment,
    Chart,
    CheckInRecord,
    Consultation,
    Grade,
    ItemDecision,
    Photo,
    PhotoPurpose,
    PlanItem,
    PlanStatus,
    ScreeningFinding,
    Span,
    TreatmentPlan,
    TreatmentSession,
    standing,
)
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    RedFlag,
    Score,
    ScreeningAction,
    Severity,
)
from resurface.domain.corrections import RecordKind
from resurface.domain.errors import VersionConflict
from resurface.domain.intake import Goal, MedicalHistory
from resurface.services.ports import ChartRead, FileReference
from resurface.storage.repositories._base import Repository, now
from resurface.storage.repositories.alerts import PATIENT_ORDER, _alert
from resurface.storage.repositories.consents import PHOTO_CONSENT_ORDER
from resurface.storage.repositories.consents import _photo as _photo_consent
from resurface.storage.repositories.patients import _patient, _series, refresh_series
from resurface.storage.tables import (
    alerts,
    assessments,
    checkins,
    consultations,
    patients,
    photo_comparisons,
    photo_consents,
    photo_measurements,
    photos,
    plan_items,
    sent_results_reports,
    session_areas,
    signed_consents,
    treatment_plans,
    treatment_sessions,
)
from resurface.storage.types import UtcDateTime

_TABLES = {
    RecordKind.CONSULTATION: consultations,
    RecordKind.ASSESSMENT: assessments,
    RecordKind.PLAN: treatment_plans,
    RecordKind.SESSION: treatment_sessions,
    RecordKind.CHECKIN: checkins,
    RecordKind.PHOTO: photos,
}

# --- consultations -------------------------------------------------------------------------


def _goal_json(goal: Goal) -> dict[str, str]:
    return {"concern": goal.concern, "area": goal.area, "severity": goal.severity}


def _finding_json(finding: ScreeningFinding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "action": finding.action,
        "modalities": list(finding.modalities),
        "reason": finding.reason,
        "source": finding.source,
    }


def _consultation(row: Any) -> Consultation:
    return Consultation(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        clinician_id=row.clinician_id,
        held_on=row.held_on,
        goals=tuple(
            Goal(Concern(g["concern"]), Area(g["area"]), Severity(g["severity"])) for g in row.goals
        ),
        history=MedicalHistory(**row.history),
        fitzpatrick_type=FitzpatrickType(row.fitzpatrick_type),
        eligible=row.eligible,
        findings=tuple(
            ScreeningFinding(
                Contraindication(f["code"]),
                ScreeningAction(f["action"]),
                tuple(Modality(m) for m in f["modalities"]),
                f["reason"],
                f["source"],
            )
            for f in row.findings
        ),
        fitzpatrick_answers=tuple(row.fitzpatrick_answers) if row.fitzpatrick_answers else None,
        notes=row.notes,
        version=row.version,
        entered_in_error=row.entered_in_error,
    )


# --- assessments ---------------------------------------------------------------------------


def _assessment(row: Any) -> Assessment:
    return Assessment(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        clinician_id=row.clinician_id,
        assessed_on=row.assessed_on,
        grades=tuple(
            Grade(Area(g["area"]), g["scale"], int(g["value"]), g["label"]) for g in row.grades
        ),
        notes=row.notes,
        version=row.version,
        entered_in_error=row.entered_in_error,
    )


def _grades_json(record: Assessment) -> list[dict[str, Any]]:
    return [
        {"area": g.area.value, "scale": g.scale, "value": g.value, "label": g.label}
        for g in record.grades
    ]


# --- plans ---------------------------------------------------------------------------------


def _item_values(item: PlanItem, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "area": item.area.value,
        "concern": item.concern.value,
        "severity": item.severity.value,
        "proposed_modality": item.proposed_modality.value,
        "sessions_min": item.sessions_min,
        "sessions_expected": item.sessions_expected,
        "sessions_max": item.sessions_max,
        "interval_weeks_min": item.interval_weeks.min,
        "interval_weeks_max": item.interval_weeks.max,
        "downtime_days_min": item.downtime_days.min,
        "downtime_days_max": item.downtime_days.max,
        "decision": item.decision.value,
        "chosen_modality": item.chosen_modality.value if item.chosen_modality else None,
        "chosen_sessions": item.chosen_sessions,
        "override_reason": item.override_reason,
        "decided_by": item.decided_by,
    }


def _item(row: Any) -> PlanItem:
    return PlanItem(
        area=Area(row.area),
        concern=Concern(row.concern),
        severity=Severity(row.severity),
        proposed_modality=Modality(row.proposed_modality),
        sessions_min=row.sessions_min,
        sessions_expected=row.sessions_expected,
        sessions_max=row.sessions_max,
        interval_weeks=Span(row.interval_weeks_min, row.interval_weeks_max),
        downtime_days=Span(row.downtime_days_min, row.downtime_days_max),
        decision=ItemDecision(row.decision),
        chosen_modality=Modality(row.chosen_modality) if row.chosen_modality else None,
        chosen_sessions=row.chosen_sessions,
        override_reason=row.override_reason,
        decided_by=row.decided_by,
    )


def _plan(row: Any, items: list[PlanItem]) -> TreatmentPlan:
    return TreatmentPlan(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        clinician_id=row.clinician_id,
        created_on=row.created_on,
        status=PlanStatus(row.status),
        items=tuple(items),
        rationale=tuple(row.rationale),
        sources=tuple(row.sources),
        cosigned_by=row.cosigned_by,
        cosigned_at=row.cosigned_at,
        proposal=row.proposal or {},
        version=row.version,
        entered_in_error=row.entered_in_error,
    )


# --- sessions ------------------------------------------------------------------------------


def _area_values(settings: AreaSettings, position: int) -> dict[str, Any]:
    values = asdict(settings)
    values["area"] = settings.area.value
    values["modality"] = settings.modality.value
    return values | {"position": position}


def _area(row: Any) -> AreaSettings:
    return AreaSettings(
        area=Area(row.area),
        modality=Modality(row.modality),
        wavelength_nm=row.wavelength_nm,
        passes=row.passes,
        energy_mj=row.energy_mj,
        fluence_j_cm2=row.fluence_j_cm2,
        pulse_duration_ms=row.pulse_duration_ms,
        spot_size_mm=row.spot_size_mm,
        density_pct=row.density_pct,
        immediate_response=row.immediate_response,
        beyond_limits_reason=row.beyond_limits_reason,
    )


def _session(row: Any, areas: list[AreaSettings]) -> TreatmentSession:
    return TreatmentSession(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        clinician_id=row.clinician_id,
        performed_on=row.performed_on,
        device=row.device,
        areas=tuple(areas),
        plan_id=row.plan_id,
        notes=row.notes,
        version=row.version,
        guards_passed=tuple(line for line in row.guards_passed.split("\n") if line),
        proceed_reason=row.proceed_reason,
        entered_in_error=row.entered_in_error,
    )


# --- check-ins and photos ------------------------------------------------------------------


_SCORES = tuple(Score)
_CHECKIN_FIELDS = (
    "id",
    "clinic_id",
    "patient_id",
    "session_id",
    "checked_on",
    "red_flags",
    "note",
    "submitted_at",
    "version",
    "entered_in_error",
)
_CHECKIN_COLUMNS = [
    cast(checkins.c.red_flags, Text).label("red_flags") if name == "red_flags" else checkins.c[name]
    for name in _CHECKIN_FIELDS
] + [checkins.c[score.value] for score in _SCORES]
"""A check-in's columns in the order :func:`_checkin` unpacks them, its scores last (in the
order of ``Score``). A row's values read by position: read by name, at about 0.3 µs each, they
cost more than making the record (a patient with 500 check-ins: 4.0 -> 1.5 ms). The red flags
as their JSON text, decoded here: most lists are empty, and psycopg's decoding of every one
cost more than the rest of the row (500 check-ins: 1.75 -> 0.86 ms)."""


def _red_flags(text: str) -> frozenset[RedFlag]:
    return frozenset() if text == "[]" else frozenset(map(RedFlag, json.loads(text)))


def _checkin(row: Any) -> CheckInRecord:
    values = tuple(row)
    (record_id, clinic_id, patient_id, session_id, checked_on,
     flags, note, submitted_at, version, struck) = values[:10]  # fmt: skip
    return CheckInRecord(
        id=record_id,
        clinic_id=clinic_id,
        patient_id=patient_id,
        session_id=session_id,
        checkin=CheckIn(
            date=checked_on,
            scores=dict(zip(_SCORES, map(int, values[10:]), strict=True)),
            red_flags=_red_flags(flags),
            note=note,
        ),
        submitted_at=submitted_at,
        version=version,
        entered_in_error=struck,
    )


_PHOTO_FIELDS = (
    "id",
    "clinic_id",
    "patient_id",
    "region",
    "captured_at",
    "sha256",
    "storage_key",
    "media_type",
    "width",
    "height",
    "assessment_id",
    "session_id",
    "checkin_id",
    "accepted_by",
    "accepted_at",
    "version",
    "entered_in_error",
    "purpose",
)
_PHOTO_COLUMNS = [photos.c[name] for name in _PHOTO_FIELDS]
"""A photo's columns in the order :func:`_photo` unpacks them (read by position, as a
check-in's)."""


def _photo(row: Any) -> Photo:
    (
        record_id,
        clinic_id,
        patient_id,
        region,
        captured_at,
        sha256,
        storage_key,
        media_type,
        width,
        height,
        assessment_id,
        session_id,
        checkin_id,
        accepted_by,
        accepted_at,
        version,
        struck,
        purpose,
    ) = row
    return Photo(
        id=record_id,
        clinic_id=clinic_id,
        patient_id=patient_id,
        region=region,
        captured_at=captured_at,
        sha256=sha256,
        storage_key=storage_key,
        media_type=media_type,
        width=width,
        height=height,
        assessment_id=assessment_id,
        session_id=session_id,
        checkin_id=checkin_id,
        accepted_by=accepted_by,
        accepted_at=accepted_at,
        version=version,
        entered_in_error=struck,
        purpose=PhotoPurpose(purpose),
    )


_COLUMNS: dict[Table, Sequence[ColumnElement[Any]]] = {
    checkins: _CHECKIN_COLUMNS,
    photos: _PHOTO_COLUMNS,
}
"""The columns read of a table whose records are made from their values by position."""


def _shown(table: Table, *leaving: str) -> list[Column[Any]]:
    """The table's columns but ``leaving`` (``created_at``: no chart record carries it)."""
    return [column for column in table.c if column.name not in ("created_at", *leaving)]


def _of_patient(table: Table) -> Select[Any]:
    return (
        select(*_COLUMNS.get(table, _shown(table)))
        .where(
            table.c.clinic_id == bindparam("clinic_id"),
            table.c.patient_id == bindparam("patient_id"),
        )
        .order_by(table.c.id)
    )


def _with_lines(parent: Table, lines: Table, key: Column[Any]) -> Select[Any]:
    """The patient's plans (or sessions), each with its lines (items, areas) on rows of its own
    in position order: one row per line, one with the line's columns empty for a record
    without lines. The lines' columns are named apart from the parent's (their ``id`` and
    parent key are left out)."""
    return (
        select(*_shown(parent), *_shown(lines, "id", key.name))
        .select_from(parent.outerjoin(lines, key == parent.c.id))
        .where(
            parent.c.clinic_id == bindparam("clinic_id"),
            parent.c.patient_id == bindparam("patient_id"),
        )
        .order_by(parent.c.id, lines.c.position)
    )


# --- the chart page's read in one statement -------------------------------------------------


def _utc(text: str) -> dt.datetime:
    """A time as JSON carries it, read as ``UtcDateTime`` reads the column: ISO text with its
    offset (PostgreSQL) or without one (SQLite, which keeps UTC)."""
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _from_json(column: ColumnElement[Any]) -> Callable[[Any], Any] | None:
    """How a column's value read from JSON becomes what its row gives: dates and times come as
    ISO text, SQLite's booleans as 0 and 1, whole floats as integers (PostgreSQL writes 3.0 as
    3); None when the JSON value is the row's."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return _utc
    if isinstance(kind, Date):
        return dt.date.fromisoformat
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Float):
        return float
    return None


def _json_value(column: ColumnElement[Any], sqlite: bool) -> ColumnElement[Any]:
    """A column's value as an element of a JSON array (SQLite would put a JSON column's text in
    as a string: ``json()`` puts it in as JSON). Not a float's on SQLite: its JSON keeps 15
    digits (0.1 + 0.2 reads 0.3), and no text it makes of a float (``printf('%!.17g')``,
    ``quote``) gives every float back; PostgreSQL writes the shortest digits that do."""
    if sqlite and isinstance(column.type, Float):
        raise ValueError(f"{column} is a float: SQLite's JSON cannot carry it exactly")
    if sqlite and isinstance(column.type, JSON):
        return func.json(column)
    return column


class _JsonRecords:
    """One table's records (of the patient, or of their parent record) read as one JSON array,
    each record an array of ``columns``' values, with ``lines`` (a plan's items, a session's
    areas) as an array after them; :meth:`rows` turns it into rows the table's decoder reads
    as it reads a row of the database (by name or by position). ``read`` holds the JSON's
    expression for SQLite (key True) unless ``postgres_only``, and for PostgreSQL (False)."""

    def __init__(
        self,
        source: NamedFromClause,
        columns: Sequence[ColumnElement[Any]],
        where: Sequence[ColumnElement[bool]],
        order_by: Sequence[ColumnElement[Any]],
        lines: _JsonRecords | None = None,
        correlate: NamedFromClause | None = None,
        postgres_only: bool = False,
    ) -> None:
        self.lines = lines
        # The statement names each table by a short alias: PostgreSQL's driver (psycopg) keeps
        # the conversion of a statement to its own form only for statements of up to 4,096
        # characters (this one had 5,754, and converting it again each time cost 0.1 ms).
        adapt = ClauseAdapter(source).traverse
        columns = [adapt(column) for column in columns]
        where = [adapt(condition) for condition in where]
        order_by = [adapt(order) for order in order_by]
        names = [column.name for column in columns] + (["lines"] if lines else [])
        row = namedtuple(f"{source.name}_json", names)  # type: ignore[misc]
        self.make: Callable[[Iterable[Any]], Any] = row._make
        self.conversions = tuple(
            (index, convert)
            for index, column in enumerate(columns)
            if (convert := _from_json(column)) is not None
        )
        self.read = {
            sqlite: self._read(source, columns, where, order_by, correlate, sqlite)
            for sqlite in ((False,) if postgres_only else (True, False))
        }

    def _read(
        self,
        source: NamedFromClause,
        columns: Sequence[ColumnElement[Any]],
        where: Sequence[ColumnElement[bool]],
        order_by: Sequence[ColumnElement[Any]],
        correlate: NamedFromClause | None,
        sqlite: bool,
    ) -> ColumnElement[Any]:
        values = [_json_value(column, sqlite) for column in columns]
        if self.lines is not None:
            lines = self.lines.read[sqlite]
            values.append(func.json(lines) if sqlite else lines)
        if not sqlite:
            query = (
                select(func.json_agg(aggregate_order_by(func.json_build_array(*values), *order_by)))
                .select_from(source)
                .where(*where)
            )
            return (
                query.correlate(correlate) if correlate is not None else query
            ).scalar_subquery()
        # SQLite before 3.44 has no ORDER BY in an aggregate: the records come in order from a
        # subquery (SQLite does not merge a subquery with ORDER BY into an aggregate query).
        # Out of a subquery the JSON is text, which json_group_array would quote: json() again.
        inner = select(func.json_array(*values).label("j")).select_from(source).where(*where)
        inner = inner.order_by(*order_by)
        ordered = (inner.correlate(correlate) if correlate is not None else inner).subquery()
        return select(func.json_group_array(func.json(ordered.c.j))).scalar_subquery()

    def rows(self, found: Any) -> list[Any]:
        """The records of ``found`` (the JSON array: as text on SQLite, decoded by psycopg on
        PostgreSQL, where no record reads as NULL) as rows, their lines as lists of rows."""
        if found is None:
            return []
        records = json.loads(found) if isinstance(found, str) else found
        make, conversions, lines = self.make, self.conversions, self.lines
        rows = []
        for values in records:
            for index, convert in conversions:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            if lines is not None:
                values[-1] = lines.rows(values[-1])
            rows.append(make(values))
        return rows


_PATIENT = patients.alias("pt")


def _of_the_patient(table: Table) -> list[ColumnElement[bool]]:
    """The records of the patient of ``_PATIENT``'s row (the one asked for, in the clinic asked
    for): of the clinic and of the patient, as their reads apart read them."""
    return [table.c.clinic_id == _PATIENT.c.clinic_id, table.c.patient_id == _PATIENT.c.id]


def _with_lines_json(
    parent: Table, lines: Table, key: Column[Any], alias: str, lines_alias: str
) -> _JsonRecords:
    """The patient's plans (or sessions) by id, each with its lines in position order: on
    PostgreSQL only, the lines have floats (SQLite reads them with ``_PLANS``, ``_SESSIONS``)."""
    source = parent.alias(alias)
    return _JsonRecords(
        source,
        _shown(parent),
        _of_the_patient(parent),
        [parent.c.id],
        correlate=_PATIENT,
        lines=_JsonRecords(
            lines.alias(lines_alias),
            _shown(lines, "id", key.name),
            [key == source.c.id],
            [lines.c.position],
            correlate=source,
            postgres_only=True,
        ),
        postgres_only=True,
    )


def _of_patient_json(
    table: Table,
    alias: str,
    columns: Sequence[ColumnElement[Any]] | None = None,
    order_by: Sequence[ColumnElement[Any]] | None = None,
) -> _JsonRecords:
    """The patient's records of ``table``: ``columns`` (those ``_shown``), by ``order_by`` (id)."""
    return _JsonRecords(
        table.alias(alias),
        _shown(table) if columns is None else columns,
        _of_the_patient(table),
        [table.c.id] if order_by is None else order_by,
        correlate=_PATIENT,
    )


_JSON_CONSULTATIONS = _of_patient_json(consultations, "c")
_JSON_ASSESSMENTS = _of_patient_json(assessments, "a")
_JSON_PLANS = _with_lines_json(treatment_plans, plan_items, plan_items.c.plan_id, "p", "pi")
_JSON_SESSIONS = _with_lines_json(
    treatment_sessions, session_areas, session_areas.c.session_id, "s", "sa"
)
_JSON_CHECKINS = _of_patient_json(checkins, "k", _CHECKIN_COLUMNS)
_JSON_PHOTOS = _of_patient_json(photos, "ph", _PHOTO_COLUMNS)
_JSON_ALERTS = _of_patient_json(alerts, "al", list(alerts.c), PATIENT_ORDER)
_JSON_PHOTO_CONSENTS = _of_patient_json(
    photo_consents, "pc", list(photo_consents.c), PHOTO_CONSENT_ORDER
)
_JSON_KINDS = {
    "consultations": _JSON_CONSULTATIONS,
    "assessments": _JSON_ASSESSMENTS,
    "plans": _JSON_PLANS,
    "sessions": _JSON_SESSIONS,
    "checkins": _JSON_CHECKINS,
    "photos": _JSON_PHOTOS,
    "alerts": _JSON_ALERTS,
    "photo_consents": _JSON_PHOTO_CONSENTS,
}
_JSON_PREFIX = "json_"


def _chart_read(sqlite: bool) -> Select[Any]:
    return select(
        *_PATIENT.c,
        *(
            kind.read[sqlite].label(_JSON_PREFIX + name)
            for name, kind in _JSON_KINDS.items()
            if sqlite in kind.read
        ),
    ).where(
        _PATIENT.c.id == bindparam("patient_id"), _PATIENT.c.clinic_id == bindparam("clinic_id")
    )


_CHART_READ = {sqlite: _chart_read(sqlite) for sqlite in (True, False)}
"""The patient's row (as ``SqlPatients.get`` reads it, with the series ``SqlPatients.series``
reads) with, in a column each, every record of their chart, their alerts and their photo
consents as a JSON array (:class:`_JsonRecords`, in the order of the reads of each): the chart
page's reads in one statement on PostgreSQL, not eight (each cost the app about 0.2 ms of CPU,
and PostgreSQL its own work per statement); on SQLite, whose JSON cannot carry a float exactly,
the plans and sessions are read apart, as ``chart`` reads them (three statements). No row when
the patient is not the clinic's; every record read where both its clinic and its patient are
the ones asked for, as in their own reads. Keyed by whether the database is SQLite."""


_OF_PATIENT = {
    table: _of_patient(table) for table in (consultations, assessments, checkins, photos)
}
_PLANS = _with_lines(treatment_plans, plan_items, plan_items.c.plan_id)
_SESSIONS = _with_lines(treatment_sessions, session_areas, session_areas.c.session_id)
"""A chart's statements, built once (building each anew cost more than running it)."""
_SESSIONS_ON = (
    select(*_shown(treatment_sessions), *_shown(session_areas, "id", "session_id"))
    .select_from(
        treatment_sessions.outerjoin(
            session_areas, session_areas.c.session_id == treatment_sessions.c.id
        )
    )
    .where(
        treatment_sessions.c.clinic_id == bindparam("clinic_id"),
        treatment_sessions.c.performed_on == bindparam("day"),
        treatment_sessions.c.entered_in_error == "",
    )
    .order_by(treatment_sessions.c.id, session_areas.c.position)
)
"""The clinic's sessions of a day with their areas (one query, as :func:`_with_lines`)."""


def _by_record(rows: Iterable[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """Rows of :func:`_with_lines` grouped by record: its first row, and its rows that carry a
    line (none when the record has no line)."""
    first: Any = None
    lines: list[Any] = []
    for row in rows:
        if first is None or row.id != first.id:
            if first is not None:
                yield first, lines
            first, lines = row, []
        if row.position is not None:
            lines.append(row)
    if first is not None:
        yield first, lines


class SqlCharts(Repository):
    """Chart records. Every read is scoped by clinic: another clinic's id reads as absent."""

    def chart(self, clinic_id: int, patient_id: int) -> Chart:
        """The whole chart in six queries: one per kind of record, a plan's items and a
        session's areas read with it (a join)."""
        wanted = {"clinic_id": clinic_id, "patient_id": patient_id}
        return self._chart(
            wanted, self.connection.execute(_OF_PATIENT[consultations], wanted).all()
        )

    def chart_read(self, clinic_id: int, patient_id: int) -> ChartRead | None:
        """The patient, their chart and series, alerts and photo consents in one statement
        (``_CHART_READ``; three on SQLite); None when the patient is not the clinic's."""
        wanted = {"clinic_id": clinic_id, "patient_id": patient_id}
        sqlite = self.connection.dialect.name == "sqlite"
        row = self.connection.execute(_CHART_READ[sqlite], wanted).first()
        if row is None:
            return None
        if sqlite:
            plans = [
                _plan(first, [_item(r) for r in lines])
                for first, lines in _by_record(self.connection.execute(_PLANS, wanted).all())
            ]
            sessions = [
                _session(first, [_area(r) for r in lines])
                for first, lines in _by_record(self.connection.execute(_SESSIONS, wanted).all())
            ]
        else:
            plans = [
                _plan(plan, [_item(item) for item in plan.lines])
                for plan in _JSON_PLANS.rows(row.json_plans)
            ]
            sessions = [
                _session(session, [_area(area) for area in session.lines])
                for session in _JSON_SESSIONS.rows(row.json_sessions)
            ]
        chart = Chart(
            consultations=tuple(
                map(_consultation, _JSON_CONSULTATIONS.rows(row.json_consultations))
            ),
            assessments=tuple(map(_assessment, _JSON_ASSESSMENTS.rows(row.json_assessments))),
            plans=tuple(plans),
            sessions=tuple(sessions),
            checkins=tuple(map(_checkin, _JSON_CHECKINS.rows(row.json_checkins))),
            photos=tuple(map(_photo, _JSON_PHOTOS.rows(row.json_photos))),
        )
        return ChartRead(
            _patient(row),
            standing(chart),
            _series(row),
            [_alert(r) for r in _JSON_ALERTS.rows(row.json_alerts)],
            [_photo_consent(r) for r in _JSON_PHOTO_CONSENTS.rows(row.json_photo_consents)],
        )

    def _chart(self, wanted: dict[str, int], consultation_rows: Iterable[Any]) -> Chart:
        def rows(query: Select[Any]) -> Sequence[Any]:
            # Fetched at once: one by one, psycopg's fetchone per row cost about 0.7 µs.
            return self.connection.execute(query, wanted).all()

        return standing(
            Chart(
                consultations=tuple(_consultation(r) for r in consultation_rows),
                assessments=tuple(_assessment(r) for r in rows(_OF_PATIENT[assessments])),
                plans=tuple(
                    _plan(first, [_item(r) for r in lines])
                    for first, lines in _by_record(rows(_PLANS))
                ),
                sessions=tuple(
                    _session(first, [_area(r) for r in lines])
                    for first, lines in _by_record(rows(_SESSIONS))
                ),
                checkins=tuple(_checkin(r) for r in rows(_OF_PATIENT[checkins])),
                photos=tuple(_photo(r) for r in rows(_OF_PATIENT[photos])),
            )
        )

    def sessions_on(self, clinic_id: int, day: dt.date) -> list[TreatmentSession]:
        rows = self.connection.execute(_SESSIONS_ON, {"clinic_id": clinic_id, "day": day}).all()
        return [_session(first, [_area(r) for r in lines]) for first, lines in _by_record(rows)]

    def _one(self, table: Table, clinic_id: int, record_id: int) -> Any:
        columns = _COLUMNS.get(table, table.c)
        query = select(*columns).where(table.c.id == record_id, table.c.clinic_id == clinic_id)
        return self.connection.execute(query).first()

    def _amend(
        self, table: Table, record: str, record_id: int, clinic_id: int, version: int, **values: Any
    ) -> None:
        """Save ``values`` if the record is still at ``version``, and move it to the next."""
        result = self.connection.execute(
            update(table)
            .where(
                table.c.id == record_id,
                table.c.clinic_id == clinic_id,
                table.c.version == version,
            )
            .values(**values, version=table.c.version + 1)
        )
        if result.rowcount != 1:
            current = self._one(table, clinic_id, record_id)
            raise VersionConflict(record, record_id, version, current.version if current else 0)

    def mark_entered_in_error(
        self, kind: RecordKind, clinic_id: int, record_id: int, version: int, reason: str
    ) -> None:
        table = _TABLES[kind]
        self._amend(table, kind.label, record_id, clinic_id, version, entered_in_error=reason)
        if kind in (RecordKind.PLAN, RecordKind.SESSION):
            row = self._one(table, clinic_id, record_id)
            refresh_series(self.connection, clinic_id, row.patient_id)

    # consultations
    def add_consultation(self, record: Consultation) -> Consultation:
        values = {
            "clinic_id": record.clinic_id,
            "patient_id": record.patient_id,
            "clinician_id": record.clinician_id,
            "held_on": record.held_on,
            "goals": [_goal_json(goal) for goal in record.goals],
            "history": asdict(record.history),
            "fitzpatrick_type": record.fitzpatrick_type.value,
            "fitzpatrick_answers": list(record.fitzpatrick_answers)
            if record.fitzpatrick_answers
            else None,
            "eligible": record.eligible,
            "findings": [_finding_json(f) for f in record.findings],
            "notes": record.notes,
            "created_at": now(),
        }
        return replace(record, id=self._insert(consultations, values), version=1)

    def amend_consultation(self, record: Consultation) -> Consultation:
        self._amend(
            consultations,
            "consultation",
            record.id,
            record.clinic_id,
            record.version,
            held_on=record.held_on,
            goals=[_goal_json(goal) for goal in record.goals],
            history=asdict(record.history),
            fitzpatrick_type=record.fitzpatrick_type.value,
            fitzpatrick_answers=list(record.fitzpatrick_answers)
            if record.fitzpatrick_answers
            else None,
            eligible=record.eligible,
            findings=[_finding_json(f) for f in record.findings],
            notes=record.notes,
        )
        return replace(record, version=record.version + 1)

    def consultation(self, clinic_id: int, record_id: int) -> Consultation | None:
        row = self._one(consultations, clinic_id, record_id)
        return _consultation(row) if row else None

    # assessments
    def add_assessment(self, record: Assessment) -> Assessment:
        values = {
            "clinic_id": record.clinic_id,
            "patient_id": record.patient_id,
            "clinician_id": record.clinician_id,
            "assessed_on": record.assessed_on,
            "grades": _grades_json(record),
            "notes": record.notes,
            "created_at": now(),
        }
        return replace(record, id=self._insert(assessments, values), version=1)

    def amend_assessment(self, record: Assessment) -> Assessment:
        self._amend(
            assessments,
            "assessment",
            record.id,
            record.clinic_id,
            record.version,
            assessed_on=record.assessed_on,
            grades=_grades_json(record),
            notes=record.notes,
        )
        return replace(record, version=record.version + 1)

    def assessment(self, clinic_id: int, record_id: int) -> Assessment | None:
        row = self._one(assessments, clinic_id, record_id)
        return _assessment(row) if row else None

    # plans
    def add_plan(self, record: TreatmentPlan) -> TreatmentPlan:
        values = {
            "clinic_id": record.clinic_id,
            "patient_id": record.patient_id,
            "clinician_id": record.clinician_id,
            "created_on": record.created_on,
            "status": record.status.value,
            "rationale": list(record.rationale),
            "sources": list(record.sources),
            "cosigned_by": record.cosigned_by,
            "cosigned_at": record.cosigned_at,
            "proposal": dict(record.proposal),
            "created_at": now(),
        }
        plan_id = self._insert(treatment_plans, values)
        self._write_items(plan_id, record.items)
        refresh_series(self.connection, record.clinic_id, record.patient_id)
        return replace(record, id=plan_id, version=1)

    def update_plan(self, record: TreatmentPlan) -> TreatmentPlan:
        """Save the plan's status, decisions and co-signature if its version is still current."""
        result = self.connection.execute(
            update(treatment_plans)
            .where(
                treatment_plans.c.id == record.id,
                treatment_plans.c.clinic_id == record.clinic_id,
                treatment_plans.c.version == record.version,
            )
            .values(
                status=record.status.value,
                cosigned_by=record.cosigned_by,
                cosigned_at=record.cosigned_at,
                version=treatment_plans.c.version + 1,
            )
        )
        if result.rowcount != 1:
            current = self.plan(record.clinic_id, record.id)
            raise VersionConflict(
                "treatment plan", record.id, record.version, current.version if current else 0
            )
        for position, item in enumerate(record.items):
            self.connection.execute(
                update(plan_items)
                .where(plan_items.c.plan_id == record.id, plan_items.c.position == position)
                .values(**_item_values(item, position))
            )
        refresh_series(self.connection, record.clinic_id, record.patient_id)
        return replace(record, version=record.version + 1)

    def _write_items(self, plan_id: int, items: tuple[PlanItem, ...]) -> None:
        if items:
            self.connection.execute(
                insert(plan_items),
                [_item_values(item, pos) | {"plan_id": plan_id} for pos, item in enumerate(items)],
            )

    def _plan_with_items(self, row: Any) -> TreatmentPlan:
        query = (
            select(plan_items).where(plan_items.c.plan_id == row.id).order_by(plan_items.c.position)
        )
        return _plan(row, [_item(r) for r in self.connection.execute(query)])

    def plan(self, clinic_id: int, record_id: int) -> TreatmentPlan | None:
        row = self._one(treatment_plans, clinic_id, record_id)
        return self._plan_with_items(row) if row else None

    # sessions
    def add_session(self, record: TreatmentSession) -> TreatmentSession:
        values = {
            "clinic_id": record.clinic_id,
            "patient_id": record.patient_id,
            "plan_id": record.plan_id,
            "clinician_id": record.clinician_id,
            "performed_on": record.performed_on,
            "device": record.device,
            "notes": record.notes,
            "guards_passed": "\n".join(record.guards_passed),
            "proceed_reason": record.proceed_reason,
            "created_at": now(),
        }
        session_id = self._insert(treatment_sessions, values)
        self._write_areas(session_id, record.areas)
        refresh_series(self.connection, record.clinic_id, record.patient_id)
        return replace(record, id=session_id, version=1)

    def amend_session(self, record: TreatmentSession) -> TreatmentSession:
        """Save the session's date, performer, device, notes and every area's settings."""
        self._amend(
            treatment_sessions,
            "treatment session",
            record.id,
            record.clinic_id,
            record.version,
            clinician_id=record.clinician_id,
            performed_on=record.performed_on,
            device=record.device,
            notes=record.notes,
        )
        self.connection.execute(
            delete(session_areas).where(session_areas.c.session_id == record.id)
        )
        self._write_areas(record.id, record.areas)
        refresh_series(self.connection, record.clinic_id, record.patient_id)
        return replace(record, version=record.version + 1)

    def _write_areas(self, session_id: int, areas: tuple[AreaSettings, ...]) -> None:
        if areas:
            self.connection.execute(
                insert(session_areas),
                [
                    _area_values(area, pos) | {"session_id": session_id}
                    for pos, area in enumerate(areas)
                ],
            )

    def _session_with_areas(self, row: Any) -> TreatmentSession:
        query = (
            select(session_areas)
            .where(session_areas.c.session_id == row.id)
            .order_by(session_areas.c.position)
        )
        return _session(row, [_area(r) for r in self.connection.execute(query)])

    def session(self, clinic_id: int, record_id: int) -> TreatmentSession | None:
        row = self._one(treatment_sessions, clinic_id, record_id)
        return self._session_with_areas(row) if row else None

    # check-ins
    def add_checkin(self, record: CheckInRecord) -> CheckInRecord:
        values: dict[str, Any] = {
            "clinic_id": record.clinic_id,
            "patient_id": record.patient_id,
            "session_id": record.session_id,
            "checked_on": record.checkin.date,
            "red_flags": sorted(flag.value for flag in record.checkin.red_flags),
            "note": record.checkin.note,
            "submitted_at": record.submitted_at,
        }
        for score in Score:
            values[score.value] = record.checkin.scores.get(score, 0)
        return replace(record, id=self._insert(checkins, values))

    def checkin(self, clinic_id: int, record_id: int) -> CheckInRecord | None:
        row = self._one(checkins, clinic_id, record_id)
        return _checkin(row) if row else None

    # photos
    def add_photo(self, record: Photo) -> Photo:
        values = asdict(record)
        del values["id"]
        values["created_at"] = now()
        return replace(record, id=self._insert(photos, values))

    def photo(self, clinic_id: int, record_id: int) -> Photo | None:
        row = self._one(photos, clinic_id, record_id)
        return _photo(row) if row else None

    def amend_photo(self, record: Photo) -> Photo:
        """Save the photo's region (a photo filed under the wrong one)."""
        self._amend(
            photos, "photo", record.id, record.clinic_id, record.version, region=record.region
        )
        return replace(record, version=record.version + 1)

    def accept_photo(self, record: Photo) -> Photo:
        self.connection.execute(
            update(photos)
            .where(photos.c.id == record.id, photos.c.clinic_id == record.clinic_id)
            .values(accepted_by=record.accepted_by, accepted_at=record.accepted_at)
        )
        return record

    def hold_session(self, clinic_id: int, session_id: int) -> None:
        # A write that changes nothing: it takes the row lock on PostgreSQL and the database's
        # write lock on SQLite until the transaction ends (SELECT … FOR UPDATE does not exist
        # on SQLite).
        table = treatment_sessions
        self.connection.execute(
            update(table)
            .where(table.c.id == session_id, table.c.clinic_id == clinic_id)
            .values(id=table.c.id)
        )

    def file_references(self) -> list[FileReference]:
        """Every record, in every clinic, that names a file in the photo store."""
        stored = select(photos.c.storage_key, photos.c.id, photos.c.clinic_id)
        overlays = select(
            photo_measurements.c.overlay_key,
            photo_measurements.c.id,
            photo_measurements.c.clinic_id,
        ).where(photo_measurements.c.overlay_key.is_not(None))
        consents = select(
            signed_consents.c.pdf_sha256, signed_consents.c.id, signed_consents.c.clinic_id
        )
        comparisons = select(
            photo_comparisons.c.overlay_key,
            photo_comparisons.c.id,
            photo_comparisons.c.clinic_id,
        ).where(photo_comparisons.c.overlay_key.is_not(None))
        reports = select(
            sent_results_reports.c.pdf_sha256,
            sent_results_reports.c.id,
            sent_results_reports.c.clinic_id,
        ).where(sent_results_reports.c.pdf_sha256.is_not(None))
        return (
            [
                FileReference(key, "photo", record_id, clinic_id)
                for key, record_id, clinic_id in self.connection.execute(stored)
            ]
            + [
                FileReference(key, "photo_measurement", record_id, clinic_id)
                for key, record_id, clinic_id in self.connection.execute(overlays)
            ]
            + [
                FileReference(key, "signed_consent", record_id, clinic_id)
                for key, record_id, clinic_id in self.connection.execute(consents)
            ]
            + [
                FileReference(key, "photo_comparison", record_id, clinic_id)
                for key, record_id, clinic_id in self.connection.execute(comparisons)
            ]
            + [
                FileReference(key, "results_report", record_id, clinic_id)
                for key, record_id, clinic_id in self.connection.execute(reports)
            ]
        )
