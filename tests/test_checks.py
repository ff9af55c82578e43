"""check_env: passes silently on the default envs, names the failed check on broken ones."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from nautilus_rl_lab.checks import check_env
from nautilus_rl_lab.nodes import TrainingNode
from nautilus_rl_lab.schemes import ACTION_SCHEMES, SchemeConfig

from .nodes.conftest import small_config


def test_default_env_passes_with_zero_warnings() -> None:
    env = TrainingNode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)
    # the close check closed it
    with pytest.raises(Exception, match="closed"):
        env.reset()


@pytest.mark.parametrize("action", sorted(ACTION_SCHEMES))
def test_every_action_scheme_passes_with_zero_warnings(action: str) -> None:
    env = TrainingNode(small_config(action=SchemeConfig(name=action)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, seed=3)


def test_skip_close_check_leaves_the_env_usable() -> None:
    env = TrainingNode(small_config())
    try:
        check_env(env, skip_close_check=True, rollout_steps=8)
        obs, _ = env.reset(seed=1)
        assert env.observation_space.contains(obs)
    finally:
        env.close()


def test_non_trading_env_gets_the_generic_checks_only() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infinity")  # CartPole's unbounded Box
        check_env(gym.make("CartPole-v1").unwrapped, rollout_steps=30)


def test_not_an_env_or_bad_arguments_raise_type_and_value_errors() -> None:
    with pytest.raises(TypeError, match=r"gymnasium\.Env"):
        check_env(object())  # type: ignore[arg-type]
    env = TrainingNode(small_config())
    try:
        with pytest.raises(ValueError, match="`rollout_steps`"):
            check_env(env, rollout_steps=0)
    finally:
        env.close()


# -- deliberately broken envs -------------------------------------------------------------


class NaNObservation(TrainingNode):
    """Every observation is NaN."""

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = super().reset(**kwargs)
        return np.full_like(obs, np.nan), info


class NaNObservationAfterSteps(TrainingNode):
    """Fine at reset, NaN from the third step on."""

    def step(self, action: Any) -> tuple:
        obs, reward, terminated, truncated, info = super().step(action)
        if self._episode is not None and self._episode.steps >= 3:
            obs = np.full_like(obs, np.nan)
        return obs, reward, terminated, truncated, info


class InfiniteReward(TrainingNode):
    def step(self, action: Any) -> tuple:
        obs, _, terminated, truncated, info = super().step(action)
        return obs, float("inf"), terminated, truncated, info


class UnseededStart(TrainingNode):
    """Ignores the seed: episode starts come from an unseeded generator."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unseeded = np.random.default_rng()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple:
        start = int(self._unseeded.integers(10, self.bar_count - 40))
        return super().reset(seed=seed, options={"start": start})


class UnseededFills(TrainingNode):
    """Same observations for the same seed (position features hidden) but random orders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unseeded = np.random.default_rng()

    def reset(self, **kwargs: Any) -> tuple:
        obs, info = super().reset(**kwargs)
        return self._hide_position(obs), info

    def step(self, action: Any) -> tuple:
        obs, reward, terminated, truncated, info = super().step(int(self._unseeded.integers(3)))
        return self._hide_position(obs), reward, terminated, truncated, info

    @staticmethod
    def _hide_position(obs: np.ndarray) -> np.ndarray:
        obs = obs.copy()
        obs[-2:] = 0.0
        return obs


class NoEquityInInfo(TrainingNode):
    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = super().reset(**kwargs)
        del info["equity"]
        return obs, info


class CloseFailsTwice(TrainingNode):
    def close(self) -> None:
        if self._closed:
            raise RuntimeError("engine already disposed")
        super().close()


class NoResetOptions(TrainingNode):
    """reset() without the `options` argument Gymnasium requires."""

    def reset(self, *, seed: int | None = None) -> tuple:  # type: ignore[override]
        return super().reset(seed=seed)


@pytest.mark.parametrize(
    ("env_class", "message"),
    [
        (NaNObservation, r"first observation failed: .*reset\(seed=\.\.\.\) has \d+ non-finite"),
        (NaNObservationAfterSteps, r"rollout failed: the observation at step 2 .* non-finite"),
        (InfiniteReward, r"rollout failed: the reward at step 0 .* is inf: rewards must be finite"),
        (UnseededStart, r"seed determinism failed: .* different observations at index 0"),
        (UnseededFills, r"seed determinism failed: .* different fills in episode 0"),
        (NoEquityInInfo, r"rollout failed: info from reset\(\) lacks \['equity'\]"),
        (CloseFailsTwice, r"close twice failed: the second close\(\) raised RuntimeError"),
        (NoResetOptions, r"gymnasium failed: .*options"),
    ],
)
def test_broken_env_fails_the_named_check(env_class: type[TrainingNode], message: str) -> None:
    env = env_class(small_config())
    try:
        with pytest.raises(AssertionError, match=message):
            check_env(env)
    finally:
        if not isinstance(env, CloseFailsTwice):
            env.close()


def test_sb3_warnings_follow_warn() -> None:
    class Float64Actions(TrainingNode):
        """A float64 continuous action space: fine for Gymnasium, SB3 recommends float32."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float64)

    config = small_config(action=SchemeConfig(name="continuous"))
    env = Float64Actions(config)
    with pytest.warns(UserWarning, match="dtype float64, we recommend using np.float32"):
        check_env(env, skip_close_check=True, rollout_steps=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, warn=False, rollout_steps=8)
