"""Counting what happened to orders, from both sides: duplicates, unmatched deals, reject reasons.

The terminal side is a real MT5 simulator traded directly through its MT5 API; the Nautilus
side is written out as the plain records a node's cache gives (`NodeSnapshot`), or read from a
live node on the simulator.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from nautilus_rl_lab.adapters.metatrader5.parsing import classify_send_result, retcode_reason
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator import Mt5SimulatorConfig, Mt5TerminalSimulator
from nautilus_rl_lab.scenarios import AgentSpec, StressResults, builtin_stress_scenarios
from nautilus_rl_lab.scenarios.stress_results import (
    NodeSnapshot,
    OrderRecord,
    TerminalRecord,
    duplicated_orders,
    reject_reason_key,
    stress_row,
    symbols_row,
)
from tests.adapters.metatrader5.conftest import (
    INSTRUMENT,
    WAIT,
    bought,
    live_session,
    terminal_buy,
)

MAGIC = 77
CONTRACT = 100_000.0


@pytest.fixture
def terminal() -> Mt5TerminalSimulator:
    simulator = Mt5TerminalSimulator(config=Mt5SimulatorConfig(synthetic_bars=100, warmup_bars=10))
    simulator.initialize()
    simulator.symbol_select("EURUSD", True)
    return simulator


def _buy(terminal: Mt5TerminalSimulator, comment: str, lots: float = 0.1) -> int:
    tick = terminal.symbol_info_tick("EURUSD")
    result = terminal.order_send(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": lots,
            "type": mt5c.ORDER_TYPE_BUY,
            "price": tick.ask,
            "magic": MAGIC,
            "comment": comment,
            "type_filling": mt5c.ORDER_FILLING_IOC,
        }
    )
    assert result.retcode == mt5c.TRADE_RETCODE_DONE
    return int(result.deal)


def _snapshot(orders: dict[str, tuple[str, ...]], position: Decimal) -> NodeSnapshot:
    records = tuple(
        OrderRecord(cid, "AgentStrategy-000", "FILLED", False, True, None, trades)
        for cid, trades in orders.items()
    )
    return NodeSnapshot(records, position, position, ("AgentStrategy-000",), (), 0)


def _leg(cid: str, instrument: str, status: str, position: Decimal) -> NodeSnapshot:
    order = OrderRecord(
        cid, "PortfolioAgentStrategy-000", status, False, True, None, (), instrument
    )
    return NodeSnapshot((order,), position, position, ("PortfolioAgentStrategy-000",), (), 0)


def test_a_portfolio_row_is_equal_only_if_every_symbols_positions_are() -> None:
    """Per symbol: its orders and both sides' positions; the row: NaN positions (no sum over
    instruments), equal only if all are."""
    node = {
        "EURUSD": _leg("O-1", "EURUSD.MT5", "REJECTED", Decimal(0)),
        "GBPUSD": _leg("O-1", "EURUSD.MT5", "REJECTED", Decimal(100_000)),
    }
    terminals = {
        "EURUSD": TerminalRecord({}, (), Decimal(0)),
        "GBPUSD": TerminalRecord({}, (), Decimal(200_000)),  # the terminal holds a lot more
    }
    row, _, per_symbol = symbols_row([node], terminals, [])
    assert [(p["symbol"], p["submitted"], p["rejected"]) for p in per_symbol] == [
        ("EURUSD", 1, 1),
        ("GBPUSD", 0, 0),
    ]
    assert [p["positions_equal"] for p in per_symbol] == [True, False]
    assert not row["positions_equal"] and pd.isna(row["terminal_position"])
    assert row["submitted"] == 1 and row["rejected"] == 1

    terminals["GBPUSD"] = TerminalRecord({}, (), Decimal(100_000))
    assert symbols_row([node], terminals, [])[0]["positions_equal"]


def test_one_terminal_order_per_client_order_id_is_no_duplicate(terminal) -> None:
    deals = [_buy(terminal, "O-1"), _buy(terminal, "O-2")]
    record = TerminalRecord.take(terminal, MAGIC, "EURUSD", CONTRACT)
    assert record.net_position == Decimal(20_000)
    assert duplicated_orders(record, ["O-1", "O-2"]) == 0
    row, _ = stress_row(
        [_snapshot({"O-1": (str(deals[0]),), "O-2": (str(deals[1]),)}, Decimal(20_000))],
        record,
        [("O-1", mt5c.TRADE_RETCODE_DONE, "DEAL"), ("O-2", mt5c.TRADE_RETCODE_DONE, "DEAL")],
    )
    assert row["positions_equal"] and row["duplicated_orders"] == row["unmatched_deals"] == 0
    assert row["retries"] == 0 and row["filled"] == row["submitted"] == 2


def test_a_resent_order_and_a_stray_order_are_counted_as_duplicates(terminal) -> None:
    first = _buy(terminal, "O-1")
    _buy(terminal, "O-1")  # a blind resend of an order that had executed
    _buy(terminal, "nobody")  # an order with our magic that no Nautilus order sent
    _buy(terminal, "O-9", lots=0.2)
    record = TerminalRecord.take(terminal, MAGIC, "EURUSD", CONTRACT)
    assert duplicated_orders(record, ["O-1"]) == 1 + 1 + 1  # resend, stray, unknown O-9
    sends = [("O-1", mt5c.TRADE_RETCODE_TIMEOUT, "DEAL"), ("O-1", mt5c.TRADE_RETCODE_DONE, "DEAL")]
    row, _ = stress_row([_snapshot({"O-1": (str(first),)}, Decimal(10_000))], record, sends)
    assert row["duplicated_orders"] == 3
    assert row["unmatched_deals"] == 3 and row["phantom_fills"] == 0
    assert row["retries"] == 1
    assert row["terminal_position"] == 50_000 and not row["positions_equal"]


def test_a_fill_the_terminal_never_made_is_a_phantom_fill(terminal) -> None:
    deal = _buy(terminal, "O-1")
    record = TerminalRecord.take(terminal, MAGIC, "EURUSD", CONTRACT)
    snapshot = _snapshot({"O-1": (str(deal), "inferred-1")}, Decimal(10_000))
    row, _ = stress_row([snapshot], record, [])
    assert row["phantom_fills"] == 1 and row["unmatched_deals"] == 0


def test_a_failing_terminal_read_raises_instead_of_reporting_flat(terminal) -> None:
    _buy(terminal, "O-1")
    terminal.inject("disconnect", count=5)
    with pytest.raises(ConnectionError, match="MT5 `orders_get` failed"):
        TerminalRecord.take(terminal, MAGIC, "EURUSD", CONTRACT)


@pytest.mark.parametrize(
    ("retcode", "key"),
    [
        (mt5c.TRADE_RETCODE_NO_MONEY, "NO_MONEY"),
        (mt5c.TRADE_RETCODE_REQUOTE, "REQUOTE"),
        (mt5c.TRADE_RETCODE_PRICE_OFF, "PRICE_OFF"),
    ],
)
def test_reject_reasons_are_keyed_by_their_mt5_name(retcode: int, key: str) -> None:
    assert reject_reason_key(retcode_reason(retcode, "comment: with colons")) == key


def test_a_lost_link_reason_is_keyed_by_its_error_code() -> None:
    outcome = classify_send_result(None, (mt5c.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection"))
    assert reject_reason_key(outcome.reason) == f"LAST_ERROR_{mt5c.RES_E_INTERNAL_FAIL_CONNECT}"
    assert reject_reason_key("denied by the risk engine") == "OTHER"


def test_results_save_and_load_round_trip(tmp_path: Path) -> None:
    scenario = builtin_stress_scenarios(8)["no_money"]
    results = StressResults(
        pd.DataFrame([{"scenario": "no_money", "rejected": 2}]),
        pd.DataFrame([{"scenario": "no_money", "reason": "NO_MONEY", "count": 2}]),
        pd.DataFrame([{"scenario": "no_money", "bar": 2, "fault": "no_money"}]),
        pd.DataFrame([{"scenario": "no_money", "comment": "O-1", "retcode": "NO_MONEY"}]),
        {"no_money": scenario},
        AgentSpec(name="random", agent="random", seed=1),
        pd.DataFrame([{"scenario": "no_money", "symbol": "EURUSD", "positions_equal": True}]),
    )
    loaded = StressResults.load(results.save(tmp_path / "stress"))
    assert loaded.table.equals(results.table) and loaded.sends.equals(results.sends)
    assert loaded.symbols.equals(results.symbols)
    assert loaded.scenarios == results.scenarios and loaded.agent == results.agent
    assert loaded.reasons_by_scenario().loc["no_money", "NO_MONEY"] == 2


def test_an_order_the_node_only_reconciled_is_not_counted_as_submitted() -> None:
    """1.221's `OrderInitialized.reconciliation` always reads False: the record asks the order's
    events whether the node sent it."""
    sim_config = Mt5SimulatorConfig(bar_seconds=60, synthetic_bars=3_000, warmup_bars=20, seed=3)
    claims = {"external_order_claims": [str(INSTRUMENT)]}
    probe_path = "tests.adapters.metatrader5.conftest:Probe"
    simulator = Mt5TerminalSimulator(config=sim_config)
    with live_session(simulator, sim_config, probe_path, claims) as (node, probe, _):
        bought(node, probe, 10_000)  # sent by the node
        terminal_buy(simulator, 0.1, magic=7)  # another expert's: the poll reconciles it
        assert node.wait_until(lambda: len(node.cache.orders()) == 2, timeout_secs=WAIT)
        snapshot = NodeSnapshot.take(node, INSTRUMENT)
    sent, reconciled = sorted(snapshot.orders, key=lambda o: o.reconciled)
    assert (sent.reconciled, reconciled.reconciled) == (False, True)
    assert sent.status == reconciled.status == "FILLED"
