"""Photos live in a content-addressed store, never in the database: files on a disk
(:class:`FilePhotoStore`, the default) or objects in an S3-compatible bucket
(:class:`S3PhotoStore`, ``RESURFACE_PHOTO_STORE=s3://bucket/prefix``) that every server of a
deployment shares. Both name a photo ``ab/cd/<sha256>`` by the hash of its bytes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resurface.services.errors import PhotoFileMissing, Unavailable
from resurface.services.ports import StoredFile, stored_file_name

if TYPE_CHECKING:
    import botocore.exceptions

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

    def __str__(self) -> str:
        return str(self.root)

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if not self._path(key).exists():
            self.put_as(key, data)
        return key

    def put_as(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` as it is, matching or not (a restore gives back the
        store as it was backed up, a damaged photo included, for ``photos check`` to name)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=_INCOMING)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

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
        return self.root / stored_file_name(key)


_NAME = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([^/]+)$")
_BLOCK = 1 << 20


@dataclass(frozen=True)
class S3Address:
    """Where an S3PhotoStore keeps its photos, and how to reach it."""

    bucket: str
    prefix: str = ""
    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""


class S3PhotoStore:
    """The same content-addressed names as :class:`FilePhotoStore`, as objects in a bucket
    (``<prefix>/ab/cd/<key>``).

    An object appears only once its whole upload is stored, and each upload carries its MD5 for
    the service to check, so a photo is never half-written under its key; there are no
    ``.incoming-`` files. What the service answers with other than "no such object" (it is
    down, refuses the credentials, the bucket is gone) is :class:`Unavailable`: nothing is
    saved, and the request can be tried again.
    """

    def __init__(self, address: S3Address, client: Any = None) -> None:
        self.address = address
        self.client = client if client is not None else _client(address)
        self._root = f"{address.prefix}/" if address.prefix else ""

    def __str__(self) -> str:
        return f"s3://{self.address.bucket}/{self.address.prefix}".rstrip("/")

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if not self.exists(key):
            self.put_as(key, data)
        return key

    def put_as(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` as it is (see :meth:`FilePhotoStore.put_as`)."""
        # Content-MD5: the service refuses bytes damaged on the way (every S3-compatible
        # service checks it; the newer checksum headers are not understood by all).
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        with self._answering():
            self.client.put_object(
                Bucket=self.address.bucket,
                Key=self._object(key),
                Body=data,
                ContentMD5=digest,
                ContentType="application/octet-stream",
            )

    def get(self, key: str) -> bytes:
        import botocore.exceptions  # boto3 and botocore load only where a bucket is used

        with self._answering():
            try:
                answer = self.client.get_object(Bucket=self.address.bucket, Key=self._object(key))
            except botocore.exceptions.ClientError as error:
                if _not_found(error):
                    raise PhotoFileMissing() from None
                raise
            return bytes(answer["Body"].read())

    def exists(self, key: str) -> bool:
        if not _KEY.match(key):
            return False
        import botocore.exceptions

        with self._answering():
            try:
                self.client.head_object(Bucket=self.address.bucket, Key=self._object(key))
            except botocore.exceptions.ClientError as error:
                if _not_found(error):
                    return False
                raise
        return True

    def files(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.address.bucket, Prefix=self._root
        )
        with self._answering():
            for page in pages:
                for item in page.get("Contents", []):
                    name = str(item["Key"])[len(self._root) :]
                    found = _NAME.match(name)
                    key = found.group(3) if found and _KEY.match(found.group(3)) else None
                    if key is not None and name != stored_file_name(key):
                        key = None
                    yield StoredFile(name, key, item["LastModified"].astimezone(dt.UTC))

    def intact(self, key: str) -> bool:
        digest = hashlib.sha256()
        with self._answering():
            answer = self.client.get_object(Bucket=self.address.bucket, Key=self._object(key))
            for block in iter(lambda: answer["Body"].read(_BLOCK), b""):
                digest.update(block)
        return digest.hexdigest() == key

    def delete(self, name: str) -> None:
        """Remove one object that ``files`` listed, by its ``StoredFile.name``."""
        if not _NAME.match(name) or ".." in name.split("/"):
            raise ValueError(f"not a file of the photo store: {name!r}")
        with self._answering():
            self.client.delete_object(Bucket=self.address.bucket, Key=self._root + name)

    def reachable(self) -> bool:
        """Whether the bucket answers (for /healthz)."""
        try:
            with self._answering():
                self.client.head_bucket(Bucket=self.address.bucket)
        except Unavailable:
            return False
        return True

    def _object(self, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError(f"not a photo key: {key!r}")
        return self._root + stored_file_name(key)

    @contextmanager
    def _answering(self) -> Iterator[None]:
        import botocore.exceptions

        try:
            yield
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise Unavailable(
                f"the photo store {self} does not answer or refuses the request ({error}); "
                "nothing was saved, try again in a moment"
            ) from error


def _not_found(error: botocore.exceptions.ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def _client(address: S3Address) -> Any:
    """A client for the store; connects on first use, and retries what S3 says to retry."""
    import boto3  # loaded here: a deployment without a bucket never needs it (0.15 s)
    import botocore.config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=address.endpoint_url or None,
        region_name=address.region or None,
        aws_access_key_id=address.access_key_id or None,
        aws_secret_access_key=address.secret_access_key or None,
        config=botocore.config.Config(
            retries={"mode": "standard", "max_attempts": 3},
            # Only the checksums S3 requires: services other than AWS refuse the rest.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=20,
        ),
    )
