"""Multi-seed runs: every seed trained in worker processes, scored on the untouched test range."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pandas as pd
import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.research import train_seeds
from nautilus_rl_lab.research.plots import plot_seed_equity
from nautilus_rl_lab.sweeps import SweepConfig
from nautilus_rl_lab.training.config import TrainConfig
from tests.portfolios import correlated_data, portfolio_config, portfolio_train_config
from tests.services import RayHead
from tests.training.conftest import tiny_config

TEST = DataSourceConfig(kind="sample", start="2017-03-22", end="2017-03-29")


@pytest.mark.slow
def test_three_seeds_give_a_confidence_table_and_a_fan_of_curves(tmp_path) -> None:
    config = tiny_config(tmp_path, total_timesteps=128, eval_freq=64, checkpoint_freq=0,
                         tensorboard=False, test_data=TEST)  # fmt: skip
    result = train_seeds(config, [0, 1, 2], max_workers=2, run_dir=tmp_path / "seeds")
    assert list(result.table.index) == [0, 1, 2]
    assert list(result.equity.columns) == [0, 1, 2]
    assert result.equity.index.min() >= pd.Timestamp("2017-03-22", tz="UTC")  # the test range only
    ci = result.confidence()
    for metric, row in ci.iterrows():
        values = result.table[metric].astype(float)
        assert row["seeds"] == 3
        assert row["mean"] == pytest.approx(values.mean())
        assert row["ci_low"] <= row["mean"] <= row["ci_high"] or values.nunique() == 1, metric
    assert {f"seed_{s}" for s in (0, 1, 2)} <= {p.name for p in (tmp_path / "seeds").iterdir()}
    figure = plot_seed_equity(result)
    assert len(figure.axes[0].lines) == 4  # three seeds and the median


def test_seeds_need_a_test_range_and_distinct_seeds(tmp_path) -> None:
    with pytest.raises(ConfigError, match="`test_data` is required"):
        train_seeds(tiny_config(tmp_path), [0, 1])
    with pytest.raises(ConfigError, match="distinct"):
        train_seeds(tiny_config(tmp_path, test_data=TEST), [1, 1])


def test_confidence_can_cover_every_numeric_column_and_counts_seeds_per_metric() -> None:
    from nautilus_rl_lab.research.seeds import SeedsResult

    table = pd.DataFrame(
        {"sharpe": [1.0, 2.0, float("nan")], "fills": [10.0, 20.0, 30.0],
         "hit_rate": [0.5, float("nan"), 0.7], "periods_per_year": 260.0,
         "agent": ["a", "b", "c"]},
        index=pd.Index([0, 1, 2], name="seed"),
    )  # fmt: skip
    result = SeedsResult(table, pd.DataFrame())
    ci = result.confidence(metrics=None)
    assert list(ci.index) == ["sharpe", "fills", "hit_rate"]
    assert ci.loc["fills", "mean"] == 20 and ci.loc["fills", "seeds"] == 3
    assert ci.loc["hit_rate", "mean"] == pytest.approx(0.6) and ci.loc["hit_rate", "seeds"] == 2
    assert ci.loc["sharpe", "seeds"] == 2
    mixed = SeedsResult(table.assign(periods_per_year=[260.0, 252.0, 260.0]), pd.DataFrame())
    with pytest.raises(ValueError, match="annualised with different periods"):
        mixed.confidence()


@pytest.mark.parametrize(
    ("seeds", "kwargs", "message"),
    [
        ([-1], {}, r"`seeds` must be ints >= 0 .*was \[-1\]"),
        ([0, 1.5], {}, r"`seeds` must be ints >= 0"),
        ([True], {}, r"`seeds` must be ints >= 0"),
        ("01", {}, r"`seeds` must be a list of ints, was '01'"),
        ([0], {"max_workers": 0}, r"`max_workers` must be >= 1 or None, was 0"),
    ],
)
def test_bad_seeds_or_workers_are_refused_before_any_training(
    tmp_path, seeds, kwargs, message
) -> None:
    config = tiny_config(tmp_path / "run", test_data=TEST)
    with pytest.raises(ConfigError, match=message):
        train_seeds(config, seeds, **kwargs)
    assert not (tmp_path / "run").exists()


def test_a_run_dir_that_is_a_file_is_refused_before_any_training(tmp_path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"`run_dir` .*file' is a file, expected a folder"):
        train_seeds(tiny_config(tmp_path, test_data=TEST), [0], run_dir=tmp_path / "file")


@pytest.mark.slow
def test_three_seeds_on_a_ray_cluster_give_the_pools_numbers(
    tmp_path: Path, ray_cluster: RayHead
) -> None:
    config = tiny_config(tmp_path, total_timesteps=128, eval_freq=64, checkpoint_freq=0,
                         tensorboard=False, test_data=TEST)  # fmt: skip
    pool = train_seeds(config, [0, 1, 2], max_workers=2, run_dir=tmp_path / "pool")
    sweep = SweepConfig(executor="ray", address=ray_cluster.address)
    cluster = train_seeds(config, [0, 1, 2], sweep=sweep, run_dir=tmp_path / "ray")
    numbers = [c for c in pool.table.columns if c != "agent"]  # "agent": the run folder
    pd.testing.assert_frame_equal(cluster.table[numbers], pool.table[numbers])
    pd.testing.assert_frame_equal(cluster.equity, pool.equity)
    # the same agent (best, else final) of each seed was scored
    assert [Path(p).parts[-2:] for p in cluster.table["agent"]] == [
        Path(p).parts[-2:] for p in pool.table["agent"]
    ]
    assert {f"seed_{s}" for s in (0, 1, 2)} <= {p.name for p in (tmp_path / "ray").iterdir()}


# Portfolios: scored on a portfolio test env of the same instruments.

PORTFOLIO_TEST = portfolio_config(
    [msgspec.structs.replace(correlated_data(i), start="2020-03-01") for i in range(3)]
)


def portfolio_training(tmp_path: Path) -> TrainConfig:
    """`portfolio_train_config` on the bars before `PORTFOLIO_TEST`'s."""
    env = portfolio_config(
        [msgspec.structs.replace(correlated_data(i), end="2020-03-01") for i in range(3)],
        episode_length=16,
        random_start=True,
        seed=0,
    )
    return portfolio_train_config(tmp_path, env=env)


def test_a_portfolio_test_env_is_only_for_portfolio_configs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="`test` is for portfolio configs"):
        train_seeds(tiny_config(tmp_path, test_data=TEST), [0], test=PORTFOLIO_TEST)


def test_a_portfolio_config_needs_a_disjoint_test_env_of_its_instruments(tmp_path: Path) -> None:
    config = portfolio_training(tmp_path / "run")
    with pytest.raises(ConfigError, match="`test` must be a portfolio env"):
        train_seeds(config, [0])
    reordered = msgspec.structs.replace(
        PORTFOLIO_TEST, instruments=list(reversed(PORTFOLIO_TEST.assets))
    )
    with pytest.raises(ConfigError, match="the same order"):
        train_seeds(config, [0], test=reordered)
    overlapping = portfolio_config(
        [msgspec.structs.replace(correlated_data(i), start="2020-02-15") for i in range(3)]
    )
    with pytest.raises(ConfigError, match=r"`env.instruments\[0\].data` .* overlap"):
        train_seeds(config, [0], test=overlapping)
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_two_seeds_of_a_portfolio_policy_are_scored_on_the_portfolio_test_env(
    tmp_path: Path,
) -> None:
    config = portfolio_training(tmp_path)
    result = train_seeds(config, [0, 1], max_workers=1, run_dir=tmp_path / "seeds",
                         test=PORTFOLIO_TEST)  # fmt: skip
    assert list(result.equity.columns) == [0, 1]
    assert result.equity.index.min() > pd.Timestamp("2020-03-01", tz="UTC")  # the test range only
    assert result.confidence().loc["total_return_%", "seeds"] == 2
    assert result.table["fills"].gt(0).all()
