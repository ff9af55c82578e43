"""Enum member names, as Nautilus declares them."""

from __future__ import annotations

from nautilus_rl_lab.nt.enums import enum_names
from nautilus_rl_lab.nt.model import OmsType, PriceType


def test_names_in_declaration_order_with_unspecified() -> None:
    assert enum_names(OmsType) == ("UNSPECIFIED", "NETTING", "HEDGING")
    assert enum_names(PriceType)[:4] == ("BID", "ASK", "MID", "LAST")
