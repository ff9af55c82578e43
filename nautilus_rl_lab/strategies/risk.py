"""Risk rules: `RiskLimits` (the `risk` section of every mode's config) and `RiskManager`.

All rules are optional (`None` disables one) and are checked on every decision bar, in this
order; the first rule that forces the target wins:

- `max_drawdown`: fraction of peak equity; once equity has fallen that far the position is
  closed and the strategy halts (targets flat) until reset.
- `max_daily_loss`: fraction of the equity at the day's first decision; once lost the position
  is closed and the strategy stays flat for the rest of that UTC day.
- `stop_loss` / `take_profit`: fractions of the position's average entry price. With
  `protection="venue"` (default) they are Nautilus contingent orders attached to the entry
  (`strategies.protection`), filled by the venue inside the bar at the stop/limit price (or
  the gap open); with `protection="close"` they are checked at decision closes. Either way the
  strategy stays flat afterwards until the agent asks for the other side or for flat (no
  immediate re-entry). `trailing_stop` makes the venue stop trail the price at `stop_loss`
  (not on MT5, whose position sl does not trail: `LiveNodeConfig` refuses it).
- `max_consecutive_losses` / `cooldown_bars`: after that many losing round trips in a row the
  strategy stays flat for `cooldown_bars` decisions.
- `max_position`: the absolute target is capped at this many units.
- `trading_hours`: `[start_hour, end_hour)` in UTC (wrapping past midnight if start > end);
  outside them positions may only be reduced, or are closed with `flatten_outside_hours`.
- `max_trades_per_day`: once this many orders went out in a UTC day, no further order is sent
  that day (the target is held) unless a halt above closes the position. A flip is two orders
  (a reduce-only close and an open, `strategies.execution`): with one order left it is held.
- `max_order_submit_rate` / `max_notional_per_order`: Nautilus' own `RiskEngine` limits
  (`risk_engine_config`), which deny orders before the venue sees them.
- `max_gross_exposure` / `max_net_exposure` (portfolios only): the sum of the absolute target
  weights / the absolute sum of the weights (fractions of equity); a rebalance beyond them is
  scaled down (`strategies.portfolio_strategy.cap_exposure`).

`RiskManager.adjust` is a pure state machine that unit tests drive without an engine; every
change it makes to a target is recorded as a `RiskEvent` (which rule, target before/after).
Event rules: the names above when a rule trips (`max_drawdown`, `max_daily_loss`,
`stop_loss`, `take_profit`, `max_position`, `trading_hours`, `max_trades_per_day`), and
`halted`, `daily_halt`, `loss_cooldown`, `reentry_block` for decisions overridden while a
halt, a cooldown or a no-re-entry block lasts. Venue-side exits are recorded at their fill
(target `None`, adjusted `0.0`). `max_trades_per_day` counts the orders the strategy sent
(a flip counts two; protective exits at the venue are not counted).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import InstrumentId
from nautilus_rl_lab.nt.risk import RiskEngineConfig
from nautilus_rl_lab.schemes.base import MarketState
from nautilus_rl_lab.validation import check_known, check_minimum

NANOS_PER_HOUR = 3_600_000_000_000
NANOS_PER_DAY = 24 * NANOS_PER_HOUR
PROTECTION_MODES = ("venue", "close")


class RiskLimits(LabConfig, frozen=True, forbid_unknown_fields=True):
    """The risk rules of every mode (see the module docstring); `None` disables a rule."""

    max_position: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    protection: str = "venue"
    trailing_stop: bool = False
    max_drawdown: float | None = None
    max_daily_loss: float | None = None
    max_consecutive_losses: int | None = None
    cooldown_bars: int = 24
    max_trades_per_day: int | None = None
    trading_hours: tuple[int, int] | None = None
    flatten_outside_hours: bool = False
    max_order_submit_rate: str | None = None
    max_notional_per_order: int | None = None
    # UNSET (left out of the JSON, so configs written before them keep their bytes)
    max_gross_exposure: float | UnsetType = UNSET
    max_net_exposure: float | UnsetType = UNSET

    def __post_init__(self) -> None:
        for name in (
            "max_position",
            "stop_loss",
            "take_profit",
            "max_notional_per_order",
        ):
            check_minimum(f"risk.{name}", getattr(self, name), 0, strict=True, optional=True)
        for name, cap in zip(
            ("max_gross_exposure", "max_net_exposure"), self.exposure_caps, strict=True
        ):
            check_minimum(f"risk.{name}", cap, 0, strict=True, optional=True)
        for name in ("max_drawdown", "max_daily_loss"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise ConfigError(f"`risk.{name}` must be in (0, 1) or None, was {value}")
        for name in ("max_consecutive_losses", "max_trades_per_day"):
            check_minimum(f"risk.{name}", getattr(self, name), 1, optional=True)
        check_minimum("risk.cooldown_bars", self.cooldown_bars, 1)
        check_known("risk.protection", self.protection, PROTECTION_MODES)
        if self.trailing_stop and (self.stop_loss is None or self.protection != "venue"):
            raise ConfigError(
                "`risk.trailing_stop` needs `risk.stop_loss` (the trailing distance) and "
                "`risk.protection='venue'`"
            )
        if self.trading_hours is not None and not all(0 <= h <= 24 for h in self.trading_hours):
            raise ConfigError(
                f"`risk.trading_hours` must be [start_hour, end_hour] in 0..24 UTC, "
                f"was {self.trading_hours}"
            )

    @property
    def exposure_caps(self) -> tuple[float | None, float | None]:
        """The portfolio's gross and net exposure caps (`None`: none)."""
        return (
            None if self.max_gross_exposure is UNSET else float(self.max_gross_exposure),
            None if self.max_net_exposure is UNSET else float(self.max_net_exposure),
        )

    @property
    def changes_targets(self) -> bool:
        """Whether any rule can change a decision's target: any setting but the `RiskEngine`
        limits differs from the defaults (derived, so a new rule needs no list kept in step)."""
        rules = msgspec.structs.replace(
            self, max_order_submit_rate=None, max_notional_per_order=None
        )
        return rules != RiskLimits()

    @property
    def venue_protection(self) -> bool:
        """Whether stop-loss/take-profit are contingent orders at the venue."""
        has_exit = self.stop_loss is not None or self.take_profit is not None
        return has_exit and self.protection == "venue"


def risk_engine_config(limits: RiskLimits, instrument_id: InstrumentId) -> RiskEngineConfig:
    """Nautilus' `RiskEngineConfig` for the `RiskEngine` limits of `limits` (defaults otherwise)."""
    values: dict[str, Any] = {}
    if limits.max_order_submit_rate is not None:
        values["max_order_submit_rate"] = limits.max_order_submit_rate
    if limits.max_notional_per_order is not None:
        values["max_notional_per_order"] = {str(instrument_id): limits.max_notional_per_order}
    return RiskEngineConfig(**values)


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A rule changed the target on the decision at `ts_ns` (`None` target: hold)."""

    ts_ns: int
    rule: str
    target: float | None
    adjusted: float | None

    def to_dict(self) -> dict[str, Any]:
        """The event as a plain dict (for `info`, frames and reports)."""
        return asdict(self)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def in_trading_hours(ts_ns: int, hours: tuple[int, int] | None) -> bool:
    """Whether the UTC hour of `ts_ns` lies in `[start, end)` (wrapping past midnight)."""
    if hours is None:
        return True
    start, end = hours
    hour = (ts_ns // NANOS_PER_HOUR) % 24
    return start <= hour < end if start <= end else hour >= start or hour < end


@dataclass
class RiskManager:
    """Pure state machine applying `RiskLimits` to the agent's target positions."""

    limits: RiskLimits = field(default_factory=RiskLimits)
    peak_equity: float = 0.0
    halted: bool = False
    blocked_side: int = 0
    day: int = -1
    day_start_equity: float = 0.0
    day_halted: bool = False
    trades_today: int = 0
    losing_streak: int = 0
    cooldown_left: int = 0
    last_reason: str | None = None
    events: list[RiskEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._passive = not self.limits.changes_targets

    def reset(self) -> None:
        """Forget all state (a new episode or run)."""
        fresh = RiskManager(self.limits)
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def record_exit(self, side: int, rule: str, ts_ns: int) -> None:
        """A protective order (`stop_loss`/`take_profit`) closed a `side` position at the venue."""
        self.blocked_side = side
        self.events.append(RiskEvent(ts_ns, rule, None, 0.0))

    def record_order(self, count: int = 1) -> None:
        """`count` orders went out (they count towards `max_trades_per_day`)."""
        self.trades_today += count

    def allow_orders(self, count: int, ts_ns: int, target: float | None) -> bool:
        """Whether `count` more orders (a flip's close and open) fit in `max_trades_per_day`;
        if not, the hold is recorded as a `max_trades_per_day` event for `target`."""
        limit = self.limits.max_trades_per_day
        if limit is None or self.trades_today + count <= limit:
            return True
        self.last_reason = "max_trades_per_day"
        self.events.append(RiskEvent(ts_ns, self.last_reason, target, None))
        return False

    def record_round_trip(self, realized_pnl: float) -> None:
        """A position closed with `realized_pnl` (losing streaks start the cooldown)."""
        limit = self.limits.max_consecutive_losses
        self.losing_streak = self.losing_streak + 1 if realized_pnl < 0 else 0
        if limit is not None and self.losing_streak >= limit:
            self.cooldown_left, self.losing_streak = self.limits.cooldown_bars, 0

    def adjust(
        self, target: float | None, state: MarketState, entry_price: float | None
    ) -> float | None:
        """Return the target to trade to (`None`: leave the position) after the risk rules.

        `target` is the action scheme's target (`None` = hold); `entry_price` the average
        open price of the current position (`None` when flat). Sets `last_reason` and records
        a `RiskEvent` when a rule changed the target.
        """
        if self._passive:  # no rule configured: every target passes, no state to track
            self.last_reason = None
            return target
        self._roll_day(state)
        adjusted, self.last_reason = self._apply(target, state, entry_price)
        if self.last_reason is not None:
            self.events.append(RiskEvent(state.ts_ns, self.last_reason, target, adjusted))
        return adjusted

    def _roll_day(self, state: MarketState) -> None:
        day = state.ts_ns // NANOS_PER_DAY
        if day != self.day:
            self.day, self.day_start_equity = day, state.equity
            self.day_halted, self.trades_today = False, 0

    def _apply(
        self, target: float | None, state: MarketState, entry_price: float | None
    ) -> tuple[float | None, str | None]:
        limits, position = self.limits, state.position
        flat: float | None = 0.0 if position else None
        stay_flat = (flat, None) if flat is None and not target else None
        self.peak_equity = max(self.peak_equity, state.equity)
        drawdown = 1.0 - state.equity / self.peak_equity if self.peak_equity > 0 else 0.0
        if not self.halted and limits.max_drawdown is not None and drawdown >= limits.max_drawdown:
            self.halted = True
            return 0.0, "max_drawdown"
        if self.halted:
            return stay_flat or (flat, "halted")
        daily_floor = self.day_start_equity * (1.0 - (limits.max_daily_loss or 1.0))
        if (
            not self.day_halted
            and limits.max_daily_loss is not None
            and state.equity <= daily_floor
        ):
            self.day_halted = True
            return 0.0, "max_daily_loss"
        if self.day_halted:
            return stay_flat or (flat, "daily_halt")
        side = _sign(position)
        if side and entry_price and limits.protection == "close":
            move = side * (state.close / entry_price - 1.0)
            for rule, hit in (
                ("stop_loss", limits.stop_loss is not None and move <= -limits.stop_loss),
                ("take_profit", limits.take_profit is not None and move >= limits.take_profit),
            ):
                if hit:
                    self.blocked_side = side
                    return 0.0, rule
        if self.cooldown_left:
            self.cooldown_left -= 1
            return stay_flat or (flat, "loss_cooldown")
        if self.blocked_side:
            wanted = _sign(position if target is None else target)
            if wanted == self.blocked_side:
                return flat, "reentry_block"
            self.blocked_side = 0
        return self._limit(target, state)

    def _limit(self, target: float | None, state: MarketState) -> tuple[float | None, str | None]:
        limits, position = self.limits, state.position
        adjusted, rule = target, None
        if adjusted is not None and limits.max_position is not None:
            capped = max(-limits.max_position, min(limits.max_position, adjusted))
            adjusted, rule = capped, ("max_position" if capped != adjusted else None)
        if not in_trading_hours(state.ts_ns, limits.trading_hours):
            hours_target = adjusted
            if limits.flatten_outside_hours:
                hours_target = 0.0 if position or adjusted else adjusted
            elif adjusted is not None:  # only reduce: stay between 0 and the current position
                hours_target = max(min(0.0, position), min(max(0.0, position), adjusted))
            if hours_target != adjusted:
                adjusted, rule = hours_target, "trading_hours"
        trades = limits.max_trades_per_day
        if (
            trades is not None
            and self.trades_today >= trades
            and adjusted is not None
            and adjusted != position
        ):
            adjusted, rule = None, "max_trades_per_day"
        return adjusted, rule
