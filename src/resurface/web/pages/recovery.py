"""Pages: recovery (being built)."""

from fastapi import APIRouter

router = APIRouter()
