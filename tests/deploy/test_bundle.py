"""Agent bundles: `bundle.json` describes the training run; configs built from it fit or are refused."""

from __future__ import annotations

import json
import logging
import re
import shutil
from functools import partial
from importlib.metadata import version
from pathlib import Path

import msgspec
import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.deploy import BUNDLE_FILE, bundle_configs, load_bundle
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.components import create_actor
from nautilus_rl_lab.nt.importable import ImportableActorConfig, ImportableStrategyConfig
from nautilus_rl_lab.nt.model import BarType, InstrumentId
from nautilus_rl_lab.strategies.staleness import DEFAULT_MAX_BAR_AGE_SECS
from nautilus_rl_lab.training import train
from tests.deploy.conftest import WINDOW, bundle_train_config

LIVE_BAR = "EURUSD.MT5-1-HOUR-BID-EXTERNAL"


def test_training_writes_a_self_describing_bundle(bundle_dir: Path) -> None:
    bundle = load_bundle(bundle_dir)
    fields = bundle.fields
    assert fields["bar"] == {"step": 1, "aggregation": "HOUR", "price_type": "BID"}
    assert fields["execution"] == "next_open"
    assert fields["observation"]["params"] == {"window": WINDOW}
    assert fields["training_data"]["start"] == "2017-03-01"
    assert fields["training_data"]["end"] == "2017-03-15"
    assert fields["instrument"]["symbol"] == "EUR/USD"
    assert fields["versions"]["nautilus_trader"] == version("nautilus_trader")
    stats = fields["feature_stats"]
    assert len(stats["mean"]) == fields["observation_space"]["shape"][0]
    assert stats["count"] > 100
    assert len(bundle.content_hash) == 64


def test_bundle_configs_build_importable_actor_and_strategy(bundle_dir: Path) -> None:
    actor, strategy = bundle_configs(bundle_dir, "EURUSD.MT5", LIVE_BAR)
    assert isinstance(actor, ImportableActorConfig)
    assert isinstance(strategy, ImportableStrategyConfig)
    assert actor.config["agent_path"] == str(bundle_dir)
    assert actor.config["observation"]["params"] == {"window": WINDOW}
    assert strategy.config["action"] == actor.config["action"]
    assert strategy.config["instrument_id"] == "EURUSD.MT5"
    rl_agent = create_actor(actor)
    assert rl_agent.config.bar_type.spec.step == 1


@pytest.mark.parametrize(
    ("bar_type", "field"),
    [
        ("EURUSD.MT5-1-MINUTE-BID-EXTERNAL", "`aggregation`"),
        ("EURUSD.MT5-4-HOUR-BID-EXTERNAL", "`step`"),
        ("EURUSD.MT5-1-HOUR-LAST-EXTERNAL", "`price_type`"),
    ],
)
def test_a_bar_type_the_agent_was_not_trained_on_is_refused(
    bundle_dir: Path, bar_type: str, field: str
) -> None:
    with pytest.raises(ConfigError, match=field):
        bundle_configs(bundle_dir, "EURUSD.MT5", bar_type)


GOLDEN_BUNDLE = Path(__file__).parents[1] / "golden" / "data" / "ppo_bundle"


@pytest.mark.parametrize(
    ("instrument_id", "bar_type", "refused"),
    [
        ("EURUSD.MT5", "EURUSD.MT5-1-HOUR-ASK-EXTERNAL", None),
        ("EUR/USD.SIM", "EUR/USD.SIM-1-HOUR-ASK-INTERNAL", None),
        ("EURUSD.MT5", "EURUSD.MT5-1-HOUR-BID-EXTERNAL", "`price_type` is 'BID'"),
        ("EURUSD.MT5", "EURUSD.MT5-1-DAY-ASK-EXTERNAL", "`aggregation` is 'DAY'"),
        ("EURUSD.MT5", "EURUSD.MT5-2-HOUR-ASK-EXTERNAL", "`step` is 2"),
        ("GBPUSD.MT5", "GBPUSD.MT5-1-HOUR-ASK-EXTERNAL", "trained on 'EUR/USD'"),
        ("EURUSD.MT5", "GBPUSD.MT5-1-HOUR-ASK-EXTERNAL", "trade another"),
    ],
)
def test_the_stored_bundle_fits_its_market_and_refuses_others(
    instrument_id: str, bar_type: str, refused: str | None
) -> None:
    """The market check reads the bar type's parts on either Nautilus line (no training)."""
    bundle = load_bundle(GOLDEN_BUNDLE)
    check = partial(bundle.check_market, InstrumentId.from_str(instrument_id))
    if refused is None:
        check(BarType.from_str(bar_type))
        return
    with pytest.raises(ConfigError, match=re.escape(refused)):
        check(BarType.from_str(bar_type))


def _copy_with(bundle_dir: Path, tmp_path: Path, rehash: bool = False, **changes: object) -> Path:
    """A copy of the bundle with `changes` (and, with `rehash`, a content hash that fits)."""
    from nautilus_rl_lab.training.bundle import content_hash

    copy = tmp_path / "bundle"
    shutil.copytree(bundle_dir, copy)
    fields = json.loads((copy / BUNDLE_FILE).read_text())
    fields.update(changes)
    if rehash:
        fields["content_hash"] = content_hash(copy, fields)
    (copy / BUNDLE_FILE).write_text(json.dumps(fields))
    return copy


def test_an_edited_bundle_fails_its_content_hash(bundle_dir: Path, tmp_path: Path) -> None:
    copy = _copy_with(bundle_dir, tmp_path, execution="bar_close")
    with pytest.raises(ConfigError, match="`content_hash`"):
        load_bundle(copy)


def test_a_scheme_that_does_not_fit_the_policy_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    fields = json.loads((bundle_dir / BUNDLE_FILE).read_text())
    fields["observation"]["params"]["window"] = WINDOW + 3
    copy = _copy_with(bundle_dir, tmp_path, rehash=True, observation=fields["observation"])
    with pytest.raises(ConfigError, match="`observation` scheme"):
        load_bundle(copy)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (b"{bad", r":1:2: invalid JSON: "),
        (b"\xff\xfe{}", r" is not UTF-8 text: "),
        (b"[1, 2]", r" must hold a JSON object of fields, was a list"),
        (
            {"versions": ["1.221"]},
            r": Expected `object`, got `array` - at `\$.versions`, was \['1.221'\]",
        ),
        ({"bar": {"step": "one"}}, r": Expected `int`, got `str` - at `\$.bar.step`, was 'one'"),
    ],
)
def test_a_damaged_bundle_json_is_refused_naming_the_file(
    bundle_dir: Path, tmp_path: Path, damage: bytes | dict[str, object], expected: str
) -> None:
    if isinstance(damage, bytes):
        copy = _copy_with(bundle_dir, tmp_path)
        (copy / BUNDLE_FILE).write_bytes(damage)
    else:  # a field of the wrong type, with a content hash that fits: only its type is wrong
        copy = _copy_with(bundle_dir, tmp_path, rehash=True, **damage)
    with pytest.raises(
        ConfigError, match=f"^`bundle` {re.escape(str(copy / BUNDLE_FILE))}{expected}"
    ):
        load_bundle(copy)


def test_a_directory_without_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=BUNDLE_FILE):
        load_bundle(tmp_path)


def test_bundles_record_the_step_and_validation_score_that_selected_them(tmp_path: Path) -> None:
    validation = DataSourceConfig(kind="sample", start="2017-03-15", end="2017-03-22")
    config = msgspec.structs.replace(
        bundle_train_config(tmp_path / "run"), eval_data=validation, eval_freq=32
    )
    result = train(config)
    assert result.best_agent is not None
    evaluations = result.evaluations
    top = evaluations.loc[evaluations["mean_reward"].idxmax()]  # the first best: SB3 needs `>`
    best = load_bundle(result.best_agent).fields["selection"]
    assert best == {
        "agent": "best",
        "step": int(top["timesteps"]),
        "validation_mean_reward": pytest.approx(float(top["mean_reward"])),
    }
    assert best["step"] in set(evaluations["timesteps"])
    figures = load_bundle(result.best_agent).backtest  # on the validation range: no test range
    assert figures is not None and (figures["split"], figures["currency"]) == ("validation", "USD")
    final = load_bundle(result.final_agent).fields["selection"]
    assert final == {
        "agent": "final",
        "step": result.num_timesteps,
        "validation_mean_reward": None,
    }


@pytest.mark.parametrize(
    ("instrument_id", "bar_type", "fragment"),
    [
        ("EURUSD.MT5", "GBPUSD.MT5-1-HOUR-BID-EXTERNAL", "decide on one instrument's bars"),
        ("USDJPY.MT5", "USDJPY.MT5-1-HOUR-BID-EXTERNAL", "trained on 'EUR/USD'"),
    ],
)
def test_an_instrument_or_bars_the_agent_was_not_trained_on_are_refused(
    bundle_dir: Path, instrument_id: str, bar_type: str, fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment):
        bundle_configs(bundle_dir, instrument_id, bar_type)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"execution": "bar_close"}, "trained with `execution` 'bar_close'"),
        ({"versions": {"nautilus_rl_lab": "0.0.1"}}, "`versions.nautilus_rl_lab` '0.0.1'"),
    ],
)
def test_a_bundle_trained_otherwise_than_live_trades_is_warned_about(
    bundle_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    changes: dict,
    fragment: str,
) -> None:
    fields = json.loads((bundle_dir / BUNDLE_FILE).read_text())
    changes = {k: {**fields[k], **v} if isinstance(v, dict) else v for k, v in changes.items()}
    copy = _copy_with(bundle_dir, tmp_path, rehash=True, **changes)
    with caplog.at_level(logging.WARNING, logger="nautilus_rl_lab.deploy.bundle"):
        bundle_configs(copy, "EURUSD.MT5", LIVE_BAR)
    assert fragment in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="nautilus_rl_lab.deploy.bundle"):
        bundle_configs(bundle_dir, "EURUSD.MT5", LIVE_BAR)
    assert caplog.text == ""  # the same versions, next-open execution: nothing to say


def test_bundle_configs_carry_the_staleness_limit_to_the_agent(bundle_dir: Path) -> None:
    for given, expected in ((None, None), (5.0, 5.0)):
        actor, _ = bundle_configs(bundle_dir, "EURUSD.MT5", LIVE_BAR, max_bar_age_secs=given)
        assert create_actor(actor).config.max_bar_age_secs == expected
    actor, _ = bundle_configs(bundle_dir, "EURUSD.MT5", LIVE_BAR)
    assert create_actor(actor).config.max_bar_age_secs == DEFAULT_MAX_BAR_AGE_SECS == 60.0
