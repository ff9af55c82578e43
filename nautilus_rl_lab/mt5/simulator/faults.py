"""Fault injection for the simulated terminal.

Faults are armed with `FaultInjector.inject(fault, count=...)` (``count=None``: until
`clear()`), from `Mt5SimulatorConfig.faults` (``{fault: count}``) at start, or at random
with `Mt5SimulatorConfig.fault_rates` (``{fault: probability per order_send}``, seeded).

- ``"disconnect"``: the terminal link is down. Every call returns None/False and
  `last_error()` is ``(-10004, "No IPC connection")``; `initialize()` fails too while the
  fault lasts. Each failing call uses one count. Afterwards the session stays closed until
  `initialize()` succeeds again — the way a client reconnects to a real terminal.
- Trade faults, consumed by `order_send` only (one per call), answered with the retcode:
  ``"requote"`` 10004 (with fresh bid/ask), ``"reject"`` 10006, ``"market_closed"`` 10018,
  ``"no_money"`` 10019, ``"price_changed"`` 10020, ``"off_quotes"`` 10021,
  ``"too_many_requests"`` 10024, ``"connection"`` 10031 — none of them executes anything;
- ``"timeout"`` 10012: the request IS executed but the reply only says timeout (deal and
  order 0), so the client must reconcile with `orders_get`/`positions_get`/
  `history_deals_get` before resending.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.validation import check_minimum

DISCONNECT = "disconnect"

#: Trade faults and the retcode `order_send` answers with.
TRADE_FAULT_RETCODES: dict[str, int] = {
    "requote": mt5c.TRADE_RETCODE_REQUOTE,
    "reject": mt5c.TRADE_RETCODE_REJECT,
    "timeout": mt5c.TRADE_RETCODE_TIMEOUT,
    "market_closed": mt5c.TRADE_RETCODE_MARKET_CLOSED,
    "no_money": mt5c.TRADE_RETCODE_NO_MONEY,
    "price_changed": mt5c.TRADE_RETCODE_PRICE_CHANGED,
    "off_quotes": mt5c.TRADE_RETCODE_PRICE_OFF,
    "too_many_requests": mt5c.TRADE_RETCODE_TOO_MANY_REQUESTS,
    "connection": mt5c.TRADE_RETCODE_CONNECTION,
}

FAULTS: tuple[str, ...] = (DISCONNECT, *TRADE_FAULT_RETCODES)


def check_fault_name(fault: str) -> str:
    """Return `fault` if known, else raise `ConfigError` listing the known faults."""
    if fault not in FAULTS:
        raise ConfigError(f"unknown fault {fault!r}; choose one of {FAULTS}")
    return fault


class FaultInjector:
    """Armed faults with remaining counts (None = unlimited) and random fault rates."""

    def __init__(
        self,
        faults: Mapping[str, int] | None = None,
        rates: Mapping[str, float] | None = None,
        seed: int = 0,
    ) -> None:
        self._armed: dict[str, int | None] = {}
        self._rates: dict[str, float] = {}
        self._rng = random.Random(seed)
        for fault, count in (faults or {}).items():
            self.inject(fault, count=count)
        for fault, rate in (rates or {}).items():
            check_fault_name(fault)
            if fault == DISCONNECT:
                raise ConfigError("`fault_rates` cannot include 'disconnect'; use `faults`")
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"`fault_rates[{fault!r}]` must be in [0, 1], was {rate}")
            self._rates[fault] = float(rate)

    def inject(self, fault: str, count: int | None = 1) -> None:
        """Arm `fault` for the next `count` occasions (None: until `clear`)."""
        check_fault_name(fault)
        check_minimum("count", count, 1, optional=True)
        current = self._armed.get(fault, 0)
        if count is None or current is None:
            self._armed[fault] = None
        else:
            self._armed[fault] = current + count

    def clear(self, fault: str | None = None) -> None:
        """Disarm `fault` (all faults when None)."""
        if fault is None:
            self._armed.clear()
        else:
            self._armed.pop(check_fault_name(fault), None)

    def armed(self) -> dict[str, int | None]:
        """Remaining counts of the armed faults."""
        return dict(self._armed)

    def _consume(self, fault: str) -> bool:
        if fault not in self._armed:
            return False
        remaining = self._armed[fault]
        if remaining is not None:
            if remaining <= 1:
                del self._armed[fault]
            else:
                self._armed[fault] = remaining - 1
        return True

    def take_disconnect(self) -> bool:
        """Use one disconnect count; True if the link is down for this call."""
        return self._consume(DISCONNECT)

    def take_trade_fault(self) -> str | None:
        """Use one armed trade fault (or draw a random one); return its name or None."""
        for fault in TRADE_FAULT_RETCODES:
            if self._consume(fault):
                return fault
        for fault, rate in self._rates.items():
            if self._rng.random() < rate:
                return fault
        return None
