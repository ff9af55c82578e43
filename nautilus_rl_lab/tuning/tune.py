"""`tune(config) -> optuna.Study`: agent hyperparameter search with the training API as objective.

Each trial draws its parameters from `TuneConfig.search_space`, builds a `TrainConfig` with
them (`TuneConfig.train_config`) and runs `training.train` into its own directory
(`<run_dir>/<study_name>/trial_<n>`), so every trial leaves the usual atomic artefacts
(checkpoints, `best/` and `final/` agents, TensorBoard logs, `eval/evaluations.npz`).

Pruning: the training's own held-out evaluation (`EvalCallback`, every `train.eval_freq`
steps) writes `eval/evaluations.npz`; a small callback reports each new mean episode return
to Optuna at its timestep (`trial.report`) and, when the pruner says so, stops `learn`; the
trial is then recorded as PRUNED with the value it was pruned on. A completed trial is scored
by `TuneConfig.objective` (see `tuning.config`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from stable_baselines3.common.callbacks import BaseCallback

from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.files import FileChanges
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.train import TrainResult, train
from nautilus_rl_lab.tuning.config import EVAL_REWARD, TuneConfig
from nautilus_rl_lab.tuning.study import (
    TrialCallback,
    objective_value,
    open_study,
    record_trial,
    run_study,
)

log = logging.getLogger(__name__)

EVALUATIONS_FILE = Path("eval") / "evaluations.npz"


class ReportEvaluations(BaseCallback):
    """Reports each new evaluation in `evaluations.npz` to `trial`; stops training when pruned.

    It runs after SB3's `EvalCallback` in the same callback list, so an evaluation made at a
    step is reported at that step; between evaluations it costs one `stat` call.
    """

    def __init__(self, trial: optuna.Trial, path: Path) -> None:
        super().__init__()
        self.trial = trial
        self.path = path
        self.reported: list[tuple[int, float]] = []
        self.pruned_at: int | None = None
        self._changes = FileChanges(path)

    def _on_step(self) -> bool:
        if not self._changes.changed():
            return True
        with np.load(self.path) as data:
            timesteps, results = data["timesteps"], data["results"]
        for step, episode_returns in zip(
            timesteps[len(self.reported) :], results[len(self.reported) :], strict=True
        ):
            value = float(np.mean(episode_returns))
            self.reported.append((int(step), value))
            self.trial.report(value, int(step))
            if self.trial.should_prune():
                self.pruned_at = int(step)
                log.info("trial %d pruned at step %d (%.4f)", self.trial.number, step, value)
                return False
        return True


def trial_metrics(config: TrainConfig, result: TrainResult) -> dict[str, Any]:
    """Objective candidates of the finished training run of `config` (see `tuning.config`)."""
    evaluations = result.evaluations["mean_reward"]
    metrics: dict[str, Any] = {
        EVAL_REWARD: float(evaluations.max()) if len(evaluations) else float("nan"),
        "last_eval_reward": float(evaluations.iloc[-1]) if len(evaluations) else float("nan"),
        "num_timesteps": result.num_timesteps,
        "train_seconds": result.wall_time,
    }
    eval_env = config.eval_env
    if eval_env is not None:
        agent = result.best_agent or result.final_agent
        run = run_backtest(agent, eval_env, name=f"trial:{agent}")
        metrics.update(run.stats)
        metrics["agent"] = str(agent)
    return metrics


def tune(config: TuneConfig, callbacks: Sequence[TrialCallback] = ()) -> optuna.Study:
    """Run (or resume) the study `config` describes until it has `n_trials` finished trials.

    Returns the `optuna.Study` (in `config.storage_url`); `study.best_trial.user_attrs` holds
    the best trial's metrics and run directory, and each trial's `trial.json` the same.
    `callbacks` are Optuna trial callbacks run after each trial (e.g. a live dashboard).
    """
    study = open_study(config, config.pruner)

    def objective(trial: optuna.Trial) -> float:
        params = {name: spec.suggest(trial, name) for name, spec in config.search_space.items()}
        directory = config.trial_dir(trial.number)
        train_config = config.train_config(params, directory)
        trial.set_user_attr("run_dir", str(directory))
        reporter = ReportEvaluations(trial, directory / EVALUATIONS_FILE)
        result = train(train_config, callbacks=[reporter])
        intermediate = dict(reporter.reported)
        if reporter.pruned_at is not None:
            metrics = {
                "pruned_at": reporter.pruned_at,
                "pruned_value": intermediate[reporter.pruned_at],
                "num_timesteps": result.num_timesteps,
                "train_seconds": result.wall_time,
            }
            record_trial(trial, directory, state="PRUNED", params=params, metrics=metrics)
            raise optuna.TrialPruned(f"pruned at step {reporter.pruned_at}")
        metrics = trial_metrics(train_config, result)
        value = objective_value(metrics, config.objective)
        record_trial(trial, directory, state="COMPLETE", params=params, metrics=metrics)
        return value

    return run_study(study, objective, config, gc_after_trial=True, callbacks=callbacks)
