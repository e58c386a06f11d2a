"""A second factor for signing in: a time-based one-time code (TOTP, RFC 6238) from an
authenticator app on the user's phone.

A user enrols from their own account page: Resurface makes a secret, shows it once (as a QR code
and as text) and keeps it only when the user types a code their app made from it. The secret is
stored sealed (Fernet: AES-128-CBC with HMAC-SHA256) with a key derived from the server's secret
(``RESURFACE_SECRET_KEY``), so a copy of the database alone gives no one the codes; it is never
shown again. Each code is accepted once.
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

from resurface.domain.errors import InvalidInput
from resurface.services import audit
from resurface.services.access import Actor
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
