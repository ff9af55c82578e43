from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.agents import BollingerMeanReversionAgent, EMACrossAgent
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import run_backtest
from nautilus_rl_lab.strategies.agent_strategy import RiskLimits
from nautilus_rl_lab.tuning import ParamSpec
from nautilus_rl_lab.widgets import backtest_playground
from nautilus_rl_lab.widgets.playground import space_from_signature
from tests.widgets.conftest import decoded, front_end_figures, small_env


@pytest.fixture(scope="module")
def playground():
    return backtest_playground("ema_cross", small_env())


def test_sliders_come_from_the_agents_signature_with_its_defaults(playground) -> None:
    assert set(playground.params) == {"fast", "slow"}
    assert playground.values == {"fast": 10, "slow": 20}
    assert playground.params["slow"].min == 4 and playground.params["slow"].max == 100
    assert not playground.params["fast"].continuous_update  # a drag sends one value


def test_moving_a_slider_runs_a_new_backtest_and_redraws(playground) -> None:
    config = playground.config
    first_y, first_stats = list(playground.plot.data[0].y), playground.stats.value
    redraws = playground.redraws
    for fast in range(3, 8):  # a drag: five values within the debounce delay
        playground.params["fast"].value = fast
    runs_before = playground.debouncer.runs
    playground.debouncer.wait()
    assert playground.debouncer.runs == runs_before + 1
    direct = run_backtest(EMACrossAgent(7, 20, action=config.action), config)
    shown = playground.last_run
    assert shown is not None and shown.stats == direct.stats
    chart = playground.plot
    assert list(chart.data[0].y) == list(direct.equity) != first_y  # the new run's equity
    assert list(chart.data[0].x) == list(direct.equity.index)
    assert playground.redraws == redraws + 1 and chart.data[0].name == shown.name
    assert playground.stats.value != first_stats
    assert f"{direct.stats['final_equity']:,.2f}" in playground.stats.value


def test_risk_inputs_reach_the_strategy(playground) -> None:
    config = playground.config
    playground.params["fast"].value = 5
    playground.risk["max_position"].value = 5_000.0  # cap below the 10,000-unit trade size
    playground.debouncer.wait()
    assert playground.limits() == RiskLimits(max_position=5_000.0)
    capped = playground.last_run
    assert capped is not None and capped.position.abs().max() == 5_000
    direct = run_backtest(
        EMACrossAgent(5, 20, action=config.action), config, risk=RiskLimits(max_position=5_000.0)
    )
    assert capped.stats == direct.stats
    playground.risk["max_position"].value = 0.0  # 0 switches the rule off again
    playground.debouncer.wait()
    assert playground.limits() == RiskLimits()


def test_a_refused_combination_shows_the_agents_message(playground) -> None:
    before = playground.last_run
    playground.params["fast"].value = 50  # slow is 20: EMACrossAgent refuses fast >= slow
    playground.debouncer.wait()
    assert "`fast` must be > 0 and < `slow`" in playground.status.value
    assert playground.last_run is before
    playground.params["fast"].value = 10
    playground.debouncer.wait()
    assert playground.status.value == ""


def test_without_a_front_end_it_shows_the_last_run_as_a_picture(playground) -> None:
    bundle = playground._repr_mimebundle_()
    assert bundle["image/png"].startswith(b"\x89PNG")
    run = playground.last_run
    assert run is not None and run.name in playground.figure.axes[0].get_title()
    line = playground.figure.axes[0].lines[0]
    assert list(line.get_ydata()) == list(run.equity)


def test_a_search_space_sets_the_controls() -> None:
    space = {
        "period": ParamSpec(type="int", low=10, high=40, step=5),
        "k": ParamSpec(type="float", low=1.0, high=3.0),
    }
    view = backtest_playground(BollingerMeanReversionAgent, small_env(), space=space)
    assert view.params["period"].step == 5 and view.params["k"].max == 3.0
    assert view.values == {"period": 20, "k": 2.0}
    assert view.last_run is not None


def test_an_agent_without_numeric_defaults_needs_a_space() -> None:
    def factory(action=None):
        raise AssertionError("never built")

    with pytest.raises(ConfigError, match="`space`"):
        space_from_signature(factory)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((5, small_env()), {}, r"`agent` must be a rule name or an Agent class/factory, was 5"),
        (("ema_cross", {"data": 1}), {}, r"`config` must be a TrainingNodeConfig, was \{'data'"),
        (("ema_cross", small_env()), {"space": [1]}, r"`space` must be a mapping"),
        (("ema_cross", small_env()), {"space": {"fast": 3}}, r"`space\['fast'\]` must be a ParamSpec"),
        (("ema_cross", small_env()), {"values": [1]}, r"`values` must be a mapping"),
        (("ema_cross", small_env()), {"values": {"fastt": 5}}, r"\['fastt'\] are not parameters"),
        (("ema_cross", small_env()), {"values": {"fast": "x"}}, r"`values\['fast'\]` must be an int in \[2, 50\], was 'x'"),
        (("ema_cross", small_env()), {"values": {"fast": 500}}, r"`values\['fast'\]` must be an int in \[2, 50\], was 500"),
        (("ema_cross", small_env()), {"values": {"fast": 5.5}}, r"must be an int in \[2, 50\], was 5.5"),
        (("ema_cross", small_env()), {"risk": {"max_position": 1}}, r"`risk` must be a RiskLimits or None"),
    ],
)  # fmt: skip
def test_wrong_arguments_are_one_config_error_naming_them(args, kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        backtest_playground(*args, **kwargs)


def test_a_slider_change_is_drawn_by_a_view_opened_later(playground) -> None:
    """Run All draws off-screen cells later: the view must get the last run from the state."""
    playground.params["fast"].value = 6
    playground.debouncer.wait()
    run = playground.last_run
    assert run is not None and run.name == "EMACrossAgent(6, 20)"
    (figure,) = front_end_figures(playground)  # also answers as plotly.js does after drawing
    names = [trace.get("name") for trace in figure["data"]]
    assert names == [run.name, "buy_and_hold", f"{run.name} drawdown", "buy_and_hold drawdown"]
    agent = figure["data"][0]
    assert list(decoded(agent["y"])) == list(run.equity)
    assert list(pd.to_datetime(decoded(agent["x"]), utc=True)) == list(run.equity.index)
    assert "width" not in figure["layout"] and figure["layout"].get("autosize", True)
