"""Passwords: the clinic's policy for a new one, and hashing with argon2id (argon2-cffi's
recommended parameters).

The policy (:func:`password_problems`) is at least :data:`MIN_LENGTH` characters and a zxcvbn
score of at least :data:`MIN_SCORE`. zxcvbn (the offline Python port of Dropbox's estimator) knows
the commonest passwords, words, names, keyboard patterns, repeats, sequences, dates and
substitutions like ``p@ssw0rd``, and is told the user's own names and the clinic's, so none of
those make a password strong. Every place a password is set calls it: adding a user (page, API,
``resurface user add``), changing one's own, and the temporary password of a reset.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from resurface.domain.errors import FieldProblem

_hasher = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_SCORE = 3
"""zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from an offline attack"."""

_ZXCVBN_MAX = 72
"""zxcvbn scores at most this many characters (its time grows with length); a longer password
is scored on its start, which is at least as strong as the whole."""


def password_problems(
    password: str, *, user_inputs: Iterable[str] = (), field: str = "password"
) -> list[FieldProblem]:
    """Why ``password`` is not good enough, on ``field``, or ``[]``. ``user_inputs`` are words
    an attacker would try first (the user's name and user name, the clinic's name): a password
    built on them is weak. The message says what zxcvbn found weak and how to do better."""
    if len(password) < MIN_LENGTH:
        return [FieldProblem(field, f"must be at least {MIN_LENGTH} characters")]
    if len(password) > MAX_LENGTH:
        return [FieldProblem(field, f"must be at most {MAX_LENGTH} characters")]
    if not password.strip():
        return [FieldProblem(field, "must not be only spaces")]
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=_words(user_inputs))
    if result["score"] >= MIN_SCORE:
        return []
    return [FieldProblem(field, _weakness(result["feedback"]))]


def _words(user_inputs: Iterable[str]) -> list[str]:
    """Each input whole, run together and split into its words (``Harbour Clinic`` ->
    harbour clinic, harbourclinic, harbour, clinic)."""
    words: set[str] = set()
    for value in user_inputs:
        value = value.strip().lower()
        parts = [w for w in re.split(r"[^a-z0-9]+", value) if w]
        if value:
            words |= {value, "".join(parts)}
            words.update(w for w in parts if len(w) >= 3)
    return sorted(words)


def _weakness(feedback: dict[str, object]) -> str:
    warning = str(feedback.get("warning") or "").strip()
    raw = feedback.get("suggestions")
    suggestions = [str(s).strip() for s in raw] if isinstance(raw, list) else []
    hints = " ".join(s for s in suggestions if s) or "Add another word or two."
    return (
        f"is too easy to guess: {warning} {hints}" if warning else f"is too easy to guess. {hints}"
    )


def temporary_password() -> str:
    """A one-off password the medical director reads out or passes on: four groups of four
    from letters and digits that cannot be mistaken for one another (``k7mq-…``), about 80
    bits from ``secrets``."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def decoy_hash() -> str:
    """Verified against when the user name is unknown, so that a wrong name takes as long as a
    wrong password and response times do not reveal which user names exist."""
    return _hasher.hash("decoy password that no account uses")
