"""A portfolio agent live on three MT5 symbols against the terminal simulator (issue 25).

The simulator is served over RPyC on 127.0.0.1 and stepped bar by bar from the test, as in
tests/nodes/test_live_node.py; every assertion waits for a state that must come. The agent is
a rule agent (equal weights at every decision), so its orders are known in advance.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline
from nautilus_rl_lab.deploy import portfolio_agent_configs
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode
from nautilus_rl_lab.nt.model import BarType, InstrumentId
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies import RiskLimits
from tests.adapters.metatrader5.conftest import rpyc_node_config

SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY")
INSTRUMENTS = [f"{s}.MT5" for s in SYMBOLS]
BAR_TYPES = [f"{i}-1-MINUTE-BID-EXTERNAL" for i in INSTRUMENTS]
MAGIC = 4242
WAIT = 10.0
INVESTED = 0.75  # 25% of the equity in each: whole lots, far from a lot boundary


class LateFeed:
    """The simulator as the node's terminal, except that `symbol`'s bars stop at the bar
    forming when `stop` is called (its feed never delivers them: the node waits in vain)."""

    def __init__(self, simulator: Mt5TerminalSimulator, symbol: str) -> None:
        self._simulator = simulator
        self.symbol = symbol
        self.before: int | None = None  # no bar opened at or after this (server seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._simulator, name)

    def stop(self) -> None:
        (forming,) = self._simulator.copy_rates_from_pos(self.symbol, mt5c.TIMEFRAME_M1, 0, 1)
        self.before = int(forming["time"])

    def copy_rates_from_pos(self, symbol: str, *args: Any) -> Any:
        rates = self._simulator.copy_rates_from_pos(symbol, *args)
        if symbol != self.symbol or self.before is None or rates is None:
            return rates
        return rates[rates["time"] < self.before]


@pytest.fixture
def commission() -> float:
    return 0.0


@pytest.fixture
def margin_mode() -> str:
    return "netting"


@pytest.fixture
def terminal(
    commission: float, margin_mode: str
) -> Iterator[tuple[Mt5TerminalSimulator, LateFeed, ServerHandle]]:
    config = Mt5SimulatorConfig(
        symbols=SYMBOLS,
        bar_seconds=60,
        synthetic_bars=400,
        warmup_bars=20,
        balance=1_000_000.0,  # MT5 FX trades whole 100,000-unit lots in a portfolio
        commission_per_lot=commission,
        margin_mode=margin_mode,
    )
    simulator = Mt5TerminalSimulator(config=config)
    feed = LateFeed(simulator, SYMBOLS[-1])
    handle = serve(cast(Any, feed), "127.0.0.1", 0)
    yield simulator, feed, handle
    simulator.stop_replay()
    handle.stop()


def _node(handle: ServerHandle, tmp_path: Path, **options: Any) -> LiveNode:
    """A node trading equal weights on `SYMBOLS` (`options`: of `portfolio_agent_configs`)."""
    actor, strategy = _components(tmp_path, **options)
    return LiveNode(
        rpyc_node_config(handle.port, [strategy], [actor], magic=MAGIC, symbols=SYMBOLS)
    )


def _components(tmp_path: Path, **options: Any) -> tuple[Any, Any]:
    agent = PortfolioBaseline(INSTRUMENTS, "equal_weight", rebalance_every=1, invested=INVESTED)
    return portfolio_agent_configs(
        agent.save(tmp_path / "agent"),
        INSTRUMENTS,
        BAR_TYPES,
        SchemeConfig(name="stacked_window", params={"window": 2}),
        PortfolioBaseline.action,
        [RiskLimits()] * len(INSTRUMENTS),
        **options,
    )


def _close_bar(
    node: LiveNode, simulator: Mt5TerminalSimulator, expected: Sequence[str] = BAR_TYPES
) -> None:
    """Close one more bar at the terminal; wait until the `expected` bars reached the node (a
    symbol's first bar may land before its subscription's first poll: close another)."""
    bar_types = [BarType.from_str(b) for b in expected]
    seen = [node.cache.bar_count(b) for b in bar_types]

    def arrived() -> bool:
        return all(node.cache.bar_count(b) > n for b, n in zip(bar_types, seen, strict=True))

    for _ in range(3):
        simulator.advance_bars(1)
        if node.wait_until(arrived, timeout_secs=1.5):
            return
    raise AssertionError("a symbol's bar never reached the node")


def _rebalance(node: LiveNode, simulator: Mt5TerminalSimulator, agent: Any) -> None:
    """Close bars until the agent decides once more; wait until its orders are final."""
    decided = agent.actions_published
    for _ in range(5):
        _close_bar(node, simulator)
        if node.wait_until(lambda: agent.actions_published > decided, 0.5):
            break
    assert agent.actions_published == decided + 1, "the agent did not decide once"
    assert node.wait_until(lambda: all(o.is_closed for o in node.cache.orders()), WAIT)


def _nautilus_units(node: LiveNode, instrument: str) -> Decimal:
    positions = node.cache.positions_open(instrument_id=InstrumentId.from_str(instrument))
    return sum((Decimal(str(p.signed_qty)) for p in positions), Decimal(0))


def _terminal_units(simulator: Mt5TerminalSimulator, instrument: str) -> Decimal:
    symbol = instrument.split(".")[0]
    size = Decimal(repr(simulator.specs[symbol].contract_size))
    return sum(
        (
            (1 if p.type == 0 else -1) * Decimal(repr(p.volume)) * size
            for p in simulator.positions_get(symbol=symbol) or ()
        ),
        Decimal(0),
    )


def _in_step(node: LiveNode, simulator: Mt5TerminalSimulator) -> bool:
    """Nautilus' net position equals the terminal's on every symbol."""
    return all(_nautilus_units(node, i) == _terminal_units(simulator, i) for i in INSTRUMENTS)


@pytest.mark.parametrize(
    ("margin_mode", "commission"),
    [
        ("netting", 0.0),
        ("hedging", 0.0),
        ("netting", 3.5),  # USDJPY's USD commission: in its base currency (docs/nt2_port.md)
    ],
)
def test_a_rejected_leg_is_reported_and_retried_from_the_actual_positions(terminal, tmp_path):
    """Issue 25's acceptance test. The terminal rejects the first order of the first rebalance
    (MT5 10006 REJECT): the other two legs fill, the rejection is counted on its leg, Nautilus'
    positions equal the terminal's per symbol, and the next rebalance buys the missing leg from
    its actual (flat) position while the filled legs, already at their targets, send nothing."""
    simulator, _, handle = terminal
    node = _node(handle, tmp_path)
    try:
        node.start()
        (agent,) = node.trader.actors()
        (executor,) = node.trader.strategies()
        simulator.inject("reject", count=1)  # the session's first order_send

        _rebalance(node, simulator, agent)
        first = node.cache.orders()
        assert sorted(str(o.instrument_id) for o in first) == INSTRUMENTS  # one order per leg
        rejected = [o for o in first if o.status.name == "REJECTED"]
        assert len(rejected) == 1 and "10006" in (rejected[0].last_event.reason or "")
        missing = str(rejected[0].instrument_id)
        assert all(o.status.name == "FILLED" for o in first if o is not rejected[0])
        assert executor.orders_rejected == 1
        legs = {str(i): leg.orders_rejected for i, leg in executor.executor.leg_of.items()}
        assert legs == {i: int(i == missing) for i in INSTRUMENTS}
        assert node.wait_until(lambda: _in_step(node, simulator), WAIT)
        assert _terminal_units(simulator, missing) == 0
        held = {i: _terminal_units(simulator, i) for i in INSTRUMENTS if i != missing}
        assert all(units > 0 for units in held.values())

        _rebalance(node, simulator, agent)
        retried = [o for o in node.cache.orders() if o not in first]
        assert [(str(o.instrument_id), o.status.name) for o in retried] == [(missing, "FILLED")]
        assert node.wait_until(lambda: _in_step(node, simulator), WAIT)
        assert _terminal_units(simulator, missing) > 0
        assert {i: _terminal_units(simulator, i) for i in held} == held
        assert executor.orders_rejected == 1
    finally:
        node.dispose()


def test_a_symbol_whose_bar_never_comes_is_held_after_max_wait_secs(terminal, tmp_path):
    """USDJPY's feed stops delivering bars: the timestamp waits `max_wait_secs` for it, then the
    agent decides on the other two (USDJPY marked not trading, at its last delivered close, no
    later one) and USDJPY is held: no order, its position unchanged."""
    simulator, feed, handle = terminal
    node = _node(handle, tmp_path, max_wait_secs=2.0)  # ample for three polls of 0.02 s
    try:
        node.start()
        (agent,) = node.trader.actors()
        (executor,) = node.trader.strategies()
        _rebalance(node, simulator, agent)
        assert node.wait_until(lambda: _in_step(node, simulator), WAIT)
        orders, held = len(node.cache.orders()), _terminal_units(simulator, INSTRUMENTS[-1])
        assert held > 0

        feed.stop()
        decided = agent.actions_published
        _close_bar(node, simulator, BAR_TYPES[:-1])
        assert node.wait_until(lambda: agent.actions_published > decided, WAIT)
        assert agent.actions_published == decided + 1 and agent.partial_decisions == 1
        state = executor.history[-1]
        assert state.trading == (True, True, False)
        last = node.cache.bar(BarType.from_str(BAR_TYPES[-1]))
        assert state.closes[-1] == last.close.as_double() and state.ts_ns > last.ts_event
        assert node.wait_until(lambda: all(o.is_closed for o in node.cache.orders()), WAIT)
        late = [str(o.instrument_id) for o in node.cache.orders()[orders:]]
        assert INSTRUMENTS[-1] not in late
        assert _terminal_units(simulator, INSTRUMENTS[-1]) == held
        assert node.wait_until(lambda: _in_step(node, simulator), WAIT)
    finally:
        node.dispose()


def test_portfolio_configs_need_one_bar_type_and_risk_per_instrument(tmp_path) -> None:
    with pytest.raises(ConfigError, match="`risks` has 1 entries for 3 `instrument_ids`"):
        portfolio_agent_configs(
            tmp_path,
            INSTRUMENTS,
            BAR_TYPES,
            SchemeConfig(name="stacked_window"),
            PortfolioBaseline.action,
            [RiskLimits()],
        )
