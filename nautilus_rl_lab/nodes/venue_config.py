"""`VenueConfig`: the project's own simulated-venue settings, a frozen msgspec struct.

Nautilus 1.221's `BacktestVenueConfig` is a msgspec struct; NautilusTrader 2's is a pyo3 object
that cannot be embedded in (or decoded with) a msgspec config. So configs embed this struct,
and `nodes.venue.add_venue` is the one place it becomes Nautilus' venue. Its fields, their
order and defaults are `BacktestVenueConfig`'s on 1.221, so the JSON of a config (and every
stored bundle's hash) is unchanged; so are those of the model configs it nests
(`nodes.venue_models`); `nodes.venue.check_venue` validates the values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from nautilus_rl_lab.nodes.venue_models import (
    ImportableFeeModelConfig,
    ImportableFillModelConfig,
    ImportableLatencyModelConfig,
    MarginModelConfig,
)
from nautilus_rl_lab.nt.model import AccountType, BookType, InstrumentId, Money, OmsType


def _member(enum: Any, value: Any) -> Any:
    """The member of Nautilus' `enum` named `value` (a name or already a member), on both lines."""
    return getattr(enum, value) if isinstance(value, str) else value


class VenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One simulated venue: account, balances, leverage and the fill/fee/latency/margin models."""

    name: str
    oms_type: OmsType | str
    account_type: AccountType | str
    starting_balances: list[str]
    base_currency: str | None = None
    default_leverage: float = 1.0
    leverages: dict[str, float] | None = None
    margin_model: MarginModelConfig | None = None
    # Refused by `check_venue`; any items (2.0's `ImportableActorConfig` is no msgspec type).
    modules: list[Any] | None = None
    fill_model: ImportableFillModelConfig | None = None
    latency_model: ImportableLatencyModelConfig | None = None
    fee_model: ImportableFeeModelConfig | None = None
    book_type: BookType | str = "L1_MBP"
    routing: bool = False
    reject_stop_orders: bool = True
    support_gtd_orders: bool = True
    support_contingent_orders: bool = True
    use_position_ids: bool = True
    use_random_ids: bool = False
    use_reduce_only: bool = True
    bar_execution: bool = True
    bar_adaptive_high_low_ordering: bool = False
    trade_execution: bool = False
    allow_cash_borrowing: bool = False
    frozen_account: bool = False

    @property
    def oms(self) -> OmsType:
        """`oms_type` as Nautilus' enum."""
        return _member(OmsType, self.oms_type)

    @property
    def account(self) -> AccountType:
        """`account_type` as Nautilus' enum."""
        return _member(AccountType, self.account_type)

    @property
    def balances(self) -> list[Money]:
        """`starting_balances` as Nautilus money."""
        return [Money.from_str(balance) for balance in self.starting_balances]

    @property
    def instrument_leverages(self) -> dict[InstrumentId, Decimal]:
        """`leverages` keyed by instrument id, as decimals (of the float, as Nautilus 1.221's)."""
        leverages = self.leverages or {}
        return {InstrumentId.from_str(key): Decimal(v) for key, v in leverages.items()}
