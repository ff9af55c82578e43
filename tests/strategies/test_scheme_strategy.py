"""`SchemeStrategy` counts the orders Nautilus denied and the orders the venue rejected, and
shows its host (the env) its spaces, warm-up and `precompute` without exposing its schemes.

A plain `build_engine` backtest (no `TrainingNodeConfig`, so nothing refuses the setup up front)
with a strategy that always asks for the same target: a short equity on a CASH account is
rejected by Nautilus' simulated venue, an order beyond the leverage is denied by the margin gate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.wrangling import bar_type_for
from nautilus_rl_lab.nodes.engine import build_engine, default_venue, prepare_market_data
from nautilus_rl_lab.nt.model import OrderStatus
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.schemes.base import MarketState
from nautilus_rl_lab.schemes.registry import build_action, build_observation
from nautilus_rl_lab.strategies.scheme_strategy import SchemeStrategy, SchemeStrategyConfig

SHORT = 0


class AlwaysShort(SchemeStrategy):
    """Asks for the short target on every bar."""

    def decide(self, observation: np.ndarray, state: MarketState) -> Any:
        return SHORT


class Recorder(SchemeStrategy):
    """Holds flat and records every observation it is given."""

    def __init__(self, config: SchemeStrategyConfig) -> None:
        super().__init__(config)
        self.observations: list[np.ndarray] = []

    def decide(self, observation: np.ndarray, state: MarketState) -> Any:
        self.observations.append(observation.copy())
        return 1  # flat


def _run(
    account_type: str,
    spec: InstrumentSpec,
    trade_size: float,
    kind: type[SchemeStrategy] = AlwaysShort,
    precompute: bool = False,
) -> tuple[Any, Any]:
    instrument = make_instrument(spec)
    bar_type = bar_type_for(instrument.id, 1, "HOUR", "ASK")
    frame = synthetic.gbm(n_bars=20, start_price=100.0, volatility=0.001, seed=1)
    frame = frame.round(spec.price_precision)  # prices exact at the instrument's precision
    market = prepare_market_data(frame, instrument, bar_type, spread=0.02, price_side="ask")
    engine = build_engine(default_venue(account_type=account_type), market)
    strategy = kind(
        SchemeStrategyConfig(
            instrument_id=instrument.id,
            bar_type=bar_type,
            observation=SchemeConfig(name="window", params={"window": 2}),
            action=SchemeConfig(name="target_position", params={"trade_size": trade_size}),
        )
    )
    if precompute:
        strategy.precompute(market.bars)
    engine.add_strategy(strategy)
    engine.run()
    return engine, strategy


def test_venue_rejections_are_counted() -> None:
    equity = InstrumentSpec(
        symbol="ACME", kind="equity", price_precision=2, lot_size=1, min_quantity=1
    )
    engine, strategy = _run("CASH", equity, 100)
    try:
        *answered, last = engine.cache.orders()
        statuses = [order.status for order in answered]
        assert len(statuses) >= 10 and set(statuses) == {OrderStatus.REJECTED}
        assert strategy.orders_rejected == len(statuses) and strategy.orders_denied == 0
        assert strategy.fill_count == 0
        # The last bar's order reaches the venue after the data ends: 1.221 leaves it in flight;
        # NautilusTrader 2's `end()` has the venue answer it once the strategy has stopped.
        assert last.status in (OrderStatus.SUBMITTED, OrderStatus.REJECTED)
        assert last.last_event.ts_event > max(order.last_event.ts_event for order in answered)
    finally:
        engine.dispose()


def test_margin_denials_are_counted() -> None:
    # 100,000 USD at 30:1 carries about 3,000,000 USD; 10,000,000 EUR is far beyond it.
    engine, strategy = _run("MARGIN", InstrumentSpec(max_quantity=None), 10_000_000)
    try:
        statuses = [order.status for order in engine.cache.orders()]
        assert len(statuses) >= 10 and set(statuses) == {OrderStatus.DENIED}
        assert strategy.orders_denied == len(statuses) and strategy.orders_rejected == 0
    finally:
        engine.dispose()


def test_spaces_warmup_and_precompute_are_the_schemes_own() -> None:
    engine, plain = _run("MARGIN", InstrumentSpec(), 1_000, Recorder)
    engine.dispose()
    engine, prepared = _run("MARGIN", InstrumentSpec(), 1_000, Recorder, precompute=True)
    engine.dispose()
    config = prepared.config
    observation, action = build_observation(config.observation), build_action(config.action)
    assert prepared.observation_space == observation.space
    assert prepared.action_space == action.space
    assert prepared.warmup_bars == observation.warmup_bars > 1
    # precomputed features change no observation (no look-ahead)
    assert len(prepared.observations) == 20 - prepared.warmup_bars + 1
    np.testing.assert_array_equal(np.array(prepared.observations), np.array(plain.observations))
