"""A second factor for signing in: a time-based one-time code (TOTP, RFC 6238) from an
authenticator app on the user's phone.

A user enrols from their own account page: Resurface makes a secret, shows it once (as a QR code
and as text) and keeps it only when the user types a code their app made from it. The secret is
stored sealed (Fernet: AES-128-CBC with HMAC-SHA256) with a key derived from the server's secret
(``RESURFACE_SECRET_KEY``), so a copy of the database alone gives no one the codes; it is never
shown again. Each code is accepted once.

A user who lost or replaced their phone cannot turn it off themselves: the medical director
removes it from the user's page (with a reason, audited; the user's sessions end) and the user
enrols again with the new phone. For a clinic whose only medical director lost theirs, the
server's operator does the same with ``resurface user remove-second-factor``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
from cryptography.fernet import Fernet, InvalidToken

from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.people import User
from resurface.domain.text import text_problems
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import Conflict, NotFound
from resurface.services.ports import SecondFactor, UnitOfWork
from resurface.services.sign_in_throttle import count_failure, refuse_if_waiting

if TYPE_CHECKING:
    from resurface.services.context import Context

STEP_SECONDS = 30
DIGITS = 6
ISSUER = "Resurface"
ENROLMENT_SECONDS = 15 * 60
"""How long the secret shown on the enrolment page can still be confirmed."""

WRONG_CODE = "is not the code your authenticator app shows now"
NOT_A_CODE = "must be the 6 digits your authenticator app shows"


class SecretBox:
    """Seals short secrets with a key derived from the server's secret key."""

    def __init__(self, server_secret: str, purpose: str = "totp-secret") -> None:
        derived = hmac.new(server_secret.encode(), purpose.encode(), hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def open(self, sealed: str, *, max_age: int | None = None) -> str | None:
        """The text, or None when it was not sealed by this key, was altered, or is older than
        ``max_age`` seconds."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii"), ttl=max_age).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows once: the secret as text, the ``otpauth://`` address its QR
    code carries, and ``token``, which comes back with the first code (the secret, sealed)."""

    secret: str
    uri: str
    token: str


def normalised_code(code: str) -> str:
    """The code as typed, without the spaces apps show in the middle; InvalidInput on ``code``
    unless it is six digits."""
    digits = "".join(code.split())
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        raise InvalidInput("code", NOT_A_CODE)
    return digits


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code ``code`` is: this one or its neighbours (a phone's clock may be
    half a minute off, and a code typed as it changes still counts); None if none."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def accept_code(
    uow: UnitOfWork, box: SecretBox, factor: SecondFactor, code: str, now: dt.datetime
) -> bool:
    """Whether ``code`` is the user's current code and was not used before (it is then used)."""
    secret = box.open(factor.sealed_secret)
    if secret is None:
        return False
    step = matching_step(secret, code, now)
    return step is not None and uow.second_factors.use_step(factor.user_id, step)


def enrolled_since(ctx: Context, actor: Actor) -> dt.datetime | None:
    """When the signed-in user turned the second factor on; None if it is off."""
    with ctx.uow() as uow:
        factor = uow.second_factors.get(actor.user_id)
    return factor.enrolled_at if factor else None


def start_enrolment(ctx: Context, actor: Actor) -> Enrolment:
    """A new secret for the signed-in user to add to their app; nothing is stored yet."""
    with ctx.uow() as uow:
        if uow.second_factors.get(actor.user_id) is not None:
            raise Conflict("the second factor is already on; turn it off first to replace it")
        username = _username(uow, actor)
    return _enrolment(ctx.secret_box, actor, username, pyotp.random_base32())


def resume_enrolment(ctx: Context, actor: Actor, token: str) -> Enrolment:
    """The enrolment the page showed (after a wrong code, the same secret is shown again)."""
    secret = _pending_secret(ctx, actor, token)
    with ctx.uow() as uow:
        username = _username(uow, actor)
    return _enrolment(ctx.secret_box, actor, username, secret)


def _username(uow: UnitOfWork, actor: Actor) -> str:
    user = uow.users.get(actor.clinic_id, actor.user_id)
    if user is None:
        raise NotFound("user", actor.user_id)
    return user.username


def _enrolment(box: SecretBox, actor: Actor, username: str, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    token = box.seal(json.dumps({"user": actor.user_id, "secret": secret}))
    return Enrolment(secret, uri, token)


def _pending_secret(ctx: Context, actor: Actor, token: str) -> str:
    opened = ctx.secret_box.open(token, max_age=ENROLMENT_SECONDS)
    pending = json.loads(opened) if opened else {}
    if pending.get("user") != actor.user_id or not isinstance(pending.get("secret"), str):
        raise EnrolmentExpired()
    return str(pending["secret"])


class EnrolmentExpired(InvalidInput):
    """The QR code was shown too long ago (or for someone else): start again with a new one."""

    def __init__(self) -> None:
        super().__init__("code", "this QR code is too old; scan the new one and type its code")


def confirm_enrolment(ctx: Context, actor: Actor, token: str, code: str) -> None:
    """Turn the second factor on with the secret from ``token``, if ``code`` is its current
    code (InvalidInput on ``code`` if not)."""
    digits = normalised_code(code)
    secret = _pending_secret(ctx, actor, token)
    now = ctx.clock.now()
    step = matching_step(secret, digits, now)
    if step is None:
        raise InvalidInput("code", WRONG_CODE)
    with ctx.uow() as uow:
        if uow.second_factors.get(actor.user_id) is not None:
            raise Conflict("the second factor is already on")
        sealed = ctx.secret_box.seal(secret)
        uow.second_factors.add(SecondFactor(actor.user_id, actor.clinic_id, sealed, now, step))
        audit.record(uow, actor, "second_factor_on", "user", actor.user_id, at=now)
        uow.commit()


def turn_off(ctx: Context, actor: Actor, code: str) -> None:
    """Turn the signed-in user's second factor off, with a current code from their app. A wrong
    code counts as a failed sign-in (a stolen session must not guess its way to turning it off)."""
    digits = normalised_code(code)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        factor = uow.second_factors.get(actor.user_id)
        if factor is None:
            raise Conflict("the second factor is already off")
        username = _username(uow, actor)
        refuse_if_waiting(uow, username, actor.source, now, step="turning off the code")
        if not accept_code(uow, ctx.secret_box, factor, digits, now):
            throttle = ctx.login_policy.throttle
            count_failure(uow, throttle, username, actor.source, "wrong code to turn off", now)
            raise InvalidInput("code", WRONG_CODE)
        uow.second_factors.delete(actor.user_id)
        audit.record(uow, actor, "second_factor_off", "user", actor.user_id, at=now)
        uow.commit()


REMOVAL_REASON_MAX = 300
REMOVE_YOURSELF = "turn your own second factor off on your account page, with a code from it"


@dataclass(frozen=True)
class Removal:
    """A second factor removed for a lost or replaced phone: whose, and how many of their
    sessions ended."""

    user: User
    sessions_ended: int


def remove_lost(ctx: Context, actor: Actor, user_id: int, reason: str) -> Removal:
    """The medical director removes the second factor of a user of their clinic (not their own)
    who lost or replaced their phone, because of ``reason``; every session of the user ends."""
    require(actor, Permission.MANAGE_USERS)
    said = _removal_reason(reason)
    with ctx.uow() as uow:
        user = uow.users.get(actor.clinic_id, user_id)
        if user is None:
            raise NotFound("user", user_id)
        if user.id == actor.user_id:
            raise InvalidInput("user_id", REMOVE_YOURSELF)
        removal = _remove(uow, actor, user, said, ctx.clock.now())
        uow.commit()
    return removal


def remove_lost_by_operator(ctx: Context, username: str, reason: str) -> Removal:
    """The server's operator removes any user's second factor (``resurface user
    remove-second-factor``): the way back in for a clinic's only medical director."""
    said = _removal_reason(reason)
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound("user", username)
        removal = _remove(uow, None, user, said, ctx.clock.now())
        uow.commit()
    return removal


def _removal_reason(reason: str) -> str:
    problems = text_problems(free_text={"reason": reason})
    said = " ".join(reason.split())
    if not said:
        problems.append(FieldProblem("reason", "say why it is removed (a lost or new phone)"))
    elif len(said) > REMOVAL_REASON_MAX:
        problems.append(FieldProblem("reason", f"is longer than {REMOVAL_REASON_MAX} characters"))
    if problems:
        raise InvalidInput.of(problems)
    return said


def _remove(
    uow: UnitOfWork, actor: Actor | None, user: User, reason: str, now: dt.datetime
) -> Removal:
    if not uow.second_factors.delete(user.id):
        raise Conflict(f"{user.display_name} has no second factor to remove")
    ended = uow.web_sessions.delete_for_user(user.id)
    detail = f"{user.username}: removed ({reason}); {ended} web session(s) ended"
    audit.record(uow, actor, "second_factor_removed", "user", user.id, detail=detail, at=now)
    return Removal(user, ended)
