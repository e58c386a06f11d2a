"""Every list the product shows is cut into pages the same way."""

from __future__ import annotations

import pytest

from resurface.domain.errors import InvalidInput
from resurface.services.paging import MAX_PER_PAGE, Page, paginate, read_page
from tests.support.contexts import add_patient, fake_context, seed_clinic


def test_a_page_holds_its_slice_and_knows_the_total() -> None:
    page = paginate(list(range(1, 8)), page=2, per_page=3)
    assert page == Page((4, 5, 6), total=7, page=2, per_page=3)
    assert page.pages == 3


def test_the_last_page_may_be_short_and_a_page_past_the_end_is_empty() -> None:
    assert paginate("abcde", 3, 2).items == ("e",)
    past = paginate("abcde", 9, 2)
    assert past.items == () and past.total == 5 and past.pages == 3


def test_an_empty_list_still_has_one_page() -> None:
    page: Page[int] = paginate([], 1, 25)
    assert page.items == () and page.total == 0 and page.pages == 1


@pytest.mark.parametrize(
    ("page", "per_page", "field"),
    [
        (0, 25, "page"),
        (-1, 25, "page"),
        (1, 0, "per_page"),
        (1, MAX_PER_PAGE + 1, "per_page"),
        (2**31 // 25 + 2, 25, "page"),  # past any list: the database's offset could not hold it
        (12235139483302714256282524036628480, 194, "page"),
    ],
)
def test_pages_out_of_range_are_refused_naming_the_field(
    page: int, per_page: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        paginate([1, 2, 3], page, per_page)
    assert refused.value.field == field


def test_the_largest_page_allowed_is_accepted() -> None:
    assert paginate(list(range(500)), 1, MAX_PER_PAGE).items == tuple(range(MAX_PER_PAGE))


def test_pages_follow_the_repositorys_order() -> None:
    ctx, db = fake_context()
    clinic = seed_clinic(db).clinic
    for family in ("Cole", "Adams", "Brown"):
        add_patient(db, clinic.id, family_name=family)
    with ctx.uow() as uow:
        patients = uow.patients.in_clinic(clinic.id)
    second = paginate(patients, 2, 2)
    assert [p.family_name for p in second.items] == ["Cole", "Tester-harbour"]
    assert second.total == 4 and second.pages == 2


def test_a_long_list_links_to_its_ends_and_the_pages_near_this_one() -> None:
    many: Page[int] = Page((), total=100_000, page=2000, per_page=25)
    assert many.pages == 4000
    assert many.links() == [1, 2, 3, None, 1998, 1999, 2000, 2001, 2002, None, 3998, 3999, 4000]
    assert Page((), total=100, page=1, per_page=25).links() == [1, 2, 3, 4]
    assert Page((), total=250, page=2, per_page=25).links() == [1, 2, 3, 4, None, 8, 9, 10]
    assert Page((), total=0, page=1, per_page=25).links() == [1]


def test_a_list_counted_only_so_far_links_on_without_a_last_page() -> None:
    counted: Page[int] = Page((), total=1000, page=1, per_page=25, more=True)
    assert counted.pages == 40 and counted.next == 2
    assert counted.links() == [1, 2, 3, None]  # no last page: the list goes on
    further: Page[int] = Page((), total=2000, page=41, per_page=25, more=True)
    assert further.links() == [1, 2, 3, None, 39, 40, 41, 42, 43, None]
    assert further.next == 42


def test_the_last_page_of_a_list_counted_to_its_end_has_no_next() -> None:
    assert Page((), total=100, page=4, per_page=25).next is None
    assert Page((), total=100, page=3, per_page=25).next == 4


def test_a_page_read_in_the_database_past_the_end_still_knows_the_lists_length() -> None:
    rows = list(range(30))
    asked: list[tuple[int, int]] = []

    def read(most: int, skip: int) -> tuple[list[int], int]:
        asked.append((most, skip))
        shown = rows[skip : skip + most]
        return shown, len(rows) if shown else 0  # as a count riding on the rows gives it

    second = read_page(read, 2, 25)
    assert (second.items, second.total, second.pages) == (tuple(range(25, 30)), 30, 2)
    past = read_page(read, 7, 25)
    assert (past.items, past.total, past.pages, past.page) == ((), 30, 2, 7)
    assert asked == [(25, 25), (25, 150), (1, 0)]  # the length read again only past the end
