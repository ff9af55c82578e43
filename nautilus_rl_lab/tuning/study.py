"""Open and run Optuna studies on an RDB storage; record each trial's artefacts atomically.

Decisions:

- Storage is Optuna's `RDBStorage` (sqlite by default, any SQLAlchemy URL such as PostgreSQL
  for a cluster) with a heartbeat: a trial whose worker died (killed, machine lost) is marked
  FAIL once its heartbeat is older than two intervals, and retried once with the same
  parameters under a new number (`RetryHeartbeatStaleTrialCallback`). No scheduler of our
  own: start `tune` on as many processes/machines as you like against one storage.
- `n_trials` is the study's total of finished (COMPLETE or PRUNED) trials: a call runs
  trials until the study has them (Optuna's `MaxTrialsCallback` stops every worker at the
  total; in-flight trials of other workers may overshoot it by a few), so a re-run adds only
  what is missing. Failed trials do not count; a call gives up after `max(10, n_trials)`
  of them.
- Trials that raise a library error (`NautilusRLLabError`, e.g. an invalid combination of
  sampled values) or a `ValueError` are recorded as FAIL with the message in the `error` user
  attribute, and the study goes on; any other exception stops it.
- Each trial writes `trial.json` (study, number, state, params, metrics, run dir) into its
  own directory with an atomic replace, and the same params/metrics/run dir go into the
  trial's user attributes in the storage.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import sqlalchemy.exc
from optuna.samplers._lazy_random_state import LazyRandomState
from optuna.storages import RDBStorage
from optuna.study import MaxTrialsCallback
from optuna.trial import FrozenTrial, TrialState

from nautilus_rl_lab.errors import ConfigError, NautilusRLLabError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.tuning.config import PrunerConfig, StudySettings

log = logging.getLogger(__name__)

TRIAL_FILE = "trial.json"
FINGERPRINT = "fingerprint"
OPTIMISES = "optimises"
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
CAUGHT = (NautilusRLLabError, ValueError)
MIN_FAILURES = 10
SCHEMA_ATTEMPTS = 10

TrialCallback = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]


class _TrialSeeded:
    """Sampler mixin: reseed before every trial from `(seed, trial number)`.

    Trial numbers are unique across all workers of a study (the storage allocates them), so
    workers sharing one seed still draw different values, and a study's draws depend only on
    its seed and history, not on which worker ran which trial or on how often it was resumed.
    """

    _rng: LazyRandomState
    _base_seed: int

    def _reseed(self, number: int) -> None:
        entropy = np.random.SeedSequence([self._base_seed, number]).generate_state(1)[0]
        self._rng.rng.seed(int(entropy))


class TrialSeededRandomSampler(_TrialSeeded, optuna.samplers.RandomSampler):
    """`RandomSampler` seeded per trial (see `_TrialSeeded`)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed)
        self._base_seed = seed

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._reseed(trial.number)
        super().before_trial(study, trial)


class TrialSeededTPESampler(_TrialSeeded, optuna.samplers.TPESampler):
    """`TPESampler` seeded per trial, start-up random draws included (see `_TrialSeeded`)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed)
        self._base_seed = seed
        self._startup = TrialSeededRandomSampler(seed)
        self._random_sampler = self._startup

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._reseed(trial.number)
        self._startup.before_trial(study, trial)
        super().before_trial(study, trial)


def make_sampler(config: StudySettings) -> optuna.samplers.BaseSampler:
    """The configured sampler: seeded per trial from `seed` (unseeded when `seed` is None)."""
    if config.seed is None:
        if config.sampler == "random":
            return optuna.samplers.RandomSampler()
        return optuna.samplers.TPESampler()
    if config.sampler == "random":
        return TrialSeededRandomSampler(config.seed)
    return TrialSeededTPESampler(config.seed)


def make_pruner(config: PrunerConfig | None) -> optuna.pruners.BasePruner:
    """`MedianPruner` with the configured warm-up, or `NopPruner`."""
    if config is None or config.kind == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=config.n_startup_trials,
        n_warmup_steps=config.n_warmup_steps,
        interval_steps=config.interval_steps,
    )


def make_storage(config: StudySettings) -> RDBStorage:
    """`RDBStorage` at `config.database_url()` (creating the sqlite file's folder).

    Workers that start together race to create the schema in a new database (one of them gets
    an `IntegrityError` on Optuna's version table): the loser waits and connects again.
    """
    url = config.database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if config.heartbeat_interval is not None:
        with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna, and what we want
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            # Optuna >= 4.9 renamed the stale-trial hook; older releases only have the first one.
            if "heartbeat_stale_trial_callback" in inspect.signature(RDBStorage).parameters:
                callback = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)
                kwargs["heartbeat_stale_trial_callback"] = callback
            else:  # pragma: no cover - Optuna < 4.9
                retry = optuna.storages.RetryFailedTrialCallback(max_retry=1)
                kwargs["failed_trial_callback"] = retry
        kwargs["heartbeat_interval"] = config.heartbeat_interval
        kwargs["grace_period"] = 2 * config.heartbeat_interval

    def connect() -> RDBStorage:
        with warnings.catch_warnings():  # heartbeats are "experimental", and what we want
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return RDBStorage(url, **kwargs)

    for attempt in range(SCHEMA_ATTEMPTS - 1):
        try:
            return connect()
        # PostgreSQL reports a table another worker created meanwhile as DuplicateTable
        # (a ProgrammingError); a real error raises again from the last attempt.
        except (
            sqlalchemy.exc.IntegrityError,
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.ProgrammingError,
        ) as e:
            log.info(
                "storage %s is being created by another worker (%s); retrying",
                config.storage_url,
                type(e).__name__,
            )
            time.sleep(0.2 * (attempt + 1))
    return connect()


def open_study(config: StudySettings, pruner: PrunerConfig | None = None) -> optuna.Study:
    """Create the study, or load it when it exists in the storage (`load_if_exists=True`).

    The sampler is seeded per trial number, so resuming a seeded study, or running several
    workers with the same seed, never repeats a draw (`TrialSeededTPESampler`).
    """
    study = optuna.create_study(
        storage=make_storage(config),
        study_name=config.study_name,
        sampler=make_sampler(config),
        pruner=make_pruner(pruner),
        direction="maximize",
        load_if_exists=True,
    )
    check_fingerprint(study, config)
    return study


def check_fingerprint(study: optuna.Study, config: StudySettings) -> None:
    """Record what a new study optimises; refuse a config that optimises something else.

    A study with trials but no fingerprint (made before fingerprints) is adopted, with a
    warning, only when its trials tuned exactly the config's parameters; else it is refused.
    """
    fingerprint = config.fingerprint()
    recorded = study.user_attrs.get(FINGERPRINT)
    if recorded == fingerprint:
        return
    tuned = {name for trial in study.trials for name in trial.params}
    if recorded is None and (not study.trials or tuned == set(config.search_space)):
        if study.trials:
            log.warning(
                "study %r has no fingerprint (made by an older version); its trials tuned the "
                "same parameters, so it is resumed: its objective and data ranges are unchecked",
                config.study_name,
            )
        study.set_user_attr(FINGERPRINT, fingerprint)
        study.set_user_attr(OPTIMISES, config.optimises())
        return
    before = study.user_attrs.get(OPTIMISES, {})
    now = config.optimises()
    differs = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    what = (
        f"differs in {', '.join(f'`{k}`' for k in differs)}"
        if recorded
        else f"no recorded fingerprint and its trials tuned {sorted(tuned)}"
    )
    raise ConfigError(
        f"study {config.study_name!r} in {config.storage_url} optimises another problem "
        f"(fingerprint {recorded} vs this config's {fingerprint}; {what}): resuming would "
        "merge unrelated trials; choose another `study_name`",
    )


def finished_trials(study: optuna.Study) -> int:
    """COMPLETE plus PRUNED trials (what counts towards `n_trials`)."""
    return len(study.get_trials(deepcopy=False, states=FINISHED))


def plain(value: Any) -> Any:
    """`value` as JSON-safe data (numpy scalars to Python, non-finite floats to None)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def objective_value(metrics: dict[str, Any], objective: str) -> float:
    """`metrics[objective]` as a float; a missing or non-finite value fails the trial."""
    value = float(metrics.get(objective, float("nan")))
    if not math.isfinite(value):
        raise ValueError(
            f"`objective` {objective!r} is {value} for this trial (metrics: {metrics})"
        )
    return value


def record_trial(
    trial: optuna.Trial,
    directory: Path,
    *,
    state: str,
    params: dict[str, Any],
    metrics: dict[str, Any],
    error: str | None = None,
) -> Path:
    """Store params/metrics/run dir as user attributes and write `trial.json` atomically."""
    record = {
        "study": trial.study.study_name,
        "number": trial.number,
        "state": state,
        "params": plain(params),
        "metrics": plain(metrics),
        "run_dir": str(directory),
    }
    if error is not None:
        record["error"] = error
    for key in ("params", "metrics", "run_dir", "error"):
        if key in record:
            trial.set_user_attr(key, record[key])
    return atomic_write_text(directory / TRIAL_FILE, json.dumps(record, indent=2))


def guarded(
    objective: Callable[[optuna.Trial], float],
    directory: Callable[[int], Path],
) -> Callable[[optuna.Trial], float]:
    """Wrap `objective` so a caught error is recorded (user attribute and `trial.json`)."""

    def run(trial: optuna.Trial) -> float:
        try:
            return objective(trial)
        except CAUGHT as e:
            error = f"{type(e).__name__}: {e}"
            log.warning("trial %d failed: %s", trial.number, error)
            record_trial(
                trial,
                directory(trial.number),
                state="FAIL",
                params=dict(trial.params),
                metrics={},
                error=error,
            )
            raise

    return run


def run_study(
    study: optuna.Study,
    objective: Callable[[optuna.Trial], float],
    config: StudySettings,
    *,
    gc_after_trial: bool = False,
    callbacks: Sequence[TrialCallback] = (),
) -> optuna.Study:
    """Run trials until the study has `config.n_trials` finished ones (or `config.timeout`).

    `gc_after_trial` runs a full garbage collection after each trial (~0.3 s here): worth it
    after a training run, not after a sub-second backtest. `callbacks` are Optuna trial
    callbacks (`f(study, frozen_trial)`, e.g. a live dashboard), called after each trial.
    """
    leftovers = config.trial_dir(0).parent
    if not study.trials and leftovers.is_dir() and any(leftovers.glob("trial_*")):
        raise ConfigError(
            f"`run_dir`/`study_name`: {str(leftovers)!r} holds trials of an earlier study that "
            f"is not in `storage` {config.storage_url!r}: choose another `study_name` or "
            f"`run_dir`, point `storage` at that study's database, or delete the folder",
        )
    remaining = config.n_trials - finished_trials(study)
    if remaining <= 0:
        log.info("study %r already has %d finished trials", config.study_name, config.n_trials)
        return study
    log.info(
        "study %r: running %d trial(s) into %s (storage %s)",
        config.study_name,
        remaining,
        config.run_dir,
        config.storage_url,
    )
    study.optimize(
        guarded(objective, config.trial_dir),
        n_trials=None,  # the callbacks stop it
        timeout=config.timeout,
        catch=CAUGHT,
        callbacks=[
            MaxTrialsCallback(config.n_trials, states=FINISHED),
            StopAfterFailures(max(MIN_FAILURES, config.n_trials)),
            *callbacks,
        ],
        gc_after_trial=gc_after_trial,
    )
    return study


class StopAfterFailures:
    """Optuna callback: stop the study after `limit` failed trials of this call."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures = 0

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.state == TrialState.FAIL:
            self.failures += 1
            if self.failures >= self.limit:
                log.warning("study %r: %d trials failed, stopping", study.study_name, self.failures)
                study.stop()


def trial_sharpes(study: optuna.Study, periods_per_year: float = 252) -> tuple[int, float]:
    """`(n_trials, variance of their per-period Sharpe ratios)` of a study, for the DSR.

    Every trial counts that was tried (complete, pruned or failed: each was a look at the
    data); the variance is taken over the completed trials' recorded annualised `sharpe`
    metric, de-annualised with the `periods_per_year` the trial recorded with it (its
    backtest's return frequency), else the given one; a NaN Sharpe (window too short) is
    left out.
    """
    tried = study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.FAIL))
    recorded = [
        t.user_attrs["metrics"]
        for t in tried
        if t.state == TrialState.COMPLETE and "sharpe" in t.user_attrs.get("metrics", {})
    ]
    sharpes = [
        float(m["sharpe"]) / math.sqrt(float(m.get("periods_per_year", periods_per_year)))
        for m in recorded
        if math.isfinite(float(m["sharpe"]))
    ]
    variance = float(np.var(sharpes, ddof=1)) if len(sharpes) > 1 else 0.0
    return max(len(tried), 1), variance
