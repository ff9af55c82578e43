"""Broker profiles: named, documented ways a broker sets up its MT5 server, for the simulator.

The same agent can meet differently configured brokers: how market orders execute
(market, instant — the request price must be within `deviation` of the quote, else 10004
REQUOTE — or exchange execution), which filling modes the symbols allow (else 10030),
netting or hedging accounts, commission per lot, spread, stops level and the server's time
zone. `Mt5TerminalSimulator.from_profile(name)` builds a terminal from one. Swaps are not
simulated, so no profile claims any. The numbers are typical of the kind of broker named,
not of any real company.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS, SymbolSpec


@dataclass(frozen=True)
class BrokerProfile:
    """A named broker setup: its symbols' execution and filling, and its account's rules."""

    name: str
    description: str
    trade_exemode: int
    filling_mode: int
    account: dict[str, Any] = field(default_factory=dict)  # `Mt5SimulatorConfig` fields

    def simulator_config(self, **overrides: Any) -> Mt5SimulatorConfig:
        """The simulator config of this broker (`overrides` win over the profile)."""
        return Mt5SimulatorConfig(**{**self.account, **overrides})

    def specs(self, symbols: tuple[str, ...]) -> dict[str, SymbolSpec]:
        """The default specs of `symbols` with this broker's execution and filling modes."""
        unknown = [s for s in symbols if s not in DEFAULT_SYMBOL_SPECS]
        if unknown:
            raise ConfigError(f"`symbols` {unknown} have no default spec for broker profiles")
        return {
            s: replace(
                DEFAULT_SYMBOL_SPECS[s],
                trade_exemode=self.trade_exemode,
                filling_mode=self.filling_mode,
            )
            for s in symbols
        }


BROKER_PROFILES: dict[str, BrokerProfile] = {
    profile.name: profile
    for profile in (
        BrokerProfile(
            name="ecn_netting",
            description="ECN/STP broker: market execution, FOK or IOC, netting account, "
            "tight spread plus commission, EET server clock with DST",
            trade_exemode=mt5c.SYMBOL_TRADE_EXECUTION_MARKET,
            filling_mode=mt5c.SYMBOL_FILLING_FOK | mt5c.SYMBOL_FILLING_IOC,
            account={
                "margin_mode": "netting",
                "commission_per_lot": 3.5,
                "spread_points": 2,
                "stops_level": 0,
                "server_timezone": "Europe/Athens",
            },
        ),
        BrokerProfile(
            name="market_maker_hedging",
            description="Market maker: instant execution (requotes past `deviation`), FOK "
            "only, hedging account, wide spread, no commission, stops 10 points away, EET "
            "server clock with DST",
            trade_exemode=mt5c.SYMBOL_TRADE_EXECUTION_INSTANT,
            filling_mode=mt5c.SYMBOL_FILLING_FOK,
            account={
                "margin_mode": "hedging",
                "commission_per_lot": 0.0,
                "spread_points": 15,
                "stops_level": 10,
                "server_timezone": "Europe/Athens",
            },
        ),
        BrokerProfile(
            name="exchange_netting",
            description="Exchange execution: IOC or RETURN (the rest of an order keeps "
            "working), netting account, small commission, UTC server clock",
            trade_exemode=mt5c.SYMBOL_TRADE_EXECUTION_EXCHANGE,
            filling_mode=mt5c.SYMBOL_FILLING_IOC,
            account={
                "margin_mode": "netting",
                "commission_per_lot": 1.0,
                "spread_points": 5,
                "stops_level": 0,
                "server_offset_s": 0,
            },
        ),
    )
}


def broker_profile(name: str) -> BrokerProfile:
    """Return the profile `name`, or `ConfigError` listing the known ones."""
    try:
        return BROKER_PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"`profile` {name!r} is unknown; choose one of {sorted(BROKER_PROFILES)}"
        ) from None
