"""Search spaces: one small typed `ParamSpec` per hyperparameter, sampled through an Optuna trial.

A spec is plain data, so a search space is written in the same YAML/JSON file as the rest of
a study::

    search_space:
      learning_rate: {type: float, low: 1.0e-5, high: 1.0e-3, log: true}
      n_steps: {type: categorical, choices: [64, 128]}
      env.observation.params.window: {type: int, low: 4, high: 16}
      env.reward.name: {type: categorical, choices: [log_return, differential_sharpe]}

Decisions:

- A name without a dot is an SB3 constructor argument (`hyperparameters.<name>`); a dotted
  name is a path into the `TrainConfig` (`env.reward.name`, `env.action.params.trade_size`,
  `total_timesteps`, ...). Paths into `hyperparameters` and scheme `params` may create keys;
  any other path must exist. The trial parameter keeps the name as written.
- `categorical` choices must be `None`, `bool`, `int`, `float` or `str`, the types Optuna
  stores in an RDB; choose among structured values (e.g. `net_arch`) with string keys.
- Every error names the offending entry as `` `<field>.<name>` `` and says how to fix it.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import optuna

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.validation import check_known

PARAM_TYPES = ("float", "int", "categorical")
CHOICE_TYPES = (type(None), bool, int, float, str)
HYPERPARAMETERS = "hyperparameters"


class ParamSpec(LabConfig, frozen=True, forbid_unknown_fields=True):
    """One dimension of a search space.

    Parameters
    ----------
    type
        `float` (`low`, `high`, optional `log` or `step`), `int` (`low`, `high`, optional `step`
        or `log`) or `categorical` (`choices`).
    """

    type: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list[Any] | None = None

    def check(self, where: str) -> None:
        """Raise `ConfigError` naming `where` (e.g. `search_space.learning_rate`) if invalid."""
        check_known(f"{where}.type", self.type, PARAM_TYPES)
        if self.type == "categorical":
            if not self.choices:
                raise ConfigError(f"`{where}.choices` must list at least one value")
            bad = [c for c in self.choices if not isinstance(c, CHOICE_TYPES)]
            if bad:
                raise ConfigError(
                    f"`{where}.choices` may hold only None, bool, int, float or str "
                    f"(Optuna stores them), not {bad[0]!r}: name structured choices by strings",
                )
            if self.low is not None or self.high is not None:
                raise ConfigError(f"`{where}`: a categorical spec takes `choices`, not low/high")
            return
        if self.choices is not None:
            raise ConfigError(
                f"`{where}`: `choices` belongs to type 'categorical', not {self.type!r}"
            )
        if self.low is None or self.high is None:
            raise ConfigError(f"`{where}` needs both `low` and `high` for type {self.type!r}")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ConfigError(
                f"`{where}`: `low` ({self.low}) must be finite and <= `high` ({self.high})"
            )
        if self.type == "int" and not (
            float(self.low).is_integer() and float(self.high).is_integer()
        ):
            raise ConfigError(f"`{where}`: `low` and `high` must be whole numbers for type 'int'")
        if self.log and self.low <= 0:
            raise ConfigError(f"`{where}`: a log scale needs `low` > 0, was {self.low}")
        if self.log and self.step is not None:
            raise ConfigError(f"`{where}`: use either `log` or `step`, not both")
        if self.step is not None and not (math.isfinite(self.step) and self.step > 0):
            raise ConfigError(f"`{where}.step` must be a finite number > 0, was {self.step}")
        if self.type == "int" and self.step is not None and not float(self.step).is_integer():
            raise ConfigError(f"`{where}.step` must be a whole number for type 'int'")

    def suggest(self, trial: optuna.Trial, name: str) -> Any:
        """Draw this parameter for `trial` under `name` (Optuna's `suggest_*`)."""
        if self.type == "categorical":
            return trial.suggest_categorical(name, self.choices or [])
        assert self.low is not None and self.high is not None  # checked at config time
        if self.type == "int":
            return trial.suggest_int(
                name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log
            )
        return trial.suggest_float(name, self.low, self.high, step=self.step, log=self.log)

    def probe(self) -> Any:
        """A valid value of this dimension (its low end or first choice), for validation."""
        if self.type == "categorical":
            return (self.choices or [None])[0]
        return int(self.low or 0) if self.type == "int" else float(self.low or 0.0)


def check_space(space: dict[str, ParamSpec], field: str = "search_space") -> None:
    """Check every spec and name; errors name `` `<field>.<name>` ``."""
    for name, spec in space.items():
        if not name or name.startswith(".") or name.endswith(".") or ".." in name:
            raise ConfigError(
                f"`{field}` has a malformed name {name!r}: use e.g. 'env.reward.name'"
            )
        spec.check(f"{field}.{name}")


def config_path(name: str) -> list[str]:
    """Where parameter `name` goes in a `TrainConfig` (see the module docstring)."""
    return [HYPERPARAMETERS, name] if "." not in name else name.split(".")


def _may_create(path: list[str]) -> bool:
    # Free-form dicts: SB3 keyword arguments and scheme parameters.
    return path[0] == HYPERPARAMETERS or (len(path) >= 2 and path[-2] == "params")


def set_path(data: dict[str, Any], name: str, value: Any, field: str = "search_space") -> None:
    """Set `value` at `name`'s path in the plain-data config `data` (in place)."""
    path = config_path(name)
    node: Any = data
    for i, key in enumerate(path[:-1]):
        child = node.get(key) if isinstance(node, dict) else None
        if child is None and isinstance(node, dict) and _may_create(path[: i + 2]):
            child = node[key] = {}
        if not isinstance(child, dict):
            raise ConfigError(
                f"`{field}.{name}`: {'.'.join(path[: i + 1])!r} is not a section of the "
                f"training config (sections hold other fields, e.g. 'env.reward.params.penalty')",
            )
        node = child
    if path[-1] not in node and not _may_create(path):
        raise ConfigError(
            f"`{field}.{name}`: the training config has no field {'.'.join(path)!r}; "
            f"use a field name, or a bare name for an SB3 hyperparameter",
        )
    node[path[-1]] = value


def apply_params(
    data: dict[str, Any], params: dict[str, Any], field: str = "search_space"
) -> dict[str, Any]:
    """A copy of the plain-data config `data` with every parameter set at its path."""
    out = copy.deepcopy(data)
    for name, value in params.items():
        set_path(out, name, value, field)
    return out
