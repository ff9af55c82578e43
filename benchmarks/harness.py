"""Shared by the benchmarks: one JSON line per figure with the machine it ran on, interleaved
repeats, random-policy stepping and the outside reference env (gym-anytrading's `forex-v0`)."""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from importlib.metadata import version
from typing import Any

import gymnasium as gym
import numpy as np
import psutil


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


MACHINE = {
    "cpu": _cpu_model(),
    "cores": os.cpu_count(),
    "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    "os": platform.platform(terse=True),
    "python": platform.python_version(),
    "nautilus_trader": version("nautilus_trader"),
}


def emit(record: dict) -> None:
    """Print `record` as one JSON line with the machine and its current 1-minute load."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(json.dumps({**record, "machine": MACHINE, "load_1m": load}), flush=True)


def interleaved(runs: Mapping[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Each run's figures over `repeats` rounds, one call of every run per round (after a
    `gc.collect()`), so machine noise hits them all alike."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            samples[name].append(run())
    return samples


def emit_medians(
    figure: str,
    key: str,
    samples: Mapping[str, list[float]],
    *,
    unit: str,
    baseline: str,
    ratio: str,
    fields: Mapping[str, Any],
    per_run: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """One line per run of `samples` (named under `key`): its median `unit`, the `baseline`
    run's (`baseline_<unit>`) and their `ratio`, then `per_run[name]` and `fields`."""
    base = statistics.median(samples[baseline])
    for name, values in samples.items():
        value = statistics.median(values)
        emit(
            {
                "figure": figure,
                key: name,
                **(per_run or {}).get(name, {}),
                unit: round(value, 1),
                f"baseline_{unit}": round(base, 1),
                ratio: round(value / base, 4),
                **fields,
            }
        )


def random_steps_rate(env: gym.Env, steps: int, seed: int = 0) -> float:
    """Steps/s of `env` under seeded random discrete actions (drawn beforehand), resetting at
    episode ends (resets included in the time)."""
    actions = np.random.default_rng(seed).integers(0, env.action_space.n, size=steps)  # type: ignore[attr-defined]
    started = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(int(action))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def forex_env(closes: list[float], window: int) -> gym.Env:
    """gym-anytrading's `forex-v0` over our closes (its own data is never used or downloaded)."""
    import gym_anytrading  # noqa: F401  registers forex-v0
    import pandas as pd

    frame = pd.DataFrame({"Close": closes})
    return gym.make("forex-v0", df=frame, window_size=window, frame_bound=(window, len(closes)))
