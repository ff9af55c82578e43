"""`ServerTime`: a fixed offset, or a time zone whose DST rules move the server clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.server_time import ServerTime


def _ms(stamp: str) -> int:
    return int(pd.Timestamp(stamp, tz="UTC").value // 1_000_000)


@pytest.mark.parametrize(
    ("utc", "hours"),
    [
        ("2024-03-31 00:59", 2),  # the last minute of EET
        ("2024-03-31 01:00", 3),  # EEST from 01:00 UTC on the last Sunday of March
        ("2024-10-27 00:59", 3),
        ("2024-10-27 01:00", 2),  # back to EET on the last Sunday of October
        ("2024-07-01 12:00", 3),
        ("2024-01-15 12:00", 2),
    ],
)
def test_the_offset_follows_the_zones_dst_rules(utc: str, hours: int) -> None:
    clock = ServerTime(timezone="Europe/Athens")
    assert clock.offset_at_utc_ms(_ms(utc)) == hours * 3600
    server = clock.server_ms(_ms(utc))
    assert server - _ms(utc) == hours * 3_600_000
    assert clock.server_ms_array(np.array([_ms(utc)]))[0] == server


def test_server_times_map_back_to_utc_except_the_repeated_hour() -> None:
    clock = ServerTime(timezone="Europe/Athens")
    for utc in pd.date_range("2024-03-30", "2024-04-01", freq="30min", tz="UTC"):
        ms = int(utc.value // 1_000_000)
        assert clock.utc_ms(clock.server_ms(ms)) == ms
    # 03:30 server time occurs twice on 2024-10-27: the first occurrence wins (documented).
    first, second = _ms("2024-10-27 00:30"), _ms("2024-10-27 01:30")
    assert clock.server_ms(first) == clock.server_ms(second)
    assert clock.utc_ms(clock.server_ms(second)) == first


def test_a_fixed_offset_needs_no_zone() -> None:
    clock = ServerTime(7200)
    assert clock.server_s(0) == 7200 and clock.utc_s(7200) == 0
    assert list(clock.server_ms_array(np.array([0, 1000]))) == [7_200_000, 7_201_000]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "`server_timezone`"),
        ({"offset_s": 20 * 3600}, "`server_offset_s`"),
        ({"offset_s": 1.5}, "`server_offset_s`"),
    ],
)
def test_bad_clocks_are_config_errors_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        ServerTime(**kwargs)
