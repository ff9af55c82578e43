"""`MarginCheck`: the pre-trade margin rule for margin accounts, asked before an order goes out.

For an order on a margin account whose resulting position is larger than the current one it
asks the account's own margin model for the initial margin of the resulting position (the net
position plus the market orders sent and not yet filled, e.g. a flip's reduce-only close) at the
price a market order would pay (ask for buys, bid for sells) and gives the reason to deny the
order (`MARGIN_EXCEEDS_EQUITY: ...`) when that margin plus the margin held for other
instruments exceeds the account's equity (`strategies.valuation`). Orders that reduce the
position (or are reduce-only) always pass. It reads only an account's cache and portfolio (a
strategy's own, or an engine's).

Per order it costs the same however many orders the run has sent: the orders still to fill are
found from the cache's counts and the orders offered to the check (`_WorkingOrders`), and the
account object, a copy carrying every account event on NautilusTrader 2, is read once a run
for what never changes in a run (type, base currency, leverage, margin model); the equity comes
through the portfolio (`valuation.current_value`), and the margins held for other instruments
from the account only when the venue has another instrument in the cache. Both are read once
per state of the venue (`_VenueState`: its prices, net positions and order/position counts),
so the orders of one rebalance, sent in one handler before Nautilus processes any of them,
share one read (the account copy costs O(account events), the open positions O(fills)).

Who asks: the margin gate every `build_engine` installs (`nodes.margin`, `nt.pretrade`), before
the risk engine sees the order; a strategy may also ask it of its own cache and portfolio.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.accounting import Account, AccountFacts, account_facts
from nautilus_rl_lab.nt.model import (
    ClientOrderId,
    InstrumentId,
    Order,
    OrderSide,
    OrderType,
    PriceType,
    Quantity,
    Venue,
)
from nautilus_rl_lab.strategies.execution import in_flight_quantity
from nautilus_rl_lab.strategies.valuation import convert, current_value, valuation_currency


class MarginCheck:
    """Says why a margin-account order needs more margin than the equity (see the module).

    One per engine run: it keeps the account read at its first order, and the orders it is
    asked about before they are submitted (as `submit_checked` asks) to find those still
    INITIALIZED without going through every order."""

    def __init__(self, cache: Any, portfolio: Any) -> None:
        self._cache = cache
        self._portfolio = portfolio
        self._accounts: dict[Venue, tuple[Account, AccountFacts]] = {}
        self._orders = _WorkingOrders(cache)
        self._states: dict[Venue, _VenueState] = {}

    def denial(self, order: Order) -> str | None:
        """The reason to deny `order`, or `None` when the account's margin covers it."""
        self._orders.offer(order)
        if order.is_reduce_only:  # before the account read
            return None
        instrument_id = order.instrument_id
        venue = instrument_id.venue
        known = self._account(venue)
        instrument = self._cache.instrument(instrument_id)
        if known is None or instrument is None or not known[1].is_margin:
            return None
        account, facts = known
        working = self._orders.working(order)
        # market orders only (1.221's `not is_passive`; a 2.0 market order has no `is_passive`)
        in_flight = in_flight_quantity(o for o in working if o.order_type == OrderType.MARKET)
        position = float(self._portfolio.net_position(instrument_id)) + in_flight
        signed = float(order.quantity)
        resulting = position + (signed if order.side == OrderSide.BUY else -signed)
        if abs(resulting) <= abs(position):
            return None
        side = PriceType.ASK if order.side == OrderSide.BUY else PriceType.BID
        price = self._cache.price(instrument_id, side)
        if price is None:
            return None  # no market yet: Nautilus' own checks handle it
        currency = valuation_currency(facts, instrument)
        size = Quantity(abs(resulting), instrument.size_precision)
        margin = account.calculate_initial_margin(instrument, size, price)
        required = convert(self._cache, venue, margin, currency)
        state = self._state(venue)
        held = self._held(state, venue, instrument_id, currency)
        value = state.read(
            ("value", currency), current_value, self._portfolio, self._cache, facts, currency
        )
        if value is None or required + held <= value.equity:
            return None
        equity = value.equity
        leverage = account.leverage(instrument_id) or account.default_leverage
        others = f" plus {held:.2f} held for other instruments" if held else ""
        return (
            f"MARGIN_EXCEEDS_EQUITY: a position of {resulting:.{instrument.size_precision}f} "
            f"{instrument_id} needs "
            f"{required:.2f} {currency} initial margin at leverage {leverage}{others}, "
            f"equity is {equity:.2f} {currency}"
        )

    def _account(self, venue: Venue) -> tuple[Account, AccountFacts] | None:
        """The venue's account, read once a run for what never changes in it (its type, base
        currency, leverages and margin model: the simulated venue sets them when the run
        starts); `None` before the venue reported it."""
        known = self._accounts.get(venue)
        if known is None:
            account = self._cache.account_for_venue(venue)
            if account is None:
                return None
            known = self._accounts[venue] = (account, account_facts(account))
        return known

    def _state(self, venue: Venue) -> _VenueState:
        """The venue's reads, kept while its state is unchanged (a new state forgets them). Only
        for an account Nautilus calculates: one a live venue reports may change at any time."""
        if not self._accounts[venue][0].calculate_account_state:
            return _VenueState(())
        state = self._states.get(venue)
        key = _VenueState.key(self._cache, self._portfolio, venue)
        if state is None or state.state != key:
            state = self._states[venue] = _VenueState(key)
        return state

    def _held(
        self, state: _VenueState, venue: Venue, instrument_id: InstrumentId, currency: Any
    ) -> float:
        """The margin the account holds for the venue's other instruments. An account Nautilus
        calculates (a simulated venue's) holds margin only for the instruments it trades, which
        the cache holds: with no other instrument at the venue it is none, without reading the
        account (a copy). A reported account (a live venue's) may hold margin account-wide or
        for instruments not loaded here: always read."""
        account = self._accounts[venue][0]
        if account.calculate_account_state and self._cache.instrument_ids(venue) == [instrument_id]:
            return 0.0
        margins = state.read(("margins",), _margins, self._cache, venue)
        return sum(
            convert(self._cache, venue, balance.initial, currency)
            + convert(self._cache, venue, balance.maintenance, currency)
            for other, balance in margins.items()
            if other != instrument_id
        )


class _VenueState:
    """Reads of a venue's account and portfolio, valid while `key` is unchanged.

    Between two checks at one venue an account Nautilus calculates (a simulated venue's)
    changes its margins, balance and equity only through a price (a quote, trade or bar the
    cache prices from), a fill (a net position), or an order or position Nautilus processed
    (the cache's counts): the key holds all of them.
    Orders sent and not yet processed (INITIALIZED) hold no margin and change no count."""

    def __init__(self, state: tuple[Any, ...]) -> None:
        self.state = state
        self._reads: dict[tuple[Any, ...], Any] = {}

    @staticmethod
    def key(cache: Any, portfolio: Any, venue: Venue) -> tuple[Any, ...]:
        """What the venue's margins and equity depend on now."""
        ids = cache.instrument_ids(venue)
        prices = tuple(
            cache.price(instrument_id, price_type)
            for instrument_id in ids
            for price_type in _PRICE_TYPES
        )
        return (
            prices,
            tuple(portfolio.net_position(instrument_id) for instrument_id in ids),
            cache.orders_inflight_count(),
            cache.orders_open_count(),
            cache.orders_closed_count(),
            cache.positions_open_count(),
            cache.positions_closed_count(),
        )

    def read(self, name: tuple[Any, ...], read: Any, *args: Any) -> Any:
        """`read(*args)`, once per state for each `name`."""
        if name not in self._reads:
            self._reads[name] = read(*args)
        return self._reads[name]


def _margins(cache: Any, venue: Venue) -> dict[InstrumentId, Any]:
    """The margins the venue's account holds, by instrument (an account copy: O(its events))."""
    return dict(cache.account_for_venue(venue).margins())


_PRICE_TYPES = (PriceType.BID, PriceType.ASK, PriceType.LAST, PriceType.MARK)  # MID: from BID, ASK


class _WorkingOrders:
    """The orders on an instrument sent before an order and not closed: in flight, open, or
    still INITIALIZED (NautilusTrader 2 processes a strategy's submit commands after its
    handler returns, so a flip's close sent just before the open is not in flight yet).

    The cache indexes the orders in flight, open and closed, not the INITIALIZED ones. Its
    counts (O(1)) say how many orders none of those holds; they are looked for first among the
    orders offered to the check, and only when some are not there (an order submitted without
    asking) among every order of the instrument, as the counts leave none otherwise."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache
        self._offered: dict[ClientOrderId, InstrumentId] = {}

    def offer(self, order: Order) -> None:
        """Remember `order`, about to be submitted; forget the offered orders the cache now
        indexes (sent) and those it never got (not submitted)."""
        self._offered = {
            client_order_id: instrument_id
            for client_order_id, instrument_id in self._offered.items()
            if self._unindexed(client_order_id)
        }
        self._offered[order.client_order_id] = order.instrument_id

    def working(self, order: Order) -> list[Order]:
        """The orders on `order`'s instrument sent before it and not closed."""
        cache = self._cache
        instrument_id = order.instrument_id
        # an order pending update/cancel is both in flight and open
        working = {o.client_order_id: o for o in cache.orders_inflight(instrument_id=instrument_id)}
        working.update(
            (o.client_order_id, o) for o in cache.orders_open(instrument_id=instrument_id)
        )
        indexed = set(cache.client_order_ids_inflight()) | set(cache.client_order_ids_open())
        unindexed = cache.orders_total_count() - cache.orders_closed_count() - len(indexed)
        if not unindexed:
            return list(working.values())
        offered = [i for i in self._offered if self._unindexed(i)]
        if len(offered) != unindexed:
            return _scan(cache, order, working)
        for client_order_id in offered:
            if (
                self._offered[client_order_id] == instrument_id
                and client_order_id != order.client_order_id
            ):
                working[client_order_id] = cache.order(client_order_id)
        return list(working.values())

    def _unindexed(self, client_order_id: ClientOrderId) -> bool:
        """Whether the cache holds the order but not as in flight, open or closed."""
        cache = self._cache
        return cache.order_exists(client_order_id) and not (
            cache.is_order_inflight(client_order_id)
            or cache.is_order_open(client_order_id)
            or cache.is_order_closed(client_order_id)
        )


def _scan(cache: Any, order: Order, working: dict[ClientOrderId, Order]) -> list[Order]:
    """`working` plus every order of `order`'s instrument but `order` that is neither in it nor
    closed (O(orders of the instrument))."""
    instrument_id = order.instrument_id
    known = set(working) | set(cache.client_order_ids_closed(instrument_id=instrument_id))
    known.add(order.client_order_id)
    for client_order_id in set(cache.client_order_ids(instrument_id=instrument_id)) - known:
        sent = cache.order(client_order_id)
        if sent is not None:
            working[client_order_id] = sent
    return list(working.values())
