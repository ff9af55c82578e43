"""`TrainingNode`: a Nautilus `BacktestEngine` exposed as a `gymnasium.Env`.

It is the environment, not the training (the SB3 code that trains on it is
`nautilus_rl_lab.training`).

It is to RL what Nautilus' `BacktestNode` is to backtests: built from a frozen
`TrainingNodeConfig`, it loads the data once, owns one engine and reuses it across episodes
(`BacktestEngine.reset()` keeps instruments). The engine holds no data of its own: each
episode streams only its slice of the time-sorted quotes and bars (`nt.engine.set_stream_data`;
an episode over the same slice as the last one reuses the data the engine kept), so a reset
neither re-sorts the whole sample (Nautilus' `reset()` re-sorts every datum it holds, 3 ms on
the bundled sample) nor scans it for the start.

Stepping. The engine runs one streaming `run(start, end)` per episode inside a greenlet.
When a decision bar reaches the strategy, `on_bar` switches back to `step()`/`reset()` with
the observation; the next `step(action)` switches into the paused `on_bar`, which submits the
orders exactly where a plain backtest strategy would. A greenlet switch costs about a
microsecond and needs no thread, so the env runs at the engine's own speed and orders,
fills and balances are identical to a plain backtest (the parity test proves it).

Episodes. `reset()` picks the first decision bar (random with `random_start`, drawn from
`self.np_random`), the engine replays the observation scheme's warm-up bars before it, and
the episode runs `episode_length` steps. Terminated: equity fell to `ruin_fraction` of its
start, Nautilus stopped the account (margin), or the data ended; truncated: the length was
reached. An unfinished episode is abandoned before the next reset: the strategy stops deciding
and the paused run plays out the rest of the episode's slice without a decision (no Python work
per bar), so the run ends as any run does and `BacktestEngine.reset()` finds the engine idle.
(Throwing into the paused run would not unwind it on NautilusTrader 2, whose next `reset()`
then fails "Already borrowed".) While an episode is paused inside `on_bar`, the env reads
Nautilus only through its strategy's own `portfolio` and `cache` (NautilusTrader 2 refuses
`engine.portfolio`/`engine.cache` then: "Already mutably borrowed").

Threads. NautilusTrader 2 keeps one live engine per thread (a second engine built in the
same thread takes the first one's bars; starting it while the first is paused fails
"Callback work or access is still active"). So every call that touches the engine goes
through an `nt.threads.EngineHost`: the first live env of a thread runs in that thread, as on
1.221; a further one gets a thread of its own (2.0 only), so several envs in one process
(`DummyVecEnv`, a `SharedMemoryVecEnv` group, an eval env beside the training env) each keep
their engine. Such an env's `engine` and `strategy` belong to its thread: read them through
its methods (`fills()`, `info`), not directly.

`info` carries the state the step ended in (`equity`: the account's mark-to-market value, see
`nautilus_rl_lab.strategies.valuation`; `balance`, `position`, `unrealized_pnl`,
`commissions`), the episode's fills (`trades`) and the orders Nautilus denied
(`orders_denied`, e.g. beyond the venue's leverage) or the venue rejected (`orders_rejected`).

Risk. The strategy runs the same `DecisionPath` as `RLAgent` + `AgentStrategy`, under
`TrainingNodeConfig.risk`, so the agent trains under the rules it will trade under. `info`
carries `risk_events` (the rules that changed a target or closed a position since the last
step: rule, target before/after), `orders_denied` (Nautilus' `RiskEngine`) and
`orders_rejected` (the venue).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import gymnasium as gym
import msgspec
import numpy as np
import pandas as pd
from greenlet import greenlet
from msgspec import UNSET, UnsetType

from nautilus_rl_lab.config import FileConfig
from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.data.wrangling import NODE_BAR_FIELDS, bar_specification
from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.nodes.engine import (
    MarketData,
    build_engine,
    check_execution,
    default_venue,
)
from nautilus_rl_lab.nodes.env_strategy import EnvDecisions
from nautilus_rl_lab.nodes.markets import load_market
from nautilus_rl_lab.nodes.portfolio import (
    HISTORY_FIELDS as PORTFOLIO_HISTORY,
)
from nautilus_rl_lab.nodes.portfolio import (
    GymPortfolioStrategy,
    Portfolio,
    PortfolioAsset,
    build_portfolio,
    check_long_only,
    check_portfolio,
    portfolio_schemes,
)
from nautilus_rl_lab.nodes.venue import check_account
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nt.accounting import suppress_account_error
from nautilus_rl_lab.nt.analysis import ReportProvider
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.engine import run_engine, set_stream_data
from nautilus_rl_lab.nt.model import AccountType, Bar, QuoteTick
from nautilus_rl_lab.nt.threads import close_at_exit, engine_host
from nautilus_rl_lab.schemes.action import common_unit
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState
from nautilus_rl_lab.schemes.portfolio import PortfolioState
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action, build_reward
from nautilus_rl_lab.strategies.boundary import clear_handler_errors, raise_handler_error
from nautilus_rl_lab.strategies.risk import RiskLimits, risk_engine_config
from nautilus_rl_lab.strategies.scheme_strategy import SchemeStrategy, SchemeStrategyConfig
from nautilus_rl_lab.validation import check_log_level, check_minimum

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ENV_ID = "NautilusTrading-v0"
SINGLE_OBSERVATION = SchemeConfig(name="window")  # the defaults of one instrument
SINGLE_ACTION = SchemeConfig(name="target_position")


class TrainingNodeConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """Everything a `TrainingNode` needs; JSON/YAML via `.json()`/`.parse()` and `from_file`/`to_file`.

    `venue` is a `VenueConfig` (Nautilus' `BacktestVenueConfig` fields: OMS, account type,
    balance, leverage, fill/fee models). `execution` is `next_open` (default: orders fill at the next bar's
    open) or `bar_close` (fills at the close the agent saw: look-ahead, for comparison only).
    `risk` holds the risk rules the agent trains under, the same section as
    `AgentStrategyConfig.risk` (and Nautilus' `RiskEngine` limits). `trading_days` sets the
    calendar annualised statistics use (`None`: from the instrument's asset class, FX 260,
    crypto 365, else 252; `evaluation.frequency`).

    `instruments` (a portfolio, `nodes.portfolio`): several `PortfolioAsset`s traded in one
    engine instead of `instrument`/`data`, with portfolio schemes (default `stacked_window`
    and `simplex_weights`) and `risk` as the portfolio's rules (exposure caps) and each
    instrument's default. `venues` (a portfolio only): more venues besides `venue`, each
    instrument trading at the one its `venue` names.
    """

    venue: VenueConfig = default_venue()
    instrument: InstrumentSpec = InstrumentSpec()
    data: DataSourceConfig = DataSourceConfig()
    bar_step: int = 1
    bar_aggregation: str = "HOUR"
    price_type: str = "ASK"
    observation: SchemeConfig = SINGLE_OBSERVATION
    action: SchemeConfig = SINGLE_ACTION
    reward: SchemeConfig = SchemeConfig(name="log_return")
    risk: RiskLimits = RiskLimits()
    episode_length: int | None = 256
    random_start: bool = True
    seed: int | None = None
    execution: str = "next_open"
    ruin_fraction: float = 0.5
    log_level: str = "ERROR"
    trading_days: int | None = None
    # UNSET (left out of the JSON, so single-instrument configs keep their bytes)
    instruments: list[PortfolioAsset] | UnsetType = UNSET
    venues: list[VenueConfig] | UnsetType = UNSET  # a portfolio's venues besides `venue`

    def __post_init__(self) -> None:
        if self.trading_days is not None and not 0 < self.trading_days <= 366:
            raise ConfigError(f"`trading_days` must be in 1..366 or None, was {self.trading_days}")
        check_minimum("episode_length", self.episode_length, 1, optional=True)
        check_execution(self.execution)
        check_log_level("log_level", self.log_level)
        if not 0.0 <= self.ruin_fraction < 1.0:
            raise ConfigError(f"`ruin_fraction` must be in [0, 1), was {self.ruin_fraction}")
        bar_specification(
            self.bar_step, self.bar_aggregation, self.price_type, fields=NODE_BAR_FIELDS
        )
        if self.risk.max_notional_per_order is not None and self.venue.account_type == "MARGIN":
            raise ConfigError(
                "`risk.max_notional_per_order` is not enforced on a MARGIN account: Nautilus "
                "1.221's RiskEngine skips notional checks for margin accounts; use a CASH "
                "`venue.account_type` or `risk.max_position`"
            )
        if self.assets:
            self._check_portfolio()
            return
        if self.venues is not UNSET:
            raise ConfigError(
                "`venues` lists a portfolio's venues besides `venue`: set `instruments`, or "
                "leave `venues` out for one instrument"
            )
        if self.risk.exposure_caps != (None, None):
            raise ConfigError(
                "`risk.max_gross_exposure`/`risk.max_net_exposure` cap a portfolio's weights: "
                "set `instruments`, or cap one instrument with `risk.max_position`"
            )
        check_account(self.venue, make_instrument(self.instrument))
        if self.venue.account == AccountType.CASH:
            _check_long_only(build_action(self.action))

    def _check_portfolio(self) -> None:
        if self.instrument != InstrumentSpec() or self.data != DataSourceConfig():
            raise ConfigError(
                "`instrument`/`data` describe one instrument; a portfolio gives each "
                "instrument its own in `instruments`"
            )
        check_portfolio(self.portfolio_venues, self.assets)
        check_long_only(self.venue, self.schemes[1], len(self.assets))

    @property
    def portfolio_venues(self) -> list[VenueConfig]:
        """The venues a portfolio trades at: `venue`, then `venues`."""
        return [self.venue] + ([] if self.venues is UNSET else list(self.venues))

    @property
    def assets(self) -> list[PortfolioAsset]:
        """The portfolio's instruments (empty: one instrument, `instrument`/`data`)."""
        return [] if self.instruments is UNSET else list(self.instruments)

    def with_range(self, start: str | None, end: str | None) -> TrainingNodeConfig:
        """This config with its data (every instrument's, for a portfolio) cut to the UTC
        range `[start, end)` of bar open times (`None`: from the first / to the last bar)."""

        def cut(data: DataSourceConfig) -> DataSourceConfig:
            return msgspec.structs.replace(data, start=start, end=end)

        if not self.assets:
            return msgspec.structs.replace(self, data=cut(self.data))
        assets = [msgspec.structs.replace(a, data=cut(a.data)) for a in self.assets]
        return msgspec.structs.replace(self, instruments=assets)

    @property
    def schemes(self) -> tuple[SchemeConfig, SchemeConfig]:
        """The observation and action schemes the env builds (a portfolio's defaults where a
        portfolio keeps the single-instrument ones)."""
        if not self.assets:
            return self.observation, self.action
        single = (SINGLE_OBSERVATION, SINGLE_ACTION)
        return portfolio_schemes(self.observation, self.action, single)


def smallest_order(action: SchemeConfig, risk: RiskLimits) -> float | None:
    """A lower bound of every order's size under `action` and `risk` (`None`: any size): the
    scheme's `order_unit`, and with a `risk.max_position` below its position limit the
    common unit of both (a capped target is a position too)."""
    scheme = build_action(action)
    unit, cap = scheme.order_unit, risk.max_position
    if unit is None or cap is None or cap >= scheme.position_limit:
        return unit
    return common_unit(unit, cap)


def _check_long_only(scheme: ActionScheme) -> None:
    """Raise `ConfigError` if `scheme` can target a short position (probed from flat).

    Nautilus 1.221 books short sales on a CASH account wrongly (a currency pair's sale without
    holdings changes no balance; a long-to-short flip credits only the closing part), so the
    account value would be wrong; equities it rejects outright.
    """
    space = scheme.space
    actions: Any = [getattr(space, "low", None)]
    if isinstance(space, gym.spaces.Discrete):
        actions = range(int(space.start), int(space.start) + int(space.n))
    for action in actions:
        target = scheme.target_position(action, 0.0)
        if target is not None and target < 0:
            raise ConfigError(
                f"`action` {type(scheme).__name__} can go short (target {target:g} for action "
                f"{action}) but `venue.account_type` is CASH, which cannot hold short positions; "
                "use `account_type: MARGIN` or a long-only action (e.g. `allow_short: false`)",
            )


def market_for(config: TrainingNodeConfig, frame: pd.DataFrame | None = None) -> MarketData:
    """The instrument, bar type, bars and quote ticks of `config` (or of `frame`, an OHLCV frame).

    `TrainingNode`, `evaluation.run_backtest` and the scenario lab all trade the market it
    returns (`nodes.markets.load_market`), so the env and the backtest see the same bars and quotes.
    A portfolio config (`instruments`) is refused: its `instrument`/`data` are unused defaults.
    """
    if config.assets:
        raise ConfigError(
            f"`instruments` makes this config a portfolio of {len(config.assets)} instruments: "
            "one instrument's market (a single-instrument backtest, scenario or rule) cannot "
            "be built from it"
        )
    return load_market(
        config.instrument,
        config.data,
        config.bar_step,
        config.bar_aggregation,
        config.price_type,
        frame,
    )


def market_engine(
    config: TrainingNodeConfig, market: MarketData, risk: RiskLimits
) -> BacktestEngine:
    """The engine `config`'s agent trades `market` in (venue, execution timing, log level), with
    Nautilus' `RiskEngine` set from `risk`; no strategy yet. Used by the env and the backtest."""
    return build_engine(
        config.venue,
        market,
        execution=config.execution,
        log_level=config.log_level,
        risk_engine=risk_engine_config(risk, market.instrument.id),
        smallest_order=smallest_order(config.action, risk),
    )


class GymStrategy(EnvDecisions, SchemeStrategy):
    """The strategy inside a `TrainingNode`: hands each observation to the env and waits."""


_HISTORY_FIELDS = ("ts", "close", "position", "equity", "action")
_BOOLEANS = (bool, np.bool_)  # True is an int to Python, not an action


def _ts_init(datum: Bar | QuoteTick) -> int:
    return datum.ts_init


def _first_float(action: Any) -> float:
    """The history's `action`: a discrete action as a float, an array action's first value."""
    if isinstance(action, int):
        return float(action)
    return np.nan if action is None else float(np.asarray(action).reshape(-1)[0])


@dataclass
class _Episode:
    length: int
    data_end: int  # the steps after which the data ends
    runner: greenlet
    ruin_equity: float  # the equity at or below which the agent is ruined
    state: MarketState  # the last state the agent saw
    trades: int = 0  # the fills in it
    steps: int = 0
    done: bool = False


class TrainingNode(gym.Env):
    """Gymnasium environment whose every fill, fee, margin check and balance comes from Nautilus."""

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        config: TrainingNodeConfig | None = None,
        *,
        frame: pd.DataFrame | None = None,
        render_mode: str | None = None,
    ) -> None:
        self.config = config = config or TrainingNodeConfig()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(
                f"`render_mode` {render_mode!r} is not one of {self.metadata['render_modes']}"
            )
        self.render_mode = render_mode
        self._host = engine_host(self, f"{ENV_ID}-engine")
        try:
            self._host.call(self._build, config, frame)
        except BaseException:
            self._host.close()
            raise
        self._closed = False
        close_at_exit(self)
        if config.seed is not None:
            super().reset(seed=config.seed)

    def _build(self, config: TrainingNodeConfig, frame: pd.DataFrame | None) -> None:
        """Load the market(s) and build the engine and its strategy (in the engine's thread)."""
        markets = self._build_engine(config, frame)
        self.engine.add_strategy(self.strategy)
        # Nautilus' order of the quotes and bars (a stable sort by `ts_init`: at equal times
        # every close tick before the bars); each episode streams its slice (see reset())
        data: list[Bar | QuoteTick] = [
            *(quote for market in markets for quote in market.quotes),
            *(bar for market in markets for bar in market.bars),
        ]
        self._stream = sorted(data, key=_ts_init)
        self._stream_ts = np.fromiter(
            (datum.ts_init for datum in self._stream), dtype=np.int64, count=len(self._stream)
        )
        self.engine.clear_data()
        self._streamed: tuple[int, int] | None = None  # the slice of `_stream` the engine holds
        self.reward_scheme = build_reward(config.reward)
        self.observation_space = self.strategy.observation_space
        self.action_space = self.strategy.action_space
        space = self.action_space
        self._discrete = (
            range(int(space.start), int(space.start) + int(space.n))
            if isinstance(space, gym.spaces.Discrete)
            else None
        )
        self._episode: _Episode | None = None
        self._last_observation = np.zeros(self.observation_space.shape, dtype=np.float32)
        self._events_seen = 0
        self._history: list[tuple[Any, ...]] = []

    def _build_engine(
        self, config: TrainingNodeConfig, frame: pd.DataFrame | None
    ) -> list[MarketData]:
        """Set `market`, `engine`, `strategy` (not added yet), the decision timestamps and
        the earliest first decision; return the markets whose data the episodes stream."""
        self.portfolio: Portfolio | None = None
        self.strategy: GymStrategy | GymPortfolioStrategy
        if config.assets:
            if frame is not None:
                raise ConfigError(
                    "`frame` is one instrument's data; a portfolio's is in its `data`"
                )
            self.engine, self.portfolio = build_portfolio(
                config.portfolio_venues,
                config.assets,
                config.schemes,
                config.risk,
                bar_step=config.bar_step,
                bar_aggregation=config.bar_aggregation,
                price_type=config.price_type,
                execution=config.execution,
                log_level=config.log_level,
            )
            self.strategy = self.portfolio.strategy
            self._timestamps = self.portfolio.timestamps
            self._earliest = self.portfolio.earliest
            return self.portfolio.markets
        self.market = market_for(config, frame)
        self.engine = market_engine(config, self.market, config.risk)
        instrument, bar_type = self.market.instrument, self.market.bar_type
        self.strategy = strategy = GymStrategy(
            SchemeStrategyConfig(
                strategy_id="GYM-001",  # type: ignore[arg-type]  # str() reads it
                instrument_id=instrument.id,
                bar_type=bar_type,
                observation=config.observation,
                action=config.action,
                risk=config.risk,
            ),
        )
        strategy.precompute(self.market.bars)
        self._timestamps = np.asarray(self.market.bar_timestamps, dtype=np.int64)
        self._warmup = warmup = strategy.warmup_bars
        if len(self._timestamps) < warmup + 1:
            raise ConfigError(
                f"`data` has {len(self._timestamps)} bars but the observation scheme needs "
                f"{warmup} warm-up bars plus one step",
            )
        self._earliest = warmup - 1  # the first decision bar: the warm-up's last
        return [self.market]

    def _episode_start(self, first: int) -> int:
        """The first `ts_init` an episode whose first decision is bar `first` streams: just
        after the bar before its warm-up (the warm-up bar's quotes included)."""
        if self.portfolio is not None:
            return self.portfolio.episode_start(first, int(self._stream_ts[0]))
        start_index = first - self._warmup + 1
        if start_index > 0:  # just after the bar before the warm-up
            return int(self._timestamps[start_index - 1]) + 1
        return int(self._stream_ts[0])  # the warm-up begins at bar 0: from the first datum

    def _history_row(self, state: Any, action: Any) -> tuple[Any, ...]:
        """One `history` row: the state (and the action that led to it: NaN after reset)."""
        if self.portfolio is not None:
            return self.portfolio.history_row(state, action)
        return (state.ts_ns, state.close, state.position, state.equity, _first_float(action))

    # -- gymnasium API ---------------------------------------------------------------------

    def reset(
        self,
        *,
        seed: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode; `options={"start": i}` fixes the first decision bar index."""
        return self._host.call(self._reset, seed, options)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hand `action` to the strategy and run the engine to the next decision bar."""
        return self._host.call(self._step, action)

    def _reset(
        self, seed: int | None, options: dict[str, Any] | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        self._check_open()
        super().reset(seed=seed)
        self._finish_episode()
        first, length = self._episode_window(options or {})
        start = self._episode_start(first)
        end = int(self._timestamps[first + length])
        self._stream_episode(start, end)
        clear_handler_errors(self.strategy)
        runner = greenlet(self._run_engine)
        payload = runner.switch(start, end)
        raise_handler_error(self.strategy)  # NautilusTrader 2 swallowed it and ran on
        if runner.dead:
            raise EnvironmentStateError("the engine stopped before the first decision bar")
        observation, state = payload
        self.reward_scheme.reset(state)
        data_end = len(self._timestamps) - 1 - first
        ruin_equity = self.config.ruin_fraction * state.equity
        self._episode = _Episode(length, data_end, runner, ruin_equity, state)
        self._last_observation = observation
        self._history = [self._history_row(state, None)]
        self._events_seen = 0
        return observation, self._info(state, self.strategy.fill_count)

    def _step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        episode = self._episode
        if episode is None or episode.done:
            raise EnvironmentStateError("call reset() before step() (and after an episode ends)")
        action = self._check_action(action)
        episode.done = (
            True  # until the step completes: an error in it (a scheme's) ends the episode
        )
        runner, strategy = episode.runner, self.strategy
        payload = runner.switch(action)
        if strategy.handler_error is not None:  # NautilusTrader 2 swallowed it and ran on
            raise_handler_error(strategy)
        episode.steps += 1
        blown = runner.dead
        if blown:
            # Nautilus stopped the run at a fill the account could not book: the episode ends
            # in the last state seen (NautilusTrader 2 has applied that fill to the position
            # and the strategy but not to the balance: a state read now would be neither
            # before nor after it).
            observation, state = self._last_observation, episode.state
        else:
            observation, state = payload
            episode.trades = strategy.fill_count
        self._last_observation, episode.state = observation, state
        reward = float(self.reward_scheme.reward(state))
        ruined = state.equity <= episode.ruin_equity
        at_data_end = episode.steps >= episode.data_end
        terminated = blown or ruined or at_data_end
        truncated = not terminated and episode.steps >= episode.length
        episode.done = terminated or truncated
        self._history.append(self._history_row(state, action))
        return observation, reward, terminated, truncated, self._info(state, episode.trades)

    def render(self) -> np.ndarray | Figure | None:  # type: ignore[override]  # human: a Figure
        """Plot the current episode: price with fills, equity and position, titled and labelled.

        `human` returns the matplotlib `Figure` (a notebook shows it; it is not registered with
        pyplot, so it is shown once), `rgb_array` its pixels (for videos).
        """
        from matplotlib.figure import Figure

        from nautilus_rl_lab.plots import draw_episode, draw_portfolio_episode, figure_to_rgb

        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='human'")
            return None
        steps = len(self._history) - 1
        if self.portfolio is not None:
            names = [str(market.instrument.id) for market in self.portfolio.markets]
            title = f"Portfolio of {len(names)} instruments: episode of {steps} steps"
            figure = draw_portfolio_episode(Figure(figsize=(10, 6)), self.history, names, title)
        else:
            title = f"{self.market.instrument.id}: episode of {steps} steps"
            figure = draw_episode(Figure(figsize=(10, 6)), self.history, self.fills(), title)
        if self.render_mode == "rgb_array":
            return figure_to_rgb(figure)
        return figure

    def close(self) -> None:
        """Finish any running episode and dispose of the engine; safe to call twice."""
        if self._closed:
            return
        self._host.call(self._dispose)
        self._host.close(self.engine, self.strategy)
        self._closed = True

    def _dispose(self) -> None:
        self._finish_episode()
        self.engine.dispose()

    # -- helpers -----------------------------------------------------------------------------

    def fills(self) -> pd.DataFrame:
        """Nautilus' fills report for the current episode (the trader's, from the strategy's
        cache: readable while the run is paused)."""
        return self._host.call(
            lambda: ReportProvider.generate_fills_report(self.strategy.cache.orders())
        )

    @property
    def history(self) -> list[dict[str, float]]:
        """The episode so far, one row per state (`ts`, `close`, `position`, `equity`, the
        `action` that led to it: NaN after reset)."""
        fields = _HISTORY_FIELDS if self.portfolio is None else PORTFOLIO_HISTORY
        return [dict(zip(fields, row, strict=True)) for row in self._history]

    @property
    def bar_count(self) -> int:
        """Number of bars loaded."""
        return len(self._timestamps)

    def _stream_episode(self, start: int, end: int) -> None:
        """Give the engine the data with `start <= ts_init <= end`, as the run would read it
        (unless it holds that slice already: `BacktestEngine.reset()` keeps the data)."""
        first = int(np.searchsorted(self._stream_ts, start, side="left"))
        last = int(np.searchsorted(self._stream_ts, end, side="right"))
        if (first, last) != self._streamed:
            set_stream_data(self.engine, self._stream[first:last])
            self._streamed = (first, last)

    def _run_engine(self, start: int, end: int) -> None:
        # An account blown mid-run ends the episode at the last state (step() sees a dead runner).
        with suppress_account_error():
            run_engine(self.engine, start, end, streaming=True)
        # A handler's error, should Nautilus have swallowed it, surfaces from step()/reset().
        raise_handler_error(self.strategy)

    def _episode_window(self, options: dict[str, Any]) -> tuple[int, int]:
        n = len(self._timestamps)
        earliest = self._earliest
        length = self.config.episode_length or n
        length = min(length, n - 1 - earliest)
        latest = n - 1 - length
        if "start" in options:
            first = int(options["start"])
            if not earliest <= first <= n - 2:
                raise ValueError(f"options['start'] must be in [{earliest}, {n - 2}], was {first}")
            return first, min(length, n - 1 - first)
        if self.config.random_start and latest > earliest:
            return int(self.np_random.integers(earliest, latest + 1)), length
        return earliest, length

    def _finish_episode(self) -> None:
        episode, self._episode = self._episode, None
        if episode is not None and not episode.runner.dead:
            # Abandoned mid-run: the paused decision and the rest of the slice pass without a
            # decision, so the run ends normally; `reset()` below then resets every component.
            self.strategy.abandon()
            clear_handler_errors(self.strategy)  # a step has raised it already
            episode.runner.switch(None)
        if self.engine.run_started is not None:
            self.engine.reset()

    def _check_action(self, action: Any) -> Any:
        """Return `action` (a plain int for discrete spaces) or raise if it is not in the space.

        Raised before the engine sees the action, so the episode stays usable after the error.
        """
        space, discrete = self.action_space, self._discrete
        if discrete is None:
            if isinstance(space, gym.spaces.Box):
                return self._check_box_action(action, space)
            return action  # a custom scheme's space: its scheme checks the action
        value: int | None = None
        if not isinstance(action, _BOOLEANS):
            try:
                value = operator.index(action)  # int or numpy integer: the per-step fast path
            except TypeError:
                flat = np.asarray(action).reshape(-1)
                integer = flat.size == 1 and np.issubdtype(flat.dtype, np.integer)
                value = int(flat[0]) if integer else None
        if value is None or value not in discrete:
            raise ValueError(f"action {action!r} is not in {space}")
        return value

    @staticmethod
    def _check_box_action(action: Any, space: gym.spaces.Box) -> np.ndarray:
        """The action as a float array of the space's shape; NaN/inf, empty or misshaped raise.

        Values outside the bounds are accepted (the action scheme clips them, as SB3 expects).
        """
        try:
            array = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"action {action!r} is not a number array for {space}") from None
        if array.size != int(np.prod(space.shape)) or array.size == 0:
            raise ValueError(
                f"action {action!r} has shape {array.shape}; {space} expects shape {space.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"action {action!r} is not finite; {space} needs finite numbers")
        return array.reshape(space.shape)

    def _check_open(self) -> None:
        if self._closed:
            raise EnvironmentStateError("the TrainingNode is closed")

    def _info(self, state: MarketState | PortfolioState, trades: int) -> dict[str, Any]:
        """The step's info (`trades`: the fills up to `state`); `risk_events` are the rules that
        fired since the previous step."""
        if self.portfolio is not None:
            info, self._events_seen = self.portfolio.info(
                cast("PortfolioState", state), self._events_seen
            )
            info.update(trades=trades, step=self._episode.steps if self._episode else 0)
            return info
        state, strategy = cast("MarketState", state), cast("GymStrategy", self.strategy)
        all_events, seen = strategy.risk_events, self._events_seen
        self._events_seen = count = len(all_events)
        return {
            "timestamp": state.ts_ns,
            "equity": state.equity,
            "balance": state.balance,
            "position": state.position,
            "unrealized_pnl": state.unrealized_pnl,
            "commissions": state.commissions,
            "trades": trades,
            "orders_denied": strategy.orders_denied,
            "orders_rejected": strategy.orders_rejected,
            "risk_events": [e.to_dict() for e in all_events[seen:]] if count > seen else [],
            "step": self._episode.steps if self._episode else 0,
        }
