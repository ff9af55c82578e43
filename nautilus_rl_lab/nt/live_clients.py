"""Bases of a Python live adapter's clients and factories.

An adapter subclasses `MarketDataClientBase` / `ExecutionClientBase` (over NautilusTrader 2's
`live.clients.MarketDataClient` / `ExecutionClient`: keyword constructors, a read-only
`ClientCache`, the hooks `_subscribe_quotes`, `_request_quotes`,
`_generate_order_status_report`, ...) and `DataClientFactoryBase` / `ExecClientFactoryBase`
(implementing `build`; a node is given `node_client_config(config)`: nodes take native configs
only), and uses `self._cache`, `self._clock`, `self._log`, `self._instrument_provider`. Order
events are emitted by the order (`emit_order_*`), requests answered with `respond_*`. A Python
client reaches no message bus: `publish_topic` goes through the node's relay
(`nt.topic_relay`); and an order fill carries no ``info``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nautilus_trader.common import Clock, Logger
from nautilus_trader.config import DataClientConfig, ExecutionClientConfig
from nautilus_trader.live import (
    BarsResponse,
    InstrumentResponse,
    InstrumentsResponse,
    QuotesResponse,
)
from nautilus_trader.live.clients import (
    DataClientFactory,
    ExecutionClient,
    ExecutionClientFactory,
    MarketDataClient,
)

from nautilus_rl_lab.nt import topic_relay
from nautilus_rl_lab.nt.live_config import LiveDataClientConfig
from nautilus_rl_lab.nt.model import (
    AccountId,
    AccountType,
    ClientId,
    Currency,
    ExecutionMassStatus,
    InstrumentId,
    LiquiditySide,
    Money,
    OmsType,
    Order,
    PositionId,
    Price,
    Quantity,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)


@dataclass(frozen=True)
class ClientContext:
    """What the node hands a factory: cache and clock, the trader id (execution clients) and the
    native config it was given (`node_config`, which a client must hold)."""

    cache: Any
    clock: Any
    trader_id: Any = None
    node_config: Any = None


class _NodeDataClientConfig(DataClientConfig):
    """The native data client config a 2.0 node requires, carrying the adapter's own."""

    settings: Any

    def __new__(cls, settings: Any) -> _NodeDataClientConfig:
        self = super().__new__(cls)
        self.settings = settings
        return self

    def __init__(self, settings: Any) -> None:
        pass


class _NodeExecClientConfig(ExecutionClientConfig):
    """The native execution client config a 2.0 node requires, carrying the adapter's own."""

    settings: Any

    def __new__(cls, settings: Any) -> _NodeExecClientConfig:
        self = super().__new__(cls)
        self.settings = settings
        return self

    def __init__(self, settings: Any) -> None:
        pass


def node_client_config(config: Any) -> Any:
    """An adapter's client config as a node takes it (2.0: wrapped in a native config)."""
    if isinstance(config, LiveDataClientConfig):
        return _NodeDataClientConfig(config)
    return _NodeExecClientConfig(config)


def _settings(config: Any) -> Any:
    """The adapter's own config a factory receives (unwrapped)."""
    return getattr(config, "settings", config)


class _Log:
    """1.221's component logger calls (``exception(msg, e)`` too) on a 2.0 `Logger`."""

    def __init__(self, name: str) -> None:
        self._logger = Logger(name)

    def debug(self, message: str) -> None:
        self._logger.debug(message)

    def info(self, message: str) -> None:
        self._logger.info(message)

    def warning(self, message: str) -> None:
        self._logger.warning(message)

    def error(self, message: str) -> None:
        self._logger.error(message)

    def exception(self, message: str, e: BaseException | None = None) -> None:
        self._logger.error(f"{message}: {e!r}" if e is not None else message)


class _ClientAliases:
    """1.221's attribute names over 2.0's client state."""

    cache: Any
    clock: Any
    client_id: ClientId
    instrument_provider: Any

    def _alias(self, name: str) -> None:
        self._cache = self.cache
        self._clock = self.clock
        self._instrument_provider = self.instrument_provider
        self._log = _Log(name)

    @property
    def id(self) -> ClientId:
        """The client id (1.221's name)."""
        return self.client_id

    def create_task(self, coro: Coroutine[Any, Any, Any], log_msg: str | None = None) -> Any:
        """Run `coro` on the node's loop, supervised (named `log_msg`)."""
        return super().create_task(coro, log_msg or "background")  # type: ignore[misc]


class MarketDataClientBase(_ClientAliases, MarketDataClient):
    """A live market-data client (2.0: `live.clients.MarketDataClient`)."""

    def __init__(
        self,
        *,
        context: ClientContext,
        name: str,
        venue: Venue,
        config: Any,
        instrument_provider: Any,
    ) -> None:
        super().__init__(
            name=name,
            config=context.node_config or DataClientConfig(),
            cache=context.cache,
            clock=context.clock,
            venue=venue,
            instrument_provider=instrument_provider,
        )
        self._alias(name)

    def publish_instrument(self, instrument: Any) -> None:
        """Send an instrument to the node (cache and subscribers)."""
        self._handle_instrument(instrument)

    def add_currency(self, currency: Currency) -> None:
        """Make a currency known to the node (2.0: the provider registered it already)."""

    def publish_topic(self, topic: str, message: Any) -> None:
        """Publish on the message bus: 2.0 gives a Python client none, so through the relay
        of the node on this thread (`nt.topic_relay`); dropped without one."""
        topic_relay.publish(topic, message)

    def respond_instrument(self, request: Any, instrument: Any) -> None:
        """Answer a `RequestInstrument`."""
        self._handle_response(
            InstrumentResponse(
                self.client_id,
                instrument.id,
                instrument,
                request.request_id,
                self._clock.timestamp_ns(),
                request.start_ns,
                request.end_ns,
                request.params,
            )
        )

    def respond_instruments(self, request: Any, venue: Venue, instruments: list) -> None:
        """Answer a `RequestInstruments`."""
        self._handle_response(
            InstrumentsResponse(
                self.client_id,
                venue,
                instruments,
                request.request_id,
                self._clock.timestamp_ns(),
                request.start_ns,
                request.end_ns,
                request.params,
            )
        )

    def respond_bars(self, request: Any, bars: Sequence) -> None:
        """Answer a `RequestBars`."""
        self._handle_response(
            BarsResponse(
                self.client_id,
                request.bar_type,
                list(bars),
                request.request_id,
                self._clock.timestamp_ns(),
                request.start_ns,
                request.end_ns,
                request.params,
            )
        )

    def respond_quotes(self, request: Any, instrument_id: InstrumentId, quotes: Sequence) -> None:
        """Answer a `RequestQuotes`."""
        self._handle_response(
            QuotesResponse(
                self.client_id,
                instrument_id,
                list(quotes),
                request.request_id,
                self._clock.timestamp_ns(),
                request.start_ns,
                request.end_ns,
                request.params,
            )
        )


class ExecutionClientBase(_ClientAliases, ExecutionClient):
    """A live execution client (2.0: `live.clients.ExecutionClient`)."""

    def __init__(
        self,
        *,
        context: ClientContext,
        name: str,
        venue: Venue,
        config: Any,
        instrument_provider: Any,
        oms_type: OmsType,
        account_type: AccountType,
        base_currency: Currency | None,
        account_id: AccountId,
    ) -> None:
        super().__init__(
            name=name,
            config=context.node_config or ExecutionClientConfig(),
            cache=context.cache,
            clock=context.clock,
            trader_id=context.trader_id,
            venue=venue,
            account_id=account_id,
            account_type=account_type,
            oms_type=oms_type,
            base_currency=base_currency,
            instrument_provider=instrument_provider,
        )
        self._alias(name)

    def _set_account_id(self, account_id: AccountId) -> None:
        self.account_id = account_id

    async def _await_account_registered(self, timeout_secs: float = 30.0) -> None:
        """Wait until the account's first state reached the node's cache (as 1.221 does)."""
        for _ in range(int(timeout_secs / 0.01)):
            if self._cache.account(self.account_id) is not None:
                return
            await asyncio.sleep(0.01)
        self._log.warning(f"Account {self.account_id} not registered after {timeout_secs}s")

    def orders_of_list(self, command: Any) -> list[Order]:
        """The orders of a `SubmitOrderList` (2.0's `OrderList` holds their ids only)."""
        return [self._cache.order(c) for c in command.order_list.client_order_ids()]

    def publish_instrument(self, instrument: Any) -> None:
        """Send an instrument to the node's cache."""
        self._handle_instrument(instrument)

    def send_mass_status(self, mass_status: ExecutionMassStatus) -> None:
        """Reconcile a mass status (orders and fills the venue reports) in the engine."""
        self._handle_report(mass_status)

    def emit_order_submitted(self, order: Order) -> None:
        self.generate_order_submitted(order)

    def emit_order_rejected(self, order: Order, reason: str) -> None:
        self.generate_order_rejected(order, reason, self._clock.timestamp_ns(), False)

    def emit_order_accepted(self, order: Order, venue_order_id: VenueOrderId) -> None:
        self.generate_order_accepted(order, venue_order_id, self._clock.timestamp_ns())

    def emit_order_canceled(self, order: Order, venue_order_id: VenueOrderId | None) -> None:
        self.generate_order_canceled(order, venue_order_id, self._clock.timestamp_ns())

    def emit_order_expired(self, order: Order, venue_order_id: VenueOrderId | None) -> None:
        self.generate_order_expired(order, venue_order_id, self._clock.timestamp_ns())

    def emit_order_cancel_rejected(
        self, order: Order, venue_order_id: VenueOrderId | None, reason: str
    ) -> None:
        self.generate_order_cancel_rejected(
            order, venue_order_id, reason, self._clock.timestamp_ns()
        )

    def emit_order_modify_rejected(
        self, order: Order, venue_order_id: VenueOrderId | None, reason: str
    ) -> None:
        self.generate_order_modify_rejected(
            order, venue_order_id, reason, self._clock.timestamp_ns()
        )

    def emit_order_updated(
        self,
        order: Order,
        venue_order_id: VenueOrderId,
        quantity: Quantity,
        price: Price | None,
        trigger_price: Price | None,
    ) -> None:
        self.generate_order_updated(
            order,
            venue_order_id,
            quantity,
            price,
            trigger_price,
            None,
            self._clock.timestamp_ns(),
        )

    def emit_order_filled(
        self,
        order: Order,
        venue_order_id: VenueOrderId,
        venue_position_id: PositionId | None,
        trade_id: TradeId,
        last_qty: Quantity,
        last_px: Price,
        quote_currency: Currency,
        commission: Money | None,
        liquidity_side: LiquiditySide,
        ts_event: int,
        info: dict[str, Any] | None = None,
    ) -> None:
        self.generate_order_filled(
            order,
            venue_order_id,
            venue_position_id,
            trade_id,
            last_qty,
            last_px,
            quote_currency,
            commission,
            liquidity_side,
            ts_event,
        )


class DataClientFactoryBase(DataClientFactory):
    """Creates a data client through `build` (2.0's `create` signature)."""

    @classmethod
    def build(cls, name: str, config: Any, context: ClientContext) -> Any:
        raise NotImplementedError

    @classmethod
    def create(cls, *, name: str, config: Any, cache: Any, clock: Any) -> Any:
        return cls.build(name, _settings(config), ClientContext(cache, clock, node_config=config))


class ExecClientFactoryBase(ExecutionClientFactory):
    """Creates an execution client through `build` (2.0's `create` signature)."""

    @classmethod
    def build(cls, name: str, config: Any, context: ClientContext) -> Any:
        raise NotImplementedError

    @classmethod
    def create(cls, *, name: str, config: Any, cache: Any, clock: Any, trader_id: Any) -> Any:
        return cls.build(
            name,
            _settings(config),
            ClientContext(cache, clock, trader_id=trader_id, node_config=config),
        )


@contextmanager
def standalone_context() -> Iterator[ClientContext]:
    """What a client needs to be built outside a node (a factory test): no cache (a node binds
    its own) and a test clock."""
    yield ClientContext(cache=None, clock=Clock.new_test(), trader_id=TraderId("TESTER-001"))


__all__ = [
    "ClientContext",
    "DataClientFactoryBase",
    "ExecClientFactoryBase",
    "ExecutionClientBase",
    "MarketDataClientBase",
    "node_client_config",
    "standalone_context",
]
