"""Do the photo store and the records agree? The operator's check after a crash or a restore.

A photo's bytes are written before the record naming them is committed (so an acknowledged
upload always has its file). A crash or a refused upload in between leaves a file no record
names: an *orphan*. The check lists orphans (and removes them when asked), and finds records
whose file is *missing* or no longer matches its hash (*damaged*). A photo that could not be
measured because its file was missing, and whose file is back and intact (restored from a backup,
a store mounted again), is measured again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.services.context import Context
from resurface.services.photo_analysis import measure_again_with_their_files_back
from resurface.services.ports import FileReference, StoredFile

__all__ = ["PhotoStoreReport", "check_photo_store"]

#: An upload in flight has written its file but not yet committed its record; a file this
#: young may be one, so a check while the server runs leaves it alone.
IN_FLIGHT = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class PhotoStoreReport:
    files: int
    records: int
    orphans: tuple[StoredFile, ...]
    removed: tuple[StoredFile, ...]
    missing: tuple[FileReference, ...]
    damaged: tuple[FileReference, ...]
    measured_again: tuple[int, ...] = ()

    @property
    def consistent(self) -> bool:
        """Every record has its intact file, and no orphan is left in the store."""
        return not (self.missing or self.damaged or len(self.orphans) > len(self.removed))


def check_photo_store(
    ctx: Context, *, remove_orphans: bool = False, in_flight: dt.timedelta = IN_FLIGHT
) -> PhotoStoreReport:
    """Compare the store with every record that names a file, in every clinic.

    With ``remove_orphans``, orphans written more than ``in_flight`` ago are deleted; pass
    ``timedelta(0)`` only when no upload can be running (at start-up, before serving).
    """
    with ctx.uow() as uow:
        references = uow.charts.file_references()
    stored = list(ctx.photos.files())
    named = {reference.key for reference in references}
    present = {file.key for file in stored if file.key is not None}
    orphans = tuple(file for file in stored if file.key not in named)
    removed: list[StoredFile] = []
    if remove_orphans:
        cutoff = ctx.clock.now() - in_flight
        for file in orphans:
            if file.written_at <= cutoff:
                ctx.photos.delete(file.name)
                removed.append(file)
    missing = tuple(r for r in references if r.key not in present)
    broken = {key for key in named & present if not ctx.photos.intact(key)}
    damaged = tuple(r for r in references if r.key in broken)
    whole = {r.record_id for r in references
             if r.record_type == "photo" and r.key in present and r.key not in broken}  # fmt: skip
    again = tuple(measure_again_with_their_files_back(ctx, whole))
    return PhotoStoreReport(
        len(stored), len(references), orphans, tuple(removed), missing, damaged, again
    )
