"""The web app: server-rendered pages for clinic staff and a JSON API under /api/v1."""

from resurface.web.app import create_app

__all__ = ["create_app"]
