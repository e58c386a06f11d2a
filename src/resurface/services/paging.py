"""Pagination for every list the product shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from resurface.domain.errors import InvalidInput

MAX_PER_PAGE = 200

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def check_page(page: int, per_page: int) -> None:
    """InvalidInput unless ``page`` and ``per_page`` ask for a page that can exist."""
    if page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("per_page", f"must be 1 to {MAX_PER_PAGE}")


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    check_page(page, per_page)
    start = (page - 1) * per_page
    return Page(tuple(items[start : start + per_page]), len(items), page, per_page)
