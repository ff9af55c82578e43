"""Named tuples survive the plain-data round trip used by the RPyC bridge."""

from __future__ import annotations

from nautilus_rl_lab.mt5 import structures as s


def test_structures_round_trip_through_plain_tuples() -> None:
    request = s.trade_request_from_mapping(
        {"action": 1, "symbol": "EURUSD", "volume": 0.1, "extra": 5}
    )
    result = s.OrderSendResult(
        retcode=10009, deal=2, order=1, volume=0.1, price=1.1, request=request
    )
    plain = s.structure_to_plain(result)
    assert type(plain) is tuple and type(plain[-1]) is tuple
    assert s.structure_from_plain("OrderSendResult", plain) == result
    assert type(s.structure_from_plain("OrderSendResult", plain).request) is s.TradeRequest


def test_rates_and_ticks_dtypes_have_the_module_fields() -> None:
    assert s.RATES_DTYPE.names == (
        "time",
        "open",
        "high",
        "low",
        "close",
        "tick_volume",
        "spread",
        "real_volume",
    )
    assert s.TICKS_DTYPE.names == (
        "time",
        "bid",
        "ask",
        "last",
        "volume",
        "time_msc",
        "flags",
        "volume_real",
    )
    assert set(s.STRUCTURES) >= {
        "AccountInfo",
        "SymbolInfo",
        "Tick",
        "TradeOrder",
        "TradePosition",
        "TradeDeal",
    }
