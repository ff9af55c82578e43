"""Config files: a syntax error, an unknown extension or a bad field names the file (and line)."""

from __future__ import annotations

import importlib
import inspect
import json
import math
import pkgutil
import warnings
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nautilus_rl_lab
from nautilus_rl_lab.config import FileConfig, LabConfig, ParsedConfig, decode_config, read_mapping
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.deploy.session import LiveRunConfig
from nautilus_rl_lab.deprecation import LabDeprecationWarning
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.training.bundle import content_hash, load_bundle


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.yaml", "seed: 1\nepisode_length: [64\nbar_step: 1\n", "bad.yaml:3:"),
        ("bad.yml", "seed: 1\n  bar_step: 2\n", "bad.yml:2:"),
        ("bad.json", '{\n  "seed": 1,\n  "bar_step": 2,\n}\n', "bad.json:4:1"),
    ],
)
def test_syntax_error_names_file_and_line(tmp_path, name, text, where) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invalid (YAML|JSON)") as error:
        read_mapping(path)
    assert str(error.value).startswith(str(tmp_path / where))


def test_unknown_extension_is_refused_on_read_and_write(tmp_path) -> None:
    path = tmp_path / "node.toml"
    path.write_text("seed = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"node\.toml.*unknown extension '\.toml'"):
        read_mapping(path)
    with pytest.raises(ConfigError, match="unknown extension"):
        TrainingNodeConfig().to_file(tmp_path / "node.txt")
    assert not (tmp_path / "node.txt").exists()


def test_missing_file_non_mapping_and_non_utf8_are_config_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_mapping(tmp_path / "absent.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping of fields"):
        read_mapping(tmp_path / "list.yaml")
    (tmp_path / "latin1.yaml").write_bytes("seed: 1 # \xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_mapping(tmp_path / "latin1.yaml")


def test_bad_field_in_a_file_names_the_file_and_field(tmp_path) -> None:
    path = tmp_path / "node.yaml"
    path.write_text("seed: 1\nbogus_field: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"node\.yaml: .*bogus_field"):
        TrainingNodeConfig.from_file(path)
    path.write_text("log_level: LOUD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"node\.yaml: .*`log_level`"):
        TrainingNodeConfig.from_file(path)


def test_unquoted_yaml_dates_are_read_as_the_dates_written(tmp_path) -> None:
    path = tmp_path / "node.yaml"
    path.write_text("data:\n  start: 2017-03-01\n  end: 2017-03-15\n", encoding="utf-8")
    config = TrainingNodeConfig.from_file(path)
    assert (config.data.start, config.data.end) == ("2017-03-01", "2017-03-15")


def test_overrides_win_over_the_file(tmp_path) -> None:
    path = TrainingNodeConfig(seed=1, bar_step=2).to_file(tmp_path / "node.json")
    config = TrainingNodeConfig.from_file(path, {"seed": 7})
    assert (config.seed, config.bar_step) == (7, 2)


def _config_classes() -> list[type[ParsedConfig]]:
    """Every config the package defines, its own and Nautilus' kinds: each class of its modules
    that reads and writes itself as JSON (`parse`, `json`), but the protocol and the bases
    (`nautilus_rl_lab.nt` holds Nautilus' bases, as the project's own classes)."""
    found: set[type[ParsedConfig]] = set()
    for info in pkgutil.walk_packages(nautilus_rl_lab.__path__, "nautilus_rl_lab."):
        if info.name.startswith("nautilus_rl_lab.nt."):
            continue
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if (
                inspect.isclass(cls)
                and cls.__module__ == module.__name__
                and callable(getattr(cls, "parse", None))
                and callable(getattr(cls, "json", None))
                and cls not in (ParsedConfig, LabConfig, FileConfig)
            ):
                found.add(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


CONFIG_CLASSES = _config_classes()
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
WRONG_TYPES = st.one_of(
    st.text(alphabet="aZ09-._/ é", max_size=6),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.lists(st.integers(-3, 3), max_size=2),
    st.dictionaries(st.text(alphabet="ab", max_size=2), st.integers(-3, 3), max_size=2),
    NON_FINITE,
    NON_FINITE.map(lambda x: [x]),
)


BAR_TYPE = "EUR/USD.SIM-1-HOUR-ASK-EXTERNAL"
WEEK = {"kind": "sample", "start": "2017-03-15", "end": "2017-03-22"}
# valid values of the required fields (a class not named here has none)
BASELINES: dict[str, dict[str, object]] = {
    "RLAgentConfig": {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE},
    "LiveRunConfig": {"run_dir": "runs/live", "bundle": "runs/bundle"},
    "MonitorConfig": {"run_dir": "runs/live", "instrument_id": "EUR/USD.SIM"},
    "AgentSpec": {"name": "hold", "agent": "buy_and_hold"},
    "ScenarioConfig": {"name": "s", "description": "d"},
    "TransformConfig": {"name": "with_gaps"},
    "FaultStep": {"bar": 1, "fault": "restart"},
    "StressScenarioConfig": {
        "name": "s",
        "description": "d",
        "market": {"name": "m", "description": "d"},
    },
    "SchemeConfig": {"name": "window"},
    "AgentStrategyConfig": {"instrument_id": "EUR/USD.SIM"},
    "SchemeStrategyConfig": {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE},
    "ParamSpec": {"type": "int", "low": 1, "high": 3},
    "PortfolioAsset": {"instrument": {}},
    "PortfolioRLAgentConfig": {
        "instrument_ids": ["EUR/USD.SIM"],
        "bar_types": [BAR_TYPE],
        "observation": {"name": "stacked_window"},
    },
    "PortfolioAgentStrategyConfig": {
        "instrument_ids": ["EUR/USD.SIM"],
        "action": {"name": "simplex_weights"},
        "risks": [{}],
    },
    "PortfolioStrategyConfig": {
        "instrument_ids": ["EUR/USD.SIM"],
        "bar_types": [BAR_TYPE],
        "observation": {"name": "stacked_window"},
        "action": {"name": "simplex_weights"},
        "risks": [{}],
    },
    "TuneConfig": {
        "train": {
            "env": {"data": {**WEEK, "start": "2017-03-01", "end": "2017-03-15"}},
            "eval_data": WEEK,
        }
    },
}


def test_the_package_config_classes_are_found_and_their_baselines_decode() -> None:
    names = {c.__name__ for c in CONFIG_CLASSES}
    assert {"TrainConfig", "DataSourceConfig", "Mt5SimulatorConfig", "SchemeConfig"} <= names
    assert len(CONFIG_CLASSES) >= 25
    for cls in CONFIG_CLASSES:
        assert isinstance(decode_config(cls, BASELINES.get(cls.__name__, {})), cls)


@pytest.mark.parametrize("cls", CONFIG_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_bad_field_or_unknown_key_is_one_config_error(cls, data) -> None:
    """A field set to NaN/inf or a value of a wrong type, or an unknown key: a `ConfigError`."""
    names = [f.name for f in msgspec.structs.fields(cls)]
    field = data.draw(st.sampled_from([*names, "no_such_field"]), label="field")
    value = data.draw(WRONG_TYPES, label="value")
    try:
        with warnings.catch_warnings():  # a deprecated field (LiveNodeConfig.magic=0) may be valid
            warnings.simplefilter("ignore", LabDeprecationWarning)
            decode_config(cls, {**BASELINES.get(cls.__name__, {}), field: value})
    except ConfigError:  # anything else fails the test
        return
    assert field != "no_such_field", f"{cls.__name__} accepted an unknown key"
    assert not (isinstance(value, float) and not math.isfinite(value)), f"{cls.__name__}.{field}"


GOLDEN = Path(__file__).parent / "golden" / "data"
# fuller instances than the baselines (optional fields set, nested configs, non-ASCII text)
RICH: dict[str, dict[str, object]] = {
    "RiskLimits": {
        "max_position": 0.5,
        "stop_loss": 0.01,
        "take_profit": 0.02,
        "max_drawdown": 0.1,
        "max_daily_loss": 0.05,
        "max_consecutive_losses": 3,
        "cooldown_bars": 2,
        "max_trades_per_day": 4,
        "trading_hours": [8, 17],
        "trailing_stop": True,
    },
    "SchemeConfig": {
        "name": "window",
        "params": {"window": 8, "scale": 0.5, "names": ["a", "é"], "x": None},
    },
    "TrainConfig": {
        "hyperparameters": {"learning_rate": 0.0003, "n_steps": 64, "gamma": 0.99},
        "seed": 11,
        "eval_data": WEEK,
        "env": {
            "data": {**WEEK, "start": "2017-03-01", "end": "2017-03-15"},
            "risk": {"max_position": 0.25},
        },
    },
    "TuneConfig": {
        **BASELINES["TuneConfig"],
        "seed": 3,
        "timeout": 60.5,
        "search_space": {
            "learning_rate": {"type": "float", "low": 1e-05, "high": 0.001, "log": True},
            "n_steps": {"type": "categorical", "choices": [64, 128]},
        },
    },
    "Mt5SimulatorConfig": {"symbols": ["EURUSD", "USDJPY"], "balance": 12345.67, "seed": 5},
    "AlertRules": {"max_drawdown": 0.2, "max_daily_loss": 0.1, "stale_feed_secs": 7200.0},
    "ParamSpec": {"type": "float", "low": 0.1, "high": 0.9, "step": 0.1},
}


# configs added by the port to NautilusTrader 2.0 or later: no 1.221 bytes to compare with
NEWER_THAN_1_221 = {
    "nautilus_rl_lab.nodes.live_nt2:QuoteFeedConfig",
    "nautilus_rl_lab.nodes.portfolio:PortfolioAsset",
    "nautilus_rl_lab.strategies.portfolio_strategy:PortfolioStrategyConfig",
    "nautilus_rl_lab.strategies.portfolio_agent_strategy:PortfolioAgentStrategyConfig",
    "nautilus_rl_lab.agents.portfolio_agent:PortfolioRLAgentConfig",
}


def _config_json() -> dict[str, str]:
    """`.json()` of every config class's baseline (and fuller instance), and of configs/*.yaml,
    except the classes in `NEWER_THAN_1_221`."""
    found = {}
    for cls in CONFIG_CLASSES:
        name = f"{cls.__module__}:{cls.__qualname__}"
        if name in NEWER_THAN_1_221:
            continue
        found[name] = decode_config(cls, BASELINES.get(cls.__name__, {})).json().decode()
        if cls.__name__ in RICH:
            found[f"{name} rich"] = decode_config(cls, RICH[cls.__name__]).json().decode()
    for file in sorted((Path(__file__).parents[1] / "configs").glob("*.yaml")):
        found[f"configs/{file.name}"] = LiveRunConfig.from_file(file).json().decode()
    return found


def test_every_config_writes_the_json_bytes_nautilus_config_wrote_on_1_221() -> None:
    """Bundle hashes, registry checks and study fingerprints are taken over these bytes.

    `config_json.json` was written by the `NautilusConfig`-based classes of NautilusTrader 1.221
    (commit 328670a), before the project's own configs moved to `LabConfig`.
    """
    expected = json.loads((GOLDEN / "config_json.json").read_text(encoding="utf-8"))
    assert _config_json() == expected
    classes: dict[str, type[ParsedConfig]] = {
        f"{c.__module__}:{c.__qualname__}": c for c in CONFIG_CLASSES
    }
    for name, text in expected.items():
        cls = classes.get(name.removesuffix(" rich"), LiveRunConfig)
        assert cls.parse(text.encode()).json() == text.encode(), name


def test_the_stored_ppo_bundle_verifies_and_its_configs_rewritten_keep_its_hash() -> None:
    directory = GOLDEN / "ppo_bundle"
    bundle = load_bundle(directory)  # refuses a content hash that does not match
    classes: dict[str, type[LabConfig]] = {
        "observation": SchemeConfig,
        "action": SchemeConfig,
        "reward": SchemeConfig,
        "risk": RiskLimits,
        "instrument": InstrumentSpec,
        "training_data": DataSourceConfig,
    }
    rewritten = {
        **bundle.fields,
        **{f: json.loads(c.parse(json.dumps(bundle.fields[f])).json()) for f, c in classes.items()},
    }
    assert content_hash(directory, rewritten) == bundle.content_hash


def test_lab_configs_are_frozen_hashable_and_compare_by_value() -> None:
    limits = RiskLimits(max_position=0.5)
    assert limits == RiskLimits(max_position=0.5) != RiskLimits(max_position=0.25)
    assert hash(limits) == hash(RiskLimits(max_position=0.5))
    assert limits.dict()["max_position"] == 0.5
    assert limits.json_primitives() == json.loads(limits.json())
    with pytest.raises(AttributeError):
        limits.max_position = 1.0  # type: ignore[misc]


class _Bare(LabConfig, frozen=True):
    """A config that sets no struct options of its own."""

    size: int = 1


def test_a_lab_config_refuses_unknown_fields_without_asking() -> None:
    assert _Bare.parse('{"size": 2}') == _Bare(size=2)
    with pytest.raises(msgspec.ValidationError, match="unknown field `sise`"):
        _Bare.parse('{"sise": 2}')
