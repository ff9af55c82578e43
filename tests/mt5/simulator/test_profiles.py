"""Broker profiles: one request meets differently configured brokers, each as documented."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.profiles import BROKER_PROFILES
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame


def _terminal(profile: str, **overrides) -> Mt5TerminalSimulator:
    sim = Mt5TerminalSimulator.from_profile(profile, wave_frame(), warmup_bars=5, **overrides)
    assert sim.initialize()
    sim.symbol_select("EURUSD", True)
    return sim


def _deal(sim: Mt5TerminalSimulator, side: int, filling: int, price: float | None = None):
    tick = sim.symbol_info_tick("EURUSD")
    market = tick.ask if side == mt5c.ORDER_TYPE_BUY else tick.bid
    return sim.order_send(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": 0.1,
            "type": side,
            "price": market if price is None else price,
            "deviation": 5,
            "type_filling": filling,
        }
    )


@pytest.mark.parametrize("name", sorted(BROKER_PROFILES))
def test_the_terminal_reports_the_profiles_setup(name: str) -> None:
    profile = BROKER_PROFILES[name]
    sim = _terminal(name)
    info = sim.symbol_info("EURUSD")
    assert (info.trade_exemode, info.filling_mode) == (profile.trade_exemode, profile.filling_mode)
    assert info.spread == profile.account["spread_points"]
    assert info.trade_stops_level == profile.account["stops_level"]
    hedging = profile.account["margin_mode"] == "hedging"
    assert (sim.account_info().margin_mode == mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) is hedging


def test_the_same_requests_meet_each_brokers_rules() -> None:
    ecn, maker, exchange = (
        _terminal(n) for n in ("ecn_netting", "market_maker_hedging", "exchange_netting")
    )
    # Filling modes come from the symbol: IOC is refused where only FOK is allowed.
    assert _deal(maker, mt5c.ORDER_TYPE_BUY, mt5c.ORDER_FILLING_IOC).retcode == (
        mt5c.TRADE_RETCODE_INVALID_FILL
    )
    assert _deal(ecn, mt5c.ORDER_TYPE_BUY, mt5c.ORDER_FILLING_IOC).retcode == (
        mt5c.TRADE_RETCODE_DONE
    )
    # Instant execution requotes a price further than `deviation` from the quote; market
    # execution fills at the market whatever the request says.
    stale = maker.symbol_info_tick("EURUSD").ask + 0.0010
    assert _deal(maker, mt5c.ORDER_TYPE_BUY, mt5c.ORDER_FILLING_FOK, stale).retcode == (
        mt5c.TRADE_RETCODE_REQUOTE
    )
    stale = ecn.symbol_info_tick("EURUSD").ask + 0.0010
    assert _deal(ecn, mt5c.ORDER_TYPE_BUY, mt5c.ORDER_FILLING_IOC, stale).retcode == (
        mt5c.TRADE_RETCODE_DONE
    )
    # Hedging keeps a buy and a sell apart; netting nets them out.
    for sim, filling in ((maker, mt5c.ORDER_FILLING_FOK), (exchange, mt5c.ORDER_FILLING_IOC)):
        assert _deal(sim, mt5c.ORDER_TYPE_BUY, filling).retcode == mt5c.TRADE_RETCODE_DONE
        assert _deal(sim, mt5c.ORDER_TYPE_SELL, filling).retcode == mt5c.TRADE_RETCODE_DONE
    assert maker.positions_total() == 2 and exchange.positions_total() == 0
    # Commission per lot and deal, as configured.
    commissions = {d.commission for d in exchange.history_deals_get(0, 2**31) if d.volume}
    assert commissions == {-0.1 * BROKER_PROFILES["exchange_netting"].account["commission_per_lot"]}


def test_overrides_win_and_unknown_profiles_are_refused() -> None:
    assert _terminal("ecn_netting", margin_mode="hedging").account_info().margin_mode == (
        mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
    )
    with pytest.raises(ConfigError, match="`profile` 'nope'"):
        Mt5TerminalSimulator.from_profile("nope")
