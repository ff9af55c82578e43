from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.nodes import TrainingNode
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.widgets import episode_viewer
from nautilus_rl_lab.widgets.episode import EpisodeViewer
from tests.widgets.conftest import small_env


@pytest.fixture(scope="module")
def env():
    env = TrainingNode(small_env(observation=SchemeConfig(name="window", params={"window": 4})))
    env.reset(options={"start": 10})
    for action in (2, 2, 1, 0, 0, 1, 2, 1):
        env.step(action)
    yield env
    env.close()


def test_the_slider_shows_the_episode_up_to_the_chosen_step(env) -> None:
    viewer = episode_viewer(env)
    assert viewer.step.max == 8 and viewer.step.value == 8
    all_fills = len(env.fills())
    assert all_fills > 0 and f"{all_fills} fills" in viewer.figure.axes[0].get_title()
    last_png = bytes(viewer.figure_view.image.value)
    viewer.step.value = 2
    price_ax = viewer.figure.axes[0]
    assert len(price_ax.lines[0].get_xdata()) == 3  # reset + two steps
    shown = viewer.fills_until(2)
    decided = pd.Timestamp(env.history[2]["ts"], tz="UTC")
    assert (pd.to_datetime(shown["ts_event"], utc=True) <= decided).all()
    assert len(shown) < all_fills and f"{len(shown)} fills" in price_ax.get_title()
    assert bytes(viewer.figure_view.image.value) != last_png
    assert f">{env.history[2]['position']:,.0f}<" in viewer.state.value


def test_an_env_without_steps_is_refused() -> None:
    env = TrainingNode(small_env())
    try:
        with pytest.raises(EnvironmentStateError, match="reset"):
            episode_viewer(env)
    finally:
        env.close()


RECORDS = [{"ts": 0}, {"ts": 3_600_000_000_000}]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((5,), {}, r"`history` must be a list of step records \(`env.history`\), was 5 \(int\)"),
        (([1, 2],), {}, r"`history\[0\]` must be a step record with `ts`, was 1"),
        ((RECORDS,), {"fills": [1]}, r"`fills` must be a DataFrame or None, was \[1\]"),
        ((RECORDS,), {"interval_ms": 0}, r"`interval_ms` must be an int >= 1, was 0"),
    ],
)
def test_wrong_arguments_are_one_config_error_naming_them(args, kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        EpisodeViewer(*args, **kwargs)


def test_a_config_instead_of_an_env_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`env` must be a TrainingNode .*TrainingNodeConfig"):
        episode_viewer(small_env())
