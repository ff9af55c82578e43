"""`check_env`: Gymnasium's and SB3's env checkers plus the checks a trading env needs.

The trading checks run first, because they give the most specific diagnosis (a NaN reward
otherwise surfaces as Gymnasium's "rewards are not equivalent for the same seed"):

1. `first observation`: `reset(seed=seed)` returns a finite observation inside the space.
2. `rollout`: a short random rollout (actions from `action_space`, seeded with `seed`,
   resetting at episode ends) returns finite observations inside the space, finite real
   rewards, bool `terminated`/`truncated` and a dict `info`; for a TrainingNode-like env
   (one with a `fills()` method) `info` carries finite `equity`, `position` (a portfolio's:
   `positions`) and `trades`.
3. `seed determinism`: the same rollout again with the same seed gives the same
   observations, the same fills (`env.fills()` of every episode, without random event ids),
   the same rewards and episode ends, and the same trading info.
4. `gymnasium`: `gymnasium.utils.env_checker.check_env` (render check skipped: it builds
   figures; close check done here).
5. `stable_baselines3`: `stable_baselines3.common.env_checker.check_env(warn=warn)`.
6. `close twice`: `close()` may be called twice without raising (this closes `env`; pass
   `skip_close_check=True` to keep using it).

A failed check raises `AssertionError` whose message starts with `check_env: <check>` and
says what was seen; an `env` that is not a `gymnasium.Env` raises `TypeError`. Checks call
`reset()`/`step()` on `env` itself, wrappers included; fills are read from `env.unwrapped`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from nautilus_rl_lab.validation import check_minimum

__all__ = ["check_env"]

TRADING_INFO_KEYS = ("equity", "position", "trades")
# Fill columns that identify a fill; ids such as `event_id` are random UUIDs by design.
FILL_COLUMNS = (
    "instrument_id",
    "order_side",
    "order_type",
    "last_qty",
    "last_px",
    "commission",
    "liquidity_side",
    "ts_event",
)


def check_env(
    env: gym.Env,
    *,
    warn: bool = True,
    seed: int = 0,
    rollout_steps: int = 64,
    skip_close_check: bool = False,
) -> None:
    """Check `env` against Gymnasium's and SB3's contracts and the trading checks above.

    `warn` is passed to SB3's checker (warnings about spaces SB3 handles badly);
    `rollout_steps` is the length of each random rollout.
    Raises `AssertionError` naming the failed check and why.
    """
    if not isinstance(env, gym.Env):
        raise TypeError(f"check_env needs a gymnasium.Env, got {type(env).__name__}")
    check_minimum("rollout_steps", rollout_steps, 1)
    trading = callable(getattr(env.unwrapped, "fills", None))
    with _check("first observation"):
        obs, _ = env.reset(seed=seed)
        _assert_observation(env, obs, "the observation returned by reset(seed=...)")
    with _check("rollout"):
        first = _rollout(env, seed, rollout_steps, trading)
    with _check("seed determinism"):
        second = _rollout(env, seed, rollout_steps, trading)
        _assert_same_rollout(first, second, seed)
    with _check("gymnasium"):
        from gymnasium.utils.env_checker import check_env as gym_check_env

        gym_check_env(env, skip_render_check=True, skip_close_check=True)
    with _check("stable_baselines3"):
        from stable_baselines3.common.env_checker import check_env as sb3_check_env

        sb3_check_env(env, warn=warn, skip_render_check=True)
    if not skip_close_check:
        with _check("close twice"):
            env.close()
            try:
                env.close()
            except Exception as e:
                raise AssertionError(
                    f"the second close() raised {type(e).__name__}: {e}; "
                    "close() must be idempotent (return early when already closed)"
                ) from e


@contextlib.contextmanager
def _check(name: str) -> Iterator[None]:
    """Re-raise any failure inside as `AssertionError("check_env: <name> failed: ...")`."""
    try:
        yield
    except Warning:  # warnings turned into errors by the caller's filter stay warnings
        raise
    except Exception as e:
        message = str(e) or type(e).__name__
        if not isinstance(e, AssertionError):
            message = f"{type(e).__name__}: {message}"
        raise AssertionError(f"check_env: {name} failed: {message}") from e


@dataclass
class _Rollout:
    observations: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    ends: list[tuple[bool, bool]] = field(default_factory=list)
    infos: list[tuple[float, ...]] = field(default_factory=list)
    fills: list[pd.DataFrame] = field(default_factory=list)


def _rollout(env: gym.Env, seed: int, steps: int, trading: bool) -> _Rollout:
    """Random actions for `steps` steps from `reset(seed=seed)`, checking every return value."""
    run = _Rollout()
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    _record_reset(env, run, obs, info, trading)
    for step in range(steps):
        result = env.step(env.action_space.sample())
        if not (isinstance(result, tuple) and len(result) == 5):
            raise AssertionError(
                "step() must return (observation, reward, terminated, truncated, info), "
                f"got {type(result).__name__} of length {len(result)}"
            )
        obs, reward, terminated, truncated, info = result
        where = f"step {step} of the rollout"
        _assert_observation(env, obs, f"the observation at {where}")
        if isinstance(reward, bool) or not isinstance(reward, int | float | np.number):
            raise AssertionError(f"the reward at {where} is {reward!r}, not a real number")
        if not math.isfinite(float(reward)):
            raise AssertionError(
                f"the reward at {where} is {reward}: rewards must be finite (guard divisions "
                "by zero and logs of non-positive equity in the reward scheme)"
            )
        if not (isinstance(terminated, bool | np.bool_) and isinstance(truncated, bool | np.bool_)):
            raise AssertionError(
                f"terminated/truncated at {where} are {terminated!r}/{truncated!r}, not bools"
            )
        run.observations.append(_flat(env.observation_space, obs))
        run.rewards.append(float(reward))
        run.ends.append((bool(terminated), bool(truncated)))
        run.infos.append(_trading_info(info, where) if trading else ())
        if terminated or truncated:
            if trading:
                run.fills.append(_fills(env))
            obs, info = env.reset()
            _record_reset(env, run, obs, info, trading)
    if trading:
        run.fills.append(_fills(env))
    return run


def _record_reset(env: gym.Env, run: _Rollout, obs: Any, info: Any, trading: bool) -> None:
    where = "reset()"
    _assert_observation(env, obs, f"the observation returned by {where}")
    if not isinstance(info, dict):
        raise AssertionError(f"{where} must return (observation, info dict), info is {info!r}")
    run.observations.append(_flat(env.observation_space, obs))
    run.infos.append(_trading_info(info, where) if trading else ())


def _assert_observation(env: gym.Env, obs: Any, what: str) -> None:
    values = _flat(env.observation_space, obs)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise AssertionError(
            f"{what} has {bad.size} non-finite value(s) (first at flat index {bad[0]}: "
            f"{values[bad[0]]}); replace NaN/inf in the observation scheme, e.g. with "
            "np.nan_to_num, and clip to the space"
        )
    if not env.observation_space.contains(obs):
        raise AssertionError(f"{what} is not inside the observation space {env.observation_space}")


def _flat(space: gym.Space[Any], obs: Any) -> np.ndarray:
    if isinstance(space, gym.spaces.Dict | gym.spaces.Tuple):
        return np.asarray(gym.spaces.flatten(space, obs), dtype=np.float64)
    return np.asarray(obs, dtype=np.float64).reshape(-1)


def _trading_info(info: dict[str, Any], where: str) -> tuple[float, ...]:
    # a portfolio env's info carries `positions`, one per instrument, instead of `position`
    keys = tuple(
        "positions" if k == "position" and "positions" in info else k for k in TRADING_INFO_KEYS
    )
    missing = [key for key in keys if key not in info]
    if missing:
        raise AssertionError(
            f"info from {where} lacks {missing}: a trading env's info must carry "
            f"{list(TRADING_INFO_KEYS)} (a portfolio's: `positions`, one per instrument)"
        )
    values: list[float] = []
    for key in keys:
        try:
            numbers = np.asarray(info[key], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as e:
            raise AssertionError(
                f"info[{key!r}] from {where} is {info[key]!r}, not a number"
            ) from e
        if not np.isfinite(numbers).all():
            raise AssertionError(f"info[{key!r}] from {where} is {info[key]}, not finite")
        values += [float(v) for v in numbers]
    return tuple(values)


def _fills(env: gym.Env) -> pd.DataFrame:
    fills = getattr(env.unwrapped, "fills")()  # noqa: B009 (not on gym.Env)
    if not isinstance(fills, pd.DataFrame):
        raise AssertionError(f"fills() must return a pandas DataFrame, got {type(fills).__name__}")
    columns = [c for c in FILL_COLUMNS if c in fills.columns]
    return fills[columns].reset_index(drop=True).astype(str)


def _assert_same_rollout(first: _Rollout, second: _Rollout, seed: int) -> None:
    how = f"two rollouts from reset(seed={seed}) with the same seeded actions"
    fix = "draw every random choice from self.np_random, seeded by reset(seed=...)"
    for i, (a, b) in enumerate(zip(first.observations, second.observations, strict=False)):
        if not np.array_equal(a, b):
            raise AssertionError(
                f"{how} give different observations at index {i} (max |difference| "
                f"{np.max(np.abs(a - b)) if a.shape == b.shape else 'shape'}): {fix}"
            )
    for episode, (fills, refills) in enumerate(zip(first.fills, second.fills, strict=False)):
        if not fills.equals(refills):
            rows = _first_difference(
                [tuple(r) for r in fills.itertuples(index=False)],
                [tuple(r) for r in refills.itertuples(index=False)],
            )
            raise AssertionError(
                f"{how} give different fills in episode {episode} ({len(fills)} vs {len(refills)} "
                f"fills; first difference at fill {rows}): {fix}"
            )
    sequences: list[tuple[str, list[Any], list[Any]]] = [
        ("rewards", first.rewards, second.rewards),
        ("episode ends (terminated, truncated)", first.ends, second.ends),
        (f"trading info {list(TRADING_INFO_KEYS)}", first.infos, second.infos),
    ]
    for name, values, again in sequences:
        if values != again:
            index = _first_difference(values, again)
            raise AssertionError(f"{how} give different {name} at index {index}: {fix}")


def _first_difference(a: list[Any], b: list[Any]) -> int:
    """Index of the first differing item (the shorter length if one is a prefix)."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))
