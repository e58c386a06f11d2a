"""Photos live in a content-addressed file store, never in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from resurface.services.errors import PhotoFileMissing
from resurface.services.ports import StoredFile

_KEY = re.compile(r"^[0-9a-f]{64}$")
_INCOMING = ".incoming-"


class FilePhotoStore:
    """Files named by the SHA-256 of their bytes, fanned out as ``ab/cd/abcd…``.

    Writes go to a temporary file first and are renamed into place, so a crash never leaves
    a half-written photo under a valid key (only a ``.incoming-…`` file that ``files`` lists
    without a key, as is any stray file).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=_INCOMING)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise PhotoFileMissing() from None

    def exists(self, key: str) -> bool:
        return bool(_KEY.match(key)) and self._path(key).is_file()

    def files(self) -> Iterator[StoredFile]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*/*/*")):
            if not path.is_file():
                continue
            name = str(path.relative_to(self.root))
            key = path.name if _KEY.match(path.name) and self._path(path.name) == path else None
            written = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            yield StoredFile(name, key, written)

    def intact(self, key: str) -> bool:
        digest = hashlib.sha256()
        with self._path(key).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest() == key

    def delete(self, name: str) -> None:
        """Remove one file that ``files`` listed, by its ``StoredFile.name``."""
        path = self.root / name
        if path.parent.parent.parent != self.root or ".." in Path(name).parts:
            raise ValueError(f"not a file of the photo store: {name!r}")
        path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a photo key: {key!r}")
        return self.root / key[:2] / key[2:4] / key
