"""`Mt5DataClient`: quotes, bars and historical data from an MT5 terminal.

The `MetaTrader5` module pushes nothing, so subscriptions poll (every
``poll_interval_secs``):

- quotes: `symbol_info_tick`; a `QuoteTick` is emitted when the tick changed (time, bid or
  ask); the all-zero placeholder tick is ignored;
- bars: `copy_rates_from_pos(symbol, timeframe, 0, n)`. A bar still forming (its end
  after the latest tick) is never emitted; every completed row newer than the last one
  emitted is, oldest first, stamped at its close (`parsing.rates_to_bars`). Subscribing emits no
  history: request it with `request_bars`. Before them the server's time (the tick checked)
  goes out on `strategies.staleness.market_time_topic`, the clock stale decisions are judged by
  (NautilusTrader 2.0: as custom data of `nt.live_clients.topic_data_type` of that topic).

Historical requests use `copy_rates_range` / `copy_rates_from_pos` and `copy_ticks_range`
/ `copy_ticks_from`. A lost terminal link (`Mt5ConnectionLost`) pauses the polls while
`Mt5Connection.reconnect` re-initialises the terminal with backoff; bars completed while
the link was down are emitted after it is back (nothing is skipped, nothing repeated).
The client runs on NautilusTrader 1.221 and 2.0 through `nt.live_clients.MarketDataClientBase`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pandas as pd

from nautilus_rl_lab.adapters.metatrader5.clients import Mt5ClientMixin
from nautilus_rl_lab.adapters.metatrader5.config import Mt5DataClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import Mt5Connection, Mt5ConnectionLost
from nautilus_rl_lab.adapters.metatrader5.core import MT5, MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    bar_type_to_timeframe,
    is_empty_tick,
    rates_to_bars,
    symbol_from_instrument_id,
    tick_to_quote_tick,
    ticks_to_quote_ticks,
)
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.nt.live import (
    RequestBars,
    RequestInstrument,
    RequestInstruments,
    RequestQuotes,
    SubscribeBars,
    SubscribeInstrument,
    SubscribeInstruments,
    SubscribeQuotes,
    SubscribeTrades,
    UnsubscribeBars,
    UnsubscribeInstrument,
    UnsubscribeInstruments,
    UnsubscribeQuotes,
    UnsubscribeTrades,
)
from nautilus_rl_lab.nt.live_clients import ClientContext, MarketDataClientBase
from nautilus_rl_lab.nt.model import BarType, Instrument, InstrumentId
from nautilus_rl_lab.strategies.staleness import market_time_topic

#: Rows fetched per bar poll: enough to catch up after a pause or a fast replay.
BAR_POLL_ROWS = 64
#: Bars returned by `request_bars` without `start` or `limit`.
DEFAULT_HISTORY_BARS = 1_000


def completed_rates(rates: Any, timeframe_secs: int, tick: Any) -> Any:
    """Rows of a `copy_rates_*` answer whose bar has closed.

    Every row but the newest is closed; the newest is closed once the latest tick's time
    (server clock) reached its end (``time + timeframe``). The terminal's newest row (the
    simulator's too) is usually the bar in progress; one with completed bars only works too.
    """
    if rates is None or len(rates) == 0:
        return rates
    now = int(tick.time_msc // 1000) if tick is not None and tick.time_msc else -1
    if int(rates[-1]["time"]) + timeframe_secs <= now:
        return rates
    return rates[:-1]


class Mt5DataClient(Mt5ClientMixin, MarketDataClientBase):
    """Live market data from a MetaTrader 5 terminal (native, RPyC bridge or simulator).

    Parameters
    ----------
    context : ClientContext
        What the node gives its clients (cache, clock, ...).
    connection : Mt5Connection
        The shared terminal connection (one user is counted for this client).
    instrument_provider : Mt5InstrumentProvider
        Loads the configured symbols on connect.
    config : Mt5DataClientConfig
        The client configuration.
    name : str, optional
        Client id (default ``"MT5"``).
    """

    def __init__(
        self,
        context: ClientContext,
        connection: Mt5Connection,
        instrument_provider: Mt5InstrumentProvider,
        config: Mt5DataClientConfig,
        name: str | None = None,
    ) -> None:
        super().__init__(
            context=context,
            name=name or MT5,
            venue=MT5_VENUE,
            config=config,
            instrument_provider=instrument_provider,
        )
        self._connection: Mt5Connection | None = connection
        self._mt5_config = config
        self._time = ServerTime(config.server_offset_s, config.server_timezone)
        self._quote_tasks: dict[InstrumentId, asyncio.Task] = {}
        self._bar_tasks: dict[BarType, asyncio.Task] = {}

    # -- connection ----------------------------------------------------------------------

    async def _connect(self) -> None:
        await self._connect_terminal()
        for instrument in self.provider.list_all():
            self.publish_instrument(instrument)
        for currency in self.provider.currencies().values():
            self.add_currency(currency)

    async def _disconnect(self) -> None:
        tasks = [*self._quote_tasks.values(), *self._bar_tasks.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._quote_tasks.clear()
        self._bar_tasks.clear()
        self._release_connection()

    async def _call(self, name: str, *args: Any) -> Any:
        """Call the terminal; on a lost link reconnect (with backoff) and return None."""
        try:
            return await self.connection.call(name, *args)
        except Mt5ConnectionLost as e:
            self._log.warning(f"MT5 link lost ({e}); reconnecting")
            if not await self._reconnect():
                self._log.error("MT5 terminal unreachable; giving up reconnecting")
                raise
            return None

    def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        instrument = self._cache.instrument(instrument_id) or self._instrument_provider.find(
            instrument_id,
        )
        if instrument is None:
            raise ValueError(
                f"{instrument_id} is not loaded; add its symbol to "
                "`instrument_provider.symbols` of the MT5 data client config",
            )
        return instrument

    # -- subscriptions -------------------------------------------------------------------

    async def _subscribe_instruments(self, command: SubscribeInstruments) -> None:
        pass  # Instruments are sent on connect; MT5 symbol specs rarely change.

    async def _subscribe_instrument(self, command: SubscribeInstrument) -> None:
        pass

    async def _unsubscribe_instruments(self, command: UnsubscribeInstruments) -> None:
        pass

    async def _unsubscribe_instrument(self, command: UnsubscribeInstrument) -> None:
        pass

    async def _subscribe_trades(self, command: SubscribeTrades) -> None:
        self._log.warning(
            f"MT5 FX/CFD symbols have no trades (ticks carry last=0): not subscribing to "
            f"{command.instrument_id} trades; subscribe to quotes instead",
        )

    async def _unsubscribe_trades(self, command: UnsubscribeTrades) -> None:
        pass

    async def _subscribe_quotes(self, command: SubscribeQuotes) -> None:
        instrument_id = command.instrument_id
        if instrument_id in self._quote_tasks:
            return
        instrument = self._instrument(instrument_id)
        await self._call("symbol_select", symbol_from_instrument_id(instrument_id), True)
        self._start_poll(
            self._quote_tasks,
            instrument_id,
            self._poll_quotes(instrument),
            f"poll_quotes: {instrument_id}",
        )

    async def _unsubscribe_quotes(self, command: UnsubscribeQuotes) -> None:
        self._stop_poll(self._quote_tasks, command.instrument_id)

    async def _subscribe_bars(self, command: SubscribeBars) -> None:
        bar_type = command.bar_type
        if bar_type in self._bar_tasks:
            return
        timeframe = bar_type_to_timeframe(bar_type)
        instrument = self._instrument(bar_type.instrument_id)
        self._start_poll(
            self._bar_tasks,
            bar_type,
            self._poll_bars(bar_type, timeframe, instrument),
            f"poll_bars: {bar_type}",
        )

    async def _unsubscribe_bars(self, command: UnsubscribeBars) -> None:
        self._stop_poll(self._bar_tasks, command.bar_type)

    def _start_poll(
        self,
        tasks: dict[Any, asyncio.Task],
        key: Any,
        poll: Coroutine[Any, Any, None],
        log_msg: str,
    ) -> None:
        """Run the `poll` loop as a task and keep it in `tasks` under `key`."""
        task = self.create_task(poll, log_msg=log_msg)
        if task is not None:
            tasks[key] = task

    @staticmethod
    def _stop_poll(tasks: dict[Any, asyncio.Task], key: Any) -> None:
        """Cancel the poll task kept in `tasks` under `key` (if any)."""
        task = tasks.pop(key, None)
        if task is not None:
            task.cancel()

    async def _poll_quotes(self, instrument: Instrument) -> None:
        symbol = symbol_from_instrument_id(instrument.id)
        last_key: tuple | None = None
        interval = self._mt5_config.poll_interval_secs
        while True:
            tick = await self._call("symbol_info_tick", symbol)
            if not is_empty_tick(tick):
                key = (tick.time_msc, tick.bid, tick.ask)
                if key != last_key:
                    last_key = key
                    quote = tick_to_quote_tick(
                        tick,
                        instrument,
                        self._clock.timestamp_ns(),
                        self._time,
                    )
                    if quote is not None:
                        self._handle_data(quote)
            await asyncio.sleep(interval)

    async def _poll_bars(self, bar_type: BarType, timeframe: int, instrument: Instrument) -> None:
        symbol = symbol_from_instrument_id(instrument.id)
        timeframe_secs = mt5c.timeframe_seconds(timeframe)
        last_open: int | None = None
        interval = self._mt5_config.poll_interval_secs
        while True:
            # the tick first: a bar closed by its time is final in the rates read after it (read
            # the other way round, a bar closing in between is sent with its close unfinished)
            tick = await self._call("symbol_info_tick", symbol)
            rates = await self._call("copy_rates_from_pos", symbol, timeframe, 0, BAR_POLL_ROWS)
            completed = completed_rates(rates, timeframe_secs, tick)
            if completed is not None and len(completed):
                if last_open is None:
                    last_open = int(completed[-1]["time"])  # no history on subscribe
                else:
                    new = completed[completed["time"] > last_open]
                    if len(new):
                        last_open = int(new[-1]["time"])
                        bars = rates_to_bars(
                            new,
                            bar_type,
                            instrument,
                            self._clock.timestamp_ns(),
                            self._time,
                            timeframe_secs,
                        )
                        self._publish_market_time(instrument, tick)
                        for bar in bars:
                            self._handle_data(bar)
            elif last_open is None and rates is not None:
                last_open = -1  # no completed bar yet: every bar from now on is new
            await asyncio.sleep(interval)

    def _publish_market_time(self, instrument: Instrument, tick: Any) -> None:
        """Tell the decision paths the server's time (UTC ns) before the bars it completed."""
        if tick is not None and tick.time_msc:
            ts_ns = self._time.utc_ms(int(tick.time_msc)) * 1_000_000
            self.publish_topic(market_time_topic(instrument.id), ts_ns)

    # -- requests ------------------------------------------------------------------------

    async def _request_instrument(self, request: RequestInstrument) -> None:
        instrument = self._instrument_provider.find(request.instrument_id)
        if instrument is None:
            self._log.error(f"Cannot find instrument {request.instrument_id}")
            return
        self.respond_instrument(request, instrument)

    async def _request_instruments(self, request: RequestInstruments) -> None:
        self.respond_instruments(request, MT5_VENUE, self._instrument_provider.list_all())

    def _server_secs(self, timestamp: pd.Timestamp | None) -> int | None:
        if timestamp is None:
            return None
        return self._time.server_s(int(pd.Timestamp(timestamp).timestamp()))

    def _server_now_secs(self) -> int:
        return self._time.server_s(int(self._clock.timestamp()))

    async def _request_bars(self, request: RequestBars) -> None:
        bar_type = request.bar_type
        instrument = self._instrument(bar_type.instrument_id)
        symbol = symbol_from_instrument_id(instrument.id)
        timeframe = bar_type_to_timeframe(bar_type)
        timeframe_secs = mt5c.timeframe_seconds(timeframe)
        start = self._server_secs(request.start)
        end = self._server_secs(request.end)
        if start is not None:
            end = end if end is not None else self._server_now_secs() + 86_400
            rates = await self._call("copy_rates_range", symbol, timeframe, start, end)
        else:
            count = request.limit or DEFAULT_HISTORY_BARS
            rates = await self._call("copy_rates_from_pos", symbol, timeframe, 1, count)
        bars = rates_to_bars(rates, bar_type, instrument, 0, self._time, timeframe_secs)
        now = self._clock.timestamp_ns()
        tick = await self._call("symbol_info_tick", symbol)
        if tick is not None and tick.time_msc:
            now = min(now, self._time.utc_ms(tick.time_msc) * 1_000_000)
        bars = [bar for bar in bars if bar.ts_event <= now]  # completed bars only
        if end is not None and start is not None and request.end is not None:
            end_ns = pd.Timestamp(request.end).value
            bars = [bar for bar in bars if bar.ts_event <= end_ns]
        if request.limit:
            bars = bars[-request.limit :]
        self.respond_bars(request, bars)

    async def _request_quotes(self, request: RequestQuotes) -> None:
        instrument = self._instrument(request.instrument_id)
        symbol = symbol_from_instrument_id(instrument.id)
        start = self._server_secs(request.start)
        end = self._server_secs(request.end)
        if start is not None:
            end = end if end is not None else self._server_now_secs() + 86_400
            ticks = await self._call("copy_ticks_range", symbol, start, end, mt5c.COPY_TICKS_ALL)
        else:
            tick = await self._call("symbol_info_tick", symbol)
            since = (int(tick.time) if tick is not None else 0) - 86_400
            count = request.limit or 10_000
            ticks = await self._call(
                "copy_ticks_from", symbol, max(since, 0), count, mt5c.COPY_TICKS_ALL
            )
        quotes = ticks_to_quote_ticks(ticks, instrument, 0, self._time)
        if request.limit:
            quotes = quotes[-request.limit :]
        self.respond_quotes(request, instrument.id, quotes)
