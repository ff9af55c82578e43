"""`tune_rule(config) -> optuna.Study`: tune a rule-based agent's parameters on Nautilus backtests.

Each trial builds the rule's agent (e.g. `EMACrossAgent(fast, slow)`) with the sampled
parameters and runs it through the same `RLAgent` -> `AgentStrategy` path as every other
agent, in a plain `BacktestEngine` over `config.env`'s data (`evaluation.run_backtest`); the
objective is one of that run's statistics. The market data are prepared once per call and
every backtest gets a fresh engine, so a trial's value equals a direct `run_backtest` of the
same agent. A backtest is one shot, so there is nothing to prune. Parameter combinations the
agent rejects (e.g. `fast >= slow`) are recorded as FAIL with the agent's message.
"""

from __future__ import annotations

from collections.abc import Sequence

import optuna

from nautilus_rl_lab.evaluation.backtest import AgentRun, market_for, run_backtest
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.tuning.config import RuleTuneConfig
from nautilus_rl_lab.tuning.study import (
    TrialCallback,
    objective_value,
    open_study,
    record_trial,
    run_study,
)


def backtest_rule(
    config: RuleTuneConfig, params: dict[str, object], market: MarketData | None = None
) -> AgentRun:
    """Backtest the rule's agent with `params` over `config.env` (what one trial runs)."""
    return run_backtest(
        config.agent(params),
        config.env,
        market=market,
        name=f"{config.rule}{sorted(params.items())}",
    )


def tune_rule(config: RuleTuneConfig, callbacks: Sequence[TrialCallback] = ()) -> optuna.Study:
    """Run (or resume) the rule study until it has `config.n_trials` finished trials.

    `callbacks` are Optuna trial callbacks run after each trial (e.g. a live dashboard).
    """
    study = open_study(config)
    market = market_for(config.env)

    def objective(trial: optuna.Trial) -> float:
        params = {name: spec.suggest(trial, name) for name, spec in config.search_space.items()}
        run = backtest_rule(config, params, market)
        metrics = run.stats
        value = objective_value(metrics, config.objective)
        record_trial(
            trial, config.trial_dir(trial.number), state="COMPLETE", params=params, metrics=metrics
        )
        return value

    return run_study(study, objective, config, callbacks=callbacks)
