"""`AlignedClock`: when a portfolio decides — once per timestamp, after every bar due at it arrived.

The rule (documented for users in docs/portfolio.md). The decision clock is the union of the
instruments' bar timestamps. At a timestamp the decision is taken on the bar that completes it:
the last of the bars the data holds for that time (`expected`, counted from the data in
backtests and training) or, without a schedule, the last instrument's. An instrument with no
bar at that time (market closed, missing data) keeps its last bar and close, a past price (a
missing bar never borrows a later one), is marked not `trading` and is not traded by that
decision (its position is held). Nautilus streams every bar of one timestamp before any later
datum, so a decision never sees a bar stamped after it.

Live (no schedule), each symbol's bars come from a poll of their own, so a timestamp waits for
every instrument, and one whose bar never comes would hold it open. `expire` closes it: the
decision is then taken on the bars that arrived, the others not `trading` (as above, their last
close, never a later one). A timestamp is decided at most once: a bar arriving after it was
decided (or expired) or after a later timestamp began is observed but decides nothing, and a
timestamp left open when a later one begins is dropped undecided (deciding it then would see
the later bar).
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
        self._decided = False

    def reset(self) -> None:
        """Forget the current timestamp (a new run)."""
        self._ts, self._count, self._decided = -1, 0, False
        self._arrived = [False] * self.n_assets

    def arrive(self, asset: int, ts_ns: int) -> bool:
        """Record asset `asset`'s bar at `ts_ns`; whether it completes that timestamp (never
        for a timestamp already decided or older than the current one)."""
        if ts_ns < self._ts:
            return False
        if ts_ns > self._ts:
            self._ts, self._count, self._decided = ts_ns, 0, False
            self._arrived = [False] * self.n_assets
        if self._decided:
            return False
        if not self._arrived[asset]:
            self._arrived[asset] = True
            self._count += 1
        due = self.n_assets if self._expected is None else self._expected.get(ts_ns, 0)
        self._decided = self._count == due
        return self._decided

    @property
    def waiting(self) -> int | None:
        """The timestamp some bars arrived at while others are still due (`None`: none)."""
        return None if self._decided or self._ts < 0 else self._ts

    def expire(self, ts_ns: int) -> bool:
        """Stop waiting for the bars still due at `ts_ns`; whether it is decided now, on the
        bars that arrived (False: it completed, expired already or a later one began)."""
        if self.waiting != ts_ns:
            return False
        self._decided = True
        return True

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
