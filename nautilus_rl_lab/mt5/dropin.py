"""Drop-in `MetaTrader5` modules: the module's functions over a default client, and its constants.

A script written for ``import MetaTrader5 as mt5`` runs unchanged against the simulator by
changing only that import — ``from nautilus_rl_lab.mt5 import simulator as mt5`` (an
in-process `Mt5TerminalSimulator`) or ``from nautilus_rl_lab.mt5 import rpyc as mt5`` (an
`RpycMt5Client` to a bridge). Those packages resolve every `MT5_FUNCTIONS` name to the
bound method of their default client (built on first use; `use(client)` replaces it),
every integer constant the real module exports to `constants` (not `NOT_MODULE_EXPORTS`),
and the module's pure-Python trade helpers `Buy`, `Sell` and `Close` (`HELPERS`) to
functions over that client. They also carry ``__version__`` (the real module's
``"5.0.<build>"`` format) and ``__author__``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Final

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS, Mt5Client
from nautilus_rl_lab.mt5.structures import OrderSendResult

#: ``__version__`` of the drop-in modules, in the real package's format (build of `version()`).
MODULE_VERSION: Final = "5.0.4755"
#: ``__author__`` of the drop-in modules.
MODULE_AUTHOR: Final = "nautilus_rl_lab (API of the MetaTrader5 package by MetaQuotes Ltd.)"
#: Tries of `Buy`/`Sell`/`Close` with a fresh quote while the server answers requote/off quotes.
HELPER_TRIES: Final = 10
#: The deviation (points) the module's helpers send.
HELPER_DEVIATION: Final = 10
_RETRY_RETCODES = frozenset({mt5c.TRADE_RETCODE_REQUOTE, mt5c.TRADE_RETCODE_PRICE_OFF})

#: Every integer constant of `constants` that the real module exports.
CONSTANTS: dict[str, int] = {
    name: value
    for name, value in vars(mt5c).items()
    if name.isupper()
    and isinstance(value, int)
    and not isinstance(value, bool)
    and name not in mt5c.NOT_MODULE_EXPORTS
}


def _market_order(
    client: Mt5Client,
    side: int,
    symbol: str,
    volume: float,
    price: float | None,
    comment: str | None,
    ticket: int | None,
) -> OrderSendResult | None:
    """A market DEAL at `price`, or at the current quote retried on requote/off quotes."""
    request: dict[str, Any] = {
        "action": mt5c.TRADE_ACTION_DEAL,
        "symbol": symbol,
        "volume": volume,
        "type": side,
        "deviation": HELPER_DEVIATION,
    }
    if comment is not None:
        request["comment"] = comment
    if ticket is not None:
        request["position"] = ticket
    if price is not None:
        return client.order_send({**request, "price": price})
    result = None
    for _ in range(HELPER_TRIES):
        tick = client.symbol_info_tick(symbol)
        if tick is None:
            return None
        quote = tick.ask if side == mt5c.ORDER_TYPE_BUY else tick.bid
        result = client.order_send({**request, "price": quote})
        if result is None or result.retcode not in _RETRY_RETCODES:
            break
    return result


def _side_helper(side: int, name: str) -> Callable[..., OrderSendResult | None]:
    """The module's `Buy` or `Sell`: a market order of `side` (closing `ticket` if given)."""

    def helper(
        client: Mt5Client,
        symbol: str,
        volume: float,
        price: float | None = None,
        *,
        comment: str | None = None,
        ticket: int | None = None,
    ) -> OrderSendResult | None:
        return _market_order(client, side, symbol, volume, price, comment, ticket)

    helper.__name__ = helper.__qualname__ = name
    helper.__doc__ = f"The module's `{name}`: a market order at `price` or the current quote."
    return helper


buy = _side_helper(mt5c.ORDER_TYPE_BUY, "buy")
sell = _side_helper(mt5c.ORDER_TYPE_SELL, "sell")


def close(
    client: Mt5Client,
    symbol: str,
    *,
    comment: str | None = None,
    ticket: int | None = None,
) -> bool | str:
    """The module's `Close`: close position `ticket`, or every position of `symbol`.

    Returns True when all closed, ``"Partially"`` when some did, False when none did.
    """
    positions = (
        client.positions_get(ticket=ticket)
        if ticket is not None
        else client.positions_get(symbol=symbol)
    )
    tried = done = 0
    for position in positions or ():
        tried += 1
        opposite = (
            mt5c.ORDER_TYPE_SELL if position.type == mt5c.POSITION_TYPE_BUY else mt5c.ORDER_TYPE_BUY
        )
        result = _market_order(
            client, opposite, position.symbol, position.volume, None, comment, position.ticket
        )
        done += result is not None and result.retcode == mt5c.TRADE_RETCODE_DONE
    if done == 0:
        return False
    return True if done == tried else "Partially"


#: The module's pure-Python helpers, as functions of the client.
HELPERS: dict[str, Callable[..., Any]] = {"Buy": buy, "Sell": sell, "Close": close}


class DropIn:
    """The module-level functions and constants of a drop-in `MetaTrader5` module."""

    def __init__(self, factory: Callable[[], Mt5Client]) -> None:
        self._factory = factory
        self._client: Mt5Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Mt5Client:
        """The client the module functions call (built by the factory on first use)."""
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def use(self, client: Mt5Client) -> None:
        """Make the module functions call `client` from now on."""
        with self._lock:
            self._client = client

    def attribute(self, name: str) -> Any:
        """An MT5 function or helper bound to the client, or a constant; else AttributeError."""
        if name in MT5_FUNCTIONS:
            return getattr(self.client, name)
        if name in HELPERS:
            return functools.partial(HELPERS[name], self.client)
        if name in CONSTANTS:
            return CONSTANTS[name]
        raise AttributeError(name)
