"""The file photo store: content-addressed files, listed, checked against their key, deleted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from resurface.services.errors import PhotoFileMissing
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


def test_keys_list_stored_photos_and_unfinished_uploads(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path)
    key = store.put(b"a photo")
    unfinished = tmp_path / key[:2] / key[2:4] / ".incoming-abc123"
    unfinished.write_bytes(b"cut off mid-wri")

    listed = {file.name: file.key for file in store.files()}
    assert listed == {
        f"{key[:2]}/{key[2:4]}/{key}": key,
        f"{key[:2]}/{key[2:4]}/.incoming-abc123": None,
    }

    store.delete(f"{key[:2]}/{key[2:4]}/.incoming-abc123")
    assert not unfinished.exists() and store.exists(key)


def test_intact_compares_the_bytes_with_their_key(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path)
    key = store.put(b"a photo")
    assert key == hashlib.sha256(b"a photo").hexdigest() and store.intact(key)
    (tmp_path / key[:2] / key[2:4] / key).write_bytes(b"a ph0to")
    assert not store.intact(key)


def test_delete_refuses_a_path_outside_the_store(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path / "photos")
    with pytest.raises(ValueError, match="not a file of the photo store"):
        store.delete("../../etc/passwd")
    with pytest.raises(ValueError, match="not a file of the photo store"):
        store.delete("resurface.db")


def test_a_missing_file_is_a_clear_not_found(tmp_path: Path) -> None:
    with pytest.raises(PhotoFileMissing, match="photos check"):
        FilePhotoStore(tmp_path).get("0" * 64)
