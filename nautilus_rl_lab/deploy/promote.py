"""Champion/challenger promotion: evaluate both agents on the same recent out-of-sample data.

`promote(registry, challenger, eval_env)` backtests the registry's champion (if any) and the
challenger with `evaluation.run_backtest` over `eval_env` (the same bars, venue and costs for
both; a bundled agent trades with its own schemes), and promotes the challenger only when its
per-bar Sharpe ratio beats the champion's by `margin` AND the probabilistic Sharpe ratio of
its returns against the champion's Sharpe is at least `min_psr` (Bailey & Lopez de Prado: the
probability that the challenger's true Sharpe exceeds the champion's, from its sample's
length, skew and kurtosis). Every evaluated version is recorded in the registry (bundle path
and content hash, data ranges, metrics, the decision and why); a live config that names the
registry trades the champion from its next start (`registry.resolve_bundle`).
`retrain_and_promote` trains the challenger on a newer window first.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.deploy.registry import (
    agent_hash,
    champion,
    read_registry,
    resolve_bundle,
    write_registry,
)
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.statistics import probabilistic_sharpe_ratio, sharpe_ratio
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.training.bundle import BUNDLE_FILE, load_bundle


class PromotionRule(LabConfig, frozen=True, forbid_unknown_fields=True):
    """How much better a challenger must be: Sharpe `margin` (per bar) and `min_psr` in [0, 1]."""

    margin: float = 0.0
    min_psr: float = 0.95

    def __post_init__(self) -> None:
        if not math.isfinite(self.margin):
            raise ConfigError(f"`margin` must be a finite Sharpe difference, was {self.margin}")
        if not 0.0 <= self.min_psr <= 1.0:
            raise ConfigError(f"`min_psr` must be in [0, 1], was {self.min_psr}")


def evaluate_agent(path: str | os.PathLike[str], eval_env: TrainingNodeConfig) -> dict[str, Any]:
    """Backtest the agent saved at `path` over `eval_env`; metrics and per-bar returns."""
    from nautilus_rl_lab.evaluation.backtest import run_backtest

    directory = Path(path)
    env = eval_env
    training_data = None
    if (directory / BUNDLE_FILE).is_file():
        bundle = load_bundle(directory)
        env = msgspec.structs.replace(env, observation=bundle.observation, action=bundle.action)
        training_data = bundle.fields["training_data"]
    run = run_backtest(directory, env)
    returns = run.equity.pct_change().dropna().to_numpy()
    return {
        "bundle": str(directory),
        "content_hash": agent_hash(directory),
        "training_data": training_data,
        "eval_data": json.loads(eval_env.data.json()),
        "total_return": float(run.equity.iloc[-1] / run.equity.iloc[0] - 1),
        "sharpe": sharpe_ratio(returns),
        "returns": returns,
    }


def promote(
    registry: str | os.PathLike[str],
    challenger: str | os.PathLike[str],
    eval_env: TrainingNodeConfig,
    rule: PromotionRule | None = None,
) -> dict[str, Any]:
    """Evaluate champion and challenger on `eval_env`, decide, record both; return the record."""
    rule = rule or PromotionRule()
    current = champion(registry)
    if current is not None:
        resolve_bundle(registry)  # the champion's files are still the evaluated ones
    new = evaluate_agent(challenger, eval_env)
    returns = new.pop("returns")
    if current is None:
        promoted, reason = True, "no champion yet"
        champion_metrics: dict[str, Any] | None = None
    else:
        old = evaluate_agent(current["bundle"], eval_env)
        old.pop("returns")
        champion_metrics = {k: old[k] for k in ("total_return", "sharpe", "content_hash")}
        psr = probabilistic_sharpe_ratio(returns, benchmark_sharpe=old["sharpe"])
        new["psr_vs_champion"] = None if np.isnan(psr) else float(psr)
        better = new["sharpe"] - old["sharpe"] >= rule.margin
        significant = not np.isnan(psr) and psr >= rule.min_psr
        promoted = better and significant
        reason = (
            f"Sharpe {new['sharpe']:.4f} vs champion {old['sharpe']:.4f} (margin {rule.margin}), "
            f"PSR {psr:.3f} (min {rule.min_psr})"
        )
    data = read_registry(registry)
    record = {
        **new,
        "version": len(data["versions"]) + 1,
        "evaluated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "champion_before": current["version"] if current else None,
        "champion_metrics": champion_metrics,
        "rule": json.loads(rule.json()),
        "decision": "promoted" if promoted else "refused",
        "reason": reason,
    }
    data["versions"].append(record)
    if promoted:
        data["champion"] = record["version"]
    write_registry(registry, data)
    return record


def retrain_and_promote(
    registry: str | os.PathLike[str],
    train_config: Any,
    rule: PromotionRule | None = None,
) -> dict[str, Any]:
    """Train a challenger with `train_config` (its newer window), then `promote` it on its test data."""
    from nautilus_rl_lab.training import train

    eval_env = train_config.test_env
    if eval_env is None:
        raise ConfigError("`test_data` is required: champion and challenger are compared on it")
    result = train(train_config)
    challenger = result.best_agent or result.final_agent
    return promote(registry, challenger, eval_env, rule)
