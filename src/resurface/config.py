"""Settings, read once from the environment (prefix ``RESURFACE_``) by the app factory or CLI."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from resurface.domain.people import time_zone_problem

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"  # noqa: S105


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything an operator can set. Built once, never at import time."""

    model_config = SettingsConfigDict(env_prefix="RESURFACE_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")
    database_url: str = Field(default="", description="SQLAlchemy URL; SQLite in data_dir if empty")
    audit_dir: Path | None = Field(
        default=None,
        description="the audit chain's keys and signed checkpoints (default DATA_DIR/audit)",
    )
    secret_key: str = DEVELOPMENT_SECRET
    session_hours: float = Field(default=8.0, gt=0)
    temporary_password_hours: float = Field(
        default=72.0, gt=0, le=720, description="how long a reset's temporary password works"
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins for one name before attempts wait"
    )
    login_client_max_failures: int = Field(
        default=20, ge=1, description="failed sign-ins from one address before attempts wait"
    )
    login_lockout_minutes: float = Field(
        default=15.0, gt=0, description="the longest wait (30 s, doubling with each failure)"
    )
    protocols_dir: Path | None = None
    max_upload_mb: float = Field(default=40.0, gt=0)
    max_photo_megapixels: float = Field(
        default=60.0, gt=0, le=200, description="larger photos are refused (decompression bombs)"
    )
    photo_workers: int = Field(
        default=1, ge=1, le=8, description="photos decoded and measured at once (memory bound)"
    )
    web_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        description="routes a web process runs at once (serve --threads sets it); its database "
        "pool keeps a connection for each",
    )
    max_body_kb: int = Field(
        default=1024, ge=16, description="the largest form or JSON body (photos aside)"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="how patients reach this server (links, QR)"
    )
    recovery_link_days: int = Field(default=42, ge=1, description="how long a patient link works")
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "resurface@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    timezone: str = Field(default="UTC", description="the clinic's time zone, e.g. Europe/London")
    trusted_proxies: str = Field(
        default="",
        description=(
            "comma-separated IP addresses or networks (CIDR) of the reverse proxies whose "
            "X-Forwarded-For and X-Forwarded-Proto headers are believed; empty: none"
        ),
    )

    outbox_interval_seconds: float = Field(
        default=60.0,
        ge=1,
        le=3600,
        description="how often the web app queues due reminders and delivers pending e-mail",
    )
    leader_lease_seconds: float = Field(
        default=30.0,
        ge=3,
        le=600,
        description=(
            "how long the process running the background work (outbox, audit checkpoints) holds "
            "it without renewing; another process takes over this long after it dies"
        ),
    )

    photo_store: str = Field(
        default="",
        description=(
            "where photos are kept: empty for files under DATA_DIR/photos, or an S3-compatible "
            "bucket as s3://BUCKET or s3://BUCKET/PREFIX"
        ),
    )
    s3_endpoint_url: str = Field(
        default="",
        description="the S3-compatible service's address (MinIO, Ceph…); empty: AWS S3 itself",
    )
    s3_region: str = Field(default="", description="the bucket's region (empty: the default)")
    s3_access_key_id: str = Field(
        default="", description="empty: the usual AWS credentials (AWS_* variables, a role)"
    )
    s3_secret_access_key: str = ""

    redis_url: str = Field(
        default="",
        description=(
            "redis://, rediss:// or unix:// address of a Redis that keeps the limits' counts "
            "(failed sign-ins, refused link tokens) for every server process; empty: the database"
        ),
    )

    @model_validator(mode="after")
    def _refuse_default_secret_outside_development(self) -> Self:
        if self.environment is not Environment.DEVELOPMENT and (
            self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "RESURFACE_SECRET_KEY must be set to a random value of at least 32 characters "
                f"when RESURFACE_ENVIRONMENT is {self.environment.value}"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        if time_zone_problem(value) is not None:  # the same test as a clinic's own time zone
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/London")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, value: str) -> str:
        for item in _items(value):
            try:
                _address_or_network(item)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; RESURFACE_TRUSTED_PROXIES takes "
                    "addresses like 127.0.0.1 or networks like 10.0.0.0/8, separated by commas"
                ) from None
        return value

    @field_validator("photo_store")
    @classmethod
    def _bucket_address(cls, value: str) -> str:
        if value and _bucket_and_prefix(value) is None:
            raise ValueError(
                "RESURFACE_PHOTO_STORE must be empty (photos in DATA_DIR/photos) or an S3 bucket "
                "as s3://BUCKET or s3://BUCKET/PREFIX (for example s3://clinic-photos/resurface)"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_address(cls, value: str) -> str:
        if value and not value.startswith(REDIS_SCHEMES):
            raise ValueError(
                "RESURFACE_REDIS_URL must start with redis://, rediss:// or unix:// "
                "(for example redis://127.0.0.1:6379/0), or be empty to keep the limits in the "
                "database"
            )
        return value

    @property
    def proxies(self) -> list[str]:
        """The trusted proxies' addresses and networks; empty when proxy headers are ignored."""
        return [_address_or_network(item) for item in _items(self.trusted_proxies)]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'resurface.db'}"

    @property
    def photo_bucket(self) -> tuple[str, str] | None:
        """The S3 bucket and key prefix photos are kept in; None: the file store."""
        return _bucket_and_prefix(self.photo_store) if self.photo_store else None

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def audit_folder(self) -> Path:
        """Where the audit chain's keys and checkpoints are kept, outside the database."""
        return self.audit_dir or self.data_dir / "audit"

    @property
    def secure_cookies(self) -> bool:
        return self.environment is not Environment.DEVELOPMENT


_BUCKET = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/([A-Za-z0-9!_.*'()/-]*))?$")


def _bucket_and_prefix(address: str) -> tuple[str, str] | None:
    """``s3://bucket/some/prefix`` as ``("bucket", "some/prefix")``; None when not one."""
    found = _BUCKET.match(address)
    if found is None or ".." in found.group(1):
        return None
    prefix = (found.group(2) or "").strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        return None
    return found.group(1), prefix


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _address_or_network(item: str) -> str:
    """``10.1.2.3/8`` is read as its network, ``10.0.0.0/8``; a plain address stays one."""
    if "/" in item:
        return str(ipaddress.ip_network(item, strict=False))
    return str(ipaddress.ip_address(item))
