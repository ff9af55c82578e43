"""A portfolio agent's bundle: its instruments, their training data and the schemes it was built with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import BarType, InstrumentId
from nautilus_rl_lab.training import train
from nautilus_rl_lab.training.bundle import BUNDLE_FILE, load_bundle

from .conftest import tiny_portfolio_config


@pytest.fixture(scope="module")
def portfolio_agent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The final agent of a tiny portfolio run (trained once for this module)."""
    run_dir = tmp_path_factory.mktemp("portfolio") / "run"
    return train(tiny_portfolio_config(run_dir, vec_env="dummy", total_timesteps=64)).final_agent


def test_a_portfolio_bundle_records_each_instrument_its_data_and_the_schemes_built(
    portfolio_agent: Path,
) -> None:
    bundle = load_bundle(portfolio_agent)
    fields = bundle.fields
    assert "instrument" not in fields and bundle.n_assets == 3
    assert [a["instrument"]["symbol"] for a in fields["instruments"]] == ["A0", "A1", "A2"]
    assert [d["params"]["asset"] for d in fields["training_data"]] == [0, 1, 2]
    assert (bundle.observation.name, bundle.action.name) == ("stacked_window", "simplex_weights")
    assert fields["action_space"]["shape"] == [4]  # three assets and cash
    assert bundle.backtest is None and fields["selection"]["agent"] == "final"


def test_a_portfolio_bundle_refuses_to_trade_one_instrument(portfolio_agent: Path) -> None:
    instrument = InstrumentId.from_str("A0.SIM")
    bar_type = BarType.from_str("A0.SIM-1-DAY-ASK-EXTERNAL")
    with pytest.raises(
        ConfigError, match=r"portfolio agent of 3 instruments.*cannot trade A0\.SIM"
    ):
        load_bundle(portfolio_agent).check_market(instrument, bar_type)


def test_a_bundle_naming_no_instrument_is_refused(portfolio_agent: Path, tmp_path: Path) -> None:
    fields = json.loads((portfolio_agent / BUNDLE_FILE).read_text(encoding="utf-8"))
    del fields["instruments"]
    (tmp_path / BUNDLE_FILE).write_text(json.dumps(fields), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"must name either `instrument`.*or `instruments`"):
        load_bundle(tmp_path)
