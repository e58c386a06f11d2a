"""Backups: the database and the photo store together, with a manifest of hashes.

A backup is one folder, ``resurface-backup-<UTC time>``, written under a temporary name and
renamed when complete, so a half-made backup never looks like one:

    manifest.json           what is in it: every file's size and SHA-256, the schema revision,
                            every table's row count
    database.sqlite3        SQLite, copied with its online backup API (consistent while in use)
    database.pgdump         or PostgreSQL, ``pg_dump --format=custom``
    photos/ab/cd/<key>      the photo store, photo by photo (from files or an S3 bucket alike;
                            a restore puts them into whichever store it is given)
    key.age                 only when encrypted (see below)

Encryption uses age (the ``pyrage`` binding of the Rust ``rage``): each backup gets a fresh
X25519 key, every file is encrypted to it (``.age`` suffix), and the key itself is encrypted
with the passphrase (scrypt). Any file can be read back with the standard ``age`` tool. The
manifest holds hashes and counts only, never patient data, and stays readable.

A backup is read as untrusted input: the manifest names only the files a backup can hold
(the database copy and ``photos/ab/cd/<key>``), every file is checked against its hashes before
it is used, and a restore writes nothing until the whole backup has been read and checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyrage
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from resurface import __version__
from resurface.services.ports import StoredFile
from resurface.storage import database
from resurface.storage.tables import metadata

FORMAT = 1
MANIFEST = "manifest.json"
KEY_FILE = "key.age"
SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"
_DATABASE_FILES = {"sqlite": SQLITE_FILE, "postgresql": PGDUMP_FILE}
_PHOTO_PATH = re.compile(r"^photos/([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})$")
_AUDIT_PATH = re.compile(r"^audit/(keys|checkpoints-\d{4}-\d{2}\.log)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PhotoFiles(Protocol):
    """What a backup needs of a photo store (files or a bucket): list, read, and write back
    under the name it had."""

    def files(self) -> Iterator[StoredFile]: ...
    def get(self, key: str) -> bytes: ...
    def put_as(self, key: str, data: bytes) -> None: ...


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why."""


@dataclass(frozen=True)
class Store:
    """Where a clinic's data lives: its database and its photo store (files or a bucket)."""

    database_url: str
    photos: PhotoFiles
    audit_dir: Path | None = None
    """The audit chain's keys and checkpoints (without them the restored trail cannot be
    checked)."""
    work_dir: Path = Path("var")
    """The data directory: a restore stages the checked files here before it uses them."""

    @property
    def kind(self) -> str:
        return (
            "sqlite" if make_url(self.database_url).get_backend_name() == "sqlite" else "postgresql"
        )

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"


@dataclass(frozen=True)
class Entry:
    """One file of a backup, as its manifest lists it."""

    path: str  # where it belongs: the database copy, photos/ab/cd/<key> or audit/<file>
    stored: str  # its name in the backup folder: ``path``, or ``path.age`` when encrypted
    size: int  # of the plain file
    sha256: str  # of the plain file
    stored_sha256: str  # of the file as stored (the ciphertext when encrypted)

    @property
    def is_database(self) -> bool:
        return self.path in (SQLITE_FILE, PGDUMP_FILE)


@dataclass(frozen=True)
class Checked:
    """What ``verify`` found: the manifest, its files, and every problem (none: the backup is
    whole)."""

    folder: Path
    manifest: dict[str, object]
    entries: tuple[Entry, ...]
    problems: tuple[str, ...]

    @property
    def rows(self) -> dict[str, int]:
        rows = self.manifest.get("rows")
        return {str(k): int(v) for k, v in rows.items()} if isinstance(rows, dict) else {}


class _Damaged(Exception):
    """One file of a backup is not what its manifest says (the message is a problem line)."""


# --- create -------------------------------------------------------------------------------------


def create(store: Store, into: Path, passphrase: str | None, now: dt.datetime) -> Path:
    """Make a backup of ``store`` in a new folder under ``into``; returns the folder."""
    if into.exists() and not into.is_dir():
        raise BackupError(f"cannot make a backup in {into}: not a folder")
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot make a backup in {into}: {error.strerror}") from None
    final = into / f"resurface-backup-{now:%Y%m%dT%H%M%SZ}"
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and try again")
    work = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=into))
    try:
        sealer = _Sealer.new(work, passphrase)
        files = [_dump_database(store, work, sealer)]
        files += [
            sealer.add_bytes(store.photos.get(key), Path("photos") / name)
            for key, name in _photos(store)
        ]
        files += [sealer.add(path, Path("audit") / path.name) for path in _audit_files(store)]
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "resurface": __version__,
            "database": store.kind,
            "schema_revision": _revision(store.database_url),
            "encrypted": passphrase is not None,
            "rows": row_counts(store.database_url),
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _dump_database(store: Store, work: Path, sealer: _Sealer) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        if store.is_sqlite:
            copy = Path(scratch) / SQLITE_FILE
            _sqlite_copy(Path(_sqlite_path(store.database_url)), copy)
        else:
            copy = Path(scratch) / PGDUMP_FILE
            _run(["pg_dump", "--format=custom", f"--file={copy}", _libpq(store.database_url)])
        return sealer.add(copy, Path(copy.name))


def _sqlite_copy(source_path: Path, copy: Path) -> None:
    if not source_path.is_file():
        # sqlite3.connect would create an empty database there: a backup of nothing.
        raise BackupError(f"no database at {source_path}; nothing to back up")
    try:
        source = sqlite3.connect(source_path)
        try:
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"cannot copy the database {source_path}: {error}") from None


def _photos(store: Store) -> Iterator[tuple[str, str]]:
    """Every photo's key and name in the store (not an upload cut off before it got its key)."""
    for file in store.photos.files():
        if file.key is not None:
            yield file.key, file.name


def _audit_files(store: Store) -> list[Path]:
    if store.audit_dir is None or not store.audit_dir.is_dir():
        return []
    return sorted(
        path
        for path in store.audit_dir.iterdir()
        if path.is_file() and _AUDIT_PATH.match(f"audit/{path.name}")
    )


# --- verify -------------------------------------------------------------------------------------


def verify(folder: Path, passphrase: str | None) -> Checked:
    """Check every file against the manifest (as stored, and decrypted when encrypted) and that
    the database copy opens; list what is missing, changed or not in the manifest."""
    manifest = _manifest(folder)
    opener = _Opener.of(folder, manifest, passphrase)
    entries, problems = _entries(manifest)
    for entry in entries:
        try:
            data = _read(folder, entry, opener)
        except _Damaged as damaged:
            problems.append(str(damaged))
            continue
        if entry.is_database:
            problems += _database_problems(entry.path, data)
    listed = {entry.stored for entry in entries}
    present = {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, KEY_FILE)
    }
    problems += [f"not in the manifest: {name}" for name in sorted(present - listed)]
    return Checked(folder, manifest, tuple(entries), tuple(problems))


def _entries(manifest: dict[str, object]) -> tuple[list[Entry], list[str]]:
    """The manifest's files that a backup may hold, and a problem line for every other one."""
    kind = manifest.get("database")
    files = manifest.get("files")
    if kind not in _DATABASE_FILES or not isinstance(files, list):
        return [], [f"{MANIFEST} names no database kind or no files"]
    rows = manifest.get("rows")
    if not isinstance(rows, dict) or not all(
        isinstance(count, int) and not isinstance(count, bool) for count in rows.values()
    ):
        return [], [f"{MANIFEST} has no row counts"]
    suffix = ".age" if manifest.get("encrypted") else ""
    entries: list[Entry] = []
    problems: list[str] = []
    for number, raw in enumerate(files, start=1):
        entry = _entry(raw)
        where = f"{MANIFEST}: file {number}"
        if entry is None:
            problems.append(f"{where} is not a path, size and two SHA-256 hashes")
        elif entry.path != _DATABASE_FILES[str(kind)] and not (
            _PHOTO_PATH.match(entry.path) or _AUDIT_PATH.match(entry.path)
        ):
            problems.append(f"{where}: {entry.path!r} is not a file a backup holds")
        elif entry.stored != entry.path + suffix:
            problems.append(
                f"{where}: stored as {entry.stored!r}, expected {entry.path + suffix!r}"
            )
        elif any(e.path == entry.path for e in entries):
            problems.append(f"{where}: {entry.path} is listed twice")
        else:
            entries.append(entry)
    if not any(entry.is_database for entry in entries):
        problems.append(f"{MANIFEST} lists no database copy ({_DATABASE_FILES[str(kind)]})")
    return entries, problems


def _entry(raw: object) -> Entry | None:
    if not isinstance(raw, dict):
        return None
    path, stored, size = raw.get("path"), raw.get("stored"), raw.get("size")
    sha, stored_sha = raw.get("sha256"), raw.get("stored_sha256")
    if not (isinstance(path, str) and isinstance(stored, str)):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    if not all(isinstance(h, str) and _SHA256.match(h) for h in (sha, stored_sha)):
        return None
    return Entry(path, stored, size, str(sha), str(stored_sha))


def _read(folder: Path, entry: Entry, opener: _Opener) -> bytes:
    """The plain content of one file, checked against both of its hashes."""
    stored = folder / entry.stored
    try:
        data = stored.read_bytes()
    except FileNotFoundError:
        raise _Damaged(f"missing: {entry.path}") from None
    if _sha256(data) != entry.stored_sha256:
        raise _Damaged(f"changed: {entry.path}")
    plain = opener.open(data, entry.path)
    if len(plain) != entry.size or _sha256(plain) != entry.sha256:
        raise _Damaged(f"changed: {entry.path} (its content differs from the manifest)")
    return plain


def _database_problems(name: str, data: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / name
        copy.write_bytes(data)
        if name == SQLITE_FILE:
            connection = sqlite3.connect(copy)
            try:
                result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as error:
                result = str(error)
            finally:
                connection.close()
            return [] if result == "ok" else [f"the database copy is damaged: {result}"]
        try:
            _run(["pg_restore", "--list", str(copy)])
        except BackupError as error:
            return [f"the database dump cannot be read ({error})"]
        return []


# --- restore ------------------------------------------------------------------------------------


def restore(folder: Path, store: Store, passphrase: str | None) -> Checked:
    """Restore a whole backup into an empty ``store``.

    Nothing is written unless the backup verifies and the target is empty; the photos are
    decrypted and checked beside the photo store first and moved into it only once the
    database is loaded (PostgreSQL in one transaction), so a failed restore leaves the target
    empty and can be run again.
    """
    checked = verify(folder, passphrase)
    if checked.problems:
        raise BackupError("the backup is not whole: " + "; ".join(checked.problems))
    kind = str(checked.manifest["database"])
    if kind != store.kind:
        raise BackupError(
            "the backup is of a SQLite database; unset RESURFACE_DATABASE_URL to restore into "
            "DATA_DIR/resurface.db"
            if kind == "sqlite"
            else "the backup is of a PostgreSQL database; set RESURFACE_DATABASE_URL to an "
            "empty PostgreSQL database"
        )
    _refuse_unless_empty(store)
    opener = _Opener.of(folder, checked.manifest, passphrase)
    store.work_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=store.work_dir))
    try:
        files = [entry for entry in checked.entries if not entry.is_database]
        for entry in files:
            _write_atomically(staging / entry.path, _checked_read(folder, entry, opener))
        (database_entry,) = (entry for entry in checked.entries if entry.is_database)
        _load_database(store, _checked_read(folder, database_entry, opener))
        for entry in files:
            _put_back(store, entry, staging / entry.path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    restored = row_counts(store.database_url)
    if restored != checked.rows:
        raise BackupError(
            f"restored, but the row counts differ from the manifest: {restored} != {checked.rows}"
        )
    return checked


def _put_back(store: Store, entry: Entry, staged: Path) -> None:
    """A checked file into its place: a photo into the photo store (files or a bucket, whichever
    the backup came from), an audit file into the audit folder."""
    if entry.path.startswith("audit/"):
        target = (store.audit_dir or store.work_dir / "audit") / entry.path.removeprefix("audit/")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        return
    store.photos.put_as(entry.path.rsplit("/", 1)[1], staged.read_bytes())


def _checked_read(folder: Path, entry: Entry, opener: _Opener) -> bytes:
    try:
        return _read(folder, entry, opener)
    except _Damaged as damaged:
        raise BackupError(f"the backup changed while it was restored: {damaged}") from None


def _refuse_unless_empty(store: Store) -> None:
    if next(iter(store.photos.files()), None) is not None:
        raise BackupError(f"restore needs an empty photo store; {store.photos} has files")
    if store.is_sqlite and not Path(_sqlite_path(store.database_url)).exists():
        return
    engine = database.make_engine(store.database_url)
    try:
        tables = inspect(engine).get_table_names()
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(f"cannot open the database to restore into: {reason}") from None
    finally:
        engine.dispose()
    if tables:
        raise BackupError("restore needs an empty database; this one has tables")


def _load_database(store: Store, data: bytes) -> None:
    if store.is_sqlite:
        _write_atomically(Path(_sqlite_path(store.database_url)), data)
        return
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / PGDUMP_FILE
        dump.write_bytes(data)
        target = _libpq(store.database_url)
        _run(
            [
                "pg_restore",
                "--single-transaction",  # all or nothing: a failed load leaves the database empty
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                f"--dbname={target}",
                str(dump),
            ]
        )


# --- encryption -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sealer:
    """Writes files into the backup folder, encrypted to the backup's key when there is one."""

    work: Path
    recipient: pyrage.x25519.Recipient | None

    @classmethod
    def new(cls, work: Path, passphrase: str | None) -> _Sealer:
        if passphrase is None:
            return cls(work, None)
        identity = pyrage.x25519.Identity.generate()
        (work / KEY_FILE).write_bytes(pyrage.passphrase.encrypt(str(identity).encode(), passphrase))
        return cls(work, identity.to_public())

    def add(self, source: Path, name: Path) -> dict[str, object]:
        return self.add_bytes(source.read_bytes(), name)

    def add_bytes(self, data: bytes, name: Path) -> dict[str, object]:
        stored_name = Path(f"{name}.age") if self.recipient else name
        stored = pyrage.encrypt(data, [self.recipient]) if self.recipient else data
        _write_atomically(self.work / stored_name, stored)
        return {
            "path": str(name),
            "stored": str(stored_name),
            "size": len(data),
            "sha256": _sha256(data),
            "stored_sha256": _sha256(stored),
        }


@dataclass(frozen=True)
class _Opener:
    identity: pyrage.x25519.Identity | None

    @classmethod
    def of(cls, folder: Path, manifest: dict[str, object], passphrase: str | None) -> _Opener:
        if not manifest.get("encrypted"):
            return cls(None)
        if passphrase is None:
            raise BackupError("the backup is encrypted: give its passphrase (--passphrase-file)")
        try:
            secret = pyrage.passphrase.decrypt((folder / KEY_FILE).read_bytes(), passphrase)
            return cls(pyrage.x25519.Identity.from_str(secret.decode()))
        except FileNotFoundError:
            raise BackupError(f"{KEY_FILE} is missing from the backup") from None
        except (pyrage.DecryptError, pyrage.IdentityError, UnicodeDecodeError):
            raise BackupError(
                f"wrong passphrase for this backup (or its {KEY_FILE} is damaged)"
            ) from None

    def open(self, data: bytes, path: str) -> bytes:
        if self.identity is None:
            return data
        try:
            return bytes(pyrage.decrypt(data, [self.identity]))
        except pyrage.DecryptError:
            raise _Damaged(f"changed: {path} (cannot be decrypted)") from None


# --- helpers ----------------------------------------------------------------------------------


def _manifest(folder: Path) -> dict[str, object]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (FileNotFoundError, NotADirectoryError):
        raise BackupError(f"{folder} is not a Resurface backup (no {MANIFEST})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BackupError(f"{MANIFEST} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not a format {FORMAT} manifest")
    return manifest


def _revision(url: str) -> str | None:
    engine = database.make_engine(url)
    try:
        return database.current_revision(engine)
    finally:
        engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    """Every table's row count (a restored database matches its manifest)."""
    engine = database.make_engine(url)
    try:
        present = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            counted = {
                table.name: connection.execute(select(func.count()).select_from(table))
                for table in metadata.sorted_tables
                if table.name in present  # a database not yet upgraded lacks the newest
            }
            return {name: int(result.scalar_one()) for name, result in counted.items()}
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return path


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    """Run one of PostgreSQL's client tools (found on PATH) with our own arguments."""
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)")
    done = subprocess.run([tool, *command[1:]], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
