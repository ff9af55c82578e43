"""`AlignedClock`: when a portfolio decides — once per timestamp, after every bar due at it arrived.

The rule (documented for users in docs/portfolio.md). The decision clock is the union of the
instruments' bar timestamps. At a timestamp the decision is taken on the bar that completes it:
the last of the bars the data holds for that time (`expected`, counted from the data in
backtests and training) or, without a schedule, the last instrument's. An instrument with no
bar at that time (market closed, missing data) keeps its last bar and close, a past price (a
missing bar never borrows a later one), is marked not `trading` and is not traded by that
decision (its position is held). Nautilus streams every bar of one timestamp before any later
datum, so a decision never sees a bar stamped after it.
"""

from __future__ import annotations

from collections.abc import Mapping


class AlignedClock:
    """Counts the bars of each timestamp; says which bar completes it and which assets had one."""

    def __init__(self, n_assets: int, expected: Mapping[int, int] | None = None) -> None:
        self.n_assets = n_assets
        self._expected = expected
        self._ts = -1
        self._arrived = [False] * n_assets
        self._count = 0

    def reset(self) -> None:
        """Forget the current timestamp (a new run)."""
        self._ts, self._count = -1, 0
        self._arrived = [False] * self.n_assets

    def arrive(self, asset: int, ts_ns: int) -> bool:
        """Record asset `asset`'s bar at `ts_ns`; whether it completes that timestamp."""
        if ts_ns != self._ts:
            self._ts, self._count = ts_ns, 0
            self._arrived = [False] * self.n_assets
        if not self._arrived[asset]:
            self._arrived[asset] = True
            self._count += 1
        due = self.n_assets if self._expected is None else self._expected.get(ts_ns, 0)
        return self._count == due

    @property
    def trading(self) -> tuple[bool, ...]:
        """Which assets have a bar at the current timestamp."""
        return tuple(self._arrived)


def bars_due(timestamps: list[list[int]]) -> dict[int, int]:
    """The number of instruments with a bar at each timestamp (`timestamps`: each asset's)."""
    due: dict[int, int] = {}
    for asset in timestamps:
        for ts in asset:
            due[ts] = due.get(ts, 0) + 1
    return due
