"""Walk-forward validation: fit on one segment, score on the next, stitch the scored segments.

`walk_forward_windows` cuts `[start, end)` into windows of a training segment followed by a
test segment. Rolling windows keep the training length fixed; anchored windows grow it from
`start`. `purge` is left out between a training segment's end and its test segment (nothing
the agent fitted on sits right next to what it is scored on, e.g. indicator warm-up or a
position still open), `embargo` between one test segment's end and the next one's start.

`walk_forward(train_config, windows)` trains one agent per window (its last `validation` of
the training segment is the validation range that selects the best agent, after the same
`purge` gap, so the fit segment ends `purge` before validation starts as validation ends
`purge` before the test: a sample's label horizon up to `purge` never crosses into the next
segment; `window_ranges` cuts them), and backtests it on the test segment in a plain Nautilus
backtest. `walk_forward_rule(rule_config, windows)` tunes a rule-based agent on each
training segment (`tune_rule`, one study per window named with
its ranges) and backtests the best parameters on the test segment. The
purge before the test is the window's own (`Window.purge`). Both return a
`WalkForwardResult`: the per-window table (its columns named by role and account currency),
the test runs and one out-of-sample equity curve made by chaining the segments' returns.

Portfolios (`env.instruments`): every instrument's data is cut to each window's segments
(`portfolio_window`) and the test segments run as portfolio backtests
(`evaluation.run_portfolio_backtest`, `PortfolioRun`s). `walk_forward` trains a portfolio
policy per window (no `validation` yet: a validation range is one instrument's);
`walk_forward_baseline` fits a portfolio baseline (`agents.portfolio_baselines`) on each
training segment's closes and scores it on the test segment; `walk_forward_rule` stays
single-instrument.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import msgspec
import pandas as pd

from nautilus_rl_lab.agents.base import load_agent
from nautilus_rl_lab.agents.portfolio_baselines import METHODS, PortfolioBaseline
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import COUNTS, AgentRun, performance_stats
from nautilus_rl_lab.evaluation.backtest import run_backtest as backtest
from nautilus_rl_lab.evaluation.frequency import ReturnFrequency
from nautilus_rl_lab.evaluation.portfolio import PortfolioRun, load_markets, run_portfolio_backtest
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.sweeps import SweepConfig, SweepTask, choose_where, open_sweep
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.train import train
from nautilus_rl_lab.tuning.config import RuleTuneConfig
from nautilus_rl_lab.tuning.rules import tune_rule
from nautilus_rl_lab.validation import check_known

log = logging.getLogger(__name__)

Span: TypeAlias = str | pd.Timedelta | pd.DateOffset
TestRun: TypeAlias = AgentRun | PortfolioRun


@dataclass(frozen=True)
class Window:
    """One walk-forward window: `[train_start, train_end)` then `[test_start, test_end)` (UTC)."""

    index: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp

    @property
    def purge(self) -> pd.Timedelta:
        """The gap left out between the training segment and the test segment."""
        return self.test_start - self.train_end


def _offset(name: str, value: Span) -> pd.Timedelta | pd.DateOffset:
    if isinstance(value, pd.DateOffset):
        return value
    try:
        delta = pd.Timedelta(value)
    except ValueError as e:
        raise ConfigError(
            f"`{name}` {value!r} is not a duration: use e.g. '30D', '12h' or pd.DateOffset(months=3)"
        ) from e
    if delta < pd.Timedelta(0):
        raise ConfigError(f"`{name}` must not be negative, was {value!r}")
    return delta


def _utc(value: str | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def walk_forward_windows(
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    train: Span,
    test: Span,
    anchored: bool = False,
    purge: Span = "0s",
    embargo: Span = "0s",
) -> list[Window]:
    """Consecutive windows over `[start, end)`; only windows whose test segment fits are made."""
    first, last = _utc(start), _utc(end)
    train_span, test_span = _offset("train", train), _offset("test", test)
    purge_span, embargo_span = _offset("purge", purge), _offset("embargo", embargo)
    windows: list[Window] = []
    train_end = first + train_span
    while True:
        test_start = train_end + purge_span
        test_end = test_start + test_span
        if test_end > last or test_start >= test_end:
            break
        train_start = first if anchored else train_end - train_span
        windows.append(Window(len(windows), train_start, train_end, test_start, test_end))
        train_end = test_end + embargo_span - purge_span
    if not windows:
        raise ConfigError(
            f"no walk-forward window fits in {first} .. {last} with `train` {train!r}, "
            f"`test` {test!r}, `purge` {purge!r}: shorten them or widen the range",
        )
    return windows


@dataclass
class WalkForwardResult:
    """Per-window metrics, the out-of-sample runs and their stitched equity curve."""

    windows: list[Window]
    runs: list[TestRun]
    table: pd.DataFrame

    @property
    def equity(self) -> pd.Series:
        """Out-of-sample equity: each test segment's returns chained onto the previous segment."""
        pieces: list[pd.Series] = []
        level: float | None = None
        for run in self.runs:
            curve = run.equity
            if curve.empty:
                continue
            level = float(curve.iloc[0]) if level is None else level
            scaled = curve / float(curve.iloc[0]) * level
            pieces.append(scaled)
            level = float(scaled.iloc[-1])
        return pd.concat(pieces) if pieces else pd.Series(dtype=float)

    @property
    def overall(self) -> dict[str, float]:
        """`performance_stats` of the stitched curve (at the windows' return frequency)."""
        frequency = run_frequency(self.runs[0]) if self.runs else None
        stats = performance_stats(self.equity, frequency)
        for count in COUNTS:
            stats[count] = float(self.table[count].sum(min_count=1))  # NaN if never counted
        stats["windows"] = float(len(self.runs))
        return stats


def run_frequency(run: TestRun) -> ReturnFrequency:
    """The frequency `run`'s statistics are computed at."""
    return run.frequency if isinstance(run, PortfolioRun) else run.return_frequency


def run_stats(run: TestRun) -> dict[str, float]:
    """`run`'s figures; a portfolio run's with its fill count (`round_trips`: NaN, one
    instrument's notion)."""
    if isinstance(run, AgentRun):
        return run.stats
    return {**run.stats(), "fills": float(len(run.fills)), "round_trips": float("nan")}


def _cut(data: DataSourceConfig, start: pd.Timestamp, end: pd.Timestamp) -> DataSourceConfig:
    return msgspec.structs.replace(data, start=start.isoformat(), end=end.isoformat())


def portfolio_window(
    env: TrainingNodeConfig, window: Window
) -> tuple[TrainingNodeConfig, TrainingNodeConfig]:
    """The portfolio `env` on `window`'s training segment and on its test segment (the latter
    one episode over all of it, as a backtest plays it)."""
    if not env.assets:
        raise ConfigError("`env` has no `instruments`: cut one instrument with `window_ranges`")
    test = env.with_range(window.test_start.isoformat(), window.test_end.isoformat())
    whole = msgspec.structs.replace(test, random_start=False, episode_length=None)
    return env.with_range(window.train_start.isoformat(), window.train_end.isoformat()), whole


def window_ranges(
    data: DataSourceConfig, window: Window, validation: Span | None = None
) -> tuple[DataSourceConfig, DataSourceConfig | None, DataSourceConfig]:
    """`data` cut to `window`'s fit, validation and test segments, `window.purge` apart.

    Validation is the last `validation` of the training segment (`None`: no validation, the
    whole training segment is fitted on); the fit segment ends `window.purge` before it.
    """
    if validation is None:
        fit_end, held_out = window.train_end, None
    else:
        validation_start = window.train_end - _offset("validation", validation)
        fit_end = validation_start - window.purge
        if fit_end <= window.train_start or validation_start >= window.train_end:
            raise ConfigError(
                f"`validation` {validation!r} and the purge {window.purge} leave no fit segment "
                f"in window {window.index}'s training segment ({window.train_start} .. "
                f"{window.train_end}): shorten them or lengthen `train`",
            )
        held_out = _cut(data, validation_start, window.train_end)
    test = _cut(data, window.test_start, window.test_end)
    return _cut(data, window.train_start, fit_end), held_out, test


def _row(window: Window, run: TestRun, extra: dict[str, object]) -> dict[str, object]:
    stats = run_stats(run)
    return {
        "window": window.index,
        "train_start": window.train_start,
        "train_end": window.train_end,
        "test_start": window.test_start,
        "test_end": window.test_end,
        **stats,
        **extra,
    }


def _result(
    windows: Sequence[Window],
    runs: list[TestRun],
    rows: list[dict[str, object]],
    env: TrainingNodeConfig,
) -> WalkForwardResult:
    """The result; its table's columns are named by the role and account currency (a
    portfolio's: `env`'s venue base currency, the one its equity is in)."""
    table = pd.DataFrame(rows).set_index("window")
    currencies = "/".join(
        sorted(
            {
                run.currency if isinstance(run, AgentRun) else str(env.venue.base_currency)
                for run in runs
            }
        )
    )
    table.columns.name = f"test segments, account currency {currencies}"
    return WalkForwardResult(list(windows), runs, table)


def _train_window(
    config: TrainConfig, window: Window, validation: Span | None, root: Path
) -> tuple[TestRun, dict[str, object]]:
    """Task: train on `window`'s training segment, backtest the agent on its test segment."""
    if config.env.assets:
        return _train_portfolio_window(config, window, root)
    fit_data, eval_data, test_data = window_ranges(config.env.data, window, validation)
    window_config = msgspec.structs.replace(
        config,
        env=msgspec.structs.replace(config.env, data=fit_data),
        eval_data=eval_data,
        eval_freq=config.eval_freq if eval_data is not None else 0,
        test_data=test_data,
        run_dir=str(root / f"window_{window.index}"),
    )
    window_config.__post_init__()  # replace() does not validate: check the ranges again
    log.info("walk-forward window %d: training %s", window.index, window_config.run_dir)
    result = train(window_config)
    agent = result.best_agent or result.final_agent
    test_env = window_config.test_env
    assert test_env is not None  # set just above
    run = backtest(agent, test_env, name=f"window_{window.index}")
    return run, {"agent": str(agent)}


def _train_portfolio_window(
    config: TrainConfig, window: Window, root: Path
) -> tuple[PortfolioRun, dict[str, object]]:
    """Task: train a portfolio policy on `window`'s training segment (every instrument's),
    backtest it on the test segment."""
    train_env, test_env = portfolio_window(config.env, window)
    window_config = msgspec.structs.replace(
        config,
        env=train_env,
        eval_data=None,
        eval_freq=0,
        test_data=None,
        run_dir=str(root / f"window_{window.index}"),
    )
    window_config.__post_init__()
    log.info("walk-forward window %d: training %s", window.index, window_config.run_dir)
    agent = train(window_config).final_agent
    run = run_portfolio_backtest(load_agent(agent), test_env, name=f"window_{window.index}")
    return run, {"agent": str(agent)}


def _sweep_windows(
    task: Callable[..., tuple[TestRun, dict[str, object]]],
    config: TrainConfig | RuleTuneConfig | TrainingNodeConfig,
    windows: Sequence[Window],
    extra: tuple[object, ...],
    root: Path | None,
    where: SweepConfig | Executor,
    progress: bool,
) -> WalkForwardResult:
    """Run `task(config, window, *extra)` for every window where `where` says; collect the result."""
    identity = config.json() + repr(extra).encode()
    tasks = [
        SweepTask(
            f"walk-forward window {w.index}", (config, w, *extra), identity + repr(w).encode()
        )
        for w in windows
    ]
    with open_sweep(where) as runner:
        outputs = runner.map(
            task,
            tasks,
            results_dir=None if root is None else root / "tasks",
            desc="windows",
            progress=progress,
        )
    runs = [run for run, _ in outputs]
    rows = [_row(w, run, more) for w, (run, more) in zip(windows, outputs, strict=True)]
    env = config if isinstance(config, TrainingNodeConfig) else config.env
    return _result(windows, runs, rows, env)


def walk_forward(
    config: TrainConfig,
    windows: Sequence[Window],
    *,
    validation: Span | None = None,
    run_dir: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    max_workers: int | None = None,
    sweep: SweepConfig | None = None,
    progress: bool = False,
) -> WalkForwardResult:
    """Train one agent per window on its training segment; backtest it on its test segment.

    With `validation`, the last `validation` of each training segment is held out as the
    validation range (evaluation and best-agent selection); without it, the final agent of
    each window is scored. Runs go to `<run_dir>/window_<k>` (default: `config.run_dir`).
    Windows run where `sweep` says, else on `executor`, else on a local pool of `max_workers`
    (default 1: one after another in this process); each window's result is kept in
    `<run_dir>/tasks` and a re-run skips the windows already there.

    A portfolio `config.env` trains on every instrument's training segment and scores the final
    agent in a portfolio backtest; `validation` is refused for it (not yet supported).
    """
    if config.env.assets and validation is not None:
        raise ConfigError(
            f"`validation` {validation!r}: a portfolio env (`env.instruments`) has no "
            "validation range yet (a validation range is one instrument's data); leave it "
            "unset, the final agent of each window is scored"
        )
    root = Path(run_dir or config.run_dir)
    where = choose_where(sweep, executor, max_workers, 1)
    return _sweep_windows(_train_window, config, windows, (validation, root), root, where, progress)


def window_study_name(study_name: str, window: Window) -> str:
    """`<study_name>-window<k>-<train start>-<train end>-<test start>-<test end>` (UTC).

    The ranges are in the name so a walk-forward over other windows never resumes a study
    fitted on another range (one that may cover its test segment).
    """
    stamps = (window.train_start, window.train_end, window.test_start, window.test_end)
    ranges = "-".join(ts.strftime("%Y%m%dT%H%M") for ts in stamps)
    return f"{study_name}-window{window.index}-{ranges}"


def _rule_window(config: RuleTuneConfig, window: Window) -> tuple[TestRun, dict[str, object]]:
    """Task: tune the rule on `window`'s training segment, backtest its best on the test segment."""
    train_data, _, test_data = window_ranges(config.env.data, window)
    window_config = msgspec.structs.replace(
        config,
        env=msgspec.structs.replace(config.env, data=train_data),
        test_data=test_data,
        study_name=window_study_name(config.study_name, window),
    )
    window_config.__post_init__()
    study = tune_rule(window_config)
    params = dict(study.best_trial.params)
    test_env = msgspec.structs.replace(config.env, data=test_data)
    agent = window_config.agent(params)
    run = backtest(agent, test_env, name=f"window_{window.index}")
    if len(run.equity) <= agent.warmup_bars:
        raise ConfigError(
            f"walk-forward window {window.index}'s test segment has {len(run.equity)} bars, "
            f"no more than the rule's warm-up of {agent.warmup_bars} bars ({params}): it "
            "could never trade there and would score 0; lengthen `test` or shorten the rule",
        )
    return run, {"params": params, "train_" + config.objective: study.best_value}


def walk_forward_rule(
    config: RuleTuneConfig,
    windows: Sequence[Window],
    *,
    executor: Executor | None = None,
    max_workers: int | None = None,
    sweep: SweepConfig | None = None,
    progress: bool = False,
) -> WalkForwardResult:
    """Tune the rule on each training segment (`tune_rule`), backtest its best on the test segment.

    Windows run where `sweep` says, else on `executor`, else on a local pool of `max_workers`
    (default 1: in this process); each window's result is kept in `<config.run_dir>/tasks`.
    """
    if config.env.assets:
        raise ConfigError(
            "`env.instruments` makes the env a portfolio: rules are tuned on one instrument; "
            "walk a portfolio baseline forward with `walk_forward_baseline`"
        )
    where = choose_where(sweep, executor, max_workers, 1)
    root = Path(config.run_dir)
    return _sweep_windows(_rule_window, config, windows, (), root, where, progress)


def training_closes(markets: Sequence[MarketData]) -> pd.DataFrame:
    """The markets' bar closes, one column per instrument, indexed by bar time (`ts_event`, UTC)
    as a baseline observes them (NaN where an instrument had no bar)."""
    columns = {
        str(market.instrument.id): pd.Series(
            [bar.close.as_double() for bar in market.bars],
            index=pd.to_datetime(market.bar_timestamps, utc=True),
        )
        for market in markets
    }
    return pd.DataFrame(columns).sort_index()


def _baseline_window(
    env: TrainingNodeConfig, window: Window, method: str, params: dict[str, Any]
) -> tuple[PortfolioRun, dict[str, object]]:
    """Task: fit the baseline on the closes of `window`'s training segment, backtest it on the
    test segment."""
    train_env, test_env = portfolio_window(env, window)
    history = training_closes(load_markets(train_env))
    baseline = PortfolioBaseline(list(history.columns), method, history=history, **params)
    run = run_portfolio_backtest(baseline, test_env, name=f"window_{window.index}")
    return run, {"method": method}


def walk_forward_baseline(
    env: TrainingNodeConfig,
    windows: Sequence[Window],
    method: str = "equal_weight",
    *,
    params: dict[str, Any] | None = None,
    run_dir: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    max_workers: int | None = None,
    sweep: SweepConfig | None = None,
    progress: bool = False,
) -> WalkForwardResult:
    """Score a portfolio baseline (`PortfolioBaseline(method, **params)`) window by window: its
    `history` is the training segment's closes (fitted on the past only), its run the test
    segment in a portfolio backtest of `env`.

    Windows run where `sweep` says, else on `executor`, else on a local pool of `max_workers`
    (default 1); with `run_dir`, each window's result is kept in `<run_dir>/tasks`.
    """
    if not env.assets:
        raise ConfigError("`env` has no `instruments`: a portfolio baseline needs a portfolio")
    check_known("method", method, METHODS)
    options = dict(params or {})
    if "history" in options:
        raise ConfigError("`params.history` is not allowed: it is each training segment's closes")
    where = choose_where(sweep, executor, max_workers, 1)
    root = None if run_dir is None else Path(run_dir)
    return _sweep_windows(_baseline_window, env, windows, (method, options), root, where, progress)
