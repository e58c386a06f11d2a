"""Server-rendered pages for clinic staff."""

from fastapi import APIRouter

from resurface.web.pages import admin, patients, signin

router = APIRouter(include_in_schema=False)
router.include_router(signin.router)
router.include_router(patients.router)
router.include_router(admin.router)

__all__ = ["router"]
