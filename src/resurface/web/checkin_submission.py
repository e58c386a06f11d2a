"""The one call both the patient's page and the patient's API make to submit a check-in."""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from resurface.bootstrap import Runtime
from resurface.services.recovery import checkins
from resurface.web.security import client_address


def submit(
    runtime: Runtime, request: Request, token: str, answers: checkins.Answers, now: dt.datetime
) -> checkins.Submitted:
    settings = runtime.settings
    with runtime.uow() as uow:
        return checkins.submit_checkin(
            uow,
            runtime.photos,
            runtime.rules,
            settings.secret_key,
            settings.public_url,
            token,
            answers,
            now,
            runtime.today(),
            client_address(request),
            int(settings.max_upload_mb * 1_000_000),
        )
