"""The `tune` command: `add_tune_arguments(parser)` and `run_tune(args)` for `nautilus_rl_lab.cli`.

One config file drives either study: a mapping with a `rule` field is a `RuleTuneConfig`
(rule-based agent on backtests), anything else a `TuneConfig` (agent hyperparameters). Flags
override the study settings, so several workers can share one file and one storage
(`--storage postgresql://...`; one seed serves them all: draws are seeded per trial). Like the rest of the CLI, it
prints where the results are; the library only logs.
"""

from __future__ import annotations

import argparse

import sqlalchemy.exc

from nautilus_rl_lab.config import read_mapping
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.tuning.config import RuleTuneConfig, TuneConfig
from nautilus_rl_lab.tuning.rules import tune_rule
from nautilus_rl_lab.tuning.tune import tune

OVERRIDES = ("n_trials", "timeout", "storage", "study_name", "seed")


def add_tune_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `tune` command's arguments to `parser`."""
    parser.add_argument("--config", required=True, help="TuneConfig or RuleTuneConfig file")
    parser.add_argument("--n-trials", type=int, help="total finished trials the study should have")
    parser.add_argument(
        "--timeout", type=float, help="stop starting trials after this many seconds"
    )
    parser.add_argument("--storage", help="database URL (default: sqlite:///<run_dir>/optuna.db)")
    parser.add_argument("--study-name", help="study name in the storage")
    parser.add_argument("--seed", type=int, help="sampler seed (workers may share it)")


def load_tune_config(
    path: str, args: argparse.Namespace | None = None
) -> TuneConfig | RuleTuneConfig:
    """The study config in `path` (a `rule` field selects `RuleTuneConfig`), with CLI overrides."""
    overrides = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k, None) is not None}
    cls = RuleTuneConfig if "rule" in read_mapping(path) else TuneConfig
    return cls.from_file(path, overrides)


def run_tune(args: argparse.Namespace) -> int:
    """Run the study and print its best trial and where the results are."""
    config = load_tune_config(args.config, args)
    try:
        study = tune_rule(config) if isinstance(config, RuleTuneConfig) else tune(config)
    except sqlalchemy.exc.SQLAlchemyError as e:  # no server there, an unknown dialect, ...
        # the message may quote the URL with the password filled in: show it as written
        first_line = str(e).split("\n")[0].replace(config.database_url(), config.storage_url)
        reason = " ".join(first_line.split())
        raise ConfigError(f"`storage` {config.storage_url!r} cannot be used: {reason}") from e
    finished = [t for t in study.trials if t.state.is_finished()]
    print(f"study {study.study_name!r}: {len(finished)} finished trial(s) in {config.storage_url}")
    try:
        best = study.best_trial
    except ValueError:
        print("no completed trial yet")
        return 1
    print(f"best trial #{best.number}: {config.objective} = {best.value:.6g}")
    print(f"params: {best.params}")
    if "run_dir" in best.user_attrs:
        print(f"run dir: {best.user_attrs['run_dir']}")
    return 0
