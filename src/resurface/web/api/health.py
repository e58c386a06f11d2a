"""GET /healthz: is the app up and can it reach its database (and Redis, when the limits are
kept there, and the bucket, when photos are kept in one)?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from resurface.web.api.schemas.health import Health
from resurface.web.deps import RuntimeDep

router = APIRouter(tags=["monitoring"])


@router.get("/healthz", response_model=Health)
def healthz(runtime: RuntimeDep) -> JSONResponse:
    reachable, revision = runtime.database_status()
    limits = runtime.limits_status()
    photos = runtime.photo_store_status()
    if not reachable or "unreachable" in (limits, photos):
        body = Health(
            status="unavailable",
            database="reachable" if reachable else "unreachable",
            schema_revision=revision,
            limits=limits,
            photos=photos,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    body = Health(
        status="ok", database="reachable", schema_revision=revision, limits=limits, photos=photos
    )
    return JSONResponse(body.model_dump())
