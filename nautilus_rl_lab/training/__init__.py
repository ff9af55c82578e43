"""Training: `TrainConfig` (YAML/JSON) and `train()` with SB3 over `TrainingNode`s."""

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
