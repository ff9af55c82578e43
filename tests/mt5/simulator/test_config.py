"""Terminal backend configs: the simulated account's currency must be one Nautilus knows."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.constants import TIMEFRAME_H1


def test_simulator_currency_must_be_a_known_iso_code() -> None:
    assert Mt5SimulatorConfig(currency="EUR").currency == "EUR"
    # Nautilus' Currency.from_str would invent a currency 'usd' for the account
    for bad in ("usd", "XYZ", ""):
        with pytest.raises(ConfigError, match="`currency`"):
            Mt5SimulatorConfig(currency=bad)


@pytest.mark.parametrize(
    "field",
    ["balance", "commission_per_lot", "pending_fill_lots", "replay_speed", "gap_pause_s"],
)
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_number_that_is_not_finite_is_refused_naming_the_field(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"`{field}` must be a finite number, was {value}"):
        Mt5SimulatorConfig(**{field: value})


def test_the_constructor_loads_data_path_or_refuses_it(tmp_path) -> None:
    from nautilus_rl_lab.data import load_sample_eurusd
    from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator

    missing = str(tmp_path / "nonexistent.csv")
    with pytest.raises(FileNotFoundError, match=r"nonexistent\.csv: no such file"):
        Mt5TerminalSimulator(config=Mt5SimulatorConfig(data_path=missing))
    from_path = Mt5TerminalSimulator(config=Mt5SimulatorConfig(data_path="sample", warmup_bars=5))
    bars = load_sample_eurusd()
    given = Mt5TerminalSimulator(bars, config=Mt5SimulatorConfig(warmup_bars=5))
    for simulator in (from_path, given):
        simulator.initialize()
    rates = from_path.copy_rates_from_pos("EURUSD", TIMEFRAME_H1, 0, 5)
    assert rates is not None and len(rates) == 5
    assert rates.tolist() == given.copy_rates_from_pos("EURUSD", TIMEFRAME_H1, 0, 5).tolist()
    with pytest.raises(ConfigError, match="`data_path`"):  # two sources of bars: which one?
        Mt5TerminalSimulator(bars, config=Mt5SimulatorConfig(data_path="sample"))
