"""`compare_risk_in_training`: does training under the risk rules help an agent that trades under them?

An agent trained without the rules it later trades under meets a drawdown halt or a stop-loss
it never saw. This trains the same `TrainConfig` twice (same seed, same budget): once with no
risk rules in the training env and once under `risk`, then backtests both agents out of sample
(`test_data`, else `eval_data`) as `RLAgent` + `AgentStrategy` with `risk` on, so the only difference is what
the agent saw in training. Each run goes to its own sub-directory of `config.run_dir`.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import EvaluationResult, run_backtest
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.train import train

WITHOUT_RISK = "trained_without_risk"
WITH_RISK = "trained_with_risk"


def compare_risk_in_training(config: TrainConfig, risk: RiskLimits) -> EvaluationResult:
    """Train without and under `risk`; both agents backtested out of sample with `risk` on."""
    if config.test_data is None and config.eval_data is None:
        raise ConfigError(
            "`test_data` (or `eval_data`) is required: both agents are compared out of sample on it"
        )
    role = "test" if config.test_data is not None else "validation"
    eval_env = config.range_env(role)
    runs = {}
    for name, limits in ((WITHOUT_RISK, RiskLimits()), (WITH_RISK, risk)):
        run_config = msgspec.structs.replace(
            config,
            env=msgspec.structs.replace(config.env, risk=limits),
            run_dir=str(Path(config.run_dir) / name),
        )
        agent = train(run_config).load_agent()
        runs[name] = run_backtest(agent, eval_env, name=name, risk=risk)
    return EvaluationResult(runs, role=role)
