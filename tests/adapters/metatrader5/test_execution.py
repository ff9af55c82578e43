"""`Mt5ExecutionClient` against the in-process terminal simulator: the account's OMS type and
state, and USDJPY's commissions in the account's (its base) currency (the orders, protective
legs and reconciliation have their own test modules).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from nautilus_rl_lab.adapters.metatrader5.execution import oms_type_for_account
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode
from nautilus_rl_lab.nt.model import InstrumentId, OrderFilled, OrderSide, OrderStatus
from nautilus_rl_lab.nt.trading import Strategy
from nautilus_rl_lab.strategies.commissions import FillCommissions
from tests.adapters.metatrader5.conftest import (
    INSTRUMENT,
    WAIT,
    Probe,
    ProbeConfig,
    current,
    live_session,
)


def test_oms_type_follows_the_account_margin_mode():
    from nautilus_rl_lab.nt.model import OmsType

    assert oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) == OmsType.HEDGING
    assert oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING) == OmsType.NETTING
    with pytest.raises(ConfigError, match="margin_mode"):
        oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING, "HEDGING")


def test_account_state_is_the_terminals(session):
    node, _, simulator = session
    account = node.cache.account_for_venue(INSTRUMENT.venue)
    info = simulator.account_info()
    assert str(account.id) == f"MT5-{info.login}"
    assert account.balance_total().as_double() == pytest.approx(info.balance)
    assert account.base_currency.code == info.currency
    assert account.last_event.info["margin_mode"] == info.margin_mode
    assert not account.calculate_account_state  # reported by the terminal, never recomputed


# -- a commission in the instrument's base currency (USDJPY on a USD account) -------------

USDJPY = InstrumentId.from_str("USDJPY.MT5")
CommissionsProbeConfig = ProbeConfig


class CommissionsProbe(Probe):
    """The probe, keeping the commission totals the toolkit's strategies keep of their fills."""

    def __init__(self, config: ProbeConfig) -> None:
        super().__init__(config)
        self.commissions = FillCommissions()

    def on_start(self) -> None:
        super().on_start()
        self.commissions.start(self, USDJPY)

    def on_order_event(self, event) -> None:
        super().on_order_event(event)
        Strategy.on_order_event(self, event)  # publishes the fills `FillCommissions` hears


def _usdjpy_terminal(margin_mode: str) -> tuple[Mt5TerminalSimulator, Mt5SimulatorConfig]:
    """A USD account trading USDJPY, 3.50 USD of commission a lot: every deal's commission is
    in the pair's base currency."""
    sim_config = Mt5SimulatorConfig(
        symbols=("USDJPY",),
        bar_seconds=60,
        synthetic_bars=400,
        warmup_bars=20,
        margin_mode=margin_mode,
        balance=1_000_000.0,
        commission_per_lot=3.5,
    )
    return Mt5TerminalSimulator(config=sim_config), sim_config


def _usdjpy_node(
    simulator: Mt5TerminalSimulator, sim_config: Mt5SimulatorConfig
) -> AbstractContextManager[tuple[LiveNode, Probe, Mt5TerminalSimulator]]:
    return live_session(simulator, sim_config, f"{__name__}:CommissionsProbe", symbols=("USDJPY",))


@pytest.fixture(params=["netting", "hedging"])
def usdjpy_session(request) -> Iterator[tuple[LiveNode, Probe, Mt5TerminalSimulator]]:
    with _usdjpy_node(*_usdjpy_terminal(request.param)) as running:
        yield running


def _trade_usdjpy(node: LiveNode, probe: Probe, trades: list[tuple[OrderSide, int]]) -> None:
    """Send the market orders one by one, each filled before the next."""
    instrument = node.cache.instrument(USDJPY)
    for side, units in trades:
        order = probe.order_factory.market(USDJPY, side, instrument.make_qty(units))
        node.call(partial(probe.submit_order, order))
        assert node.wait_until(partial(_filled, node, order), timeout_secs=WAIT)


def _filled(node: LiveNode, order: Any) -> bool:
    return bool(current(node, order).status == OrderStatus.FILLED)


def _nautilus_units(node: LiveNode) -> Decimal:
    positions = node.cache.positions_open(instrument_id=USDJPY)
    return sum((Decimal(str(p.signed_qty)) for p in positions), Decimal(0))


def _terminal_units(simulator: Mt5TerminalSimulator) -> Decimal:
    size = Decimal(repr(simulator.specs["USDJPY"].contract_size))
    return sum(
        (
            (1 if p.type == mt5c.POSITION_TYPE_BUY else -1) * Decimal(repr(p.volume)) * size
            for p in simulator.positions_get(symbol="USDJPY") or ()
        ),
        Decimal(0),
    )


def _balances(node: LiveNode) -> dict[str, Decimal]:
    account = node.cache.account_for_venue(USDJPY.venue)
    return {b.total.currency.code: b.total.as_decimal() for b in account.balances().values()}


def _terminal_deals(simulator: Mt5TerminalSimulator) -> dict[str, Any]:
    deals = simulator.history_deals_get(0, 2**31 - 1) or ()
    return {str(d.ticket): d for d in deals if d.symbol == "USDJPY"}


def test_a_base_currency_commission_leaves_the_position_and_account_the_terminals(usdjpy_session):
    """Nautilus 2.0 takes a commission in a pair's base currency off the position: the USD
    commission of a USDJPY deal on a USD account must not. The position stays the terminal's,
    the account its (USD) balance, each fill's commission, in JPY, is the deal's to the cent
    back at the deal's price, and the strategy's commission total (`FillCommissions`, in USD at
    the quote) the terminal's."""
    node, probe, simulator = usdjpy_session
    _trade_usdjpy(node, probe, [(OrderSide.BUY, 200_000), (OrderSide.SELL, 50_000)])
    node.wait_until(lambda: _nautilus_units(node) == _terminal_units(simulator), WAIT)
    assert (_nautilus_units(node), _terminal_units(simulator)) == (150_000, 150_000)

    info = simulator.account_info()  # the terminal's: the account is reported, never computed
    assert node.wait_until(lambda: _balances(node) == {"USD": Decimal(repr(info.balance))}, WAIT)
    reported = node.cache.account_for_venue(USDJPY.venue).last_event.info
    assert (reported["equity"], reported["profit"]) == (info.equity, info.profit)

    deals = _terminal_deals(simulator)
    fills = [e for o in node.cache.orders() for e in o.events() if isinstance(e, OrderFilled)]
    assert sorted(str(f.trade_id) for f in fills) == sorted(deals)
    for fill in fills:
        deal = deals[str(fill.trade_id)]
        assert deal.commission < 0 and fill.commission.currency.code == "JPY"
        in_usd = fill.commission.as_decimal() / fill.last_px.as_decimal()
        assert round(in_usd, 2) == -Decimal(repr(deal.commission))
    paid = -sum((Decimal(repr(d.commission)) for d in deals.values()), Decimal(0))
    assert {m.currency.code: m.as_decimal() for m in probe.commissions.values()} == {"USD": paid}


@pytest.mark.parametrize("margin_mode", ["netting", "hedging"])
def test_a_restarted_node_reconciles_a_base_currency_commission_s_position(margin_mode):
    """The deals a restarted node reconciles carry the same commission: its position is the
    terminal's too."""
    simulator, sim_config = _usdjpy_terminal(margin_mode)
    with _usdjpy_node(simulator, sim_config) as (node, probe, _):
        _trade_usdjpy(node, probe, [(OrderSide.BUY, 200_000), (OrderSide.BUY, 100_000)])
    with _usdjpy_node(simulator, sim_config) as (restarted, _, _):
        restarted.wait_until(lambda: _nautilus_units(restarted) == 300_000, WAIT)
        assert (_nautilus_units(restarted), _terminal_units(simulator)) == (300_000, 300_000)
