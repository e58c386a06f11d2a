"""The S3 photo store against a local S3-compatible server (moto): the same content-addressed
names as the file store, listed, checked against their key and deleted; a bucket's prefix keeps
deployments apart; a service that does not answer is a clear "try again", never a lost photo."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from resurface.services.errors import PhotoFileMissing, Unavailable
from resurface.storage.photo_store import S3Address, S3PhotoStore
from tests.support.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server, an_s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with an_s3_server() as server:
        yield server


def _store(s3: S3Server, bucket: str, prefix: str = "harbour") -> S3PhotoStore:
    return S3PhotoStore(S3Address(bucket, prefix, s3.endpoint_url, REGION, ACCESS_KEY, SECRET_KEY))


def test_photos_are_stored_under_the_hash_of_their_bytes(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    store = _store(s3, bucket)
    key = store.put(b"photo bytes")
    assert key == hashlib.sha256(b"photo bytes").hexdigest()
    assert store.get(key) == b"photo bytes" and store.exists(key)
    listed = s3.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"harbour/{key[:2]}/{key[2:4]}/{key}"]


def test_storing_the_same_photo_twice_keeps_one_object(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    store = _store(s3, bucket)
    assert store.put(b"same") == store.put(b"same")
    assert s3.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_keys_that_are_not_hashes_are_refused(s3: S3Server) -> None:
    store = _store(s3, s3.new_bucket())
    with pytest.raises(ValueError, match="not a photo key"):
        store.get("../../etc/passwd")
    assert not store.exists("0" * 63)


def test_a_missing_photo_is_a_clear_not_found(s3: S3Server) -> None:
    store = _store(s3, s3.new_bucket())
    assert not store.exists("0" * 64)
    with pytest.raises(PhotoFileMissing, match="photos check"):
        store.get("0" * 64)


def test_files_lists_photos_and_stray_objects_and_delete_removes_one(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    store = _store(s3, bucket)
    key = store.put(b"a photo")
    stray = f"{key[:2]}/{key[2:4]}/not-a-photo"
    s3.client().put_object(Bucket=bucket, Key=f"harbour/{stray}", Body=b"junk")
    listed = {file.name: file.key for file in store.files()}
    assert listed == {f"{key[:2]}/{key[2:4]}/{key}": key, stray: None}
    assert all(file.written_at.tzinfo is not None for file in store.files())
    store.delete(stray)
    assert {file.name for file in store.files()} == {f"{key[:2]}/{key[2:4]}/{key}"}
    with pytest.raises(ValueError, match="not a file of the photo store"):
        store.delete("../other-clinic/ab/cd/x")


def test_intact_compares_the_bytes_with_their_key(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    store = _store(s3, bucket)
    key = store.put(b"a photo")
    assert store.intact(key)
    s3.client().put_object(Bucket=bucket, Key=f"harbour/{key[:2]}/{key[2:4]}/{key}", Body=b"x")
    assert not store.intact(key)


def test_prefixes_keep_two_deployments_in_one_bucket_apart(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    harbour, northgate = _store(s3, bucket, "harbour"), _store(s3, bucket, "north/gate")
    key = harbour.put(b"harbour's photo")
    assert not northgate.exists(key) and list(northgate.files()) == []
    assert [file.key for file in harbour.files()] == [key]


def test_a_store_that_does_not_answer_says_so_and_keeps_nothing_half_done(s3: S3Server) -> None:
    gone = S3PhotoStore(
        S3Address("photos", "", "http://127.0.0.1:9", REGION, ACCESS_KEY, SECRET_KEY)
    )
    with pytest.raises(Unavailable, match="does not answer"):
        gone.put(b"a photo")
    with pytest.raises(Unavailable):
        gone.get("0" * 64)
    assert not gone.reachable()
    missing_bucket = _store(s3, "no-such-bucket")
    assert not missing_bucket.reachable()
    with pytest.raises(Unavailable):
        list(missing_bucket.files())
    assert _store(s3, s3.new_bucket()).reachable()
