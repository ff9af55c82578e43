"""Execution stress scenarios: a market, a fault schedule for the MT5 simulator, and how long to trade.

A `StressScenarioConfig` says what the terminal does to the orders of a live session: which
faults of `mt5.simulator.faults` are armed at which decision bar (`FaultStep`), which are drawn
at seeded rates on every `order_send` (`fault_rates`), and when the `LiveNode` is restarted
(`FaultStep(fault="restart")`). The market is a `ScenarioConfig` (a generator or a bundled
data slice) whose bars the simulator replays. `stress_runner.run_execution_stress` trades an
agent through them; `builtin_stress_scenarios()` are the named ones below.

Decisions:

- A step at `bar=k` is applied just before the terminal closes the k-th decision bar, so the
  order the agent sends on that bar is the first to meet a trade fault. A trade fault stays
  armed until an `order_send` consumes it: the results count the faults actually met.
- `with_position=True` defers a step to the first decision bar from `bar` on at which the
  terminal holds a position (a disconnect or a restart with a position open).
- Counts are finite (an unlimited fault would never be met in full and fails every order).
- `FaultStep(fault="stall", symbol=s, count=k)` (portfolio scenarios only) stops the bars of
  `s`'s feed from the k-th decision bar's on for `k` decision bars: the node never receives
  them, and receives them all at once when the feed resumes.
- A portfolio scenario (`symbols` set, two or more) replays `market` on every symbol, scaled
  to each symbol's base price, and is traded by the runner's portfolio agent (default fixed
  equal weights, `stress_runner.PORTFOLIO_AGENT`); its builtins are
  `builtin_portfolio_stress_scenarios()`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from msgspec import UNSET, UnsetType

from nautilus_rl_lab.config import FileConfig, LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.fast import fast_mode
from nautilus_rl_lab.mt5.simulator.faults import DISCONNECT, FAULTS, TRADE_FAULT_RETCODES
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS
from nautilus_rl_lab.scenarios.builtins import VOLATILITY
from nautilus_rl_lab.scenarios.config import ScenarioConfig
from nautilus_rl_lab.validation import check_known, check_minimum

RESTART = "restart"
STALL = "stall"
STEP_KINDS = (*FAULTS, RESTART, STALL)
DEFAULT_STRESS_BARS = 24
FAST_STRESS_BARS = 16
#: Requotes in a burst the adapter absorbs (its `max_price_retries` is 3) and one it cannot.
REQUOTE_BURST = 3
DISCONNECT_CALLS = 12
PORTFOLIO_SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY")
#: A portfolio's equal weights buy whole 100,000-unit lots of each symbol.
PORTFOLIO_BALANCE = 1_000_000.0
#: Decision bars a built-in feed stall lasts (each waits the agent's `max_wait_secs`): more
#: than the portfolio agent's `rebalance_every` (2), so a rebalance falls inside it.
STALL_BARS = 3
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


class FaultStep(LabConfig, frozen=True, forbid_unknown_fields=True):
    """At decision bar `bar` (1-based) arm `fault` for `count` occasions, `restart` the node, or
    `stall` the bars of `symbol` for `count` decision bars.

    `with_position` defers the step to the first decision bar from `bar` on at which the
    terminal holds a position.
    """

    bar: int
    fault: str
    count: int = 1
    with_position: bool = False
    # UNSET (left out of the JSON): only a stall names a symbol
    symbol: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        check_known("steps.fault", self.fault, STEP_KINDS)
        check_minimum("steps.bar", self.bar, 1, what=" (decision bars count from 1)")
        check_minimum("steps.count", self.count, 1)
        if self.fault == STALL and self.symbol is UNSET:
            raise ConfigError("`steps.symbol` must name the symbol whose feed a 'stall' stops")
        if self.fault != STALL and self.symbol is not UNSET:
            raise ConfigError(
                f"`steps.symbol` {self.symbol!r} is only for a 'stall' step, not {self.fault!r}"
            )


class StressScenarioConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """An execution stress scenario: `market` replayed by the simulator, `steps`, `fault_rates`.

    `n_bars` decision bars are traded (the market must hold them after the simulator's warm-up
    bars); `fault_rates` (``{trade fault: probability per order_send}``) are drawn with `seed`;
    `balance` and `leverage` are the simulated account's. `symbols` (two or more MT5 symbols)
    makes it a portfolio scenario; unset, the runner trades one instrument.
    """

    name: str
    description: str
    market: ScenarioConfig
    steps: tuple[FaultStep, ...] = ()
    fault_rates: dict[str, float] = {}
    seed: int = 0
    n_bars: int = DEFAULT_STRESS_BARS
    balance: float = 10_000.0
    leverage: int = 100
    # UNSET (left out of the JSON, so single-instrument scenarios keep their bytes)
    symbols: tuple[str, ...] | UnsetType = UNSET

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(
                f"`name` {self.name!r} must be letters, digits, '_' or '-' (it names files)"
            )
        check_minimum("n_bars", self.n_bars, 2)
        for step in self.steps:
            if step.bar > self.n_bars:
                raise ConfigError(
                    f"`steps` arm {step.fault!r} at bar {step.bar}, after the last of "
                    f"`n_bars` = {self.n_bars}"
                )
        for fault, rate in self.fault_rates.items():
            if fault not in TRADE_FAULT_RETCODES:
                raise ConfigError(
                    f"`fault_rates` key {fault!r} is not a trade fault: use one of "
                    f"{tuple(TRADE_FAULT_RETCODES)}"
                )
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"`fault_rates[{fault!r}]` must be in [0, 1], was {rate}")
        if not math.isfinite(self.balance):
            raise ConfigError(f"`balance` must be a finite amount, was {self.balance}")
        check_minimum("balance", self.balance, 0, strict=True)
        check_minimum("leverage", self.leverage, 1)
        if self.symbols is not UNSET:
            _check_symbols(self.symbols)
        for step in self.steps:
            if step.fault == STALL and step.symbol not in self.portfolio:
                raise ConfigError(
                    f"`steps` stall {step.symbol!r}, which is not one of the scenario's "
                    f"`symbols` {list(self.portfolio)} (only a portfolio's feeds stall)"
                )

    @property
    def restarts(self) -> int:
        """How many times the node is restarted."""
        return sum(step.fault == RESTART for step in self.steps)

    @property
    def portfolio(self) -> tuple[str, ...]:
        """The symbols of a portfolio scenario; empty for a single-instrument one."""
        return () if self.symbols is UNSET else tuple(self.symbols)


def _check_symbols(symbols: tuple[str, ...]) -> None:
    if len(symbols) < 2 or len(set(symbols)) != len(symbols):
        raise ConfigError(
            f"`symbols` {list(symbols)} must name two or more different MT5 symbols (leave it "
            "unset for a single-instrument scenario)"
        )
    for symbol in symbols:
        check_known("symbols", symbol, tuple(DEFAULT_SYMBOL_SPECS))


def default_stress_bars() -> int:
    """`FAST_STRESS_BARS` in fast mode (`nautilus_rl_lab.fast_mode`), else `DEFAULT_STRESS_BARS`."""
    return FAST_STRESS_BARS if fast_mode() else DEFAULT_STRESS_BARS


def _scenario(
    name: str, market_seed: int, n_bars: int, description: str, *steps: FaultStep, **fields: Any
) -> StressScenarioConfig:
    """A built-in on its own seeded GBM market: `n_bars` hourly bars plus room for warm-up and restarts."""
    market = ScenarioConfig(
        name=f"{name}_market",
        description="GBM, EUR/USD-like hourly volatility.",
        params={"n_bars": n_bars + 60, "volatility": VOLATILITY},
        seed=market_seed,
    )
    return StressScenarioConfig(
        name=name, description=description, market=market, steps=steps, n_bars=n_bars, **fields
    )


def builtin_stress_scenarios(n_bars: int | None = None) -> dict[str, StressScenarioConfig]:
    """The built-in execution stress scenarios for `n_bars` decision bars, by name."""
    n = default_stress_bars() if n_bars is None else n_bars
    check_minimum("n_bars", n, 8, what=" for the built-in stress scenarios")
    first, second = n // 4, n // 2
    built = [
        _scenario(
            "requote_burst",
            11,
            n,
            f"{REQUOTE_BURST} requotes in a row (resent at a fresh price, then filled), later "
            f"{REQUOTE_BURST + 1} (one more than the retries: REQUOTE reject).",
            FaultStep(bar=first, fault="requote", count=REQUOTE_BURST),
            FaultStep(bar=second, fault="requote", count=REQUOTE_BURST + 1),
        ),
        _scenario(
            "off_quotes",
            12,
            n,
            "Two OFF_QUOTES replies in a row (resent), and 15% of sends off quotes.",
            FaultStep(bar=first, fault="off_quotes", count=2),
            fault_rates={"off_quotes": 0.15},
            seed=12,
        ),
        _scenario(
            "no_money",
            13,
            n,
            "Two orders rejected NO_MONEY (never retried); the agent trades on.",
            FaultStep(bar=first, fault="no_money", count=2),
        ),
        _scenario(
            "disconnect_with_open_position",
            14,
            n,
            f"The terminal link drops for {DISCONNECT_CALLS} calls while a position is open; "
            "the clients reconnect and the position survives.",
            FaultStep(bar=first, fault=DISCONNECT, count=DISCONNECT_CALLS, with_position=True),
        ),
        _scenario(
            "restart_mid_session",
            15,
            n,
            "The LiveNode is stopped with a position open and a new one started against the "
            "same terminal: reconciliation gives the position back to the strategy.",
            FaultStep(bar=second, fault=RESTART, with_position=True),
        ),
        _scenario(
            "send_timeout",
            16,
            n,
            "order_send times out although the order executed: the adapter finds it at the "
            "terminal instead of sending it again.",
            FaultStep(bar=first, fault="timeout", count=1),
        ),
    ]
    return {scenario.name: scenario for scenario in built}


def builtin_portfolio_stress_scenarios(
    n_bars: int | None = None,
) -> dict[str, StressScenarioConfig]:
    """The built-in portfolio stress scenarios on `PORTFOLIO_SYMBOLS`, for `n_bars` decision bars."""
    n = default_stress_bars() if n_bars is None else n_bars
    check_minimum("n_bars", n, 8, what=" for the built-in stress scenarios")
    first = PORTFOLIO_SYMBOLS[0]  # the first leg a rebalance sends
    built = [
        _scenario(
            "portfolio_leg_rejected",
            21,
            n,
            "The first order of the first rebalance is rejected (MT5 REJECT): the other legs "
            "fill and the next rebalance buys the missing leg from its actual position.",
            FaultStep(bar=1, fault="reject"),
            symbols=PORTFOLIO_SYMBOLS,
            balance=PORTFOLIO_BALANCE,
        ),
        _scenario(
            "portfolio_feed_stall",
            22,
            n,
            f"The first order ({first}'s leg) is rejected, then {first}'s bars stop for "
            f"{STALL_BARS} decision bars: the agent decides on the other symbols after its wait "
            f"and holds {first} (no order on a stale price); once its bars are back (all at once) "
            "a rebalance buys the missing leg.",
            FaultStep(bar=1, fault="reject"),
            FaultStep(bar=2, fault=STALL, count=STALL_BARS, with_position=True, symbol=first),
            symbols=PORTFOLIO_SYMBOLS,
            balance=PORTFOLIO_BALANCE,
        ),
    ]
    return {scenario.name: scenario for scenario in built}
