"""Where research sweeps run: in this process, a local process pool or a Ray cluster."""

from nautilus_rl_lab.sweeps.config import EXECUTORS, SweepConfig, choose_where
from nautilus_rl_lab.sweeps.run import Sweep, open_sweep
from nautilus_rl_lab.sweeps.task import SweepTask

__all__ = ["EXECUTORS", "Sweep", "SweepConfig", "SweepTask", "choose_where", "open_sweep"]
