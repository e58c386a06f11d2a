"""The patient's recovery page (``/r/{token}``, no account) and the clinic's link page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.datastructures import UploadFile

from resurface.domain.codes import RedFlag, Score
from resurface.domain.errors import InvalidInput
from resurface.services.errors import LinkNotUsable, Throttled
from resurface.services.recovery import checkins, link_limits, links
from resurface.services.recovery.checkins import Answers
from resurface.web.deps import CheckedSessionDep, ContextDep, SessionDep
from resurface.web.pages.render import page
from resurface.web.patient_link import PATIENT_HEADERS
from resurface.web.security import CSRF_FIELD, client_address, tokens_match

router = APIRouter()

# --- the patient's page -----------------------------------------------------------------------

SCORE_QUESTIONS: dict[Score, str] = {
    Score.REDNESS: "Redness",
    Score.SWELLING: "Swelling",
    Score.IRRITATION: "Burning or irritation (like sunburn)",
    Score.PAIN: "Pain",
    Score.ITCH: "Itch",
}
"""The five sliders, in plain words. 0 is none, 10 the worst the patient can imagine."""

RED_FLAG_QUESTIONS: dict[RedFlag, str] = {
    RedFlag.YELLOW_CRUST_OR_PUS: "Yellow crusts, pus, or a discharge that stings",
    RedFlag.BLISTERS_OR_COLD_SORES: "Painful blisters, cold sores, or small open sores in a group",
    RedFlag.FEVER: "Fever or chills, or you feel unwell",
    RedFlag.SPREADING_REDNESS: "Redness that is spreading, or skin getting hotter and more painful",
    RedFlag.WHITE_PUSTULES: "White spots or pimples that itch",
    RedFlag.DARK_PATCHES: "Dark patches appearing on the treated skin",
    RedFlag.RAISED_OR_FIRM_AREAS: "Raised, firm or thickened areas",
    RedFlag.RAW_AREAS_AFTER_DAY_10: "Raw or open areas still not healed, 10 or more days after",
}
"""The warning-sign questions of the clinical reference, as yes/no questions in plain words."""


def patient_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    context |= {"scores": SCORE_QUESTIONS, "flags": RED_FLAG_QUESTIONS}
    response = page(request, template, None, status_code=status_code, **context)
    response.headers.update(PATIENT_HEADERS)
    return response


def not_usable(request: Request) -> Response:
    return patient_page(request, "patient_link_invalid.html", status_code=404)


def throttled(request: Request, error: Throttled) -> Response:
    response = patient_page(
        request, "patient_throttled.html", status_code=429, retry_after=error.retry_after
    )
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@dataclass(frozen=True)
class Through:
    """How the check-in page was reached: a session's recovery link (``/r/{token}``), or the
    patient's link of the whole series and one of their sessions (``/p/{token}/sessions/{id}``)."""

    token: str
    session_id: int | None = None

    @property
    def base(self) -> str:
        if self.session_id is None:
            return f"/r/{self.token}"
        return f"/p/{self.token}/sessions/{self.session_id}"

    @property
    def api(self) -> str:
        if self.session_id is None:
            return f"/api/v1/recovery/{self.token}/checkins"
        return f"/api/v1/patient/{self.token}/sessions/{self.session_id}/checkins"

    def admit(self, ctx: ContextDep, client: str) -> None:
        if self.session_id is None:
            link_limits.admit(ctx, self.token, client)
        else:
            link_limits.admit_patient(ctx, self.token, client)


def view_page(
    request: Request,
    ctx: ContextDep,
    token: str,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    sent: bool = False,
    through: Through | None = None,
) -> Response:
    way = through or Through(token)
    view = checkins.recovery_view(
        ctx, token, source=client_address(request), session_id=way.session_id
    )
    return patient_page(
        request,
        "patient_recovery.html",
        status_code=status_code,
        view=view,
        token=token,
        through=way,
        patient_csrf=view.csrf_token,
        values=values or {},
        errors=errors or {},
        sent=sent,
        # A refused form keeps its key: sending it again is the same check-in.
        request_key=(values or {}).get("request_key") or secrets.token_urlsafe(16),
        instructions=checkins.Instruction,
        phone_href=tel(view.clinic_phone),
    )


def tel(phone: str) -> str:
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


@router.get("/r/{token}")
def recovery_page(request: Request, ctx: ContextDep, token: str, sent: int = 0) -> Response:
    try:
        link_limits.admit(ctx, token, client_address(request))
        return view_page(request, ctx, token, sent=bool(sent))
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)


@router.post("/r/{token}")
async def submit_checkin(request: Request, ctx: ContextDep, token: str) -> Response:
    return await checkin_sent(request, ctx, Through(token))


async def checkin_sent(request: Request, ctx: ContextDep, through: Through) -> Response:
    """A check-in sent from the page's form, through either kind of link."""
    token = through.token
    form = await request.form()
    values = _form_values(form)
    try:
        through.admit(ctx, client_address(request))
        given = form.get(CSRF_FIELD)
        if not tokens_match(
            ctx.links.patient_csrf(token),
            given if isinstance(given, str) else None,
        ):
            return view_page(
                request,
                ctx,
                token,
                status_code=403,
                values=values,
                errors={"form": "The form had expired: please check your answers and send again."},
                through=through,
            )
        link_limits.count_checkin(ctx, token)
        photo = form.get("photo")
        data = await photo.read() if isinstance(photo, UploadFile) else None
        answers = Answers(
            scores={score.value: values.get(score.value) for score in Score},
            red_flags=values["red_flags"],
            note=values["note"],
            date=values["date"] or None,
            photo=data or None,
            request_key=values["request_key"],
        )
        checkins.submit_checkin(
            ctx, token, answers, source=client_address(request), session_id=through.session_id
        )
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    except InvalidInput as error:
        return view_page(
            request,
            ctx,
            token,
            status_code=422,
            values=values,
            errors=error.by_field(),
            through=through,
        )
    return RedirectResponse(f"{through.base}?sent=1#result", status_code=303)


def _form_values(form: Any) -> dict[str, Any]:
    """What the patient typed, kept to show the form again after a refusal."""
    values: dict[str, Any] = {
        score.value: str(form.get(score.value) or "").strip()[:8] for score in Score
    }
    values["red_flags"] = [str(v) for v in form.getlist("red_flags")][: len(RedFlag)]
    values["note"] = str(form.get("note") or "")[:4000]
    values["date"] = str(form.get("date") or "").strip()[:20]
    values["request_key"] = str(form.get("request_key") or "").strip()[:100]
    return values


@router.get("/r/{token}/photos/{photo_id}")
def patient_photo(request: Request, ctx: ContextDep, token: str, photo_id: int) -> Response:
    return photo_sent(request, ctx, Through(token), photo_id)


def photo_sent(request: Request, ctx: ContextDep, through: Through, photo_id: int) -> Response:
    """A photo the patient sent with a check-in, through either kind of link."""
    try:
        through.admit(ctx, client_address(request))
        record, data = checkins.patient_photo(
            ctx,
            through.token,
            photo_id,
            source=client_address(request),
            session_id=through.session_id,
        )
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return Response(
        data, media_type=record.media_type, headers={"Cache-Control": "private", **PATIENT_HEADERS}
    )


# --- the clinic's side: hand over, replace, revoke --------------------------------------------


def qr_svg(url: str) -> Markup:
    """The link as an SVG QR code (drawn here, no network). Sized by CSS, so no inline style."""
    svg = segno.make(url, error="m").svg_inline(scale=1, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG, built from our URL only


@router.get("/patients/{patient_id}/sessions/{session_id}/link")
def link_page(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int, session_id: int
) -> Response:
    view = links.link_page(ctx, session.actor, patient_id, session_id)
    qr = qr_svg(view.active.url) if view.active else None
    return page(request, "recovery_link.html", session, view=view, qr=qr)


@router.post("/patients/{patient_id}/sessions/{session_id}/link")
def create_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, session_id: int
) -> Response:
    links.create_link(ctx, session.actor, patient_id, session_id)
    return RedirectResponse(
        f"/patients/{patient_id}/sessions/{session_id}/link?created=1", status_code=303
    )


@router.post("/recovery-links/{link_id}/revoke")
def revoke_link(
    ctx: ContextDep,
    session: CheckedSessionDep,
    link_id: int,
    patient_id: Annotated[int, Form()],
    session_id: Annotated[int, Form()],
) -> Response:
    links.revoke_link(ctx, session.actor, link_id, patient_id, session_id)
    return RedirectResponse(
        f"/patients/{patient_id}/sessions/{session_id}/link?revoked=1", status_code=303
    )
