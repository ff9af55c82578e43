"""`Mt5DataClient` against the in-process simulator on a UTC+2 trade server: quotes, live
bars stamped at their UTC close, historical bars, instruments, and the node config."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest
import yaml

from nautilus_rl_lab.adapters.metatrader5.config import Mt5ExecClientConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig, build_live_node_config
from nautilus_rl_lab.nt.common import ImportableActorConfig
from nautilus_rl_lab.nt.model import Bar, BarType, CurrencyPair, InstrumentId, QuoteTick
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from tests.adapters.metatrader5.conftest import live_session

INSTRUMENT = InstrumentId.from_str("EURUSD.MT5")
BAR_TYPE = BarType.from_str("EURUSD.MT5-1-MINUTE-BID-EXTERNAL")
OFFSET = 7_200  # server clock = UTC+2
WAIT = 10.0


class ListenerConfig(StrategyConfig, frozen=True):
    """Subscribes to quotes and 1-minute bars."""


class Listener(Strategy):
    def __init__(self, config: ListenerConfig) -> None:
        super().__init__(config)
        self.quotes: list[QuoteTick] = []
        self.bars: list[Bar] = []
        self.history: list[Bar] = []

    def on_start(self) -> None:
        self.subscribe_quotes(INSTRUMENT)
        self.subscribe_bars(BAR_TYPE)

    def on_quote(self, quote: QuoteTick) -> None:
        self.quotes.append(quote)

    def on_bar(self, bar: Bar) -> None:
        self.bars.append(bar)

    def on_historical_bars(self, bars: list[Bar]) -> None:
        self.history.extend(bars)


@pytest.fixture
def session() -> Iterator[tuple[LiveNode, Listener, Mt5TerminalSimulator]]:
    sim_config = Mt5SimulatorConfig(
        bar_seconds=60,
        synthetic_bars=500,
        warmup_bars=60,
        server_offset_s=OFFSET,
    )
    with live_session(
        Mt5TerminalSimulator(config=sim_config),
        sim_config,
        f"{__name__}:Listener",
        server_offset_s=OFFSET,
    ) as running:
        yield running


def test_instrument_comes_from_symbol_info(session):
    node, _, simulator = session
    instrument = node.cache.instrument(INSTRUMENT)
    info = simulator.symbol_info("EURUSD")
    assert isinstance(instrument, CurrencyPair)
    assert instrument.price_precision == info.digits
    assert float(instrument.size_increment) == info.volume_step * info.trade_contract_size


def test_quotes_follow_the_terminal_ticks_in_utc(session):
    node, listener, simulator = session
    for _ in range(8):
        simulator.advance(1)
        tick = simulator.symbol_info_tick("EURUSD")
        assert node.wait_until(
            lambda tick=tick: (
                bool(listener.quotes)
                and listener.quotes[-1].ts_event == (tick.time_msc - OFFSET * 1000) * 1_000_000
            ),
            timeout_secs=WAIT,
        )
        quote = listener.quotes[-1]
        assert float(quote.bid_price) == pytest.approx(tick.bid)
        assert float(quote.ask_price) == pytest.approx(tick.ask)
    assert abs(listener.quotes[-1].ts_event - simulator.time_msc * 1_000_000) < 60 * 10**9


def test_live_bars_are_completed_bars_stamped_at_their_utc_close(session):
    node, listener, simulator = session
    for _ in range(3):  # the first may land before the subscription's first poll
        simulator.advance_bars(1)
        if node.wait_until(lambda: bool(listener.bars), timeout_secs=1.0):
            break
    for _ in range(4):
        seen = len(listener.bars)
        simulator.advance_bars(1)
        assert node.wait_until(lambda seen=seen: len(listener.bars) > seen, timeout_secs=WAIT)
    # start_pos 1: index 0 is the bar in progress, which the adapter never emits.
    rates = simulator.copy_rates_from_pos("EURUSD", 1, 1, len(listener.bars))
    closes_utc = [(int(t) - OFFSET + 60) * 10**9 for t in rates["time"]]
    assert [b.ts_event for b in listener.bars] == closes_utc
    assert [float(b.close) for b in listener.bars] == pytest.approx(list(rates["close"]))
    assert all(b.ts_event <= simulator.time_msc * 1_000_000 for b in listener.bars)


def test_historical_bars_come_from_copy_rates_range(session):
    node, listener, simulator = session
    start = pd.Timestamp(simulator.now) - pd.Timedelta(minutes=30)
    node.call(lambda: listener.request_bars(BAR_TYPE, start=start.to_pydatetime()))
    assert node.wait_until(lambda: len(listener.history) >= 29, timeout_secs=WAIT)
    rates = simulator.copy_rates_range(
        "EURUSD",
        1,
        int(start.timestamp()) + OFFSET,
        int(simulator.now.timestamp()) + OFFSET,
    )
    closes_ns = [(int(t) - OFFSET + 60) * 10**9 for t in rates["time"]]
    expected = [c for c in closes_ns if c <= simulator.time_msc * 1_000_000]  # completed only
    assert len(expected) == len(closes_ns) - 1  # the range ends in the bar in progress
    assert [b.ts_event for b in listener.history] == expected
    assert listener.history[-1].ts_event <= simulator.time_msc * 1_000_000


def test_live_node_config_round_trips_json_and_yaml_with_any_importable_component(tmp_path):
    config = LiveNodeConfig(
        backend=Mt5BackendConfig(backend="rpyc", port=18_900),
        symbols=("EURUSD", "GBPUSD"),
        exec_client=Mt5ExecClientConfig(magic=99),
        actors=[
            ImportableActorConfig(
                actor_path="nautilus_rl_lab.monitoring.monitor:MonitorActor",
                config_path="nautilus_rl_lab.monitoring.monitor:MonitorConfig",
                config={
                    "run_dir": str(tmp_path / "run"),
                    "instrument_id": "EURUSD.MT5",
                    "bar_type": str(BAR_TYPE),
                },
            ),
        ],
        max_notional_per_order={"EURUSD.MT5": 500_000},
    )
    json_path = tmp_path / "live.json"
    json_path.write_bytes(config.json())
    assert LiveNodeConfig.from_file(json_path) == config
    yaml_path = tmp_path / "live.yaml"
    yaml_path.write_text(yaml.safe_dump(json.loads(config.json())))
    assert LiveNodeConfig.from_file(yaml_path) == config

    node_config = build_live_node_config(config)
    # a 2.0 node takes each client's config wrapped in a native one (`settings`)
    exec_client, data_client = (
        clients["MT5"].settings for clients in (node_config.exec_clients, node_config.data_clients)
    )
    assert node_config.exec_engine.reconciliation
    assert node_config.exec_engine.open_check_interval_secs == config.open_check_interval_secs
    assert exec_client.magic == 99
    assert data_client.instrument_provider.symbols == ("EURUSD", "GBPUSD")
    notionals = node_config.risk_engine.max_notional_per_order
    assert {k: float(v) for k, v in notionals.items()} == {"EURUSD.MT5": 500_000}


def test_live_node_config_rejects_bad_fields_with_their_name():
    with pytest.raises(ConfigError, match="`symbols`"):
        LiveNodeConfig(symbols=())
    with pytest.raises(ConfigError, match="`poll_interval_secs`"):
        LiveNodeConfig(poll_interval_secs=0)
    with pytest.raises(Exception, match="unknown field"):
        LiveNodeConfig.parse(b'{"symbol": "EURUSD"}')


def test_unsubscribing_cancels_the_bar_poll_and_the_node_keeps_its_quote_poll(session):
    node, listener, _ = session
    client = node.data_client()
    assert node.wait_until(
        lambda: INSTRUMENT in client._quote_tasks and BAR_TYPE in client._bar_tasks,
        timeout_secs=WAIT,
    )
    quotes, bars = client._quote_tasks[INSTRUMENT], client._bar_tasks[BAR_TYPE]
    node.call(
        lambda: (listener.unsubscribe_quotes(INSTRUMENT), listener.unsubscribe_bars(BAR_TYPE))
    )
    # the node itself keeps its instruments' quotes (`nodes.live_nt2.QuoteFeed`)
    assert node.wait_until(bars.done, timeout_secs=WAIT)
    assert bars.cancelled()
    assert set(client._quote_tasks) == {INSTRUMENT} and not client._bar_tasks
    assert not quotes.done()
