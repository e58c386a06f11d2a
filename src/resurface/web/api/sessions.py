"""API: sessions (being built)."""

from fastapi import APIRouter

router = APIRouter()
