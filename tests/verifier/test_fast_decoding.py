"""The verifier's shortcuts equal the general code they stand in for."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from hypothesis import given
from hypothesis import strategies as st

from verifier._ledger_calls import uint_rows
from verifier.times import CHINA_TIME, day_end, day_start

STATUS_TYPES = "(uint8,uint8,uint64,uint64,uint32)[]"
STATUS_BITS = (8, 8, 64, 64, 32)


@given(st.dates())
def test_day_arithmetic_matches_the_time_zone_library(day: date) -> None:
    midnight = datetime(day.year, day.month, day.day, tzinfo=CHINA_TIME)
    assert day_start(day) == int(midnight.timestamp())
    assert day_end(day) == int(midnight.timestamp()) + 86_400


rows = st.lists(
    st.tuples(*(st.integers(min_value=0, max_value=2**bits - 1) for bits in STATUS_BITS)),
    max_size=20,
)


@given(rows)
def test_rows_decode_as_eth_abi_decodes_them(values: list[tuple[int, ...]]) -> None:
    data = abi_encode([STATUS_TYPES], [values])
    assert uint_rows(data, STATUS_BITS) == [tuple(r) for r in abi_decode([STATUS_TYPES], data)[0]]


def test_rows_that_do_not_fit_or_are_cut_short_are_refused() -> None:
    data = abi_encode([STATUS_TYPES], [[(1, 2, 3, 4, 5), (1, 2, 3, 4, 5)]])
    too_big = bytearray(data)
    too_big[64 + 31 - 1] = 1  # first field: 256 > uint8
    with pytest.raises(ValueError, match="does not fit uint8"):
        uint_rows(bytes(too_big), STATUS_BITS)
    with pytest.raises(ValueError, match="too short"):
        uint_rows(data[:-32], STATUS_BITS)
    with pytest.raises(ValueError, match="offset"):
        uint_rows((10**6).to_bytes(32, "big"), STATUS_BITS)
    with pytest.raises(ValueError, match="shorter than one word"):
        uint_rows(b"", STATUS_BITS)
