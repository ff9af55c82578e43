"""`train(config) -> TrainResult`: stable-baselines3 on `TrainingNode`s, resumable after a kill.

What a run does (no training loop of our own: SB3's `learn` with callbacks):

- envs: `n_envs` `TrainingNode`s (seeds `seed + i`) in a `DummyVecEnv`, a `SubprocVecEnv`
  (one engine per process) or a `SharedMemoryVecEnv` (groups of engines per worker process),
  each wrapped in `Monitor`, under `VecNormalize`;
- evaluation: SB3's `EvalCallback` plays the held-out range (`TrainConfig.eval_env`)
  deterministically with the training statistics; every new best is saved as a complete
  agent directory (`run_dir/best/`: model + normalisation statistics) that `PolicyAgent.load`
  and `RLAgentConfig(agent_path=...)` read; its `bundle.json` records the step and the mean
  validation reward that chose it (`selection`; `final/` records its step);
- checkpoints: `run_dir/checkpoints/` (see `checkpoints.py`), atomic; `train(config,
  resume=True)` continues from the latest one: the timestep counter, optimiser, VecNormalize
  statistics, replay buffer (off-policy), best eval score and evaluation history carry on and
  `learn` runs only the remaining steps (the RNG streams restart from the seed, so a resumed
  run is not bit-identical to an uninterrupted one); a `best/` saved after the resumed
  checkpoint (by a policy the kill lost) is moved to `best.lost-step_<N>/` with a warning, as
  the evaluations after the checkpoint are dropped. A resume never restarts from step 0
  silently: a damaged latest checkpoint falls back to the newest complete one (warning), none
  complete is a `CheckpointError` unless `allow_fresh_start=True`, an empty `run_dir` just
  starts at step 0 (a first run), one with a final agent but no checkpoint warns; a resume
  with another algorithm, policy, observation/action space or scheme is refused (each
  checkpoint records them);
- logs: TensorBoard in `run_dir/tensorboard/`, a plain-text tqdm progress bar with
  `progress_bar=True` (`progress.py`); the final agent goes to `run_dir/final/`;
- bundles: `final/` and `best/` are agent bundles (`training.bundle`), each `bundle.json`
  written once, complete: with the figures of one backtest of that agent on `test_data` (else
  `eval_data`), which the live monitor's slippage and performance rules compare the session
  with (so every new best costs one backtest of that range);
- configs travel typed: the envs get the frozen `TrainingNodeConfig` itself (a worker process
  unpickles it once); the run's config is serialised only into files (`train_config.json`,
  checkpoints, bundles).

Speed: the garbage collector's generation-0 threshold is raised while training (and in each
env process): the engine keeps many long-lived objects, and collections triggered by torch's
allocations otherwise cost 15-35 % of the wall time (measured here, PPO on one env).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import msgspec
import numpy as np
import pandas as pd
import torch
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, EvalCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecNormalize

from nautilus_rl_lab.agents.policy import PolicyAgent, algorithm_class
from nautilus_rl_lab.errors import CheckpointError, ConfigError
from nautilus_rl_lab.files import atomic_directory
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.training.bundle import BUNDLE_FILE, selection, write_bundle
from nautilus_rl_lab.training.checkpoints import (
    MODEL_FILE,
    REPLAY_BUFFER_FILE,
    VECNORMALIZE_FILE,
    CheckpointCallback,
    check_settings,
    has_checkpoints,
    latest_checkpoint,
    read_state,
)
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.evaluations import (
    evaluation_history,
    read_evaluations,
    restore_evaluation_history,
)
from nautilus_rl_lab.training.main_guard import check_main_guard
from nautilus_rl_lab.training.progress import ProgressBar
from nautilus_rl_lab.training.vec_env import SharedMemoryVecEnv
from nautilus_rl_lab.validation import check_folder

log = logging.getLogger(__name__)

GC_THRESHOLD0 = 50_000


@contextlib.contextmanager
def _relaxed_gc() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD0, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _build_env(config: TrainingNodeConfig) -> gym.Env:
    gc.set_threshold(GC_THRESHOLD0, *gc.get_threshold()[1:])  # own process (subproc) or no-op
    return Monitor(TrainingNode(config))


def env_factory(config: TrainingNodeConfig, seed: int) -> Callable[[], gym.Env]:
    """A picklable function that builds a `Monitor`-wrapped `TrainingNode` seeded with `seed`.

    It holds the typed config: an in-process env gets it as it is, a worker process unpickles
    it once (no JSON round trip).
    """
    return functools.partial(_build_env, msgspec.structs.replace(config, seed=seed))


def make_vec_env(config: TrainConfig) -> VecEnv:
    """The training envs (`dummy`, `subproc` or `shared`), seeds `seed + i`, not normalised."""
    factories = [env_factory(config.env, config.seed + i) for i in range(config.n_envs)]
    if config.n_envs == 1 or config.vec_env == "dummy":
        return DummyVecEnv(factories)
    if config.vec_env == "shared":
        return SharedMemoryVecEnv(factories)
    check_main_guard("SubprocVecEnv", "forkserver")  # SB3's default start method
    return SubprocVecEnv(factories)


@dataclass
class TrainResult:
    """Where a run's artefacts are and how it went."""

    run_dir: Path
    final_agent: Path
    best_agent: Path | None
    num_timesteps: int
    resumed_from: int | None
    wall_time: float
    evaluations: pd.DataFrame

    def load_agent(self, best: bool = True) -> PolicyAgent:
        """The best agent (if evaluation ran) or the final one."""
        path = self.best_agent if best and self.best_agent is not None else self.final_agent
        return PolicyAgent.load(path)


class _SaveBestAgent(BaseCallback):
    """Called by `EvalCallback` on a new best mean reward: save a complete agent directory."""

    def __init__(self, directory: Path, config: TrainConfig) -> None:
        super().__init__()
        self.directory = directory
        self.config = config

    def _on_step(self) -> bool:
        best = (
            self.parent.best_mean_reward if isinstance(self.parent, EvalCallback) else float("nan")
        )
        chosen = selection("best", self.num_timesteps, best)
        _save_agent(self.model, self.directory, self.config, chosen)
        log.info(
            "new best eval reward %.4f at %d steps",
            best,
            self.num_timesteps,
        )
        return True


def _save_agent(model: Any, directory: Path, config: TrainConfig, selected: dict[str, Any]) -> Path:
    """Save a complete agent bundle (policy, statistics, `bundle.json`) to `directory`."""
    with atomic_directory(directory) as tmp:
        PolicyAgent(model, model.get_vec_normalize_env()).save(tmp)
        write_bundle(tmp, config, model, selected, backtest=True)
    return directory


def _run_settings(config: TrainConfig, venv: VecEnv) -> dict[str, Any]:
    """What a checkpoint records and a resume must match: algorithm, policy, spaces, schemes.

    Also the normalisation (the saved `VecNormalize` statistics mean what they were trained
    with) and `n_envs` (it sizes the rollout: another count is another run's hyperparameters).
    """
    env = config.env
    observation, action = env.schemes  # what the env builds (a portfolio's defaults included)
    return {
        "algorithm": algorithm_class(config.algorithm).__name__,
        "policy": config.policy,
        "n_envs": config.n_envs,
        "normalize_observations": config.normalize_observations,
        "normalize_rewards": config.normalize_rewards,
        "clip_observations": config.clip_observations,
        "observation_space": repr(venv.observation_space),
        "action_space": repr(venv.action_space),
        "env.observation": json.loads(observation.json()),
        "env.action": json.loads(action.json()),
        "env.reward": json.loads(env.reward.json()),
    }


def _set_aside_lost_best(best_dir: Path, step: int) -> None:
    """Move a `best/` saved after step `step` (by a policy a kill lost: the resumed run's history
    ends at `step`) to `best.lost-step_<N>/`, so `best/` is always one of the run's own
    recorded evaluations; a `best/` without a recorded step is left in place."""
    try:
        fields = json.loads((best_dir / BUNDLE_FILE).read_text(encoding="utf-8"))
        saved_at = int(fields["selection"]["step"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    if saved_at <= step:
        return
    name = f"best.lost-step_{saved_at:012d}"
    aside, copies = best_dir.with_name(name), 1
    while aside.exists():  # the same step set aside by an earlier resume: keep both
        copies += 1
        aside = best_dir.with_name(f"{name}-{copies}")
    best_dir.rename(aside)
    log.warning(
        "%s was saved at step %d, after the checkpoint resumed from (step %d): moved to %s",
        best_dir,
        saved_at,
        step,
        aside,
    )


def _resume_point(run_dir: Path, checkpoint_dir: Path, allow_fresh_start: bool) -> Path | None:
    """The checkpoint `resume=True` continues from, or `None` to start at step 0.

    A first run (no checkpoint, no final agent) just starts: `resume=True` is how a notebook
    cell is made re-runnable. A run that left a final agent but no checkpoint is said loudly:
    its agent is about to be replaced by a new run's.
    """
    try:
        checkpoint = latest_checkpoint(checkpoint_dir)
    except CheckpointError as e:
        if not allow_fresh_start:
            raise
        log.warning("%s; starting again from step 0 as `allow_fresh_start` asks", e)
        return None
    if checkpoint is None and (run_dir / "final").is_dir():
        log.warning(
            "`resume` was asked but %s holds no checkpoint, while %s holds a final agent: "
            "starting a new run from step 0, which replaces it",
            checkpoint_dir,
            run_dir / "final",
        )
    elif checkpoint is None:
        log.info("no checkpoint yet in %s: starting the run from step 0", checkpoint_dir)
    return checkpoint


def train(
    config: TrainConfig,
    *,
    resume: bool = False,
    allow_fresh_start: bool = False,
    callbacks: list[BaseCallback] | None = None,
) -> TrainResult:
    """Train `config.algorithm` on `TrainingNode`s; with `resume=True` continue the latest checkpoint.

    Without `resume`, a `run_dir` that already holds checkpoints is refused (choose another
    `run_dir` or resume), so a run is never silently overwritten. With `resume`, a damaged
    latest checkpoint falls back to the newest complete one (warning); none complete raises
    `CheckpointError` unless `allow_fresh_start`; an empty `run_dir` starts at step 0 (a first
    run; one holding a final agent but no checkpoint warns); a config whose algorithm,
    policy, spaces or schemes differ from the checkpoint's is refused with a `ConfigError`
    naming them.
    """
    started = time.perf_counter()
    if allow_fresh_start and not resume:
        raise ConfigError(
            "`allow_fresh_start` (CLI: --allow-fresh-start) applies only with resume=True "
            "(CLI: --resume)",
        )
    run_dir = check_folder("run_dir", config.run_dir)
    checkpoint_dir = run_dir / "checkpoints"
    if not resume and has_checkpoints(checkpoint_dir):
        raise ConfigError(
            f"`run_dir` {str(run_dir)!r} already holds checkpoints: pass resume=True "
            f"(CLI: --resume) to continue, or choose another `run_dir`",
        )
    checkpoint = _resume_point(run_dir, checkpoint_dir, allow_fresh_start) if resume else None
    if config.torch_threads is not None:
        torch.set_num_threads(config.torch_threads)
    algorithm = algorithm_class(config.algorithm)
    tensorboard = str(run_dir / "tensorboard") if config.tensorboard else None

    venv = make_vec_env(config)
    eval_venv: VecEnv | None = None
    try:
        settings = _run_settings(config, venv)
        state: dict[str, Any] = {}
        if checkpoint is not None:
            check_settings(checkpoint, settings)
            state = read_state(checkpoint)
            _set_aside_lost_best(run_dir / "best", int(state["num_timesteps"]))
        run_dir.mkdir(parents=True, exist_ok=True)
        config.to_file(run_dir / "train_config.json")
        if checkpoint is not None:
            venv = VecNormalize.load(str(checkpoint / VECNORMALIZE_FILE), venv)
            venv.training = True
            model = algorithm.load(
                checkpoint / MODEL_FILE, env=venv, device=config.device, tensorboard_log=tensorboard
            )
            if (
                isinstance(model, OffPolicyAlgorithm)
                and (checkpoint / REPLAY_BUFFER_FILE).is_file()
            ):
                model.load_replay_buffer(checkpoint / REPLAY_BUFFER_FILE)
            log.info(
                "resuming %s from %s at %d timesteps",
                config.algorithm,
                checkpoint,
                model.num_timesteps,
            )
        else:
            venv = VecNormalize(
                venv,
                norm_obs=config.normalize_observations,
                norm_reward=config.normalize_rewards,
                clip_obs=config.clip_observations,
                gamma=float(config.hyperparameters.get("gamma", 0.99)),
            )
            try:
                model = algorithm(
                    config.policy,
                    venv,
                    seed=config.seed,
                    device=config.device,
                    tensorboard_log=tensorboard,
                    verbose=0,
                    **config.hyperparameters,
                )
            except (TypeError, ValueError, AssertionError) as e:  # SB3 checks by assert
                raise ConfigError(f"`hyperparameters` do not fit {config.algorithm}: {e}") from e
        resumed_from = int(model.num_timesteps) if checkpoint is not None else None

        callback_list: list[BaseCallback] = []
        eval_callback: EvalCallback | None = None
        eval_env_config = config.eval_env
        if eval_env_config is not None and config.eval_freq > 0:
            eval_venv = VecNormalize(
                DummyVecEnv([env_factory(eval_env_config, config.seed + 10_000)]),
                norm_obs=config.normalize_observations,
                norm_reward=False,
                clip_obs=config.clip_observations,
                training=False,
            )
            eval_callback = EvalCallback(
                eval_venv,
                callback_on_new_best=_SaveBestAgent(run_dir / "best", config),
                n_eval_episodes=config.n_eval_episodes,
                eval_freq=max(config.eval_freq // config.n_envs, 1),
                log_path=str(run_dir / "eval"),
                deterministic=True,
                verbose=0,
            )
            eval_callback.best_mean_reward = float(state.get("best_mean_reward", -np.inf))
            if state.get("evaluations"):
                restore_evaluation_history(eval_callback, state["evaluations"])
            callback_list.append(eval_callback)

        def best() -> float:
            return (
                float(eval_callback.best_mean_reward)
                if eval_callback is not None
                else float("-inf")
            )

        def evaluations() -> dict[str, list[Any]] | None:
            if eval_callback is None:  # keep what an earlier evaluating run recorded
                return state.get("evaluations")
            return evaluation_history(eval_callback)

        # after the evaluation: a checkpoint at step N holds the evaluation made at step N
        checkpointer = CheckpointCallback(
            checkpoint_dir,
            config.checkpoint_freq,
            config.keep_checkpoints,
            extra={**settings, "best_mean_reward": best, "evaluations": evaluations},
        )
        callback_list.append(checkpointer)
        if config.progress_bar:
            callback_list.append(ProgressBar(config))
        callback_list.extend(callbacks or [])

        remaining = config.total_timesteps - int(model.num_timesteps)
        with _relaxed_gc():
            if remaining > 0:
                model.learn(
                    remaining,
                    callback=CallbackList(callback_list),
                    progress_bar=False,  # ProgressBar above: plain text that ends at 100 %
                    tb_log_name=config.algorithm.upper(),
                    reset_num_timesteps=checkpoint is None,
                )
        if checkpointer.last_saved != model.num_timesteps:
            checkpointer.init_callback(model)
            checkpointer.save()
        final = _save_agent(
            model, run_dir / "final", config, selection("final", model.num_timesteps)
        )
        best_dir = run_dir / "best"
        return TrainResult(
            run_dir=run_dir,
            final_agent=final,
            best_agent=best_dir if best_dir.is_dir() else None,
            num_timesteps=int(model.num_timesteps),
            resumed_from=resumed_from,
            wall_time=time.perf_counter() - started,
            evaluations=read_evaluations(run_dir / "eval" / "evaluations.npz"),
        )
    finally:
        venv.close()
        if eval_venv is not None:
            eval_venv.close()
