"""Study configs: `TuneConfig` (agent hyperparameters) and `RuleTuneConfig` (rule-based agents).

Both are frozen, serialisable `LabConfig`s loaded from YAML/JSON (`from_file`), and share
the study settings of `StudySettings`: an Optuna study named `study_name` in an RDB
`storage` (default `sqlite:///<run_dir>/optuna.db`; a PostgreSQL URL lets workers on several
machines share one study), `n_trials` as the study's *total* (a re-run, or another worker,
only adds what is missing), an optional `timeout` per call, a seeded sampler and a pruner.

Decisions:

- Every study maximises: the objective metrics are "higher is better" (`max_drawdown_%` is a
  negative percentage).
- The objective of an agent study is measured on `train.eval_data`, the held-out range that
  the training's evaluation also uses: it is the study's validation range, so keep a later
  range untouched for the final out-of-sample test of the tuned agent.
- `eval_reward` is the best mean episode return of the training's evaluations on that range;
  the other metrics (`sharpe`, `total_return_%`, ...) come from a plain Nautilus backtest of
  the best agent over it (`evaluation.run_backtest`, daily returns, 252 days).
- With a seed, trial `k` of a study is drawn by a sampler reseeded from `(seed, k)` before the
  trial: trial numbers are unique across workers, so a resumed study never repeats a draw and
  workers sharing one config and seed on one storage draw different values.
- A study records the fingerprint of what it optimises (`StudySettings.optimises`: rule or
  training config, objective, data ranges, search space; not the budget, seed, sampler or
  storage) when it is created; a config with another fingerprint under the same name is
  refused (`tuning.study.open_study`), so two problems never merge into one study. A study
  made before fingerprints is resumed, with a warning, only if its trials tuned the same
  parameters.
- `storage` never holds a secret: write `${VAR}` for the password (filled from the environment
  when connecting; `storage_url` shows the URL as written) or rely on libpq's `PGPASSWORD`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nautilus_rl_lab.agents.base import Agent
from nautilus_rl_lab.agents.rules import BASELINES
from nautilus_rl_lab.config import FileConfig, LabConfig, resolve_class
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.data.splits import check_disjoint
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.tuning.space import ParamSpec, apply_params, check_space
from nautilus_rl_lab.validation import check_known, check_minimum

EVAL_REWARD = "eval_reward"
BACKTEST_METRICS = ("sharpe", "sortino", "total_return_%", "max_drawdown_%", "final_equity")
SAMPLERS = ("tpe", "random")
PRUNERS = ("median", "none")
STORAGE_FILE = "optuna.db"
# How a study is run, not what it optimises: they may change between calls on one study.
RUN_FIELDS = (
    "n_trials", "timeout", "study_name", "storage", "run_dir", "sampler", "seed",
    "heartbeat_interval", "pruner", "test_data", "allow_overlap",
)  # fmt: skip


_URL = re.compile(r"^(?P<scheme>[A-Za-z0-9+]+)://(?:(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@)?")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def check_storage_url(url: str) -> None:
    """Refuse a `storage` that is no database URL or that holds a password in clear text."""
    match = _URL.match(url)
    if match is None:
        raise ConfigError(
            f"`storage` {url!r} is not a database URL: use e.g. 'sqlite:///runs/tune/optuna.db' "
            f"or 'postgresql://user:${{NRL_DB_PASSWORD}}@host:5432/db'",
        )
    password = match.group("password")
    if password and not _VAR.fullmatch(password):
        raise ConfigError(
            "`storage` holds a password: secrets never go into config files; write "
            "'postgresql://user:${NRL_DB_PASSWORD}@host/db' and set that environment variable "
            "(or use PGPASSWORD / ~/.pgpass)",
        )


def expand_storage_url(url: str) -> str:
    """Fill `${VAR}`s from the environment; `postgresql://` uses psycopg (3) when psycopg2 is absent."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"`storage` needs the environment variable {name}, which is not set")
        return quote(os.environ[name], safe="")

    expanded = _VAR.sub(value, url)
    if expanded.startswith(("postgresql://", "postgres://")) and not _has_module("psycopg2"):
        expanded = "postgresql+psycopg://" + expanded.split("://", 1)[1]
    return expanded


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _numbers_as_floats(value: Any) -> Any:
    """`value` with every int as float: ``3`` and ``3.0`` (YAML vs Python) are one config."""
    if isinstance(value, dict):
        return {k: _numbers_as_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_as_floats(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


class PrunerConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """Optuna pruner: `median` (`MedianPruner`) or `none`; steps are training env steps."""

    kind: str = "median"
    n_startup_trials: int = 2
    n_warmup_steps: int = 0
    interval_steps: int = 1

    def __post_init__(self) -> None:
        check_known("pruner.kind", self.kind, PRUNERS)
        for name in ("n_startup_trials", "n_warmup_steps"):
            check_minimum(f"pruner.{name}", getattr(self, name), 0)
        check_minimum("pruner.interval_steps", self.interval_steps, 1)


class StudySettings(FileConfig, frozen=True, forbid_unknown_fields=True):
    """Settings shared by every study (see the module docstring)."""

    search_space: dict[str, ParamSpec] = {}
    objective: str = "sharpe"
    n_trials: int = 20
    timeout: float | None = None
    study_name: str = "nautilus-rl-lab"
    storage: str | None = None
    run_dir: str = "runs/tune"
    sampler: str = "tpe"
    seed: int | None = 0
    heartbeat_interval: int | None = 60

    def _check_study(self, objectives: tuple[str, ...]) -> None:
        check_space(self.search_space)
        check_known("objective", self.objective, objectives)
        check_minimum("n_trials", self.n_trials, 1)
        if self.seed is not None and not 0 <= self.seed < 2**32:
            raise ConfigError(f"`seed` must be in [0, 2**32) or None (numpy), was {self.seed}")
        if self.timeout is not None and not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ConfigError(
                f"`timeout` must be a finite number > 0 seconds or None, was {self.timeout}"
            )
        if not self.study_name:
            raise ConfigError("`study_name` must not be empty")
        if self.storage is not None:
            check_storage_url(self.storage)
        check_known("sampler", self.sampler, SAMPLERS)
        check_minimum(
            "heartbeat_interval", self.heartbeat_interval, 1, optional=True, what=" second"
        )

    def optimises(self) -> dict[str, Any]:
        """What the study optimises: every field but those of how it runs (`RUN_FIELDS`)."""
        fields = json.loads(self.json())
        for name in RUN_FIELDS:
            fields.pop(name, None)
        if isinstance(fields.get("train"), dict):
            fields["train"].pop("run_dir", None)  # replaced per trial
        return dict(_numbers_as_floats(fields))

    def fingerprint(self) -> str:
        """SHA-256 of `optimises()`: equal for every config that may share the study."""
        body = json.dumps(self.optimises(), sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()

    @property
    def storage_url(self) -> str:
        """`storage` as written (safe to show), or the default sqlite file `<run_dir>/optuna.db`."""
        if self.storage is not None:
            return self.storage
        return f"sqlite:///{(Path(self.run_dir) / STORAGE_FILE).resolve()}"

    def database_url(self) -> str:
        """The URL to connect with: `${VAR}`s filled from the environment, a driver for PostgreSQL."""
        return expand_storage_url(self.storage_url)

    def trial_dir(self, number: int) -> Path:
        """Where trial `number`'s artefacts go: `<run_dir>/<study_name>/trial_<number>`."""
        return Path(self.run_dir) / self.study_name / f"trial_{number:05d}"


class TuneConfig(StudySettings, frozen=True, forbid_unknown_fields=True):
    """An Optuna study over `TrainConfig`s: each trial trains `train` with sampled parameters.

    Parameters
    ----------
    train
        The base training run (keep its budget small); its `run_dir` is replaced per trial and
        its `eval_data` is the range the objective is measured on.
    search_space
        Parameter name -> `ParamSpec` (bare names are SB3 hyperparameters, dotted names are
        paths into `train`, e.g. `env.reward.name`, `env.observation.params.window`).
    objective
        `eval_reward`, or a backtest statistic: `sharpe`, `sortino`, `total_return_%`,
        `max_drawdown_%`, `final_equity`.
    pruner
        `MedianPruner` over the evaluations' mean episode returns, reported at each
        evaluation (`train.eval_freq`), or `none`.
    """

    train: TrainConfig = TrainConfig()
    pruner: PrunerConfig = PrunerConfig()

    def __post_init__(self) -> None:
        self._check_study((EVAL_REWARD, *BACKTEST_METRICS))
        if self.train.eval_data is None:
            raise ConfigError(
                "`train.eval_data` is required: the objective is measured on that held-out range"
            )
        needs_evaluations = self.pruner.kind != "none" or self.objective == EVAL_REWARD
        if needs_evaluations and self.train.eval_freq == 0:
            raise ConfigError(
                "`train.eval_freq` is 0, so training reports no evaluations: set it (e.g. to a "
                "quarter of `train.total_timesteps`), or use `pruner.kind: none` and a "
                "backtest `objective`",
            )
        probe = {name: spec.probe() for name, spec in self.search_space.items()}
        self.train_config(probe, self.run_dir)  # every path exists and the result is valid

    def train_config(self, params: dict[str, Any], run_dir: str | os.PathLike[str]) -> TrainConfig:
        """`train` with `params` applied and `run_dir` set; errors name the parameter."""
        data = apply_params(json.loads(self.train.json()), params)
        data["run_dir"] = str(run_dir)
        try:
            return TrainConfig.from_dict(data)
        except ConfigError as e:
            names = ", ".join(f"`search_space.{name}`" for name in params) or "`train`"
            raise ConfigError(f"{names}: the training config they give is invalid: {e}") from e


def resolve_rule(rule: str) -> Callable[..., Agent]:
    """The rule-based `Agent` class named `rule` (`ema_cross`, `bollinger`, `donchian` or `module:Class`)."""
    return resolve_class("rule", rule, BASELINES, Agent)


class RuleTuneConfig(StudySettings, frozen=True, forbid_unknown_fields=True):
    """An Optuna study over a rule-based agent's parameters; each trial is one Nautilus backtest.

    Parameters
    ----------
    rule
        `ema_cross`, `bollinger` or a `package.module:Class` path to an `Agent` whose
        constructor takes the parameters (and `action`).
    params
        Fixed constructor arguments; `search_space` names the tuned ones (e.g. `fast`, `slow`).
    env
        Venue, instrument, data range, action scheme and execution timing of the backtest:
        its data are the range the parameters are fitted (scored) on.
    test_data, allow_overlap
        The range kept for the final out-of-sample test; it must not overlap `env.data`
        (unless `allow_overlap`, logged), so no trial is ever scored on it.
    objective
        A backtest statistic: `sharpe`, `sortino`, `total_return_%`, `max_drawdown_%`,
        `final_equity`.
    heartbeat_interval
        Off by default: a trial is a sub-second backtest, and Optuna's heartbeat costs about
        a quarter of a second per trial (measured here on sqlite).
    """

    rule: str = "ema_cross"
    params: dict[str, Any] = {}
    env: TrainingNodeConfig = TrainingNodeConfig()
    test_data: DataSourceConfig | None = None
    allow_overlap: bool = False
    heartbeat_interval: int | None = None

    def __post_init__(self) -> None:
        self._check_study(BACKTEST_METRICS)
        check_disjoint(
            {"env.data": self.env.data, "test_data": self.test_data},
            allow_overlap=self.allow_overlap,
        )
        accepted = set(inspect.signature(resolve_rule(self.rule)).parameters)
        if "action" not in accepted:
            raise ConfigError(
                f"`rule` {self.rule!r} does not take an `action` scheme argument: rule agents "
                f"turn signals into actions of `env.action` (see `agents.rules`)",
            )
        accepted.discard("action")
        for field, names in (("params", self.params), ("search_space", self.search_space)):
            for name in names:
                if name not in accepted:
                    raise ConfigError(
                        f"`{field}.{name}` is not a parameter of rule {self.rule!r}: "
                        f"use one of {sorted(accepted)}",
                    )

    def agent(self, params: dict[str, Any]) -> Agent:
        """The rule's agent with `params` (over the fixed `params`) on `env.action`."""
        return resolve_rule(self.rule)(**{**self.params, **params}, action=self.env.action)


__all__ = [
    "BACKTEST_METRICS",
    "EVAL_REWARD",
    "PrunerConfig",
    "RuleTuneConfig",
    "StudySettings",
    "TuneConfig",
    "resolve_rule",
]
