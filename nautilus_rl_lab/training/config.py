"""`TrainConfig`: one frozen, serialisable description of a training run (YAML or JSON file).

Decisions:

- The training env is a full `TrainingNodeConfig`; evaluation reuses it with another data
  range (`eval_data`) and plays that whole range as one deterministic episode from its first
  bar (`random_start=False`, `episode_length=None`), so the eval score is an out-of-sample
  backtest of the current policy.
- `hyperparameters` go to the SB3 constructor unchanged (`learning_rate`, `n_steps`,
  `batch_size`, `gamma`, `policy_kwargs`, ...); SB3 validates them and its error names the
  parameter. Everything else is an explicit, typed field.
- Split discipline: `env.data` is the training range, `eval_data` the validation range (early
  stopping, best-agent selection, tuning objectives) and `test_data` the final out-of-sample
  range that nothing in training or tuning reads; overlapping ranges of the same source are a
  `ConfigError` unless `allow_overlap` (logged as a warning).
- Frequencies (`eval_freq`, `checkpoint_freq`) count environment steps summed over all envs,
  like `total_timesteps`; 0 disables.
- A portfolio env (`env.instruments`) trains like one instrument's, with its own schemes'
  spaces; `eval_data`, `test_data` and `range_env` are one instrument's ranges (and their
  backtests trade one instrument), so a portfolio refuses them for now.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import msgspec

from nautilus_rl_lab.agents.policy import ALGORITHMS, CONTINUOUS_ALGORITHMS, DISCRETE_ALGORITHMS
from nautilus_rl_lab.config import FileConfig
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.data.splits import ROLES, check_disjoint, check_role
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.training.spaces import env_spaces
from nautilus_rl_lab.validation import check_known, check_minimum

VEC_ENV_KINDS = ("dummy", "subproc", "shared")
#: The algorithms each kind of action space trains with (SB3's DQN takes one `Discrete`
#: action; SAC and TD3 take a `Box`).
ALGORITHMS_FOR = {
    "discrete": DISCRETE_ALGORITHMS,
    "multi-discrete": ("PPO", "A2C"),
    "continuous": CONTINUOUS_ALGORITHMS,
}


class TrainConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """An SB3 training run over `TrainingNode`s; load it with `TrainConfig.from_file(path)`.

    Parameters
    ----------
    algorithm
        `PPO`, `A2C`, `DQN` (discrete actions) or `SAC`, `TD3` (continuous actions).
    policy, hyperparameters
        SB3 policy name and constructor keyword arguments.
    total_timesteps, n_envs, vec_env
        Budget in env steps; number of parallel envs; `dummy` (one process), `subproc`
        (`SubprocVecEnv`, one engine per process) or `shared` (`SharedMemoryVecEnv`: up to
        one worker process per core, each stepping a group of engines, results through shared
        memory; infos only at episode ends; the default: fastest in `bench_training.py`). One
        env always runs in-process (`dummy`).
    seed
        Seeds SB3, torch and env `i` (with `seed + i`).
    env, eval_data, test_data
        Training env (its data: the training range); validation range for evaluation and
        best-agent selection (`None`: no evaluation); the test range kept for the final report.
    allow_overlap
        Accept overlapping train/validation/test ranges (biased; logged as a warning).
    eval_freq, n_eval_episodes, checkpoint_freq, keep_checkpoints
        Evaluation/checkpoint cadence in env steps (0 disables) and checkpoints kept.
    run_dir
        Where checkpoints, TensorBoard logs, `best/` and `final/` agents go.
    normalize_observations, normalize_rewards, clip_observations
        `VecNormalize` settings (statistics are saved with every checkpoint and agent).
    progress_bar, tensorboard, torch_threads, device
        A tqdm/rich progress bar; TensorBoard logs in `run_dir/tensorboard`; torch threads.
    """

    algorithm: str = "PPO"
    policy: str = "MlpPolicy"
    hyperparameters: dict[str, Any] = {}
    total_timesteps: int = 100_000
    n_envs: int = 1
    vec_env: str = "shared"
    seed: int = 0
    env: TrainingNodeConfig = TrainingNodeConfig()
    eval_data: DataSourceConfig | None = None
    test_data: DataSourceConfig | None = None
    allow_overlap: bool = False
    eval_freq: int = 10_000
    n_eval_episodes: int = 1
    checkpoint_freq: int = 10_000
    keep_checkpoints: int = 2
    run_dir: str = "runs/train"
    normalize_observations: bool = True
    normalize_rewards: bool = False
    clip_observations: float = 10.0
    progress_bar: bool = False
    tensorboard: bool = True
    torch_threads: int | None = 1
    device: str = "cpu"

    def __post_init__(self) -> None:
        name = self.algorithm.upper()
        check_known("algorithm", self.algorithm, sorted(ALGORITHMS), upper=True)
        kind = _action_kind(env_spaces(self.env)[1])
        if name not in ALGORITHMS_FOR[kind]:
            raise ConfigError(
                f"`algorithm` {name} does not support the {kind} action space of "
                f"`env.action` {self.env.schemes[1].name!r}: use one of {ALGORITHMS_FOR[kind]}",
            )
        if self.env.assets:
            self._check_portfolio()
        check_known("vec_env", self.vec_env, VEC_ENV_KINDS)
        for field_name in ("total_timesteps", "n_envs", "n_eval_episodes", "keep_checkpoints"):
            check_minimum(field_name, getattr(self, field_name), 1)
        for field_name in ("eval_freq", "checkpoint_freq", "seed"):
            check_minimum(field_name, getattr(self, field_name), 0)
        check_minimum("torch_threads", self.torch_threads, 1, optional=True)
        check_disjoint(
            {"env.data": self.env.data, "eval_data": self.eval_data, "test_data": self.test_data},
            allow_overlap=self.allow_overlap,
        )

    def _check_portfolio(self) -> None:
        """Refuse what a portfolio env (`env.instruments`) cannot have yet: evaluation and test
        ranges (one instrument's `DataSourceConfig`; their evaluation backtests and the bundle's
        backtest figures trade one instrument)."""
        for field_name in ("eval_data", "test_data"):
            if getattr(self, field_name) is not None:
                raise ConfigError(_no_portfolio_ranges(f"`{field_name}` is set"))

    @property
    def test_env(self) -> TrainingNodeConfig | None:
        """The final report's env: `env` on `test_data`, one episode over all of it."""
        return self._whole_range_env(self.test_data)

    @property
    def eval_env(self) -> TrainingNodeConfig | None:
        """The evaluation env: `env` on `eval_data`, one deterministic episode over all of it."""
        return self._whole_range_env(self.eval_data)

    def range_env(self, role: str) -> TrainingNodeConfig:
        """`env` on the range of `role` (`ROLES`: train, validation or test), one episode over all
        of it; a role this config has no range for is refused by name."""
        if self.env.assets:
            raise ConfigError(_no_portfolio_ranges(f"a report on the {check_role(role)} range"))
        ranges = {"train": self.env.data, "validation": self.eval_data, "test": self.test_data}
        data = ranges[check_role(role)]
        env = self._whole_range_env(data)
        if env is None:
            others = [r for r in ("test", "validation", "train") if r != role]
            raise ConfigError(
                f"`{ROLES[role]}` is not set: this config has no {role} range to report on; "
                f"set it, or choose another range explicitly (CLI: --range "
                f"{' or --range '.join(others)})",
            )
        return env

    def _whole_range_env(self, data: DataSourceConfig | None) -> TrainingNodeConfig | None:
        """`env` on `data`, played as one episode from its first bar (`None` without data)."""
        if data is None:
            return None
        return msgspec.structs.replace(self.env, data=data, random_start=False, episode_length=None)


def _action_kind(space: gym.Space[Any]) -> str:
    """The `ALGORITHMS_FOR` key of an action space (any other space counts as continuous)."""
    if isinstance(space, gym.spaces.Discrete):
        return "discrete"
    if isinstance(space, gym.spaces.MultiDiscrete):
        return "multi-discrete"
    return "continuous"


def _no_portfolio_ranges(what: str) -> str:
    """Why a portfolio env has no evaluation, test or report range yet (`what` was asked)."""
    return (
        f"{what} but `env.instruments` makes the env a portfolio: evaluation, test and report "
        "ranges are single-instrument for now (a `DataSourceConfig` is one instrument's data, "
        "and their backtests trade one instrument); leave `eval_data` and `test_data` unset "
        "and evaluate the portfolio agent on a portfolio env of its own"
    )
