"""MT5 client configs: symbols that become Nautilus instrument ids are checked up front."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.adapters.metatrader5.config import Mt5InstrumentProviderConfig
from nautilus_rl_lab.errors import ConfigError


def test_provider_symbols_must_be_symbols() -> None:
    assert Mt5InstrumentProviderConfig(symbols=("EURUSD", "#AAPL", "EURUSD.m")).symbols
    for bad in ("", " ", " EURUSD"):
        with pytest.raises(ConfigError, match=r"`symbols\[1\]`"):
            Mt5InstrumentProviderConfig(symbols=("EURUSD", bad))
