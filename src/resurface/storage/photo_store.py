"""Photos live in a content-addressed file store, never in the database."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FilePhotoStore:
    """Files named by the SHA-256 of their bytes, fanned out as ``ab/cd/abcd…``.

    Writes go to a temporary file first and are renamed into place, so a crash never leaves
    a half-written photo under a valid key.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return bool(_KEY.match(key)) and self._path(key).is_file()

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a photo key: {key!r}")
        return self.root / key[:2] / key[2:4] / key
