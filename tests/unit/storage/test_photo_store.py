from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from resurface.storage.photo_store import FilePhotoStore


def test_photos_are_stored_under_the_hash_of_their_bytes(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path)
    key = store.put(b"photo bytes")
    assert key == hashlib.sha256(b"photo bytes").hexdigest()
    assert store.get(key) == b"photo bytes"
    assert (tmp_path / key[:2] / key[2:4] / key).is_file()


def test_storing_the_same_photo_twice_keeps_one_copy(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path)
    assert store.put(b"same") == store.put(b"same")
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_keys_that_are_not_hashes_are_refused(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path)
    with pytest.raises(ValueError, match="not a photo key"):
        store.get("../../etc/passwd")
    assert not store.exists("0" * 63)
