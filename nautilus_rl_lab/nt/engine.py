"""Create, feed and run Nautilus' `BacktestEngine`.

Logging is `LoggerConfig(stdout_level)` plus `bypass_logging` on the engine config; the engine
(a Rust object) cannot be subclassed, so bypassed logging is the whole of being quiet. A run goes
between integer nanoseconds, and an episode's data replaces the last one's (`clear_data` +
`add_data`). The engine exposes no kernel, so its clock is read through a component added to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nautilus_trader.common import DataActor, LoggerConfig, LogLevel
from nautilus_trader.data import DataEngineConfig

from nautilus_rl_lab.nt.backtest import BacktestEngine, BacktestEngineConfig
from nautilus_rl_lab.nt.common import CacheConfig, Clock
from nautilus_rl_lab.nt.model import TraderId
from nautilus_rl_lab.nt.risk import RiskEngineConfig


class _ClockReader(DataActor):
    """A component with no behaviour, added so the engine's clock can be read."""


def _logging_config(log_level: str, bypass_logging: bool) -> dict[str, Any]:
    name = log_level.upper()
    level = getattr(LogLevel, "WARNING" if name == "WARN" else name)  # 2.0: no WARN alias
    return {"logging": LoggerConfig(stdout_level=level), "bypass_logging": bypass_logging}


def engine_clock(engine: BacktestEngine) -> Clock:
    """The clock every component of `engine` runs on (the simulated time)."""
    reader = _ClockReader()
    engine.add_actor(reader)
    return reader.clock


def set_stream_data(engine: BacktestEngine, data: Sequence[Any]) -> None:
    """Give `data` (time-sorted) to the engine's next `run(streaming=True)`, replacing any
    episode data given before; it also drops data added otherwise (`clear_data`), so an engine
    that streams episodes holds no data of its own."""
    engine.clear_data()
    engine.add_data(list(data), validate=False)  # 2.0 runs sorted data only


def create_engine(
    *,
    trader_id: str,
    log_level: str,
    bypass_logging: bool,
    run_analysis: bool,
    risk_engine: RiskEngineConfig,
    cache_capacity: int | None = None,
    validate_data_sequence: bool = True,
) -> BacktestEngine:
    """A new engine; `cache_capacity` bounds the ticks and bars cached per type (`None`:
    Nautilus' default). Instruments survive `reset()`. Quiet when logging is bypassed."""
    cache = CacheConfig(drop_instruments_on_reset=False)
    if cache_capacity is not None:
        cache = CacheConfig(
            drop_instruments_on_reset=False,
            tick_capacity=cache_capacity,
            bar_capacity=cache_capacity,
        )
    config = BacktestEngineConfig(
        trader_id=TraderId(trader_id),
        cache=cache,
        data_engine=DataEngineConfig(validate_data_sequence=validate_data_sequence),
        run_analysis=run_analysis,
        risk_engine=risk_engine,
        **_logging_config(log_level, bypass_logging),
    )
    return BacktestEngine(config)


def run_engine(
    engine: BacktestEngine,
    start_ns: int | None = None,
    end_ns: int | None = None,
    *,
    streaming: bool = False,
) -> None:
    """`engine.run` from `start_ns` to `end_ns` (UNIX nanoseconds, `None`: the data's ends)."""
    engine.run(start=start_ns, end=end_ns, streaming=streaming)


__all__ = ["create_engine", "engine_clock", "run_engine", "set_stream_data"]
