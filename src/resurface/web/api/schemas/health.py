"""The health API's shapes."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    limits: str
    """Where failed sign-ins and refused links are counted: ``database``, or Redis
    ``reachable`` / ``unreachable``."""
    photos: str = "files"
    """Where photos are kept: ``files`` (DATA_DIR/photos), or an S3 bucket ``reachable`` /
    ``unreachable``."""
