"""`SchemeConfig` and building a scheme from it: below the schemes, so any of them can nest one.

A scheme is named by an alias of its kind's registry or a `package.module:Class` path; the
registries live with their schemes (`reward.REWARD_SCHEMES`) or in `schemes.registry`, and
`cost_penalised` builds the reward it wraps through the same function as the registry does.
"""

from __future__ import annotations

from typing import Any, TypeVar

from nautilus_rl_lab.config import LabConfig, resolve_class
from nautilus_rl_lab.errors import ConfigError

T = TypeVar("T")


class SchemeConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """A scheme by `name` (alias such as `window`, or `package.module:Class`) and its `params`."""

    name: str
    params: dict[str, Any] = {}


def build_scheme(
    field: str, config: SchemeConfig, registry: dict[str, type[T]], base: type[T], **given: Any
) -> T:
    """Instantiate the scheme `config` names (`field` names it in errors) with its params and
    the `given` arguments the caller knows (a portfolio env's `n_assets`)."""
    cls = resolve_class(f"{field}.name", config.name, registry, base)
    try:
        return cls(**given, **config.params)
    except TypeError as e:
        raise ConfigError(f"`{field}.params` do not fit {cls.__name__}: {e}") from e
