"""API: photos (being built)."""

from fastapi import APIRouter

router = APIRouter()
