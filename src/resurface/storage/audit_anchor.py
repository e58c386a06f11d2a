"""What anchors the audit trail outside the database: the chain keys and the signed checkpoints.

Both live in a folder of their own (``DATA_DIR/audit`` by default), beside the photo store and
not in the database, so that whoever can write to the database can neither recompute the chain
nor move its head back unseen:

- ``keys``: one JSON line per key, oldest first; the last one keys new events. Created with a
  random key on first use, readable by the server's user only. ``rotate`` adds a key; old keys
  stay, so the events they keyed can still be checked.
- ``checkpoints-YYYY-MM.log``: one JSON line per checkpoint, appended and never rewritten; a new
  file each month.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from pathlib import Path

from resurface.domain.audit import ChainKey, Checkpoint

KEYS_FILE = "keys"
CHECKPOINTS = re.compile(r"^checkpoints-\d{4}-\d{2}\.log$")


class AuditAnchorError(Exception):
    """The key file or a checkpoint file cannot be read; the message says which and why."""


class FileAuditAnchor:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._current: ChainKey | None = None

    # --- keys -----------------------------------------------------------------------------------

    def key(self) -> ChainKey:
        """The key new events are chained with (made on first use)."""
        if self._current is None:
            found = self._read_keys()
            self._current = found[-1] if found else self._add_key()
        return self._current

    def keys(self) -> dict[str, ChainKey]:
        return {key.id: key for key in self._read_keys()}

    def rotate(self) -> ChainKey:
        """Add a new key; new events are chained with it once the server restarts."""
        self._current = self._add_key()
        return self._current

    def _read_keys(self) -> list[ChainKey]:
        path = self.folder / KEYS_FILE
        if not path.exists():
            return []
        found = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                found.append(ChainKey.of(bytes.fromhex(json.loads(line)["secret"])))
            except (ValueError, KeyError, TypeError) as error:
                raise AuditAnchorError(f"{path}: line {number} is not a key ({error})") from None
        return found

    def _add_key(self) -> ChainKey:
        self.folder.mkdir(parents=True, exist_ok=True)
        key = ChainKey.of(secrets.token_bytes(32))
        line = json.dumps({"id": key.id, "secret": key.secret.hex(), "created": _now().isoformat()})
        path = self.folder / KEYS_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a") as keys:
            keys.write(line + "\n")
            keys.flush()
            os.fsync(keys.fileno())
        return key

    # --- checkpoints ----------------------------------------------------------------------------

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(p for p in self.folder.iterdir() if CHECKPOINTS.match(p.name)):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if line.strip():
                    found.append(_checkpoint(path, number, line))
        return found

    def last_checkpoint(self) -> Checkpoint | None:
        """The newest checkpoint, read from the newest file only."""
        if not self.folder.is_dir():
            return None
        files = sorted(p for p in self.folder.iterdir() if CHECKPOINTS.match(p.name))
        for path in reversed(files):
            lines = [line for line in path.read_text().splitlines() if line.strip()]
            if lines:
                return _checkpoint(path, len(lines), lines[-1])
        return None

    def add_checkpoint(self, point: Checkpoint) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "seq": point.seq,
                "hash": point.hash,
                "at": point.at.astimezone(dt.UTC).isoformat(),
                "key_id": point.key_id,
                "mac": point.mac,
            }
        )
        path = self.folder / f"checkpoints-{point.at:%Y-%m}.log"
        with path.open("a") as log:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())


def _checkpoint(path: Path, number: int, line: str) -> Checkpoint:
    try:
        raw = json.loads(line)
        return Checkpoint(
            int(raw["seq"]),
            str(raw["hash"]),
            dt.datetime.fromisoformat(raw["at"]),
            str(raw["key_id"]),
            str(raw["mac"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise AuditAnchorError(f"{path}: line {number} is not a checkpoint ({error})") from None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
