"""Enum members and currencies by name, as Nautilus declares them."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.nt.model import OmsType, PriceType
from nautilus_rl_lab.nt.names import enum_member, enum_names, known_currency


def test_names_in_declaration_order_with_unspecified() -> None:
    assert enum_names(OmsType) == ("UNSPECIFIED", "NETTING", "HEDGING")
    assert enum_names(PriceType)[:4] == ("BID", "ASK", "MID", "LAST")


def test_a_member_by_its_exact_name() -> None:
    assert enum_member(OmsType, "HEDGING") == OmsType.HEDGING
    for wrong in ("hedging", "HEDGE", ""):
        with pytest.raises(KeyError):
            enum_member(OmsType, wrong)


def test_known_currencies_by_iso_code() -> None:
    assert str(known_currency("JPY")) == "JPY"
    assert known_currency("XYZ") is None
