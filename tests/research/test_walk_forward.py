"""Walk-forward: windows with purge and embargo; rule and PPO agents scored on unseen segments."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import msgspec
import optuna
import pandas as pd
import pytest

from nautilus_rl_lab.agents import EMACrossAgent
from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import run_backtest
from nautilus_rl_lab.evaluation.portfolio import PortfolioRun, load_markets, run_portfolio_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.research import walk_forward, walk_forward_rule, walk_forward_windows
from nautilus_rl_lab.research.plots import plot_walk_forward
from nautilus_rl_lab.research.walk_forward import (
    Window,
    portfolio_window,
    training_closes,
    walk_forward_baseline,
    window_ranges,
)
from nautilus_rl_lab.sweeps import SweepConfig
from nautilus_rl_lab.tuning import ParamSpec, RuleTuneConfig
from tests.portfolios import IDS, portfolio_config, portfolio_train_config
from tests.services import RayHead
from tests.training.conftest import tiny_config

UTC = "UTC"


def test_rolling_windows_keep_the_training_length_and_leave_purge_and_embargo_gaps() -> None:
    windows = walk_forward_windows(
        "2017-01-01", "2017-07-01", train="60D", test="30D", purge="2D", embargo="1D"
    )
    assert len(windows) >= 3
    for window in windows:
        assert window.train_end - window.train_start == pd.Timedelta("60D")
        assert window.test_start - window.train_end == pd.Timedelta("2D")  # purge
        assert window.test_end - window.test_start == pd.Timedelta("30D")
        assert window.test_end <= pd.Timestamp("2017-07-01", tz=UTC)
    for before, after in itertools.pairwise(windows):
        assert after.test_start - before.test_end == pd.Timedelta("1D")  # embargo
        assert after.train_end <= after.test_start  # never trains on what it is scored on


def test_anchored_windows_grow_from_the_start() -> None:
    windows = walk_forward_windows(
        "2017-01-01", "2017-06-01", train="60D", test="30D", anchored=True
    )
    assert all(w.train_start == pd.Timestamp("2017-01-01", tz=UTC) for w in windows)
    assert [w.train_end - w.train_start for w in windows] == sorted(
        w.train_end - w.train_start for w in windows
    )


def test_purge_keeps_every_label_horizon_inside_its_fit_validation_or_test_segment() -> None:
    horizon, bar = pd.Timedelta("12h"), pd.Timedelta("1h")
    windows = walk_forward_windows(
        "2017-03-01", "2017-05-01", train="20D", test="7D", purge=horizon, embargo="1D"
    )
    for window in windows:
        segments = window_ranges(DataSourceConfig(kind="sample"), window, validation="4D")
        bars = [load_frame(segment).index for segment in segments if segment is not None]
        assert len(bars) == 3
        for earlier, later in itertools.pairwise(bars):
            # a sample at bar t is labelled by its bar and the `horizon` after it
            assert earlier.max() + bar + horizon <= later.min()
        assert bars[1].max() < window.train_end <= bars[2].min()  # validation: the train tail


def test_a_validation_tail_that_leaves_nothing_to_fit_is_refused() -> None:
    window = walk_forward_windows("2017-03-01", "2017-04-01", train="5D", test="5D", purge="1D")[0]
    with pytest.raises(ConfigError, match="leave no fit segment"):
        window_ranges(DataSourceConfig(kind="sample"), window, validation="4D")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"train": "300D", "test": "30D"}, "no walk-forward window fits"),
        ({"train": "soon", "test": "30D"}, "`train`"),
        ({"train": "30D", "test": "-1D"}, "`test` must not be negative"),
    ],
)
def test_bad_windows_are_refused(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        walk_forward_windows("2017-01-01", "2017-06-01", **kwargs)


def test_rule_walk_forward_tunes_on_train_and_scores_on_the_next_segment(tmp_path) -> None:
    env = TrainingNodeConfig(data=DataSourceConfig(kind="sample"))
    config = RuleTuneConfig(
        rule="ema_cross",
        search_space={
            "fast": ParamSpec(type="int", low=3, high=8),
            "slow": ParamSpec(type="int", low=12, high=30, step=2),
        },
        env=env,
        n_trials=3,
        run_dir=str(tmp_path / "tune"),
        study_name="wf",
    )
    windows = walk_forward_windows("2017-03-01", "2017-05-15", train="30D", test="14D", purge="1D")
    result = walk_forward_rule(config, windows)
    assert list(result.table.index) == [w.index for w in windows]
    for window, run in zip(windows, result.runs, strict=True):
        params = result.table.loc[window.index, "params"]
        test_env = TrainingNodeConfig(
            data=DataSourceConfig(
                kind="sample", start=window.test_start.isoformat(), end=window.test_end.isoformat()
            )
        )
        direct = run_backtest(EMACrossAgent(**params, action=env.action), test_env)
        assert direct.stats == run.stats  # the test score is a plain backtest of the tuned rule
        assert run.equity.index[0] >= window.test_start and run.equity.index[-1] < window.test_end
    equity = result.equity
    # Stitched: each segment starts where the previous one ended (returns chained).
    starts = [len(r.equity) for r in result.runs]
    boundary = starts[0]
    assert equity.iloc[boundary] == pytest.approx(equity.iloc[boundary - 1])
    total = 1.0
    for run in result.runs:
        total *= run.equity.iloc[-1] / run.equity.iloc[0]
    assert equity.iloc[-1] / equity.iloc[0] == pytest.approx(total)
    assert result.table.columns.name == "test segments, account currency USD"
    overall = result.overall
    assert overall["windows"] == len(windows) and "psr" in overall
    assert plot_walk_forward(result).axes


def test_a_second_rule_walk_forward_with_other_windows_tunes_its_own_studies(tmp_path) -> None:
    config = RuleTuneConfig(
        rule="ema_cross",
        search_space={"fast": ParamSpec(type="int", low=3, high=8)},
        params={"slow": 20},
        env=TrainingNodeConfig(data=DataSourceConfig(kind="sample")),
        n_trials=2,
        run_dir=str(tmp_path / "tune"),
        study_name="wf",
    )
    first = walk_forward_windows("2017-03-01", "2017-04-15", train="30D", test="14D")
    second = walk_forward_windows("2017-03-01", "2017-04-15", train="20D", test="10D")
    walk_forward_rule(config, first)
    walk_forward_rule(config, second)
    summaries = optuna.get_all_study_summaries(config.storage_url)
    names = {s.study_name: s.n_trials for s in summaries}
    assert len(names) == len(first) + len(second)
    assert all(n == 2 for n in names.values())  # every window fitted its own parameters
    window = second[0]
    name = next(n for n in names if n.startswith("wf-window0-") and "20170321" in n)
    assert window.train_start.strftime("%Y%m%d") in name
    assert window.test_end.strftime("%Y%m%d") in name


def test_a_test_segment_shorter_than_the_rules_warm_up_is_refused(tmp_path) -> None:
    config = RuleTuneConfig(
        rule="ema_cross",
        search_space={"fast": ParamSpec(type="int", low=3, high=8)},
        params={"slow": 100},  # 100 hourly bars of warm-up; a day of test bars holds 24
        env=TrainingNodeConfig(data=DataSourceConfig(kind="sample")),
        n_trials=1,
        run_dir=str(tmp_path / "tune"),
        study_name="short",
    )
    windows = walk_forward_windows("2017-03-01", "2017-03-23", train="21D", test="1D")
    with pytest.raises(ConfigError, match=r"window 0's test segment has \d+ bars.*warm-up"):
        walk_forward_rule(config, windows)


@pytest.mark.slow
def test_ppo_walk_forward_trains_one_agent_per_window(tmp_path: Path) -> None:
    config = tiny_config(tmp_path / "wf", total_timesteps=128, eval_freq=64, checkpoint_freq=0)
    windows = walk_forward_windows("2017-03-01", "2017-04-12", train="14D", test="7D", purge="1D")[
        :2
    ]
    result = walk_forward(config, windows, validation="4D", run_dir=tmp_path / "wf")
    assert len(result.table) == 2 and len(result.runs) == 2
    for window in windows:
        run_dir = tmp_path / "wf" / f"window_{window.index}"
        assert (run_dir / "final").is_dir()
        assert (run_dir / "best").is_dir()  # selected on the validation tail of the train segment
        ranges = json.loads((run_dir / "train_config.json").read_text())
        segments = [ranges["env"]["data"], ranges["eval_data"], ranges["test_data"]]
        for earlier, later in itertools.pairwise(
            segments
        ):  # fit | purge | validation | purge | test
            gap = pd.Timestamp(later["start"]) - pd.Timestamp(earlier["end"])
            assert gap == pd.Timedelta("1D"), (earlier, later)
    assert result.equity.index.is_monotonic_increasing


def test_a_rule_walk_forward_on_a_ray_cluster_gives_the_pools_numbers(
    tmp_path: Path, ray_cluster: RayHead
) -> None:
    windows = walk_forward_windows("2017-03-01", "2017-04-12", train="14D", test="7D")[:2]

    def config(folder: str) -> RuleTuneConfig:
        return RuleTuneConfig(
            rule="ema_cross",
            search_space={"fast": ParamSpec(type="int", low=3, high=8)},
            env=TrainingNodeConfig(data=DataSourceConfig(kind="sample")),
            n_trials=3,
            seed=7,
            run_dir=str(tmp_path / folder),
            study_name="wf",
        )

    pool = walk_forward_rule(config("pool"), windows, max_workers=2)
    sweep = SweepConfig(executor="ray", address=ray_cluster.address)
    cluster = walk_forward_rule(config("ray"), windows, sweep=sweep)
    pd.testing.assert_frame_equal(cluster.table, pool.table)
    pd.testing.assert_series_equal(cluster.equity, pool.equity)
    assert len(list((tmp_path / "ray" / "tasks").glob("*.pkl"))) == 2


# Portfolios: every instrument cut per window, test segments as portfolio backtests.


def portfolio_windows() -> list[Window]:
    return walk_forward_windows("2020-01-01", "2020-04-01", train="40D", test="25D")


def test_portfolio_window_cuts_every_instruments_data_to_the_windows_segments() -> None:
    env = portfolio_config()
    window = portfolio_windows()[1]
    train_env, test_env = portfolio_window(env, window)
    for fit, held_out, original in zip(train_env.assets, test_env.assets, env.assets, strict=True):
        assert (fit.instrument, held_out.instrument) == (original.instrument, original.instrument)
        assert pd.Timestamp(fit.data.start) == window.train_start
        assert pd.Timestamp(fit.data.end) == window.train_end
        assert pd.Timestamp(held_out.data.start) == window.test_start
        assert pd.Timestamp(held_out.data.end) == window.test_end
        assert fit.data.params == original.data.params  # the same market, another slice
    assert (test_env.random_start, test_env.episode_length) == (False, None)


def _in_test_segment(run: PortfolioRun, window: Window) -> bool:
    """Whether every decision of `run` is on a bar of `window`'s test segment (bars are stamped
    at their close: the last one opens before `test_end`, closes at it)."""
    return window.test_start < run.equity.index[0] and run.equity.index[-1] <= window.test_end


def test_a_portfolio_baseline_walks_forward_fitted_on_each_training_segment_only() -> None:
    env, windows = portfolio_config(), portfolio_windows()
    result = walk_forward_baseline(env, windows, "min_variance", params={"rebalance_every": 5})
    assert len(result.runs) == len(result.table) == len(windows) >= 2
    for window, run in zip(windows, result.runs, strict=True):
        assert isinstance(run, PortfolioRun) and _in_test_segment(run, window)
        assert len(run.fills) > 0
    # the last window's run is the baseline fitted by hand on its training segment's closes
    window, run = windows[-1], result.runs[-1]
    train_env, test_env = portfolio_window(env, window)
    history = training_closes(load_markets(train_env))
    assert window.train_start < history.index[0] and history.index[-1] <= window.train_end
    direct = PortfolioBaseline(IDS, "min_variance", rebalance_every=5, history=history)
    pd.testing.assert_series_equal(run_portfolio_backtest(direct, test_env).equity, run.equity)
    assert result.table["method"].eq("min_variance").all()
    assert result.table.columns.name == "test segments, account currency USD"
    overall = result.overall
    assert overall["windows"] == len(windows)
    assert overall["fills"] == sum(len(run.fills) for run in result.runs)
    assert math.isnan(overall["round_trips"])  # one instrument's notion, never a made-up 0
    assert result.equity.index.is_monotonic_increasing
    assert plot_walk_forward(result).axes


def test_portfolio_walk_forwards_refuse_what_they_cannot_do_yet(tmp_path: Path) -> None:
    env, windows = portfolio_config(), portfolio_windows()
    rules = RuleTuneConfig(
        rule="ema_cross",
        search_space={"fast": ParamSpec(type="int", low=3, high=8)},
        run_dir=str(tmp_path / "tune"),
    )
    with pytest.raises(ConfigError, match="portfolio: rules are tuned on one instrument"):
        walk_forward_rule(msgspec.structs.replace(rules, env=env), windows)
    with pytest.raises(ConfigError, match="no `instruments`"):
        walk_forward_baseline(TrainingNodeConfig(), windows)
    with pytest.raises(ConfigError, match="`method` 'momentum'"):
        walk_forward_baseline(env, windows, "momentum")
    with pytest.raises(ConfigError, match=r"portfolio .* no validation range"):
        walk_forward(portfolio_train_config(tmp_path), windows, validation="10D")


@pytest.mark.slow
def test_a_portfolio_policy_walks_forward_trained_on_every_instruments_training_segment(
    tmp_path: Path,
) -> None:
    windows = portfolio_windows()
    result = walk_forward(portfolio_train_config(tmp_path / "wf"), windows)
    assert len(result.runs) == 2
    for window, run in zip(windows, result.runs, strict=True):
        assert isinstance(run, PortfolioRun) and _in_test_segment(run, window)
        trained = json.loads((tmp_path / "wf" / f"window_{window.index}" / "train_config.json")
                             .read_text())  # fmt: skip
        for asset in trained["env"]["instruments"]:
            assert pd.Timestamp(asset["data"]["start"]) == window.train_start
            assert pd.Timestamp(asset["data"]["end"]) == window.train_end
    assert set(result.table["agent"]) and result.equity.index.is_monotonic_increasing
