"""The password policy: long enough, and hard to guess by zxcvbn's estimate, judged against the
user's own names and the clinic's; the message says what is weak."""

from __future__ import annotations

import pytest

from resurface.services.passwords import (
    MIN_LENGTH,
    password_problems,
    temporary_password,
)


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",  # the probe's medical director (D17), at the new length
        "123456789012",
        "Password1234!",
        "qwertyuiopas",
        "p@ssw0rd2026!",
    ],
)
def test_common_and_patterned_passwords_are_refused_saying_why(password: str) -> None:
    (problem,) = password_problems(password)
    assert problem.field == "password"
    assert problem.message.startswith("is too easy to guess")
    assert len(problem.message) > len("is too easy to guess") + 10  # zxcvbn's advice follows


def test_short_passwords_are_refused_before_they_are_scored() -> None:
    (problem,) = password_problems("x7#Qv!9z")
    assert problem.message == f"must be at least {MIN_LENGTH} characters"


def test_the_users_own_names_and_the_clinics_make_no_password_strong() -> None:
    assert password_problems("harbourclinic2026") == []  # strong to a stranger
    inputs = ("harbour.admin", "Ann Harbour", "Harbour Clinic")
    (problem,) = password_problems("harbourclinic2026", user_inputs=inputs, field="new_password")
    assert problem.field == "new_password"


@pytest.mark.parametrize(
    "password", ["resurface-demo", "tangerine viaduct oboe", "correct horse battery"]
)
def test_the_demo_and_test_passwords_and_passphrases_pass(password: str) -> None:
    assert password_problems(password) == []


def test_a_very_long_password_is_judged_and_an_over_long_one_refused() -> None:
    assert password_problems("tangerine viaduct oboe " * 8) == []
    (problem,) = password_problems("x" * 201)
    assert problem.message == "must be at most 200 characters"


def test_temporary_passwords_are_random_readable_and_pass_the_policy() -> None:
    made = {temporary_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        groups = password.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert not set(password) & set("01ilo")
    assert all(password_problems(p) == [] for p in list(made)[:10])
