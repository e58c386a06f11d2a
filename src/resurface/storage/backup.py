"""Backups: the database and the photo store together, with a manifest of hashes.

A backup is one folder, ``resurface-backup-<UTC time>``, written under a temporary name and
renamed when complete, so a half-made backup never looks like one:

    manifest.json           what is in it: every file's size and SHA-256, the schema revision,
                            every table's row count
    database.sqlite3        SQLite, copied with its online backup API (consistent while in use)
    database.pgdump         or PostgreSQL, ``pg_dump --format=custom``
    photos/ab/cd/<key>      the photo store, file by file
    key.age                 only when encrypted (see below)

Encryption uses age (the ``pyrage`` binding of the Rust ``rage``): each backup gets a fresh
X25519 key, every file is encrypted to it (``.age`` suffix), and the key itself is encrypted
with the passphrase (scrypt). Any file can be read back with the standard ``age`` tool. The
manifest holds hashes and counts only, never patient data, and stays readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from resurface import __version__
from resurface.storage import database
from resurface.storage.tables import metadata

FORMAT = 1
MANIFEST = "manifest.json"
KEY_FILE = "key.age"
SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why."""


@dataclass(frozen=True)
class Store:
    """Where a clinic's data lives: its database and its photo store."""

    database_url: str
    photos_dir: Path

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"


@dataclass(frozen=True)
class Checked:
    """What ``verify`` found: the manifest, and every problem (none: the backup is whole)."""

    folder: Path
    manifest: dict[str, object]
    problems: tuple[str, ...]


# --- create -------------------------------------------------------------------------------------


def create(store: Store, into: Path, passphrase: str | None, now: dt.datetime) -> Path:
    """Make a backup of ``store`` in a new folder under ``into``; returns the folder."""
    into.mkdir(parents=True, exist_ok=True)
    final = into / f"resurface-backup-{now:%Y%m%dT%H%M%SZ}"
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and try again")
    work = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=into))
    try:
        sealer = _Sealer.new(work, passphrase)
        files = [_dump_database(store, work, sealer)]
        files += [sealer.add(path, Path("photos") / name) for path, name in _photos(store)]
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "resurface": __version__,
            "database": "sqlite" if store.is_sqlite else "postgresql",
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
            source = sqlite3.connect(_sqlite_path(store.database_url))
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            copy = Path(scratch) / PGDUMP_FILE
            _run(["pg_dump", "--format=custom", f"--file={copy}", _libpq(store.database_url)])
        return sealer.add(copy, Path(copy.name))


def _photos(store: Store) -> Iterator[tuple[Path, str]]:
    if not store.photos_dir.is_dir():
        return
    for path in sorted(store.photos_dir.glob("*/*/*")):
        if path.is_file() and not path.name.startswith(".incoming-"):
            yield path, str(path.relative_to(store.photos_dir))


# --- verify -------------------------------------------------------------------------------------


def verify(folder: Path, passphrase: str | None) -> Checked:
    """Check every file against the manifest and that the database copy opens."""
    manifest = _manifest(folder)
    opener = _Opener.of(folder, manifest, passphrase)
    problems: list[str] = []
    listed = {str(entry["path"]) for entry in _files(manifest)}
    for entry in _files(manifest):
        stored = folder / str(entry["stored"])
        if not stored.is_file():
            problems.append(f"missing: {entry['path']}")
            continue
        if _sha256(stored.read_bytes()) != entry["stored_sha256"]:
            problems.append(f"changed: {entry['path']}")
            continue
        if entry["path"] in (SQLITE_FILE, PGDUMP_FILE):
            problems += _database_problems(str(entry["path"]), opener.read(stored))
    present = {
        str(p.relative_to(folder)).removesuffix(".age")
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, KEY_FILE)
    }
    problems += [f"not in the manifest: {path}" for path in sorted(present - listed)]
    return Checked(folder, manifest, tuple(problems))


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
    """Restore a whole backup into an empty ``store``; nothing is written unless it verifies."""
    checked = verify(folder, passphrase)
    if checked.problems:
        raise BackupError("the backup is not whole: " + "; ".join(checked.problems))
    _refuse_unless_empty(store)
    opener = _Opener.of(folder, checked.manifest, passphrase)
    entries = _files(checked.manifest)
    database_entry = next(e for e in entries if e["path"] in (SQLITE_FILE, PGDUMP_FILE))
    if (database_entry["path"] == SQLITE_FILE) != store.is_sqlite:
        kind = "SQLite" if database_entry["path"] == SQLITE_FILE else "PostgreSQL"
        raise BackupError(f"the backup is of a {kind} database; set RESURFACE_DATABASE_URL to one")
    for entry in entries:
        if entry is not database_entry:
            name = str(entry["path"]).removeprefix("photos/")
            _write_atomically(store.photos_dir / name, opener.read(folder / str(entry["stored"])))
    _load_database(store, opener.read(folder / str(database_entry["stored"])))
    return checked


def _refuse_unless_empty(store: Store) -> None:
    if store.photos_dir.is_dir() and any(p.is_file() for p in store.photos_dir.rglob("*")):
        raise BackupError(f"restore needs an empty photo store; {store.photos_dir} has files")
    if store.is_sqlite and not Path(_sqlite_path(store.database_url)).exists():
        return
    engine = database.make_engine(store.database_url)
    try:
        tables = inspect(engine).get_table_names()
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
        _run(["pg_restore", "--no-owner", "--no-privileges", f"--dbname={target}", str(dump)])


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
        data = source.read_bytes()
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
        except pyrage.DecryptError:
            raise BackupError("wrong passphrase for this backup") from None
        except FileNotFoundError:
            raise BackupError(f"{KEY_FILE} is missing from the backup") from None
        return cls(pyrage.x25519.Identity.from_str(secret.decode()))

    def read(self, stored: Path) -> bytes:
        data = stored.read_bytes()
        return pyrage.decrypt(data, [self.identity]) if self.identity else data


# --- helpers ----------------------------------------------------------------------------------


def _manifest(folder: Path) -> dict[str, object]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a Resurface backup (no {MANIFEST})") from None
    except json.JSONDecodeError as error:
        raise BackupError(f"{MANIFEST} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not a format {FORMAT} manifest")
    return manifest


def _files(manifest: dict[str, object]) -> list[dict[str, object]]:
    files = manifest.get("files")
    return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


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
