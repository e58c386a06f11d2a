"""Pages: plans (being built)."""

from fastapi import APIRouter

router = APIRouter()
