from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    tuple_,
    union_all,
    update,
)

from resurface.domain.chart import ItemDecision
from resurface.domain.codes import FitzpatrickType, Modality
from resurface.domain.errors import VersionConflict
from resurface.domain.journey import Stage
from resurface.domain.people import SEARCH_WORD_MIN, Patient, Sex, name_key, search_words
from resurface.domain.plans import IN_TREATMENT
from resurface.services.ports import ListPlace, NameKey, PatientRow, SeriesFacts, StageWindow
from resurface.storage.repositories._base import Repository, now
from resurface.storage.tables import (
    patient_list_marks,
    patients,
    plan_items,
    session_areas,
    treatment_plans,
    treatment_sessions,
)


def _patient(row: Any) -> Patient:
    return Patient(
        id=row.id,
        clinic_id=row.clinic_id,
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth,
        sex=Sex(row.sex),
        phone=row.phone,
        email=row.email,
        fitzpatrick_type=FitzpatrickType(row.fitzpatrick_type) if row.fitzpatrick_type else None,
        version=row.version,
    )


def _values(patient: Patient) -> dict[str, Any]:
    return {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex.value,
        "phone": patient.phone,
        "email": patient.email,
        "fitzpatrick_type": patient.fitzpatrick_type.value if patient.fitzpatrick_type else None,
        "given_key": name_key(patient.given_name),
        "family_key": name_key(patient.family_name),
    }


def _series(row: Any) -> SeriesFacts:
    return SeriesFacts(
        row.series_planned,
        row.series_done,
        row.last_session_on,
        Modality(row.last_modality) if row.last_modality else None,
    )


_FEW = 1000
"""Matches few enough to sort (see ``SqlPatients._name_order``)."""

_ID_CHUNK = 500
"""Ids per ``IN (…)``: only the few rows a page shows are looked up by id, in chunks, so no
query ever binds a parameter per patient of the clinic."""

_SQLITE_NAMES = table("patient_names")
"""The FTS5 trigram index of the name keys on SQLite (migration 0017; triggers keep it)."""


_ONE = (patients.c.id == bindparam("patient_id"), patients.c.clinic_id == bindparam("clinic_id"))
_GET = select(patients).where(*_ONE)
_SERIES = select(
    patients.c.series_planned,
    patients.c.series_done,
    patients.c.last_session_on,
    patients.c.last_modality,
).where(*_ONE)
_BY_IDS = select(patients).where(
    patients.c.clinic_id == bindparam("clinic_id"),
    patients.c.id.in_(bindparam("ids", expanding=True)),
)
"""A chart's and Today's reads of patients, built once."""


MARK_STEP = 500
"""Rows of the patient list between two of its marks as they are set (``patient_list_marks``);
a stretch that grows past twice this is split. A page asked for by its number without a cursor
is found from the mark before it: at most about twice this many rows are walked to it."""

_MARKS_LOCK = 16_0026
"""PostgreSQL advisory lock class (with the clinic's id) held while a transaction changes the
marks of a clinic's list: two registrations at once count each other's patient."""

_marks = patient_list_marks
_mark_key = tuple_(_marks.c.family_key, _marks.c.given_key, _marks.c.patient_id)


class SqlPatients(Repository):
    def add(self, patient: Patient) -> Patient:
        values = _values(patient) | {"clinic_id": patient.clinic_id, "created_at": now()}
        added = replace(patient, id=self._insert(patients, values), version=1)
        self._lock_marks(patient.clinic_id)
        self._marks_moved(added.clinic_id, None, _list_key(added))
        return added

    def get(self, clinic_id: int, patient_id: int) -> Patient | None:
        wanted = {"patient_id": patient_id, "clinic_id": clinic_id}
        row = self.connection.execute(_GET, wanted).first()
        return _patient(row) if row else None

    def find(
        self, clinic_id: int, given_name: str, family_name: str, date_of_birth: dt.date
    ) -> Patient | None:
        query = select(patients).where(
            patients.c.clinic_id == clinic_id,
            patients.c.given_name == given_name,
            patients.c.family_name == family_name,
            patients.c.date_of_birth == date_of_birth,
        )
        row = self.connection.execute(query).first()
        return _patient(row) if row else None

    def in_clinic(self, clinic_id: int, name_contains: str = "") -> list[Patient]:
        query = select(patients).where(patients.c.clinic_id == clinic_id)
        for word in name_contains.lower().split():
            pattern = f"%{word}%"
            query = query.where(
                or_(
                    func.lower(patients.c.given_name).like(pattern),
                    func.lower(patients.c.family_name).like(pattern),
                )
            )
        query = query.order_by(patients.c.family_name, patients.c.given_name, patients.c.id)
        return [_patient(row) for row in self.connection.execute(query)]

    def update(self, patient: Patient) -> Patient:
        """Save ``patient`` if nobody saved it since ``patient.version`` was read."""
        was = self.connection.execute(
            select(patients.c.family_key, patients.c.given_key).where(
                patients.c.id == patient.id, patients.c.clinic_id == patient.clinic_id
            )
        ).first()
        result = self.connection.execute(
            update(patients)
            .where(
                patients.c.id == patient.id,
                patients.c.clinic_id == patient.clinic_id,
                patients.c.version == patient.version,
            )
            .values(**_values(patient), version=patients.c.version + 1)
        )
        if result.rowcount != 1:
            current = self.get(patient.clinic_id, patient.id)
            actual = current.version if current else 0
            raise VersionConflict("patient", patient.id, patient.version, actual)
        if was is not None and _list_key(patient) != (was.family_key, was.given_key, patient.id):
            self._lock_marks(patient.clinic_id)
            self._marks_moved(patient.clinic_id, (*was, patient.id), _list_key(patient))
        return replace(patient, version=patient.version + 1)

    # The marks of the list (``patient_list_marks``): how many rows come before a mark's key is
    # kept as patients are added (and renamed: gone from one place, added at another); where
    # a stretch between two marks grows past twice ``MARK_STEP`` a mark is set in it.

    def _lock_marks(self, clinic_id: int) -> None:
        """Taken after the write that begins the transaction (a unit of work reads outside one
        until it writes: ``storage.database.reads_outside_transactions``), held to its end."""
        if self.connection.dialect.name == "postgresql":
            lock = func.pg_advisory_xact_lock(literal(_MARKS_LOCK), literal(clinic_id))
            self.connection.execute(select(lock))

    def _marks_moved(self, clinic_id: int, gone: NameKey | None, added: NameKey) -> None:
        """A row of the list left the place ``gone`` (if any) and took the place ``added``."""
        after_added = _mark_key > _literal_key(added)
        shift: ColumnElement[int] = case((after_added, 1), else_=0)
        moved: ColumnElement[bool] = after_added
        if gone is not None:
            after_gone = _mark_key > _literal_key(gone)
            shift = shift - case((after_gone, 1), else_=0)
            moved = after_added != after_gone
        self.connection.execute(
            update(_marks)
            .where(_marks.c.clinic_id == clinic_id, moved)
            .values(position=_marks.c.position + shift)
        )
        self._split_stretch(clinic_id, added)

    def _split_stretch(self, clinic_id: int, at: NameKey) -> None:
        """Set a mark ``MARK_STEP`` rows into the stretch holding ``at`` if it is longer than
        twice that (the stretch after the last mark: if it holds that many rows)."""
        mine = _marks.c.clinic_id == clinic_id
        key = _literal_key(at)
        columns = (_marks.c.family_key, _marks.c.given_key, _marks.c.patient_id)
        previous = self.connection.execute(
            select(*columns, _marks.c.position)
            .where(mine, _mark_key <= key)
            .order_by(*(c.desc() for c in columns))
            .limit(1)
        ).first()
        start = previous.position if previous else 0
        onward = _onward((previous[0], previous[1], previous[2])) if previous else []
        following = self.connection.execute(
            select(_marks.c.position).where(mine, _mark_key > key).order_by(*columns).limit(1)
        ).scalar()
        rows = select(patients.c.family_key, patients.c.given_key, patients.c.id).where(
            patients.c.clinic_id == clinic_id, *onward
        )
        rows = rows.order_by(patients.c.family_key, patients.c.given_key, patients.c.id)
        if following is not None:
            if following - start <= 2 * MARK_STEP:
                return
        elif self.connection.execute(rows.offset(2 * MARK_STEP).limit(1)).first() is None:
            return
        row = self.connection.execute(rows.offset(MARK_STEP).limit(1)).first()
        if row is None:  # the marks were not kept by this repository (a bulk load): see mark_list
            return
        self.connection.execute(
            insert(_marks).values(
                clinic_id=clinic_id,
                family_key=row[0],
                given_key=row[1],
                patient_id=row[2],
                position=start + MARK_STEP,
            )
        )

    def _from_mark(self, clinic_id: int, place: ListPlace) -> ListPlace:
        """The place ``place.skip`` rows into the whole list, as the same number of rows past
        the nearest mark before it (the place itself when no mark is before it)."""
        if place.at is not None or place.skip < 2 * MARK_STEP:
            return place  # as near the start as a stretch is long: walked from it
        mark = self.connection.execute(
            select(_marks.c.family_key, _marks.c.given_key, _marks.c.patient_id, _marks.c.position)
            .where(_marks.c.clinic_id == clinic_id, _marks.c.position <= place.skip)
            .order_by(_marks.c.position.desc())
            .limit(1)
        ).first()
        if mark is None:
            return place
        at = (str(mark.family_key), str(mark.given_key), int(mark.patient_id))
        return ListPlace(place.skip - mark.position, at, mark.position)

    def series(self, clinic_id: int, patient_id: int) -> SeriesFacts:
        wanted = {"patient_id": patient_id, "clinic_id": clinic_id}
        row = self.connection.execute(_SERIES, wanted).first()
        return _series(row) if row else SeriesFacts(0, 0, None, None)

    def listing(
        self,
        clinic_id: int,
        search: str,
        stage: Stage | None,
        window: StageWindow,
        place: ListPlace,
        limit: int,
        count_most: int,
    ) -> tuple[list[PatientRow], int]:
        # A page of the whole list asked for by its number: found from the mark before it.
        # (The count is then from the start of the list, as without the mark.)
        marked, most = 0, count_most
        if stage is None and not search_words(search) and place.at is None:
            place = self._from_mark(clinic_id, place)
            marked = place.before
            count_most = max(1, count_most - marked)
        # The recovering are few (the last days' sessions): counted by the last session's day.
        recovering = stage is Stage.RECOVERING
        # From the place's key on (keyset paging): the rows before it are never read.
        onward = _onward(place.at)
        # Counted only as far as ``count_most``: the count reads as many index entries as the
        # pages it can lead to, not the whole clinic. Deep in a search matching many, the names
        # are tested in the list's order from the key, not the full-text index's hits from the
        # first (which the key would reject one by one up to it).
        dense = place.before >= _FEW
        phrase = "" if dense else self._phrase(search)
        counts: list[Any]
        if phrase:
            # SQLite: the name index's hits one by one, each patient looked up by id, until
            # there are enough (as a list of every hit, a common name's hits were all read).
            rowid: ColumnElement[int] = literal_column("patient_names.rowid")
            apart = self.conditions(clinic_id, search, stage, window, phrase_apart=True)
            patient = exists().where(patients.c.id == rowid, *apart, *onward)
            counts = [select(rowid).select_from(_SQLITE_NAMES).where(_match(phrase), patient)]
        else:
            split = _short_word_split(search)
            conditions = self.conditions(clinic_id, search, stage, window,
                                         series_index=not recovering, walk=dense,
                                         short_apart=split is not None)  # fmt: skip
            # A short word's two parts are counted apart: the page reads each as many or few.
            # The given part through its own index: not walking every name after the key.
            counts = [select(patients.c.id).where(*conditions, *from_key, *part)
                      for from_key, part in zip((onward, _onward(place.at, indexed=False)),
                                                split or [()], strict=False)]  # fmt: skip
        counted = [
            select(func.count()).select_from(part.limit(count_most).subquery()).scalar_subquery()
            for part in counts
        ]
        found_counts = self.connection.execute(select(*counted)).one()
        total = min(sum(found_counts), count_most)
        many = place.before + total >= _FEW
        given_many = place.before + found_counts[-1] >= _FEW
        query = self._page(
            clinic_id, search, stage, window, place, limit, many=many, given_many=given_many
        )
        found = [PatientRow(_patient(r), _series(r)) for r in self.connection.execute(query)]
        if place.at is not None and place.skip < 0:
            found.reverse()
        return found, min(marked + int(total), most)

    def _page(
        self,
        clinic_id: int,
        search: str,
        stage: Stage | None,
        window: StageWindow,
        place: ListPlace,
        limit: int,
        *,
        many: bool,
        given_many: bool = False,
    ) -> Select[Any]:
        """The page's rows: walked in the list's order on its index from the place (or, for
        the few recovering, found by the day of their last session) and tested against the
        search and stage, stopping at the page's last. A search that the count found matching
        few reads them through the search's own index and sorts them instead (SQLite, which
        keeps no statistics, would walk every name to find the few); one that matches many
        tests each name in the list's order (on SQLite with the name keys themselves, not the
        list of the full-text index's hits, which a common name makes long)."""
        searched = search_words(search) != []
        sort_the_found = searched and not many
        # The page's query does not offer the series index: the page is found by walking the
        # patients in the list's order, not by sorting a whole stage.
        # SQLite reads a search with a long word matching few through its full-text index.
        split = None if sort_the_found and self._phrase(search) else _short_word_split(search)
        paged = self.conditions(clinic_id, search, stage, window, series_index=False, walk=many,
                                short_apart=split is not None)  # fmt: skip
        backward = place.at is not None and place.skip < 0
        skip = place.skip
        if backward:
            skip, limit = max(0, -place.skip - limit), min(limit, -place.skip)
        where = [*paged, *_from_place(place, indexed=True)]
        order = self._order(sort_the_found=sort_the_found, backward=backward)
        if split is None:
            return select(patients).where(*where).order_by(*order).offset(skip).limit(limit)
        # A short word begins the family names of a stretch of the list: those are read from
        # where they begin (in order, or sorted when few); the given names it begins, spread
        # over the list, in the list's order when many, else through their own index, sorted.
        family, given = split
        given_where = [*paged, *_from_place(place, indexed=given_many)]
        parts = [
            select(patients.c.id)
            .where(*conditions, *part)
            .order_by(*self._order(sort_the_found=sort, backward=backward))
            .limit(skip + limit)
            .subquery()
            for conditions, part, sort in (
                (where, family, sort_the_found),
                (given_where, given, not given_many),
            )
        ]
        ids = union_all(*(select(part.c.id) for part in parts))
        resort = self._order(sort_the_found=True, backward=backward)
        return (
            select(patients)
            .where(patients.c.id.in_(ids))
            .order_by(*resort)
            .offset(skip)
            .limit(limit)
        )

    def _order(self, *, sort_the_found: bool, backward: bool) -> list[ColumnElement[Any]]:
        """Family name, given name, id, as the search compares names (``name_key``: accents
        and case folded). When the found are few, the order is written so that no index
        serves it on SQLite (which keeps no statistics and would walk its name index for the
        order, testing every patient against the search): the few are read by the search's own
        index and sorted."""
        p = patients.c
        columns: list[ColumnElement[Any]] = [p.family_key, p.given_key, p.id]
        if sort_the_found and self.connection.dialect.name == "sqlite":
            columns = [p.family_key + "", p.given_key, p.id]
        return [c.desc() for c in columns] if backward else columns

    def conditions(
        self,
        clinic_id: int,
        search: str,
        stage: Stage | None,
        window: StageWindow,
        *,
        series_index: bool = True,
        phrase_apart: bool = False,
        walk: bool = False,
        short_apart: bool = False,
    ) -> list[ColumnElement[bool]]:
        """The ``WHERE`` of the listing (the tests read its query plan); without
        ``series_index`` the stage's terms are written so that no index on the series serves
        them (the last session's day still can); with ``phrase_apart``, without SQLite's
        full-text phrase (``_phrase``), which the caller matches itself; with ``walk``, the
        long words are tested on each name key as it is walked (see ``_matching``); with
        ``short_apart``, without the first short word, which the caller matches in two parts
        (``_short_word_split``)."""
        matching = self._matching(
            search, phrase_apart=phrase_apart, walk=walk, short_apart=short_apart
        )
        conditions = [patients.c.clinic_id == clinic_id, *matching]
        if stage is not None:
            conditions.append(_at_stage(stage, window, _Series(series_index)))
        return conditions

    def by_ids(self, clinic_id: int, patient_ids: Collection[int]) -> dict[int, Patient]:
        wanted = sorted(set(patient_ids))
        found: dict[int, Patient] = {}
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            rows = self.connection.execute(_BY_IDS, {"clinic_id": clinic_id, "ids": chunk})
            found.update((row.id, _patient(row)) for row in rows)
        return found

    def _phrase(self, search: str) -> str:
        """SQLite's full-text query for the long words of ``search`` (empty if none, and on
        PostgreSQL)."""
        if self.connection.dialect.name != "sqlite":
            return ""
        long_words = [w for w in search_words(search) if len(w) >= SEARCH_WORD_MIN]
        return " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)

    def _matching(
        self,
        search: str,
        *,
        phrase_apart: bool = False,
        walk: bool = False,
        short_apart: bool = False,
    ) -> list[ColumnElement[bool]]:
        """One condition per word of ``search``, each served by an index; with ``walk``, the
        long words are tested on the name keys on SQLite too, as on PostgreSQL, rather than
        through the list of the full-text index's hits: for a page walking the names in order."""
        conditions: list[ColumnElement[bool]] = []
        long_words = []
        apart = short_apart
        for word in search_words(search):
            if len(word) >= SEARCH_WORD_MIN:
                long_words.append(word)
            elif apart:
                apart = False
            else:
                starts = _starts(patients.c.family_key, word), _starts(patients.c.given_key, word)
                conditions.append(or_(*starts))
        if not long_words:
            return conditions
        if self.connection.dialect.name == "sqlite" and not walk:
            if not phrase_apart:
                hits: Select[Any] = (
                    select(literal_column("rowid"))
                    .select_from(_SQLITE_NAMES)
                    .where(_match(self._phrase(search)))
                )
                conditions.append(patients.c.id.in_(hits))
        else:
            both: ColumnElement[str] = literal_column("(given_key || ' ' || family_key)")
            conditions.extend(both.like(f"%{_escaped(w)}%", escape="\\") for w in long_words)
        return conditions


def _list_key(patient: Patient) -> NameKey:
    return name_key(patient.family_name), name_key(patient.given_name), patient.id


def _literal_key(key: NameKey) -> ColumnElement[Any]:
    return tuple_(*(literal(v) for v in key))


def mark_list(connection: Connection, clinic_id: int) -> None:
    """Set the marks of the clinic's list afresh, a mark every ``MARK_STEP`` rows: after
    patients were written other than through ``SqlPatients`` (a bulk load)."""
    connection.execute(_marks.delete().where(_marks.c.clinic_id == clinic_id))
    p = patients.c
    order = (p.family_key, p.given_key, p.id)
    numbered = (
        select(*order, (func.row_number().over(order_by=order) - 1).label("n"))
        .where(p.clinic_id == clinic_id)
        .subquery()
    )
    n = numbered.c.n
    every = select(literal(clinic_id), numbered.c.family_key, numbered.c.given_key,
                   numbered.c.id, n).where(n > 0, n % MARK_STEP == 0)  # fmt: skip
    columns = ["clinic_id", "family_key", "given_key", "patient_id", "position"]
    connection.execute(insert(_marks).from_select(columns, every))


def _short_word_split(search: str) -> tuple[list[ColumnElement[bool]], ...] | None:
    """For a search with a short word, its two disjoint parts, each served by a range of an
    index: the word begins the family name; it begins the given name and not the family name
    (None without a short word). Written as one ``OR``, SQLite (no statistics) scans the index
    of every name key instead."""
    short = [w for w in search_words(search) if len(w) < SEARCH_WORD_MIN]
    if not short:
        return None
    family = _starts(patients.c.family_key, short[0])
    given = _starts(patients.c.given_key, short[0])
    return [family], [given, ~family]


def _key(indexed: bool = True) -> ColumnElement[Any]:
    """A patient's place in the list: family name key, given name key, id."""
    family = patients.c.family_key if indexed else patients.c.family_key + ""
    return tuple_(family, patients.c.given_key, patients.c.id)


def _onward(at: NameKey | None, *, indexed: bool = True) -> list[ColumnElement[bool]]:
    """The rows at ``at`` and after it in the list's order (all rows without it); without
    ``indexed``, written so that no index serves it (the given names a short word begins are
    read through their own index, not by walking every name after the key)."""
    if at is None:
        return []
    return [_key(indexed) >= tuple_(*(literal(v) for v in at))]


def _from_place(place: ListPlace, *, indexed: bool) -> list[ColumnElement[bool]]:
    """The rows a page at ``place`` is taken from: after its key, or before it going back."""
    if place.at is None or place.skip >= 0:
        return _onward(place.at, indexed=indexed)
    return [_key(indexed) < tuple_(*(literal(v) for v in place.at))]


def _match(phrase: str) -> ColumnElement[bool]:
    return literal_column("patient_names").op("MATCH")(phrase)


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts(column: Any, word: str) -> ColumnElement[bool]:
    """``column`` starts with ``word``: a range an ordered index serves, and the exact test."""
    upper = word[:-1] + chr(ord(word[-1]) + 1)
    return and_(column >= word, column < upper, column.like(f"{_escaped(word)}%", escape="\\"))


class _Series:
    """The series columns as the stage's terms use them: plain, or ``+ 0`` so that no index
    serves them (SQLite and PostgreSQL alike then look elsewhere for an index)."""

    def __init__(self, indexed: bool) -> None:
        p = patients.c
        self.planned: ColumnElement[int] = p.series_planned if indexed else p.series_planned + 0
        self.done: ColumnElement[int] = p.series_done if indexed else p.series_done + 0


def _recovering(window: StageWindow, series: _Series) -> ColumnElement[bool]:
    """Inside the recovery window of the last session's modality (``domain.journey.stage_of``:
    ``today - last_session_on <= recovery_days``); the first bound lets the index serve it."""
    p = patients.c
    longest = max(window.recovery_days.values(), default=0)
    until = {m.value: window.today - dt.timedelta(days=d) for m, d in window.recovery_days.items()}
    since = case(until, value=p.last_modality, else_=window.today) if until else window.today
    return and_(
        series.done > 0,
        p.last_session_on >= window.today - dt.timedelta(days=longest),
        p.last_session_on >= since,
    )


def _at_stage(stage: Stage, window: StageWindow, series: _Series) -> ColumnElement[bool]:
    """The patients ``domain.journey.stage_of`` puts at ``stage`` (tests hold the two to agree)."""
    planned, done = series.planned, series.done
    if stage is Stage.CONSULTATION:
        return planned == 0
    if stage is Stage.PLANNED:
        return and_(planned > 0, done == 0)
    recovering = _recovering(window, series)
    if stage is Stage.RECOVERING:
        return and_(planned > 0, recovering)
    treated = and_(planned > 0, done > 0, ~recovering)
    if stage is Stage.FINISHED:
        return and_(treated, done >= planned)
    return and_(treated, done < planned)


def refresh_series(connection: Connection, clinic_id: int, patient_id: int) -> None:
    """Work out the patient's series again from the plans and sessions and keep it with the
    patient. The patient's row is locked first, so two transactions changing the same chart at
    once count each other's sessions (PostgreSQL re-reads after the lock; SQLite has one writer)."""
    where = (patients.c.id == patient_id, patients.c.clinic_id == clinic_id)
    connection.execute(update(patients).where(*where).values(series_done=patients.c.series_done))
    planned_query = _planned(clinic_id).where(treatment_plans.c.patient_id == patient_id)
    planned = connection.execute(planned_query).all()
    done_query = _done(clinic_id).where(treatment_sessions.c.patient_id == patient_id)
    done = connection.execute(done_query).first()
    last_modality = None
    if done is not None:
        last_modality = connection.execute(
            select(session_areas.c.modality).where(
                session_areas.c.session_id == done[3], session_areas.c.position == 0
            )
        ).scalar()
    connection.execute(
        update(patients)
        .where(*where)
        .values(
            series_planned=int(planned[-1][2]) if planned else 0,
            series_done=int(done[1]) if done else 0,
            last_session_on=done[2] if done else None,
            last_modality=last_modality,
        )
    )


def _planned(clinic_id: int) -> Select[Any]:
    """Sessions in each patient's plan in treatment (``domain.plans.plan_in_treatment``: the
    newest accepted or completed), counted as ``domain.plans.decided_area`` does: an
    override's chosen count, else the engine's expected count; the largest item. By plan id:
    the last row of a patient is the plan in treatment."""
    overridden = plan_items.c.decision == ItemDecision.OVERRIDDEN
    per_item = case(
        (overridden, func.coalesce(plan_items.c.chosen_sessions, plan_items.c.sessions_expected)),
        else_=plan_items.c.sessions_expected,
    )
    return (
        select(treatment_plans.c.patient_id, treatment_plans.c.id, func.max(per_item))
        .join(plan_items, plan_items.c.plan_id == treatment_plans.c.id)
        .where(
            treatment_plans.c.clinic_id == clinic_id,
            treatment_plans.c.status.in_(IN_TREATMENT),
            treatment_plans.c.entered_in_error == "",
        )
        .group_by(treatment_plans.c.patient_id, treatment_plans.c.id)
        .order_by(treatment_plans.c.id)
    )


def _done(clinic_id: int) -> Select[Any]:
    """Per patient: sessions done, the last one's date and the newest session's id."""
    return (
        select(
            treatment_sessions.c.patient_id,
            func.count(treatment_sessions.c.id),
            func.max(treatment_sessions.c.performed_on),
            func.max(treatment_sessions.c.id),
        )
        .where(
            treatment_sessions.c.clinic_id == clinic_id,
            treatment_sessions.c.entered_in_error == "",
        )
        .group_by(treatment_sessions.c.patient_id)
    )
