from __future__ import annotations

import pytest
from pydantic import ValidationError

from resurface.config import DEVELOPMENT_SECRET, Environment, Settings


def test_development_may_use_the_built_in_secret() -> None:
    settings = Settings(environment=Environment.DEVELOPMENT)
    assert settings.secret_key == DEVELOPMENT_SECRET
    assert settings.secure_cookies is False


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "too-short"])
def test_production_refuses_a_default_or_weak_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="RESURFACE_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION, secret_key=secret)


def test_production_with_a_real_secret_uses_secure_cookies() -> None:
    settings = Settings(environment=Environment.PRODUCTION, secret_key="x" * 40)
    assert settings.secure_cookies is True


def test_settings_come_from_resurface_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESURFACE_DATA_DIR", "/srv/clinic")
    settings = Settings()
    assert settings.sqlalchemy_url == "sqlite:////srv/clinic/resurface.db"


def test_an_unknown_time_zone_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        Settings(timezone="Mars/Olympus")
    assert Settings(timezone="Europe/London").zone.key == "Europe/London"


def test_no_proxy_is_trusted_unless_named() -> None:
    assert Settings().proxies == []
    named = Settings(trusted_proxies=" 127.0.0.1, 10.1.2.3/8 ,::1,")
    assert named.proxies == ["127.0.0.1", "10.0.0.0/8", "::1"]


@pytest.mark.parametrize("value", ["*", "nginx", "127.0.0.1, localhost", "10.0.0.0/33"])
def test_a_trusted_proxy_must_be_an_address_or_a_network(value: str) -> None:
    with pytest.raises(ValidationError, match="RESURFACE_TRUSTED_PROXIES takes addresses"):
        Settings(trusted_proxies=value)


def test_the_limits_stay_in_the_database_unless_a_redis_is_named() -> None:
    assert Settings().redis_url == ""
    assert Settings(redis_url="redis://10.0.0.5:6379/2").redis_url == "redis://10.0.0.5:6379/2"


@pytest.mark.parametrize("value", ["localhost:6379", "http://redis:6379", "redis"])
def test_a_redis_address_must_name_its_scheme(value: str) -> None:
    with pytest.raises(ValidationError, match="RESURFACE_REDIS_URL must start with redis://"):
        Settings(redis_url=value)


def test_photos_are_files_unless_a_bucket_is_named() -> None:
    assert Settings().photo_bucket is None
    assert Settings(photo_store="s3://clinic-photos").photo_bucket == ("clinic-photos", "")
    named = Settings(photo_store="s3://clinic-photos/harbour/2026/")
    assert named.photo_bucket == ("clinic-photos", "harbour/2026")


@pytest.mark.parametrize(
    "value",
    ["/srv/photos", "s3://", "s3://Upper-Case", "s3://a", "s3://bucket/a//b", "s3://b.k/../up"],
)
def test_a_photo_store_must_be_an_s3_bucket_address(value: str) -> None:
    with pytest.raises(ValidationError, match="RESURFACE_PHOTO_STORE must be empty"):
        Settings(photo_store=value)
