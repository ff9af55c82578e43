"""Drop-in modules: a script for ``import MetaTrader5 as mt5`` runs unchanged but for the import.

`SCRIPT` uses only the real module's documented API and constants (open with SL/TP, check
margin, refuse a bad volume, close by ticket, history deals, pending order then remove,
rates and ticks). It runs against ``nautilus_rl_lab.mt5.simulator`` (in-process) and
``nautilus_rl_lab.mt5.rpyc`` (the same kind of simulator served on 127.0.0.1), and both
runs must see the same terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5 import rpyc as rpyc_dropin
from nautilus_rl_lab.mt5 import simulator as simulator_dropin
from nautilus_rl_lab.mt5.rpyc.client import RpycMt5Client
from nautilus_rl_lab.mt5.rpyc.server import serve
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame

REAL_CONSTANTS = Path(__file__).parent / "data" / "metatrader5_constants.txt"

SCRIPT = """
from datetime import datetime

import MetaTrader5 as mt5

assert mt5.initialize(), mt5.last_error()
symbol = "EURUSD"
assert mt5.symbol_select(symbol, True)
info = mt5.symbol_info(symbol)
tick = mt5.symbol_info_tick(symbol)
filling = mt5.ORDER_FILLING_FOK if info.filling_mode & 1 else mt5.ORDER_FILLING_IOC
lot = info.volume_min

margin = mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, symbol, lot, tick.ask)
assert 0 < margin < mt5.account_info().margin_free

deal = {
    "action": mt5.TRADE_ACTION_DEAL,
    "symbol": symbol,
    "volume": lot * 1.5,
    "type": mt5.ORDER_TYPE_BUY,
    "price": tick.ask,
    "deviation": 20,
    "magic": 234000,
    "comment": "python script open",
    "type_time": mt5.ORDER_TIME_GTC,
    "type_filling": filling,
}
refused = mt5.order_send(deal)
assert refused.retcode == mt5.TRADE_RETCODE_INVALID_VOLUME, refused

sl = round(tick.bid - 100 * info.point, info.digits)
tp = round(tick.bid + 100 * info.point, info.digits)
opened = mt5.order_send({**deal, "volume": lot, "sl": sl, "tp": tp})
assert opened.retcode == mt5.TRADE_RETCODE_DONE, opened
position = mt5.positions_get(symbol=symbol)[0]
assert (position.sl, position.tp, position.volume) == (sl, tp, lot)

tick = mt5.symbol_info_tick(symbol)
closed = mt5.order_send({
    **deal,
    "volume": position.volume,
    "type": mt5.ORDER_TYPE_SELL,
    "position": position.ticket,
    "price": tick.bid,
    "comment": "python script close",
})
assert closed.retcode == mt5.TRADE_RETCODE_DONE, closed
assert mt5.positions_get(symbol=symbol) == ()
deals = mt5.history_deals_get(position=position.ticket)
assert [d.entry for d in deals] == [mt5.DEAL_ENTRY_IN, mt5.DEAL_ENTRY_OUT]

limit_price = round(tick.ask - 200 * info.point, info.digits)
placed = mt5.order_send({
    "action": mt5.TRADE_ACTION_PENDING,
    "symbol": symbol,
    "volume": lot,
    "type": mt5.ORDER_TYPE_BUY_LIMIT,
    "price": limit_price,
    "type_time": mt5.ORDER_TIME_GTC,
    "type_filling": mt5.ORDER_FILLING_RETURN,
})
assert placed.retcode == mt5.TRADE_RETCODE_PLACED, placed
assert mt5.orders_total() == 1
removed = mt5.order_send({"action": mt5.TRADE_ACTION_REMOVE, "order": placed.order})
assert removed.retcode == mt5.TRADE_RETCODE_DONE, removed
assert mt5.orders_total() == 0

rates = mt5.copy_rates_from_pos(symbol, mt5.TIMEFRAME_H1, 0, 3)
ticks = mt5.copy_ticks_from(symbol, datetime(2020, 1, 1), 8, mt5.COPY_TICKS_ALL)
assert len(rates) == 3 and len(ticks) == 8

assert mt5.market_book_add(symbol)
book = mt5.market_book_get(symbol)
assert mt5.market_book_release(symbol)

summary = {
    "deals": [(d.type, d.entry, d.volume, d.price, d.profit) for d in deals],
    "balance": mt5.account_info().balance,
    "rates": [float(c) for c in rates["close"]],
    "ticks": [float(b) for b in ticks["bid"]],
    "book": [(b.type, b.price) for b in book],
}
mt5.shutdown()
"""


def _terminal() -> Mt5TerminalSimulator:
    return Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))


def _run(script: str, import_line: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(script.replace("import MetaTrader5 as mt5", import_line), namespace)
    return namespace["summary"]


@pytest.fixture
def served_terminal() -> Iterator[tuple[Mt5TerminalSimulator, RpycMt5Client]]:
    terminal = _terminal()
    handle = serve(terminal, "127.0.0.1", 0)
    client = RpycMt5Client("127.0.0.1", handle.port, timeout_s=5.0)
    yield terminal, client
    client.close()
    handle.stop()


def test_a_script_for_the_real_module_runs_in_process_and_over_rpyc(served_terminal) -> None:
    local = _terminal()
    simulator_dropin.use(local)
    in_process = _run(SCRIPT, "from nautilus_rl_lab.mt5 import simulator as mt5")
    remote_terminal, client = served_terminal
    rpyc_dropin.use(client)
    over_rpyc = _run(SCRIPT, "from nautilus_rl_lab.mt5 import rpyc as mt5")

    assert in_process == over_rpyc
    trades = [
        (d.type, d.entry, d.volume, d.price, d.profit) for d in local.account.deals if d.volume
    ]
    assert trades == in_process["deals"]  # what the script saw is what the terminal booked
    assert in_process["balance"] == local.account.balance == remote_terminal.account.balance
    assert len(remote_terminal.account.deals) == len(local.account.deals)


def _real_module_constants() -> dict[str, int]:
    pairs = (
        line.split(" = ")
        for line in REAL_CONSTANTS.read_text().splitlines()
        if line and not line.startswith("#")
    )
    return {name: int(value) for name, value in pairs}


@pytest.mark.parametrize("module", [simulator_dropin, rpyc_dropin], ids=["simulator", "rpyc"])
def test_every_constant_of_the_real_module_has_its_value(module: Any) -> None:
    expected = _real_module_constants()
    assert len(expected) == 223
    actual = {name: getattr(module, name, None) for name in expected}
    assert {n: v for n, v in actual.items() if v != expected[n]} == {}


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'ORDER_TYPE_NOPE'"):
        _ = simulator_dropin.ORDER_TYPE_NOPE


# --- issue 22: what scripts written from the official docs expect ---------------------------


@pytest.mark.parametrize("module", [simulator_dropin, rpyc_dropin], ids=["simulator", "rpyc"])
def test_the_module_has_a_version_and_an_author_like_the_real_one(module: Any) -> None:
    assert re.fullmatch(r"5\.0\.\d+", module.__version__), module.__version__
    assert isinstance(module.__author__, str) and module.__author__


@pytest.mark.parametrize("module", [simulator_dropin, rpyc_dropin], ids=["simulator", "rpyc"])
def test_no_constant_the_real_module_lacks_is_exported(module: Any) -> None:
    expected = _real_module_constants()
    exported = [name for name in vars(mt5c) if name.isupper() and hasattr(module, name)]
    assert len(exported) == len(expected)
    assert [name for name in exported if name not in expected] == []
    for name in ("SYMBOL_FILLING_FOK", "ORDER_FILLING_BOC", "MAX_COMMENT_LENGTH"):
        with pytest.raises(AttributeError):
            getattr(module, name)


def test_login_takes_password_and_server_positionally() -> None:
    local = _terminal()
    simulator_dropin.use(local)
    mt5: Any = simulator_dropin
    assert mt5.initialize()
    config = local.config
    assert mt5.login(config.login, config.password, config.server) is True
    assert mt5.login(config.login, config.password, "Other-Server") is False
    assert mt5.last_error()[0] == mt5.RES_E_AUTH_FAILED


HELPERS_SCRIPT = """
import MetaTrader5 as mt5

assert mt5.initialize(), mt5.last_error()
mt5.symbol_select("EURUSD", True)
bought = mt5.Buy("EURUSD", 0.1)
assert bought.retcode == mt5.TRADE_RETCODE_DONE, bought
sold = mt5.Sell("EURUSD", 0.3, comment="flip")
assert sold.retcode == mt5.TRADE_RETCODE_DONE, sold
short = mt5.positions_get(symbol="EURUSD")
closed = mt5.Close("EURUSD")
summary = {
    "requests": [(r.request.type, r.request.volume, r.request.deviation) for r in (bought, sold)],
    "short": [(p.type, p.volume) for p in short],
    "closed": closed,
    "after": mt5.positions_get(symbol="EURUSD"),
    "nothing_to_close": mt5.Close("EURUSD"),
}
"""


def test_buy_sell_and_close_helpers_of_the_real_module(served_terminal) -> None:
    simulator_dropin.use(_terminal())
    in_process = _run(HELPERS_SCRIPT, "from nautilus_rl_lab.mt5 import simulator as mt5")
    _, client = served_terminal
    rpyc_dropin.use(client)
    over_rpyc = _run(HELPERS_SCRIPT, "from nautilus_rl_lab.mt5 import rpyc as mt5")

    assert in_process == over_rpyc
    assert in_process["requests"] == [(0, 0.1, 10), (1, 0.3, 10)]  # the module's deviation 10
    assert in_process["short"] == [(1, pytest.approx(0.2))]  # netting: 0.1 long - 0.3 sold
    assert in_process["closed"] is True
    assert in_process["after"] == ()
    assert in_process["nothing_to_close"] is False


def test_the_default_terminal_serves_the_documentation_examples() -> None:
    """History for ``copy_rates_from_pos(..., 0, 100)``, EURUSD in Market Watch, the majors."""
    simulator_dropin.use(simulator_dropin.default_terminal())
    mt5: Any = simulator_dropin
    assert mt5.initialize()
    for symbol in ("EURUSD", "GBPUSD", "USDJPY"):
        rates = mt5.copy_rates_from_pos(symbol, mt5.TIMEFRAME_H1, 0, 100)
        assert rates is not None and len(rates) == 100, (symbol, mt5.last_error())
        assert mt5.last_error() == (1, "Success")
    tick = mt5.symbol_info_tick("EURUSD")  # no symbol_select needed, as in a fresh terminal
    assert tick is not None and tick.ask > tick.bid > 0
    assert mt5.symbol_info("EURUSD").visible is True


def test_a_symbol_the_terminal_lacks_names_the_option_that_adds_it() -> None:
    simulator_dropin.use(_terminal())
    mt5: Any = simulator_dropin
    assert mt5.initialize()
    assert mt5.symbol_info("EURAUD") is None
    code, description = mt5.last_error()
    assert code == mt5.RES_E_NOT_FOUND
    assert description.startswith("Terminal: Not found")
    assert "EURAUD" in description and "Mt5SimulatorConfig(symbols=" in description


def test_buy_retries_with_a_fresh_quote_on_requotes_unless_given_a_price() -> None:
    local = _terminal()
    simulator_dropin.use(local)
    mt5: Any = simulator_dropin
    assert mt5.initialize()
    tick = mt5.symbol_info_tick("EURUSD")
    local.inject("requote", 1)
    assert mt5.Buy("EURUSD", 0.1, tick.ask).retcode == mt5.TRADE_RETCODE_REQUOTE  # no retry
    local.inject("requote", 3)
    assert mt5.Buy("EURUSD", 0.1).retcode == mt5.TRADE_RETCODE_DONE  # the 4th try fills
    local.inject("requote", None)
    assert mt5.Sell("EURUSD", 0.1).retcode == mt5.TRADE_RETCODE_REQUOTE  # gives up after 10
    assert local.armed_faults() == {"requote": None}
    assert [p.volume for p in mt5.positions_get()] == [0.1]
