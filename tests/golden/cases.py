"""Golden cases: fixed seeds and configs run through the library's public entry points.

Each case returns a plain, JSON-able record (orders, fills, final balance, equity curve,
evaluation statistics) of one run of `run_backtest`, `backtest_agent` or `TrainingNode`
episodes stepped with seeded actions. `record.py` stores the records under `data/`;
`test_parity.py` re-runs each case and compares. The records are built from Nautilus'
own reports (`generate_orders_report`, `generate_fills_report`) normalised to fixed fields,
so the same recording runs on another Nautilus version and a difference is named by field.

Markets: the bundled EUR/USD sample (margin FX), a seeded synthetic stock (cash equity, daily
bars), a EUR account trading EUR/USD and a USD account trading a synthetic USD/JPY
(cross-currency); fill modes `next_open` and `bar_close`; risk rules with venue stop-loss /
take-profit (fixed and trailing), position caps, daily loss, drawdown, trades per day,
trading hours and close-checked protection with a loss cooldown.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from nautilus_rl_lab.agents.base import Agent, load_agent
from nautilus_rl_lab.agents.rules import EMACrossAgent
from nautilus_rl_lab.agents.simple import RandomAgent, SignalActions
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import AgentRun, backtest_agent, run_backtest
from nautilus_rl_lab.nodes.engine import default_venue
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.nt.analysis import ReportProvider
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action
from nautilus_rl_lab.strategies.risk import RiskLimits

DATA = Path(__file__).parent / "data"
PPO_BUNDLE = DATA / "ppo_bundle"
Record = dict[str, Any]

# Nautilus report columns kept per order / fill, and how each becomes a JSON value.
ORDER_FIELDS = {
    "client_order_id": "str",
    "type": "str",
    "side": "str",
    "quantity": "number",
    "filled_qty": "number",
    "avg_px": "number",
    "status": "str",
    "is_reduce_only": "bool",
    "contingency_type": "str",
    "parent_order_id": "str",
    "tags": "str",
    "price": "number",
    "trigger_price": "number",
    "commissions": "money",
    "ts_init": "int",
    "ts_last": "int",
}
FILL_FIELDS = {
    "client_order_id": "str",
    "order_side": "str",
    "order_type": "str",
    "last_qty": "number",
    "last_px": "number",
    "commission": "money",
    "liquidity_side": "str",
    "ts_event": "ns",
}

SAMPLE = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-04-01")
EVALUATION_DATA = DataSourceConfig(kind="sample", start="2017-04-01", end="2017-04-22")
OBSERVATION = SchemeConfig(name="window", params={"window": 8})
EQUITY = InstrumentSpec(
    symbol="ACME", kind="equity", price_precision=2, lot_size=1, min_quantity=1, max_quantity=None
)
LONG_ONLY = SchemeConfig(name="target_position", params={"trade_size": 100, "allow_short": False})
STOCK = DataSourceConfig(
    kind="synthetic",
    generator="gbm",
    params={
        "n_bars": 300,
        "seed": 11,
        "freq": "1D",
        "start_price": 50.0,
        "volatility": 0.02,
        "decimals": 2,
    },
    spread=0.02,
)
USDJPY = DataSourceConfig(
    kind="synthetic",
    generator="gbm",
    params={"n_bars": 500, "seed": 5, "start_price": 110.0, "volatility": 0.002, "decimals": 3},
    spread=0.02,
)
VENUE_RISK = RiskLimits(
    stop_loss=0.002, take_profit=0.003, max_position=5_000, max_daily_loss=0.002
)
TRAILING_RISK = RiskLimits(
    stop_loss=0.003,
    trailing_stop=True,
    max_drawdown=0.01,
    max_trades_per_day=4,
    trading_hours=(7, 20),
)
CLOSE_RISK = RiskLimits(
    stop_loss=0.002,
    take_profit=0.002,
    protection="close",
    max_consecutive_losses=2,
    cooldown_bars=5,
)


def fx_config(**overrides: Any) -> TrainingNodeConfig:
    """Margin FX on one month of the bundled EUR/USD sample, window-8 observations."""
    values: dict[str, Any] = {"data": SAMPLE, "observation": OBSERVATION}
    return TrainingNodeConfig(**{**values, **overrides})


STOCK_CONFIG = TrainingNodeConfig(
    venue=default_venue(account_type="CASH"),
    instrument=EQUITY,
    data=STOCK,
    bar_aggregation="DAY",
    observation=OBSERVATION,
    action=LONG_ONLY,
)
EUR_ACCOUNT = fx_config(venue=default_venue(starting_balance="100000 EUR"))
USDJPY_CONFIG = fx_config(
    instrument=InstrumentSpec(symbol="USD/JPY", price_precision=3, max_quantity=None),
    data=USDJPY,
)
# The PPO bundle's training config (`record.py --train-ppo`); the cases trade it out of sample.
PPO_TRAIN_DATA = DataSourceConfig(kind="sample", start="2017-01-01", end="2017-03-01")


# --- normalising Nautilus' reports -----------------------------------------------------------


def _json_value(value: Any, kind: str) -> Any:
    """A report cell as a JSON value of `kind` (`None` for a missing one)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "number":
        return float(str(value))  # Nautilus' decimal text: exact as a float's shortest repr
    if kind == "int":
        return int(value)
    if kind == "ns":
        return int(pd.Timestamp(value).value)
    if kind == "bool":
        return bool(value)
    if kind == "money":  # "0.21 USD" (a fill) or a list of them (an order)
        if isinstance(value, list | tuple):
            return [_json_value(item, kind) for item in value]
        amount, currency = str(value).split()
        return [float(amount), currency]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def report_rows(report: pd.DataFrame, fields: dict[str, str], time: str) -> list[Record]:
    """Rows of a Nautilus orders/fills report with `fields` only, in `time` order (report
    order within a time, so a version that lists them otherwise still compares)."""
    if report.empty:
        return []
    frame = report.reset_index()
    frame = frame.iloc[np.argsort([_json_value(t, "ns") for t in frame[time]], kind="stable")]
    return [
        {name: _json_value(row.get(name), kind) for name, kind in fields.items()}
        for row in frame.to_dict("records")
    ]


def order_rows(report: pd.DataFrame) -> list[Record]:
    """Nautilus' orders report as records of `ORDER_FIELDS`, by creation time."""
    return report_rows(report, ORDER_FIELDS, "ts_init")


def fill_rows(report: pd.DataFrame) -> list[Record]:
    """Nautilus' fills report as records of `FILL_FIELDS`, by fill time."""
    return report_rows(report, FILL_FIELDS, "ts_event")


def _figures(stats: dict[str, Any]) -> Record:
    """Statistics as JSON numbers (NaN as `None`)."""
    return {
        key: None if isinstance(v, float) and math.isnan(v) else float(v)
        for key, v in sorted(stats.items())
    }


def _series(series: pd.Series) -> Record:
    return {
        "ts": [int(ts.value) for ts in series.index],
        "value": [float(v) for v in series.to_numpy()],
    }


def _event(ts_ns: int, rule: str, target: Any, adjusted: Any) -> list[Any]:
    """A risk event as `[ts_ns, rule, target, adjusted]` (`None` for a missing target)."""
    return [int(ts_ns), str(rule), _json_value(target, "number"), _json_value(adjusted, "number")]


def run_record(run: AgentRun) -> Record:
    """What parity compares of one backtest: orders, fills, balance, equity, position, stats."""
    return {
        "orders": order_rows(run.orders),
        "fills": fill_rows(run.fills),
        "final_balance": float(run.final_balance),
        "currency": run.currency,
        "equity": _series(run.equity),
        "position": [float(v) for v in run.position.to_numpy()],
        "risk_events": [
            _event(ts.value, rule, target, adjusted)
            for ts, rule, target, adjusted in run.risk_events.itertuples()
        ],
        "stats": _figures(run.stats),
    }


# --- case kinds ------------------------------------------------------------------------------


def backtest_case(config: TrainingNodeConfig, agent: Callable[[], Agent]) -> Record:
    """`run_backtest` of `agent()` over `config`'s data."""
    return {"runs": {"agent": run_record(run_backtest(agent(), config))}}


def evaluation_case(config: TrainingNodeConfig, agent: Callable[[], Agent]) -> Record:
    """`backtest_agent` with buy-and-hold, two random agents and EMA cross; its stats table."""
    result = backtest_agent(agent(), config, role="test", n_random=2, seed=3, rule="ema_cross")
    runs = {**result.runs, **{run.name: run for run in result.random_runs}}
    table = result.stats
    return {
        "runs": {name: run_record(run) for name, run in sorted(runs.items())},
        "stats_table": {name: _figures(row) for name, row in table.to_dict("index").items()},
        "range": result.range.label,
    }


def env_case(config: TrainingNodeConfig, episodes: int, seed: int, hold: bool = False) -> Record:
    """`TrainingNode` episodes stepped with seeded random (or hold-only) actions, to the end."""
    env = TrainingNode(config)
    rng = np.random.default_rng(seed)
    space = env.action_space
    flat = SignalActions(config.action)(0.0)
    records = []
    try:
        for episode in range(episodes):
            observation, info = env.reset(seed=seed + episode)
            steps: dict[str, list[Any]] = {k: [] for k in ("ts", "obs_sum", "reward", *_INFO)}
            _step_row(steps, observation, 0.0, info)
            terminated = truncated = False
            while not (terminated or truncated):
                action = flat if hold else int(rng.integers(space.n))  # type: ignore[attr-defined]
                observation, reward, terminated, truncated, info = env.step(action)
                _step_row(steps, observation, reward, info)
            records.append(
                {
                    "steps": steps,
                    "terminated": bool(terminated),
                    "truncated": bool(truncated),
                    "orders": order_rows(
                        ReportProvider.generate_orders_report(env.strategy.cache.orders())
                    ),
                    "fills": fill_rows(env.fills()),
                }
            )
    finally:
        env.close()
    return {"episodes": records}


_INFO = ("equity", "balance", "position", "unrealized_pnl", "commissions", "trades",
         "orders_denied", "orders_rejected", "risk_events")  # fmt: skip


def _step_row(steps: dict[str, list[Any]], obs: np.ndarray, reward: float, info: Record) -> None:
    steps["ts"].append(int(info["timestamp"]))
    steps["obs_sum"].append(float(np.asarray(obs, dtype=np.float64).sum()))
    steps["reward"].append(float(reward))
    for key in _INFO:
        value = info[key]
        steps[key].append(
            [_event(e["ts_ns"], e["rule"], e["target"], e["adjusted"]) for e in value]
            if key == "risk_events"
            else float(value)
        )


# --- agents ----------------------------------------------------------------------------------


def random_agent(config: TrainingNodeConfig, seed: int) -> Callable[[], Agent]:
    """A maker of the seeded random agent of `config`'s action space."""
    return lambda: RandomAgent(build_action(config.action).space, seed=seed)


def ema_cross(config: TrainingNodeConfig) -> Callable[[], Agent]:
    """A maker of the EMA(10)/EMA(20) cross baseline on `config`'s action scheme."""
    return lambda: EMACrossAgent(fast=10, slow=20, action=config.action)


def ppo() -> Agent:
    """The stored PPO bundle (`record.py --train-ppo` trains it)."""
    return load_agent(PPO_BUNDLE)


def _with(config: TrainingNodeConfig, **changes: Any) -> TrainingNodeConfig:
    return msgspec.structs.replace(config, **changes)


FX = fx_config()
ENV_FX = fx_config(episode_length=128, random_start=True)

CASES: dict[str, Callable[[], Record]] = {
    "fx_random_next_open": lambda: backtest_case(FX, random_agent(FX, 1)),
    "fx_random_bar_close": lambda: backtest_case(
        _with(FX, execution="bar_close"), random_agent(FX, 1)
    ),
    "fx_ema_cross_next_open": lambda: backtest_case(FX, ema_cross(FX)),
    "fx_ema_cross_bar_close": lambda: backtest_case(
        _with(FX, execution="bar_close"), ema_cross(FX)
    ),
    "fx_ppo_next_open": lambda: backtest_case(FX, ppo),
    "fx_random_venue_sl_tp_cap_daily_loss": lambda: backtest_case(
        _with(FX, risk=VENUE_RISK), random_agent(FX, 2)
    ),
    "fx_ema_cross_trailing_stop_drawdown_trades_hours": lambda: backtest_case(
        _with(FX, risk=TRAILING_RISK), ema_cross(FX)
    ),
    "equity_cash_random": lambda: backtest_case(STOCK_CONFIG, random_agent(STOCK_CONFIG, 4)),
    "equity_cash_ema_cross_bar_close": lambda: backtest_case(
        _with(STOCK_CONFIG, execution="bar_close"), ema_cross(STOCK_CONFIG)
    ),
    "eur_account_eurusd_random": lambda: backtest_case(EUR_ACCOUNT, random_agent(EUR_ACCOUNT, 6)),
    "usd_account_usdjpy_ema_cross": lambda: backtest_case(USDJPY_CONFIG, ema_cross(USDJPY_CONFIG)),
    "env_random_next_open_venue_sl_tp": lambda: env_case(
        _with(ENV_FX, risk=VENUE_RISK, seed=7), episodes=2, seed=7
    ),
    "env_hold_next_open": lambda: env_case(_with(ENV_FX, seed=8), episodes=1, seed=8, hold=True),
    "env_random_bar_close_close_protection": lambda: env_case(
        _with(ENV_FX, execution="bar_close", risk=CLOSE_RISK, seed=9), episodes=2, seed=9
    ),
    "evaluation_ppo_with_baselines": lambda: evaluation_case(_with(FX, data=EVALUATION_DATA), ppo),
}


def record_path(case: str, root: str | os.PathLike[str] = DATA) -> Path:
    """Where `case`'s record is stored."""
    return Path(root) / f"{case}.json.gz"


def read_record(path: Path) -> Record:
    """A stored record."""
    return json.loads(gzip.decompress(path.read_bytes()))


def write_record(path: Path, record: Record) -> None:
    """Store `record` as compact gzip JSON with no timestamp (same record, same bytes)."""
    text = json.dumps(record, separators=(",", ":"), allow_nan=False)
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
