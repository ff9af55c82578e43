"""Terminal backend configs: the simulated account's currency must be one Nautilus knows."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig


def test_simulator_currency_must_be_a_known_iso_code() -> None:
    assert Mt5SimulatorConfig(currency="EUR").currency == "EUR"
    # Nautilus' Currency.from_str would invent a currency 'usd' for the account
    for bad in ("usd", "XYZ", ""):
        with pytest.raises(ConfigError, match="`currency`"):
            Mt5SimulatorConfig(currency=bad)
