"""The verifier's shortcuts equal the general code they stand in for."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from verifier.times import CHINA_TIME, day_end, day_start


@given(st.dates())
def test_day_arithmetic_matches_the_time_zone_library(day: date) -> None:
    midnight = datetime(day.year, day.month, day.day, tzinfo=CHINA_TIME)
    assert day_start(day) == int(midnight.timestamp())
    assert day_end(day) == int(midnight.timestamp()) + 86_400
