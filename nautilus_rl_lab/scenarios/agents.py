"""`AgentSpec`: which agent a scenario run trades, by name or saved path, with its risk rules.

A spec is plain config, so it travels to worker processes and into the run folder; the agent
itself is built inside the worker (`build`), fresh for every backtest. `agent` is a baseline
name (`buy_and_hold`, `random`, or a rule agent of `agents.rules.BASELINES`:
`ema_cross`, `bollinger`) or the directory of a saved agent (`agent.save(path)`, `train`).
On a portfolio (`build_portfolio`), `buy_and_hold` and `random` are the portfolio baselines of
that name and `PORTFOLIO_AGENTS` (skfolio's `equal_weight`, `min_variance`, `hrp`, ...) name
the others; a saved agent is then a trained portfolio policy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nautilus_rl_lab.agents.base import SPEC_FILE, Agent, load_agent
from nautilus_rl_lab.agents.portfolio_baselines import FITTED, PortfolioBaseline
from nautilus_rl_lab.agents.rules import BASELINES
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action
from nautilus_rl_lab.strategies import RiskLimits

BUILTIN_AGENTS = ("buy_and_hold", "random", *sorted(BASELINES))
#: Baselines only a portfolio runs (`buy_and_hold` and `random` run on both).
PORTFOLIO_AGENTS = FITTED
_NAME = re.compile(r"^[A-Za-z0-9_\-.]+$")


class AgentSpec(LabConfig, frozen=True, forbid_unknown_fields=True):
    """An agent (`agent`: baseline name or saved-agent directory) named `name`, under `risk`.

    `params` are keyword arguments of a rule agent (e.g. `{"fast": 5, "slow": 20}`) or of a
    portfolio baseline (`PortfolioBaseline`: `rebalance_every`, `lookback`, `invested`); `seed`
    seeds the random agents.
    """

    name: str
    agent: str
    params: dict[str, Any] = {}
    seed: int = 0
    risk: RiskLimits = RiskLimits()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(
                f"`name` {self.name!r} must be letters, digits, '_', '-' or '.' (it names columns)"
            )
        known = (*BUILTIN_AGENTS, *PORTFOLIO_AGENTS)
        if self.agent not in known and not (Path(self.agent) / SPEC_FILE).is_file():
            raise ConfigError(
                f"`agent` {self.agent!r} is neither one of {known} nor a saved agent "
                f"directory holding {SPEC_FILE}"
            )
        if self.params and self.agent not in (*BASELINES, *PORTFOLIO_AGENTS):
            raise ConfigError(
                f"`params` are only for the rule agents {sorted(BASELINES)} and the portfolio "
                f"baselines {list(PORTFOLIO_AGENTS)}"
            )

    def build(self, action: SchemeConfig) -> Agent:
        """A fresh agent acting through `action` (the action scheme of the base config)."""
        if self.agent == "buy_and_hold":
            return BuyAndHoldAgent(action)
        if self.agent == "random":
            return RandomAgent(build_action(action).space, seed=self.seed)
        if self.agent in BASELINES:
            return BASELINES[self.agent](**self.params, action=action)
        if self.agent in PORTFOLIO_AGENTS:
            raise ConfigError(
                f"`agent` {self.agent!r} is a portfolio baseline: the base config trades one "
                "instrument; give it a portfolio base (`instruments`)"
            )
        return load_agent(self.agent)

    def build_portfolio(self, instrument_ids: list[str]) -> Agent:
        """A fresh agent for the portfolio of `instrument_ids` (see the module)."""
        if self.agent in BASELINES:
            raise ConfigError(
                f"`agent` {self.agent!r} is a single-instrument rule: a portfolio runs "
                f"{['buy_and_hold', 'random', *PORTFOLIO_AGENTS]} or a saved portfolio policy"
            )
        if self.agent in ("buy_and_hold", "random", *PORTFOLIO_AGENTS):
            return PortfolioBaseline(instrument_ids, self.agent, **self.params, seed=self.seed)
        return load_agent(self.agent)
