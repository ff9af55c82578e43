"""`LiveNode` end to end against the MT5 terminal simulator served over RPyC on 127.0.0.1.

The simulator's clock is stepped bar by bar from the test (`advance_bars`), so every
assertion waits for a state that must come (polling with timeouts), never for a guess of
how long something takes. The strategy is a plain Nautilus `Strategy` loaded through
`ImportableStrategyConfig`, as the RL agent will be.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from nautilus_rl_lab.errors import ConfigError, ValuationError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig
from nautilus_rl_lab.nt.importable import ImportableStrategyConfig
from nautilus_rl_lab.nt.model import Bar, BarType, InstrumentId, OrderRejected, OrderSide, Venue
from nautilus_rl_lab.nt.names import enum_member
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from tests.adapters.metatrader5.conftest import clients, rpyc_node_config
from tests.conftest import assert_python_error

INSTRUMENT = "EURUSD.MT5"
BAR_TYPE = "EURUSD.MT5-1-MINUTE-BID-EXTERNAL"
MAGIC = 777
WAIT = 10.0


class ScriptedConfig(StrategyConfig, frozen=True):
    """One market order per bar: ``orders[i] = (side, units)`` on the i-th bar."""

    instrument_id: str = INSTRUMENT
    bar_type: str = BAR_TYPE
    orders: list[tuple[str, int]] = []
    fail_at_bar: int = -1


class ScriptedStrategy(HandlerErrors, Strategy):
    """Sends the scripted market orders, one per bar, and records what comes back (its `on_bar`
    error is recorded, as the toolkit's components do: 2.0 swallows handler errors)."""

    def __init__(self, config: ScriptedConfig) -> None:
        super().__init__(config)
        self.bars: list[Bar] = []
        self.rejections: list[OrderRejected] = []
        self.before_submit: Callable[[int], None] | None = None

    def on_start(self) -> None:
        super().on_start()
        self.subscribe_bars(BarType.from_str(self.config.bar_type))

    @guarded
    def on_bar(self, bar: Bar) -> None:
        index = len(self.bars)
        self.bars.append(bar)
        if index == self.config.fail_at_bar:
            raise ValuationError(f"scripted failure on bar {index}")
        if index >= len(self.config.orders):
            return
        side, units = self.config.orders[index]
        instrument = self.cache.instrument(InstrumentId.from_str(self.config.instrument_id))
        order = self.order_factory.market(
            instrument.id,
            enum_member(OrderSide, side),
            instrument.make_qty(units),
        )
        if self.before_submit is not None:
            self.before_submit(index)
        self.submit_order(order)

    def on_order_rejected(self, event: OrderRejected) -> None:
        self.rejections.append(event)


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(params=["netting", "hedging"])
def margin_mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def terminal(margin_mode: str) -> Iterator[tuple[Mt5TerminalSimulator, ServerHandle]]:
    config = Mt5SimulatorConfig(
        bar_seconds=60,
        synthetic_bars=400,
        warmup_bars=20,
        margin_mode=margin_mode,
        commission_per_lot=3.5,
    )
    simulator = Mt5TerminalSimulator(config=config)
    handle = serve(simulator, "127.0.0.1", 0)
    yield simulator, handle
    simulator.stop_replay()
    handle.stop()


def _config(handle: ServerHandle, strategies=(), actors=()) -> LiveNodeConfig:
    return rpyc_node_config(handle.port, strategies, actors, magic=MAGIC)


def _node(handle: ServerHandle, orders: list[tuple[str, int]] | None, **options: Any) -> LiveNode:
    strategies = []
    fail_at_bar = options.pop("fail_at_bar", -1)
    claims = options.pop("claims", None)
    if orders is not None:
        strategies.append(
            ImportableStrategyConfig(
                strategy_path=f"{__name__}:ScriptedStrategy",
                config_path=f"{__name__}:ScriptedConfig",
                config={
                    "orders": orders,
                    "fail_at_bar": fail_at_bar,
                    "external_order_claims": claims,
                },
            ),
        )
    return LiveNode(_config(handle, strategies), **options)


@pytest.fixture
def run_node(terminal) -> Iterator[Callable[..., tuple[LiveNode, ScriptedStrategy | None]]]:
    _, handle = terminal
    nodes: list[LiveNode] = []

    def start(orders: list[tuple[str, int]] | None = None, **options: Any):
        node = _node(handle, orders, **options)
        nodes.append(node)
        node.start()
        strategies = node.trader.strategies()
        return node, (strategies[0] if strategies else None)

    yield start
    for node in nodes:
        node.dispose()


def _step_bar(
    node: LiveNode,
    simulator: Mt5TerminalSimulator,
    strategy: ScriptedStrategy,
) -> None:
    """Close one more bar at the terminal and wait until the strategy saw it."""
    seen = len(strategy.bars)
    for _ in range(3):  # the first bar may land before the subscription's first poll
        simulator.advance_bars(1)
        if node.wait_until(lambda: len(strategy.bars) > seen, timeout_secs=1.5):
            return
    raise AssertionError("no bar reached the strategy")


def _settled(node: LiveNode, strategy: ScriptedStrategy) -> bool:
    """Every order sent so far reached a final state (filled, rejected, ...)."""
    orders = node.cache.orders()
    expected = min(len(strategy.bars), len(strategy.config.orders))
    return len(orders) == expected and all(o.is_closed for o in orders)


def _trade(node, simulator, strategy, n_bars: int) -> None:
    for _ in range(n_bars):
        _step_bar(node, simulator, strategy)
        assert node.wait_until(lambda: _settled(node, strategy), timeout_secs=WAIT)
    # One more poll round so the last account state is in.
    assert node.wait_until(
        lambda: _balance(node) == pytest.approx(simulator.account_info().balance),
        timeout_secs=WAIT,
    )


def _balance(node: LiveNode) -> float:
    account = node.cache.account_for_venue(Venue("MT5"))
    return float(account.balance_total().as_double())


def _net_units(node: LiveNode) -> Decimal:
    positions = node.cache.positions_open(instrument_id=InstrumentId.from_str(INSTRUMENT))
    return sum((Decimal(str(p.signed_qty)) for p in positions), Decimal(0))


def _terminal_net_units(simulator: Mt5TerminalSimulator) -> Decimal:
    total = Decimal(0)
    for position in simulator.positions_get() or ():
        sign = 1 if position.type == 0 else -1
        total += sign * Decimal(repr(position.volume)) * 100_000
    return total


def _our_mt5_orders(simulator: Mt5TerminalSimulator) -> list:
    history = simulator.history_orders_get(0, 2**31 - 1) or ()
    return [o for o in history if o.magic == MAGIC]


def _assert_in_step(node: LiveNode, simulator: Mt5TerminalSimulator) -> None:
    """Nautilus orders/fills/positions/balance equal the terminal's."""
    nautilus_orders = node.cache.orders()
    mt5_orders = _our_mt5_orders(simulator)
    comments = sorted(o.comment for o in mt5_orders)
    assert comments == sorted(
        o.client_order_id.value for o in nautilus_orders if o.is_closed and o.filled_qty > 0
    )
    assert len(set(comments)) == len(comments), "an order reached the terminal twice"
    deals = [d for d in simulator.history_deals_get(0, 2**31 - 1) or () if d.magic == MAGIC]
    fills = [f for o in nautilus_orders for f in o.events() if type(f).__name__ == "OrderFilled"]
    assert sorted(str(f.trade_id) for f in fills) == sorted(str(d.ticket) for d in deals)
    assert _net_units(node) == _terminal_net_units(simulator)
    assert _balance(node) == pytest.approx(simulator.account_info().balance)
    if simulator.account_info().margin_mode == 2:  # hedging: Nautilus positions are tickets
        open_ids = {p.id.value for p in node.cache.positions_open()}
        assert open_ids == {str(p.ticket) for p in simulator.positions_get()}


# -- tests -------------------------------------------------------------------------------


# issue 24 hazard (1): a handler's exception in the live node halts it and names the error
@pytest.mark.parametrize("margin_mode", ["netting"])
@pytest.mark.parametrize("on_error", ["flatten", "cancel"])
def test_an_error_while_running_halts_per_on_error_and_never_kills_the_process(
    terminal, run_node, on_error
):
    simulator, _ = terminal
    node, strategy = run_node([("BUY", 10_000)], fail_at_bar=1, on_error=on_error)
    reasons: list[str] = []
    node.on_failure.append(reasons.append)
    _step_bar(node, simulator, strategy)
    assert node.wait_until(lambda: _terminal_net_units(simulator) == 10_000, timeout_secs=WAIT)
    simulator.advance_bars(1)  # the strategy raises on this bar
    assert node.wait_until(lambda: not node.is_running(), timeout_secs=WAIT + 5)
    assert node.failure is not None and "scripted failure on bar 1" in node.failure
    assert reasons == [node.failure]
    expected = 0 if on_error == "flatten" else 10_000
    assert _terminal_net_units(simulator) == expected


def test_bars_arrive_orders_fill_and_state_matches_terminal(terminal, run_node):
    simulator, _ = terminal
    orders = [("BUY", 10_000), ("BUY", 20_000), ("SELL", 10_000), ("SELL", 50_000), ("BUY", 10_000)]
    node, strategy = run_node(orders)
    _trade(node, simulator, strategy, len(orders))

    assert len(strategy.bars) == len(orders)
    rates = simulator.copy_rates_from_pos("EURUSD", 1, 1, len(orders))  # 0: in progress
    assert [b.ts_event // 10**9 for b in strategy.bars] == [int(t) + 60 for t in rates["time"]]
    assert [o.status.name for o in node.cache.orders()] == ["FILLED"] * len(orders)
    _assert_in_step(node, simulator)
    assert _net_units(node) == Decimal(-20_000)
    commission = sum(
        float(f.commission.as_double())
        for f in node.cache.orders()[0].events()
        if hasattr(f, "commission")
    )
    assert commission > 0


@pytest.mark.parametrize("fault", ["disconnect", "timeout", "connection", "requote"])
def test_faults_mid_session_lose_and_duplicate_no_order(terminal, run_node, fault):
    simulator, _ = terminal
    orders = [("BUY", 10_000), ("SELL", 30_000), ("BUY", 10_000)]
    node, strategy = run_node(orders)

    def inject(index: int) -> None:
        if index == 1:  # the 2nd order meets the fault
            simulator.inject(fault, count=4 if fault == "disconnect" else 1)

    strategy.before_submit = inject
    _trade(node, simulator, strategy, len(orders))

    assert fault not in simulator.armed_faults(), "the fault was never met"
    statuses = [(o.client_order_id.value, o.status.name) for o in node.cache.orders()]
    assert all(status == "FILLED" for _, status in statuses), (statuses, strategy.rejections)
    assert not strategy.rejections
    _assert_in_step(node, simulator)
    assert _net_units(node) == Decimal(-10_000)


def test_rejected_orders_carry_the_mt5_retcode_and_reason(terminal, run_node):
    simulator, _ = terminal
    orders = [("BUY", 1_500), ("BUY", 10_000_000), ("SELL", 10_000)]
    node, strategy = run_node(orders)
    _trade(node, simulator, strategy, len(orders))

    reasons = [r.reason for r in strategy.rejections]
    assert len(reasons) == 2
    assert "10014" in reasons[0] and "INVALID_VOLUME" in reasons[0]
    assert "10019" in reasons[1] and "NO_MONEY" in reasons[1]
    _assert_in_step(node, simulator)
    assert _net_units(node) == Decimal(-10_000)


def test_order_beyond_the_account_leverage_is_rejected_with_no_money(terminal, run_node):
    """Live, the broker's leverage decides: an order needing 1.5x the margin the balance covers
    at the account's leverage ends REJECTED (MT5 NO_MONEY), one needing 0.5x fills."""
    simulator, _ = terminal
    account = simulator.account  # sizes from the symbol's 1.10 start price, checked below
    capacity = account.balance * account.leverage / 1.10
    over = math.ceil(1.5 * capacity / 1_000) * 1_000
    under = math.floor(0.5 * capacity / 1_000) * 1_000
    node, strategy = run_node([("BUY", over), ("BUY", under)])
    _trade(node, simulator, strategy, 2)

    assert [o.status.name for o in node.cache.orders()] == ["REJECTED", "FILLED"]
    (rejection,) = strategy.rejections
    assert "NO_MONEY" in rejection.reason
    price = node.cache.orders()[1].avg_px
    assert over * price / account.leverage > account.balance > under * price / account.leverage
    _assert_in_step(node, simulator)
    assert _net_units(node) == Decimal(under)


def test_restarted_node_reconciles_positions_from_the_terminal(terminal, run_node):
    simulator, _ = terminal
    orders = [("BUY", 10_000), ("BUY", 20_000), ("SELL", 40_000)]
    node, strategy = run_node(orders)
    _trade(node, simulator, strategy, len(orders))
    _assert_in_step(node, simulator)
    expected = _terminal_net_units(simulator)
    node.dispose()

    restarted, _ = run_node(None)  # a fresh node: nothing in its cache but the terminal's state
    assert restarted.wait_until(lambda: _net_units(restarted) == expected, timeout_secs=WAIT)
    assert _balance(restarted) == pytest.approx(simulator.account_info().balance)
    if simulator.account_info().margin_mode == 2:
        open_ids = {p.id.value for p in restarted.cache.positions_open()}
        assert open_ids == {str(p.ticket) for p in simulator.positions_get()}


@pytest.mark.parametrize("margin_mode", ["netting"])
@pytest.mark.parametrize("claimed", [True, False], ids=["claimed", "unclaimed"])
def test_a_restarted_node_gives_the_earlier_orders_to_the_strategy_claiming_them(
    terminal, run_node, claimed
):
    """No cache database (NautilusTrader 2.0 refuses one on a node with Python clients:
    `prototypes/nt2/live_cache_database_routes.py`): a fresh node rebuilds the earlier session's
    orders from the terminal under their own client order ids, owned by the strategy that
    claims the instrument, else EXTERNAL."""
    simulator, _ = terminal
    node, strategy = run_node([("BUY", 10_000), ("SELL", 20_000)])
    _trade(node, simulator, strategy, 2)
    before = {o.client_order_id.value: o.strategy_id.value for o in node.cache.orders()}
    assert set(before.values()) == {"ScriptedStrategy-000"}
    del strategy  # thread-bound on 2.0: released with its node, on the node's thread
    node.dispose()

    restarted = run_node([], claims=[INSTRUMENT] if claimed else None)[0]

    def owners() -> dict[str, str]:
        return {o.client_order_id.value: o.strategy_id.value for o in restarted.cache.orders()}

    assert restarted.wait_until(lambda: set(before) <= set(owners()), timeout_secs=WAIT)
    expected = before if claimed else dict.fromkeys(before, "EXTERNAL")
    assert {order: owners()[order] for order in before} == expected
    assert restarted.wait_until(
        lambda: _net_units(restarted) == _terminal_net_units(simulator), timeout_secs=WAIT
    )


def test_a_restarted_node_numbers_its_orders_after_the_earlier_ones(terminal, run_node):
    """The strategy claiming the earlier orders counts its client order ids on from them, as
    1.221's strategy does when it starts: 2.0 starts at 1 again, so a node restarted within the
    second of its earlier orders gave a new order an earlier one's id (the stress scenario
    `restart_mid_session` then counted duplicated orders)."""
    simulator, _ = terminal
    node, strategy = run_node([("BUY", 10_000), ("SELL", 20_000)])
    _trade(node, simulator, strategy, 2)
    before = {o.client_order_id.value for o in node.cache.orders()}
    del strategy  # thread-bound on 2.0: released with its node, on the node's thread
    node.dispose()

    restarted, strategy = run_node([("BUY", 10_000)], claims=[INSTRUMENT])
    _step_bar(restarted, simulator, strategy)

    def new() -> set[str]:
        return {o.client_order_id.value for o in restarted.cache.orders()} - before

    assert restarted.wait_until(lambda: len(new()) == 1, timeout_secs=WAIT)
    assert [order.rsplit("-", 1)[1] for order in new()] == [str(len(before) + 1)]


def test_run_for_trades_a_high_speed_replay_and_stops_when_done(terminal):
    simulator, handle = terminal
    node = _node(handle, [("BUY", 10_000), ("SELL", 10_000), ("BUY", 10_000)])
    try:
        simulator.start_replay(speed=60 * 20)  # 20 one-minute bars per second
        node.run_for(
            WAIT,
            until=lambda n: (
                len(n.cache.orders()) == 3 and all(o.is_closed for o in n.cache.orders())
            ),
        )
        simulator.stop_replay()
        assert not node.trader.is_running
        assert [o.status.name for o in node.cache.orders()] == ["FILLED"] * 3
        assert _net_units(node) == _terminal_net_units(simulator) == Decimal(10_000)
    finally:
        node.dispose()


def test_rl_agent_and_agent_strategy_trade_through_the_live_node(terminal, tmp_path):
    """The project's RLAgent (here wrapping a seeded random policy) plugs in as importable
    configs; its actions become MT5 orders and the state still matches the terminal."""
    import gymnasium as gym

    from nautilus_rl_lab.agents import RandomAgent
    from nautilus_rl_lab.nt.importable import ImportableActorConfig

    simulator, handle = terminal
    agent_dir = RandomAgent(gym.spaces.Discrete(3), seed=5).save(tmp_path / "agent")
    window = {"name": "window", "params": {"window": 3}}
    action = {"name": "target_position", "params": {"trade_size": 10_000}}
    agent = ImportableActorConfig(
        actor_path="nautilus_rl_lab.agents:RLAgent",
        config_path="nautilus_rl_lab.agents:RLAgentConfig",
        config={
            "instrument_id": INSTRUMENT,
            "bar_type": BAR_TYPE,
            "agent_path": str(agent_dir),
            "observation": window,
            "action": action,
        },
    )
    executor = ImportableStrategyConfig(
        strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
        config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
        config={"instrument_id": INSTRUMENT, "action": action},
    )
    config = _config(handle, strategies=[executor], actors=[agent])
    node = LiveNode(config)
    try:
        node.start()
        for _ in range(12):
            seen = node.cache.bar_count(BarType.from_str(BAR_TYPE))
            simulator.advance_bars(1)
            node.wait_until(
                lambda seen=seen: node.cache.bar_count(BarType.from_str(BAR_TYPE)) > seen,
                timeout_secs=1.5,
            )
            assert node.wait_until(
                lambda: all(o.is_closed for o in node.cache.orders()),
                timeout_secs=WAIT,
            )
        assert node.cache.orders(), "the agent never acted"
        assert node.wait_until(
            lambda: _balance(node) == pytest.approx(simulator.account_info().balance),
            timeout_secs=WAIT,
        )
        _assert_in_step(node, simulator)
    finally:
        node.dispose()


# Each typo below reached Nautilus unchecked: most aborted the interpreter (SIGABRT) while the
# node was built, the rest raised a ValueError that named no config field.
_AGENT_STRATEGY = {
    "strategy_path": "nautilus_rl_lab.strategies.agent_strategy:AgentStrategy",
    "config_path": "nautilus_rl_lab.strategies.agent_strategy:AgentStrategyConfig",
}
_RL_AGENT = {
    "actor_path": "nautilus_rl_lab.agents.rl_agent:RLAgent",
    "config_path": "nautilus_rl_lab.agents.rl_agent:RLAgentConfig",
}


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"trader_id": "BAD"}, "`trader_id`"),
        ({"log_level": "BOGUS"}, "`log_level`"),
        ({"max_order_submit_rate": "bad"}, "`max_order_submit_rate`"),
        ({"max_order_modify_rate": "100/1"}, "`max_order_modify_rate`"),
        ({"max_notional_per_order": {"EURUSD": 1_000}}, "`max_notional_per_order['EURUSD']`"),
        ({"symbols": ["EURUSD", " "]}, "`symbols[1]`"),
        (
            {"strategies": [{**_AGENT_STRATEGY, "config": {"instrument_id": "EURUSD.MTÉ"}}]},
            "`strategies[0].config.instrument_id`",
        ),
        (
            {
                "strategies": [
                    {
                        **_AGENT_STRATEGY,
                        "config": {"instrument_id": "EURUSD.MT5", "oms_type": "NETING"},
                    }
                ]
            },
            "`strategies[0].config.oms_type`",
        ),
        (
            {"actors": [{**_RL_AGENT, "config": {"component_id": "Agént"}}]},
            "`actors[0].config.component_id`",
        ),
    ],
)
def test_live_node_config_typos_raise_a_python_error_naming_the_field(fields, fragment):
    code = (
        "from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig\n"
        f"LiveNode(LiveNodeConfig.from_dict({fields!r}))\n"
    )
    assert_python_error(code, "ConfigError", fragment)


def test_live_risk_engine_takes_the_limits_of_the_strategies_risk_section() -> None:
    from nautilus_rl_lab.nodes.live import build_live_node_config

    executor = ImportableStrategyConfig(
        strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
        config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
        config={
            "instrument_id": INSTRUMENT,
            "risk": {"max_notional_per_order": 250_000, "max_order_submit_rate": "5/00:01:00"},
        },
    )
    config = LiveNodeConfig(strategies=[executor], max_notional_per_order={"GBPUSD.MT5": 9})
    risk_engine = build_live_node_config(config).risk_engine
    notionals = {k: int(v) for k, v in risk_engine.max_notional_per_order.items()}  # str on 2.0
    assert notionals == {"GBPUSD.MT5": 9, INSTRUMENT: 250_000}
    assert risk_engine.max_order_submit_rate == "5/00:01:00"
    # without a risk section the node's own limits stay
    assert build_live_node_config(LiveNodeConfig()).risk_engine.max_order_submit_rate == (
        LiveNodeConfig().max_order_submit_rate
    )


def test_trailing_stop_is_refused_on_mt5_naming_the_field() -> None:
    """MT5 position stops do not trail over the API: the node refuses the config up front."""
    risk = {"stop_loss": 0.01, "take_profit": 0.02}
    executor = {
        **_AGENT_STRATEGY,
        "config": {"instrument_id": INSTRUMENT, "risk": {**risk, "trailing_stop": True}},
    }
    with pytest.raises(ConfigError, match=r"`strategies\[0\].config.risk.trailing_stop`"):
        LiveNodeConfig.from_dict({"strategies": [executor]})
    fixed = {**executor, "config": {"instrument_id": INSTRUMENT, "risk": risk}}
    assert LiveNodeConfig.from_dict({"strategies": [fixed]}).strategies[0].config["risk"] == risk


@pytest.mark.parametrize(
    ("component", "fragment"),
    [
        (
            {"instrument_id": INSTRUMENT, "bar_type": "GBPUSD.MT5-1-MINUTE-BID-EXTERNAL"},
            "decide on one instrument's bars and trade another",
        ),
        (
            {"instrument_id": "GBPUSD.MT5", "bar_type": "GBPUSD.MT5-1-MINUTE-BID-EXTERNAL"},
            "add 'GBPUSD' to `symbols`",
        ),
        (
            {"instrument_id": INSTRUMENT, "bar_type": "EURUSD.MT5-1-MINUTES-BID"},
            r"`actors\[0\]\.config\.bar_type` is not a Nautilus identifier",
        ),
    ],
)
def test_bars_of_another_or_of_an_unloaded_symbol_are_refused(component, fragment) -> None:
    actor = {**_RL_AGENT, "config": component}
    with pytest.raises(ConfigError, match=fragment):
        LiveNodeConfig.from_dict({"symbols": ["EURUSD"], "actors": [actor]})


@pytest.mark.parametrize(
    "field", ["poll_interval_secs", "timeout_connection", "reconnect_backoff_s"]
)
@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0])
def test_seconds_that_are_not_finite_and_positive_are_refused(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"`{field}` must be positive \\(finite seconds\\)"):
        LiveNodeConfig(**{field: value})


def test_a_stalled_loop_trades_no_stale_bar_and_never_beyond_the_cap(tmp_path):
    """The node's event loop is blocked while six one-minute bars close at the terminal; they
    arrive at once. The four older than `max_bar_age_secs` (90 s) are observed, not traded, and
    alerted; the last two both ask for the 10,000 long from the same stale flat position, and
    the second order counts the first one in flight: the position ends at the cap, not twice it."""
    import threading

    from nautilus_rl_lab.adapters.metatrader5.connection import (
        acquire_connection,
        release_connection,
    )
    from nautilus_rl_lab.agents import BuyAndHoldAgent
    from nautilus_rl_lab.deploy import agent_configs
    from nautilus_rl_lab.monitoring import MonitorActor
    from nautilus_rl_lab.mt5 import Mt5BackendConfig
    from nautilus_rl_lab.nt.importable import ImportableActorConfig
    from nautilus_rl_lab.schemes import SchemeConfig
    from nautilus_rl_lab.strategies import RiskLimits

    action = SchemeConfig(name="target_position", params={"trade_size": 10_000})
    agent_dir = BuyAndHoldAgent(action).save(tmp_path / "agent")
    sim_config = Mt5SimulatorConfig(bar_seconds=60, synthetic_bars=200, warmup_bars=20, seed=3)
    simulator = Mt5TerminalSimulator(config=sim_config)
    backend = Mt5BackendConfig(backend="simulator", simulator=sim_config)
    connection = acquire_connection(backend, client=simulator)  # the node shares it
    window = SchemeConfig(name="window", params={"window": 2})
    rl_agent, strategy = agent_configs(
        agent_dir, INSTRUMENT, BAR_TYPE, window, action, RiskLimits(), max_bar_age_secs=90.0
    )
    monitor = ImportableActorConfig(
        actor_path="nautilus_rl_lab.monitoring:MonitorActor",
        config_path="nautilus_rl_lab.monitoring:MonitorConfig",
        config={"run_dir": str(tmp_path / "run"), "instrument_id": INSTRUMENT},
    )
    components = {"actors": [rl_agent, monitor], "strategies": [strategy]}
    node = LiveNode(LiveNodeConfig(backend=backend, log_level="ERROR", **clients(), **components))
    bar_type = BarType.from_str(BAR_TYPE)
    try:
        node.start()
        agent = next(a for a in node.trader.actors() if not isinstance(a, MonitorActor))
        monitor = next(a for a in node.trader.actors() if isinstance(a, MonitorActor))
        for _ in range(3):  # the first bar may land before the subscription's first poll
            simulator.advance_bars(1)
            if node.wait_until(lambda: node.cache.bar_count(bar_type) > 0, timeout_secs=1.5):
                break
        assert node.cache.bar_count(bar_type) == 1 and not node.cache.orders()

        blocked, release = threading.Event(), threading.Event()

        def stall() -> None:  # runs on the node's loop: nothing else runs meanwhile
            blocked.set()
            release.wait(WAIT)

        node.get_event_loop().call_soon_threadsafe(stall)
        assert blocked.wait(WAIT)
        simulator.advance_bars(6)
        release.set()

        assert node.wait_until(lambda: node.cache.bar_count(bar_type) == 7, timeout_secs=WAIT)
        assert node.wait_until(
            lambda: bool(node.cache.orders()) and all(o.is_closed for o in node.cache.orders()),
            timeout_secs=WAIT,
        )
        assert agent.actions_published == 2 and agent.path.stale_decisions == 4
        assert [o.status.name for o in node.cache.orders()] == ["FILLED"]
        assert _net_units(node) == _terminal_net_units(simulator) == Decimal(10_000)
        stale = [a for a in monitor.alerts if a.rule == "stale_bar"]
        assert [round(a.value) for a in stale] == [300, 240, 180, 120]
        assert all(a.threshold == 90.0 and "not traded" in a.message for a in stale)
    finally:
        node.dispose()
        release_connection(connection)


def test_every_execution_client_setting_is_settable_from_a_yaml_live_config(tmp_path) -> None:
    """The client configs are nested: the four settings a flat copy lacked reach the client."""
    from nautilus_rl_lab.mt5 import Mt5BackendConfig
    from nautilus_rl_lab.nodes.live import build_live_node_config

    path = tmp_path / "live.yaml"
    path.write_text(
        "backend: {backend: rpyc, port: 18900}\n"
        "symbols: [EURUSD, GBPUSD]\n"
        "data_client: {poll_interval_secs: 0.5, server_offset_s: 7200}\n"
        "exec_client:\n"
        "  magic: 7\n"
        "  server_offset_s: 7200\n"
        "  deviation_points: 35\n"
        "  max_price_retries: 6\n"
        "  unknown_outcome_checks: 9\n"
        "  reconnect_max_attempts: 4\n",
        encoding="utf-8",
    )
    config = LiveNodeConfig.from_file(path)
    node_config = build_live_node_config(config)
    # a 2.0 node holds the client configs wrapped in native ones (`settings`)
    execution, data = (
        getattr(c, "settings", c)
        for c in (node_config.exec_clients["MT5"], node_config.data_clients["MT5"])
    )
    assert (execution.deviation_points, execution.max_price_retries) == (35, 6)
    assert (execution.unknown_outcome_checks, execution.reconnect_max_attempts) == (9, 4)
    assert (execution.magic, execution.server_offset_s, data.server_offset_s) == (7, 7200, 7200)
    assert data.poll_interval_secs == 0.5
    for client in (execution, data):
        assert client.backend == Mt5BackendConfig(backend="rpyc", port=18_900)
        assert client.instrument_provider.symbols == ("EURUSD", "GBPUSD")


def test_the_flat_client_fields_still_work_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="flat client fields"):
        config = LiveNodeConfig(magic=99, poll_interval_secs=0.3, server_offset_s=3600)
    assert (config.exec_client.magic, config.exec_client.poll_interval_secs) == (99, 0.3)
    assert (config.data_client.poll_interval_secs, config.data_client.server_offset_s) == (
        0.3,
        3600,
    )
    assert config.magic is None  # moved, so a saved config is in the nested form
    assert LiveNodeConfig.parse(config.json()) == config


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ({"exec_client": {"deviation_points": -1}}, "`deviation_points` must be >= 0"),
        ({"exec_client": {"server_offset_s": 3600}}, "different server clocks"),
        ({"data_client": {"backend": {"backend": "rpyc"}}}, "`data_client.backend` is set by"),
        ({"data_client": {"poll_interval_secs": 0}}, "`poll_interval_secs` must be positive"),
    ],
)
def test_nested_client_configs_are_checked(section: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        LiveNodeConfig.from_dict(section)


# -- a portfolio's components (issue 25): checked per instrument ---------------------------

_PORTFOLIO = ("EURUSD.MT5", "GBPUSD.MT5", "USDJPY.MT5")


def _portfolio_components(**changes: Any) -> dict[str, Any]:
    """A portfolio agent's actor and strategy as a live config's mappings, with `changes` to
    the actor's (``actor_``) or the strategy's (``strategy_``) config fields."""
    from nautilus_rl_lab.agents.portfolio_baselines import ACTION
    from nautilus_rl_lab.deploy import portfolio_agent_configs
    from nautilus_rl_lab.schemes import SchemeConfig
    from nautilus_rl_lab.strategies import RiskLimits

    actor, strategy = portfolio_agent_configs(
        "agent",
        _PORTFOLIO,
        [f"{i}-1-MINUTE-BID-EXTERNAL" for i in _PORTFOLIO],
        SchemeConfig(name="stacked_window"),
        ACTION,
        [RiskLimits(max_notional_per_order=100_000 * (k + 1)) for k in range(len(_PORTFOLIO))],
    )
    mappings = {}
    for kind, component in (("actor", actor), ("strategy", strategy)):
        config = dict(component.config)
        config.update({k.split("_", 1)[1]: v for k, v in changes.items() if k.startswith(kind)})
        mappings[kind] = {**msgspec.structs.asdict(component), "config": config}
    return {"actors": [mappings["actor"]], "strategies": [mappings["strategy"]]}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"actor_bar_types": [f"{i}-1-MINUTE-BID-EXTERNAL" for i in reversed(_PORTFOLIO)]},
            r"`actors\[0\]\.config\.bar_types\[0\]` 'USDJPY.*instrument_ids\[0\]` is "
            "'EURUSD.MT5': the component would decide on one instrument's bars",
        ),
        (
            {"actor_bar_types": ["EURUSD.MT5-1-MINUTE-BID-EXTERNAL"]},
            r"`actors\[0\]\.config\.bar_types` has 1 entries for 3 `instrument_ids`",
        ),
        (
            {"strategy_risks": [{}]},
            r"`strategies\[0\]\.config\.risks` has 1 entries for 3 `instrument_ids`",
        ),
        (
            {"strategy_risks": [{}, {"stop_loss": 0.01, "trailing_stop": True}, {}]},
            r"`strategies\[0\]\.config\.risks\[1\]\.trailing_stop` is not available on MT5",
        ),
    ],
)
def test_a_portfolio_s_bars_and_risks_are_checked_per_instrument(changes, fragment) -> None:
    with pytest.raises(ConfigError, match=fragment):
        LiveNodeConfig.from_dict(
            {"symbols": ["EURUSD", "GBPUSD", "USDJPY"], **_portfolio_components(**changes)}
        )


def test_a_portfolio_symbol_the_node_does_not_load_is_refused() -> None:
    with pytest.raises(
        ConfigError,
        match=r"`actors\[0\]\.config\.instrument_ids\[2\]` names "
        r"USDJPY\.MT5 .* add 'USDJPY' to `symbols`",
    ):
        LiveNodeConfig.from_dict({"symbols": ["EURUSD", "GBPUSD"], **_portfolio_components()})


def test_the_live_risk_engine_takes_each_portfolio_leg_s_notional_cap() -> None:
    from nautilus_rl_lab.nodes.live import build_live_node_config

    config = LiveNodeConfig.from_dict(
        {"symbols": ["EURUSD", "GBPUSD", "USDJPY"], **_portfolio_components()}
    )
    risk_engine = build_live_node_config(config).risk_engine
    notionals = {k: int(v) for k, v in risk_engine.max_notional_per_order.items()}
    assert notionals == {i: 100_000 * (k + 1) for k, i in enumerate(_PORTFOLIO)}
