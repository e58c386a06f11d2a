"""Pages: consultations (being built)."""

from fastapi import APIRouter

router = APIRouter()
