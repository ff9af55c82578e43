"""Training: `TrainConfig` (YAML/JSON) and `train()` with SB3 over `TrainingNode`s.

This is the stable-baselines3 code (vectorised envs, checkpoints, evaluations, the agent
bundles a run writes); the environment it trains on, `TrainingNode` (a `gymnasium.Env`),
is `nautilus_rl_lab.nodes`.
"""

from nautilus_rl_lab.training.checkpoints import latest_checkpoint, save_checkpoint
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.risk_comparison import compare_risk_in_training
from nautilus_rl_lab.training.train import TrainResult, env_factory, make_vec_env, train
from nautilus_rl_lab.training.vec_env import SharedMemoryVecEnv

__all__ = [
    "SharedMemoryVecEnv",
    "TrainConfig",
    "TrainResult",
    "compare_risk_in_training",
    "env_factory",
    "latest_checkpoint",
    "make_vec_env",
    "save_checkpoint",
    "train",
]
