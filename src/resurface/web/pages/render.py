"""Rendering a page with what every page needs: who is signed in and the CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from resurface.services.access import Permission
from resurface.web.deps import Session


def page(
    request: Request,
    template: str,
    session: Session | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    context |= {
        "actor": session.actor if session else None,
        "csrf_token": session.csrf_token if session else "",
        "Permission": Permission,
    }
    return templates.TemplateResponse(request, template, context, status_code=status_code)
