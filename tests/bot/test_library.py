"""Reading the dates an asker sets on a search (``--since``/``--until``, Discord's since:/until:)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.library import InvalidLimit, parse_day


@pytest.mark.parametrize(
    ("value", "end_of_day", "expected"),
    [
        ("2024-03-05", False, datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05", True, datetime(2024, 3, 5, 23, 59, 59, tzinfo=UTC)),
        ("2024-02", False, datetime(2024, 2, 1, tzinfo=UTC)),
        ("2024-02", True, datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),  # a leap year's February
        (" 2023 ", False, datetime(2023, 1, 1, tzinfo=UTC)),
        ("2023", True, datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2024-03-05 10:30", True, datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),  # a moment stays as is
        ("", False, None),
        (None, True, None),
    ],
)
def test_a_day_month_or_year_starts_or_ends_its_period(value, end_of_day, expected):
    assert parse_day(value, "since", end_of_day=end_of_day) == expected


@pytest.mark.parametrize("value", ["2024-13", "March 2024", "2024-02-30", "24-03-01"])
def test_an_unreadable_date_names_the_option_and_the_value(value):
    with pytest.raises(InvalidLimit, match=rf"^until: unreadable date '{value}'"):
        parse_day(value, "until", end_of_day=True)


@pytest.mark.parametrize("value", ["2024-13", "March 2024", "24-03-01"])
def test_an_unreadable_date_says_every_form_accepted(value):
    with pytest.raises(InvalidLimit) as caught:
        parse_day(value, "since")
    assert str(caught.value) == f"since: unreadable date '{value}' (expected YYYY-MM-DD, YYYY-MM or YYYY)"


def test_a_day_that_does_not_exist_is_named_as_such():
    with pytest.raises(InvalidLimit, match=r"^since: unreadable date '2024-02-30' \(no such day or time\)$"):
        parse_day("2024-02-30", "since")
