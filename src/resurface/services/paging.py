"""Pagination for every list the product shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from resurface.domain.errors import InvalidInput

MAX_PER_PAGE = 200
MAX_ROWS_BEFORE = 2**31 - 1
"""The most rows a page may begin after: no clinic has two billion of anything, and a page
number beyond it would not fit the database's row offset."""

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    page: int
    per_page: int
    more: bool = False
    """The list goes on past ``total``: it was counted only that far (a long list is counted
    as far as its pages can be followed from this one, not to its end)."""
    cursor: str = ""
    """Where this page begins, sealed, for the links to the pages near it (keyset paging: the
    page a link leads to is found from here, not by walking the rows before it); empty for a
    list paged by numbers alone."""
    reach: int = 0
    """How many pages either side of this one ``cursor`` leads to."""

    def by_cursor(self, n: int) -> bool:
        """Whether page ``n`` is better found from this page's cursor than counted from the
        start of the list (the first pages are nearer the start)."""
        apart = abs(n - self.page)
        return bool(self.cursor) and apart <= self.reach and apart < n - 1

    @property
    def pages(self) -> int:
        """The pages counted (with ``more``, there are others after them)."""
        return max(1, ceil(self.total / self.per_page))

    @property
    def next(self) -> int | None:
        """The next page's number, if there is one."""
        return self.page + 1 if self.page < self.pages or self.more else None

    def links(self, ends: int = 3, around: int = 2) -> list[int | None]:
        """The page numbers to link to: the first and last ``ends`` (the last only if the list
        was counted to its end), and ``around`` either side of this one; None where numbers are
        left out, and at the end of a list that goes on. A list of 4,000 pages shows 13 links,
        not 4,000."""
        wanted = set(range(1, ends + 1)) | set(range(self.page - around, self.page + around + 1))
        if not self.more:
            wanted |= set(range(self.pages - ends + 1, self.pages + 1))
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        found: list[int | None] = []
        for n in shown:
            if found and found[-1] is not None and n > found[-1] + 1:
                found.append(None)
            found.append(n)
        if self.more:
            found.append(None)
        return found


def check_page(page: int, per_page: int) -> None:
    """InvalidInput unless ``page`` and ``per_page`` ask for a page that can exist."""
    if page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("per_page", f"must be 1 to {MAX_PER_PAGE}")
    if (page - 1) * per_page > MAX_ROWS_BEFORE:
        raise InvalidInput("page", "is past the end of any list")


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    check_page(page, per_page)
    start = (page - 1) * per_page
    return Page(tuple(items[start : start + per_page]), len(items), page, per_page)


def read_page(
    read: Callable[[int, int], tuple[Sequence[T], int]], page: int, per_page: int
) -> Page[T]:
    """The page ``read(most, skip)`` finds in the database (its rows, and how long the list is:
    0 past its end, as a count that rides on the rows gives it); past the end (an old link), the
    list's length is read again, so the page can say how many pages there are now."""
    check_page(page, per_page)
    found, total = read(per_page, (page - 1) * per_page)
    if not found and page > 1:
        _, total = read(1, 0)
    return Page(tuple(found), total, page, per_page)
