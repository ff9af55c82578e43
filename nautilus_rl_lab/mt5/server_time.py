"""`ServerTime`: the trade server's wall clock, UTC plus a fixed offset or a time zone's rules.

MT5 stamps times (ticks, bars, orders, deals, request dates) in the trade server's wall
clock. Many brokers run Eastern European time with daylight saving (UTC+2 in winter, UTC+3
in summer), so a fixed offset is wrong half the year: give the zone's name
(``"Europe/Athens"``, IANA rules from `zoneinfo`) and every conversion uses the offset in
force at that instant. A server wall time that occurs twice (the hour repeated when DST
ends; on an EET server that is Sunday 03:00-04:00, when FX markets are closed) maps to its
first occurrence; one that never occurs (the skipped hour) keeps the offset before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from nautilus_rl_lab.errors import ConfigError

_MAX_OFFSET_S: Final = 14 * 3600


class ServerTime:
    """Converts between UTC and the server's wall clock (milliseconds or seconds).

    Parameters
    ----------
    offset_s : int
        Server time minus UTC, when `timezone` is None (``7200`` for UTC+2).
    timezone : str, optional
        IANA time-zone name whose rules the server clock follows (DST included).
    """

    def __init__(self, offset_s: int = 0, timezone: str | None = None) -> None:
        if isinstance(offset_s, bool) or not isinstance(offset_s, int):
            raise ConfigError(f"`server_offset_s` must be an int of seconds, was {offset_s!r}")
        if abs(offset_s) > _MAX_OFFSET_S:
            raise ConfigError(f"`server_offset_s` must be within +/-14 h, was {offset_s}")
        self.offset_s = offset_s
        self.timezone = timezone
        self._zone: ZoneInfo | None = None
        if timezone is not None:
            try:
                self._zone = ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError, TypeError):
                raise ConfigError(
                    f"`server_timezone` {timezone!r} is not a known IANA time zone "
                    "(e.g. 'Europe/Athens', 'Etc/GMT-2')",
                ) from None

    def __repr__(self) -> str:
        rule = self.timezone if self._zone is not None else f"UTC{self.offset_s:+d}s"
        return f"ServerTime({rule})"

    def offset_at_utc_ms(self, utc_ms: int) -> int:
        """Server time minus UTC, in seconds, at the UTC instant `utc_ms`."""
        if self._zone is None:
            return self.offset_s
        instant = datetime.fromtimestamp(utc_ms / 1000, tz=UTC)
        offset = self._zone.utcoffset(instant.astimezone(self._zone).replace(tzinfo=None))
        return int((offset or timedelta(0)).total_seconds())

    def server_ms(self, utc_ms: int) -> int:
        """The server wall time (ms) of the UTC instant `utc_ms`."""
        return int(utc_ms) + self.offset_at_utc_ms(int(utc_ms)) * 1000

    def utc_ms(self, server_ms: int) -> int:
        """The UTC instant (ms) of the server wall time `server_ms` (first occurrence)."""
        if self._zone is None:
            return int(server_ms) - self.offset_s * 1000
        wall = datetime(1970, 1, 1) + timedelta(milliseconds=int(server_ms))
        offset = self._zone.utcoffset(wall) or timedelta(0)  # fold=0: the first occurrence
        return int(server_ms) - int(offset.total_seconds()) * 1000

    def server_s(self, utc_s: int) -> int:
        """The server wall time (s) of the UTC instant `utc_s`."""
        return self.server_ms(int(utc_s) * 1000) // 1000

    def utc_s(self, server_s: int) -> int:
        """The UTC instant (s) of the server wall time `server_s`."""
        return self.utc_ms(int(server_s) * 1000) // 1000

    def server_ms_array(self, utc_ms: np.ndarray) -> np.ndarray:
        """`server_ms` of every element (vectorised; int64)."""
        utc_ms = np.asarray(utc_ms, dtype=np.int64)
        if self._zone is None or utc_ms.size == 0:
            return utc_ms + self.offset_s * 1000
        index = pd.DatetimeIndex(pd.to_datetime(utc_ms, unit="ms", utc=True))
        offsets_s = np.array(
            [int(o.total_seconds()) for o in index.tz_convert(self._zone).map(_utcoffset)],
            dtype=np.int64,
        )
        return utc_ms + offsets_s * 1000


def _utcoffset(stamp: pd.Timestamp) -> timedelta:
    return stamp.utcoffset() or timedelta(0)


def as_server_time(value: ServerTime | int) -> ServerTime:
    """`value` as a `ServerTime` (an int is a fixed offset in seconds)."""
    return value if isinstance(value, ServerTime) else ServerTime(int(value))
