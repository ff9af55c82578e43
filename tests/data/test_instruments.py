"""`InstrumentSpec` (a frozen, serialisable Nautilus config) and `make_instrument`."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from nautilus_rl_lab.data import InstrumentSpec, make_instrument
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.fees import fee_rates
from nautilus_rl_lab.nt.model import AssetClass, Cfd, CurrencyPair, Equity
from nautilus_rl_lab.nt.testkit import TestInstrumentProvider


def test_default_spec_builds_the_same_pair_as_nautilus_test_kit() -> None:
    ours = make_instrument(InstrumentSpec())
    kit = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    assert isinstance(ours, CurrencyPair)
    for attr in (
        "id",
        "base_currency",
        "quote_currency",
        "price_precision",
        "size_precision",
        "price_increment",
        "size_increment",
        "lot_size",
        "min_quantity",
        "max_quantity",
    ):
        assert getattr(ours, attr) == getattr(kit, attr), attr
    assert fee_rates(ours) == (Decimal("0.00002"), Decimal("0.00002"))
    # Margin rates differ on purpose: 1, so the venue's leverage alone sets the margin
    # (the kit's 0.03 would stack on it, see nautilus_rl_lab.nodes.engine).
    assert ours.margin_init == ours.margin_maint == 1


def test_spec_round_trips_through_json_and_is_frozen() -> None:
    spec = InstrumentSpec(symbol="USD/JPY", price_precision=3, venue="IDEALPRO", taker_fee=0.0001)
    assert InstrumentSpec.parse(spec.json()) == spec
    assert spec.base == "USD" and spec.quote == "JPY"
    with pytest.raises(AttributeError):
        spec.symbol = "EUR/USD"  # type: ignore[misc]


def test_unknown_fields_are_rejected_when_parsing() -> None:
    with pytest.raises(msgspec.ValidationError, match="leverage"):
        InstrumentSpec.parse(b'{"symbol": "EUR/USD", "leverage": 30}')


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "future"}, "kind"),
        ({"symbol": ""}, "symbol"),
        ({"symbol": "EURUSDX"}, "symbol"),
        ({"venue": "SIM.X"}, "venue"),
        ({"price_precision": -1}, "price_precision"),
        ({"size_precision": 99}, "size_precision"),
        ({"kind": "equity", "symbol": "AAPL", "size_precision": 2}, "size_precision"),
        ({"quote_currency": "JPY"}, "quote_currency"),
        ({"base_currency": "ZZZ"}, "base_currency"),
        ({"lot_size": 0}, "lot_size"),
        ({"min_quantity": 5e7}, "min_quantity"),
        ({"max_quantity": -1.0}, "max_quantity"),
        ({"margin_init": 1.5}, "margin_init"),
        ({"margin_maint": float("nan")}, "margin_maint"),
        ({"taker_fee": 0.5}, "taker_fee"),
        ({"asset_class": "INDEX"}, "asset_class"),
        ({"kind": "cfd", "symbol": "US500", "asset_class": "STOCKS"}, "asset_class"),
    ],
)
def test_invalid_spec_names_the_field_in_backticks(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        InstrumentSpec(**kwargs)


def test_equity_spec_builds_an_equity() -> None:
    spec = InstrumentSpec(
        symbol="AAPL", venue="XNAS", kind="equity", price_precision=2, lot_size=1, min_quantity=1
    )
    equity = make_instrument(spec)
    assert isinstance(equity, Equity)
    assert str(equity.id) == "AAPL.XNAS"
    assert str(equity.quote_currency) == "USD" and equity.price_increment.as_double() == 0.01
    assert equity.lot_size.as_double() == 1.0


def test_cfd_spec_builds_a_cfd_with_derived_asset_class() -> None:
    index_cfd = make_instrument(InstrumentSpec(symbol="US500", kind="cfd", price_precision=1))
    assert isinstance(index_cfd, Cfd) and index_cfd.asset_class == AssetClass.INDEX
    fx_cfd = make_instrument(InstrumentSpec(symbol="GBP/USD", kind="cfd", margin_init=0.05))
    assert fx_cfd.asset_class == AssetClass.FX
    assert str(fx_cfd.base_currency) == "GBP" and fx_cfd.margin_init == Decimal("0.05")
    gold = make_instrument(
        InstrumentSpec(symbol="GOLD", kind="cfd", price_precision=2, asset_class="COMMODITY")
    )
    assert gold.asset_class == AssetClass.COMMODITY


def test_fractional_sizes_follow_size_precision() -> None:
    pair = make_instrument(
        InstrumentSpec(size_precision=2, lot_size=0.01, min_quantity=0.01, max_quantity=None)
    )
    assert pair.size_increment.as_double() == 0.01
    assert pair.max_quantity is None and pair.min_quantity.as_double() == 0.01


def test_make_instrument_rejects_other_objects() -> None:
    with pytest.raises(ConfigError, match="InstrumentSpec"):
        make_instrument({"symbol": "EUR/USD"})  # type: ignore[arg-type]
