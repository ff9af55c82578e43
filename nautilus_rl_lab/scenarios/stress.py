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
"""

from __future__ import annotations

import math
import re
from typing import Any

from nautilus_rl_lab.config import FileConfig, LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.fast import fast_mode
from nautilus_rl_lab.mt5.simulator.faults import DISCONNECT, FAULTS, TRADE_FAULT_RETCODES
from nautilus_rl_lab.scenarios.builtins import VOLATILITY
from nautilus_rl_lab.scenarios.config import ScenarioConfig
from nautilus_rl_lab.validation import check_known, check_minimum

RESTART = "restart"
STEP_KINDS = (*FAULTS, RESTART)
DEFAULT_STRESS_BARS = 24
FAST_STRESS_BARS = 16
#: Requotes in a burst the adapter absorbs (its `max_price_retries` is 3) and one it cannot.
REQUOTE_BURST = 3
DISCONNECT_CALLS = 12
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


class FaultStep(LabConfig, frozen=True, forbid_unknown_fields=True):
    """At decision bar `bar` (1-based) arm `fault` for `count` occasions, or `restart` the node.

    `with_position` defers the step to the first decision bar from `bar` on at which the
    terminal holds a position.
    """

    bar: int
    fault: str
    count: int = 1
    with_position: bool = False

    def __post_init__(self) -> None:
        check_known("steps.fault", self.fault, STEP_KINDS)
        check_minimum("steps.bar", self.bar, 1, what=" (decision bars count from 1)")
        check_minimum("steps.count", self.count, 1)


class StressScenarioConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """An execution stress scenario: `market` replayed by the simulator, `steps`, `fault_rates`.

    `n_bars` decision bars are traded (the market must hold them after the simulator's warm-up
    bars); `fault_rates` (``{trade fault: probability per order_send}``) are drawn with `seed`;
    `balance` and `leverage` are the simulated account's.
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

    @property
    def restarts(self) -> int:
        """How many times the node is restarted."""
        return sum(step.fault == RESTART for step in self.steps)


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
