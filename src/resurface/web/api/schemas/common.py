"""What the API's shapes share: strict input types, the input base model, the page of a list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from resurface.services import paging

# Input types: a JSON number is a number and nothing else (``true`` is not 1, ``"3"`` is not 3),
# and a date is written as one ("2026-12-05"; 0 is not 1 January 1970).
Whole = Annotated[int, Strict()]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Field(max_length=2000)]


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("use a date like 2026-12-05")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class InputModel(BaseModel):
    """What a client sends: a field the API does not know is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, and where it stands in the whole."""

    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int
    more: bool = Field(
        default=False,
        description="The list goes on past `total` and `pages`: a long list is counted only "
        "as far as its pages can be followed from this one (the patient list: 1,000 rows past "
        "the page's first).",
    )
    cursor: str | None = Field(
        default=None,
        description="Where this page begins (the patient list): sent back with `page` set to a "
        "page near this one (up to 1,000 rows away), that page is found from here instead of by "
        "walking every row before it.",
    )

    @classmethod
    def of(cls, found: paging.Page[Any], items: list[T]) -> Page[T]:
        """The page ``found`` by a use case, its items already in their API shape."""
        return cls(
            items=items,
            total=found.total,
            page=found.page,
            per_page=found.per_page,
            pages=found.pages,
            more=found.more,
            cursor=found.cursor or None,
        )
