"""Create, feed and run Nautilus' `BacktestEngine` the same way on NautilusTrader 1.221 and 2.0.

What differs: 1.221 configures logging with `LoggingConfig(log_level)`, runs between
timestamps and streams an episode's data through `add_data_iterator`, and its engine can be
subclassed (`QuietBacktestEngine` skips the pre/post-run reports it would log at any level);
2.0 takes `LoggerConfig(stdout_level)` plus `bypass_logging` on the engine config, runs between
integer nanoseconds, replaces an episode's data with `clear_data` + `add_data`, and its engine
(a Rust object) cannot be subclassed: there, bypassed logging is the whole of being quiet.
2.0's engine exposes no kernel, so its clock is read through a component added to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from nautilus_rl_lab.nt.backtest import BacktestEngine, BacktestEngineConfig
from nautilus_rl_lab.nt.common import CacheConfig, Clock
from nautilus_rl_lab.nt.model import TraderId
from nautilus_rl_lab.nt.risk import RiskEngineConfig
from nautilus_rl_lab.nt.version import NT2

EPISODE_STREAM = "episode"

if NT2:
    from nautilus_trader.common import DataActor, LoggerConfig, LogLevel
    from nautilus_trader.data import DataEngineConfig

    class _ClockReader(DataActor):
        """A component with no behaviour, added so the engine's clock can be read (2.0)."""

    def _engine(config: BacktestEngineConfig, quiet: bool) -> BacktestEngine:
        return BacktestEngine(config)

    def _logging_config(log_level: str, bypass_logging: bool) -> dict[str, Any]:
        level = getattr(LogLevel, log_level.upper())
        return {"logging": LoggerConfig(stdout_level=level), "bypass_logging": bypass_logging}

    def _timestamp(ts_ns: int | None) -> int | None:
        return ts_ns

    def engine_clock(engine: BacktestEngine) -> Clock:
        """The clock every component of `engine` runs on (the simulated time)."""
        reader = _ClockReader()
        engine.add_actor(reader)
        return reader.clock

    def engine_kernel(engine: BacktestEngine) -> Any | None:
        """`engine`'s kernel (message bus, risk engine), `None` where Python cannot reach it (2.0)."""
        return None

    def set_stream_data(engine: BacktestEngine, data: Sequence[Any]) -> None:
        """Give `data` (time-sorted) to the engine's next `run(streaming=True)`, replacing any
        episode data given before; on 2.0 it also drops data added otherwise (`clear_data`), so
        an engine that streams episodes holds no data of its own."""
        engine.clear_data()
        engine.add_data(list(data), validate=False)  # 2.0 runs sorted data only
else:
    from nautilus_trader.config import DataEngineConfig, LoggingConfig

    class QuietBacktestEngine(BacktestEngine):
        """A `BacktestEngine` that skips the pre-run system report and the post-run report when
        there is no post-run analysis.

        Nautilus logs machine and package info at the start of every run (~20 ms even with
        logging bypassed) and, at its end, unpickles every position snapshot only to log their
        count (5 ms after a 256-step random episode): most of a short RL episode's reset. Used
        when logging is bypassed; with `run_analysis` the post-run report runs, as it computes
        the statistics. A subclass on 1.221: no logging or engine setting skips these reports
        (they run at any log level, bypassed or not).
        """

        def __init__(self, config: BacktestEngineConfig) -> None:
            super().__init__(config)
            self._post_run_analysis = config.run_analysis

        def _log_pre_run(self) -> None:
            return

        def _log_post_run(self) -> None:
            if self._post_run_analysis:
                super()._log_post_run()

    def _engine(config: BacktestEngineConfig, quiet: bool) -> BacktestEngine:
        return QuietBacktestEngine(config) if quiet else BacktestEngine(config)

    def _logging_config(log_level: str, bypass_logging: bool) -> dict[str, Any]:
        return {"logging": LoggingConfig(log_level=log_level, bypass_logging=bypass_logging)}

    def _timestamp(ts_ns: int | None) -> pd.Timestamp | None:
        # A Timestamp, not an int: 1.221 parses an int through pandas' slow path (60 us each).
        return None if ts_ns is None else pd.Timestamp(ts_ns, tz="UTC")

    def engine_clock(engine: BacktestEngine) -> Clock:
        """The clock every component of `engine` runs on (the simulated time)."""
        return engine.kernel.clock

    def engine_kernel(engine: BacktestEngine) -> Any | None:
        """`engine`'s kernel (message bus, risk engine), `None` where Python cannot reach it (2.0)."""
        return engine.kernel

    def set_stream_data(engine: BacktestEngine, data: Sequence[Any]) -> None:
        """Give `data` (time-sorted) to the engine's next `run(streaming=True)`, replacing any
        episode data given before; on 2.0 it also drops data added otherwise (`clear_data`), so
        an engine that streams episodes holds no data of its own."""
        engine.add_data_iterator(EPISODE_STREAM, iter((list(data),)))


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
    return _engine(config, quiet=bypass_logging)


def run_engine(
    engine: BacktestEngine,
    start_ns: int | None = None,
    end_ns: int | None = None,
    *,
    streaming: bool = False,
) -> None:
    """`engine.run` from `start_ns` to `end_ns` (UNIX nanoseconds, `None`: the data's ends)."""
    engine.run(start=_timestamp(start_ns), end=_timestamp(end_ns), streaming=streaming)


__all__ = ["create_engine", "engine_clock", "engine_kernel", "run_engine", "set_stream_data"]
