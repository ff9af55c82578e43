"""Agent bundle: a saved agent directory that describes how to trade it again.

`write_bundle(directory, config, model)` adds `bundle.json` to a directory written by
`PolicyAgent.save` (training's `best/` and `final/`): the observation/action/reward scheme
configs, the instrument spec, the bar specification and execution mode it was trained with,
the training data range (a portfolio agent: `instruments`, each instrument's spec, data and
risk rules, and `training_data` one range per instrument, instead of `instrument`), the
policy's spaces, feature statistics of the training observations, which agent of the run it
is (`selection`: `best` or `final`, the env step it was saved at and, for `best/`, the mean
validation reward that chose it), the library/Nautilus/SB3 versions and
a content hash; with `backtest=True` also what the out-of-sample backtest leads the monitor
to expect (`backtest_figures`, from `evaluation.expectations`: slippage per fill, per-bar
returns and the venue assumptions behind them, and the account currency), so training writes
each bundle once; `attach_backtest` adds them to an existing bundle. `load_bundle` reads and
verifies it.
The bundle is what training produces, so it lives here; trading one is `deploy.bundle`.

Decisions:

- Feature statistics are `VecNormalize`'s running mean and variance over every training
  observation (exact moments, no sample kept); drift checks compare the live moments with
  them (`monitoring.drift`). Without observation
  normalisation there are no statistics and drift checks are refused by name.
- Any saved `Agent` can be bundled (`write_bundle(..., model=None)`: a rule-based baseline):
  its spaces then come from the schemes and it has no feature statistics.
- The backtest figures come from the run's `test_data` (untouched by selection), else its
  `eval_data`; a run with neither has none, and the monitor's slippage and performance
  rules then need configured thresholds.
- The content hash is SHA-256 over the policy files (`model.zip`, `normalizer.npz`,
  `agent.json`) and the canonical JSON of every other bundle field, so two bundles with the
  same hash trade identically; `load_bundle` verifies it and refuses an edited bundle.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import msgspec

from nautilus_rl_lab.agents.base import SPEC_FILE, read_spec, space_from_dict, space_to_dict
from nautilus_rl_lab.agents.policy import MODEL_FILE, NORMALIZER_FILE
from nautilus_rl_lab.config import type_error
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.evaluation.expectations import expectations
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.nt.model import BarType, InstrumentId
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.training.spaces import env_spaces, scheme_spaces

BUNDLE_FILE = "bundle.json"
BUNDLE_FORMAT = 1
HASHED_FILES = (MODEL_FILE, NORMALIZER_FILE, SPEC_FILE)


def _box_space(space: gym.Space[Any]) -> dict[str, Any]:
    """`space_to_dict` for observation boxes (shape and dtype; bounds are often infinite)."""
    if isinstance(space, gym.spaces.Box):
        return {"type": "Box", "shape": list(space.shape), "dtype": str(space.dtype)}
    return space_to_dict(space)


def _versions() -> dict[str, str]:
    import nautilus_trader
    import stable_baselines3

    import nautilus_rl_lab

    return {
        "nautilus_rl_lab": nautilus_rl_lab.__version__,
        "nautilus_trader": nautilus_trader.__version__,
        "stable_baselines3": stable_baselines3.__version__,
    }


def content_hash(directory: Path, fields: dict[str, Any]) -> str:
    """SHA-256 of the policy files in `directory` and the canonical JSON of `fields`."""
    digest = hashlib.sha256()
    for name in HASHED_FILES:
        file = directory / name
        digest.update(name.encode())
        digest.update(file.read_bytes() if file.is_file() else b"-")
    body = {k: v for k, v in fields.items() if k != "content_hash"}
    digest.update(json.dumps(body, sort_keys=True).encode())
    return digest.hexdigest()


def _feature_stats(model: Any) -> dict[str, Any] | None:
    venv = model.get_vec_normalize_env()
    if venv is None or not venv.norm_obs:
        return None
    rms = venv.obs_rms
    return {"count": float(rms.count), "mean": rms.mean.tolist(), "var": rms.var.tolist()}


def selection(agent: str, step: int, validation_mean_reward: float | None = None) -> dict[str, Any]:
    """The bundle's `selection` field: which agent of a run (`best`/`final`), saved at which
    env step, and the mean validation episode reward that made it the best (`None` for `final`)."""
    score = None if validation_mean_reward is None else float(validation_mean_reward)
    return {"agent": agent, "step": int(step), "validation_mean_reward": score}


def write_bundle(
    directory: str | os.PathLike[str],
    config: Any,
    model: Any = None,
    selected: dict[str, Any] | None = None,
    *,
    backtest: bool = False,
) -> Path:
    """Write `bundle.json` for the agent saved in `directory` (`config`: its `TrainConfig`).

    `model` is the SB3 model of a trained agent; `None` bundles any other saved `Agent`.
    `selected` is its `selection` (`None`: not an agent of a training run). With `backtest`
    the saved agent is backtested first (`backtest_figures`), so the file is written once,
    complete.
    """
    path = Path(directory)
    env = config.env
    if model is None:
        algorithm = str(read_spec(path)["agent"])
        observation_space, action_space = env_spaces(env)
    else:
        algorithm = config.algorithm.upper()
        observation_space, action_space = model.observation_space, model.action_space
    observation, action = env.schemes  # what the env built (a portfolio's defaults included)
    fields: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "algorithm": algorithm,
        "observation": json.loads(observation.json()),
        "action": json.loads(action.json()),
        "reward": json.loads(env.reward.json()),
        "risk": json.loads(env.risk.json()),
        **_market_fields(env),
        "bar": {
            "step": env.bar_step,
            "aggregation": env.bar_aggregation,
            "price_type": env.price_type,
        },
        "execution": env.execution,
        "eval_data": json.loads(config.eval_data.json()) if config.eval_data else None,
        "observation_space": _box_space(observation_space),
        "action_space": space_to_dict(action_space),
        "feature_stats": None if model is None else _feature_stats(model),
        "selection": selected,
        "versions": _versions(),
    }
    figures = backtest_figures(path, config) if backtest else None
    return _write_fields(path, fields if figures is None else {**fields, "backtest": figures})


def _market_fields(env: Any) -> dict[str, Any]:
    """What `env` traded: `instrument` and its `training_data`, or a portfolio's `instruments`
    (spec, data and risk rules each) and `training_data` (one range per instrument)."""
    if not env.assets:
        return {
            "instrument": json.loads(env.instrument.json()),
            "training_data": json.loads(env.data.json()),
        }
    return {
        "instruments": [json.loads(asset.json()) for asset in env.assets],
        "training_data": [json.loads(asset.data.json()) for asset in env.assets],
    }


def _write_fields(path: Path, fields: dict[str, Any]) -> Path:
    fields["content_hash"] = content_hash(path, fields)
    return atomic_write_text(path / BUNDLE_FILE, json.dumps(fields, indent=2, sort_keys=True))


def backtest_figures(directory: str | os.PathLike[str], config: Any) -> dict[str, Any] | None:
    """The `backtest` field for the agent saved in `directory`: one backtest on `config`'s test
    (else validation) range; `None` if `config` has neither."""
    test_env = config.test_env
    split, env = ("test", test_env) if test_env else ("validation", config.eval_env)
    if env is None:
        return None
    run = run_backtest(Path(directory), env)
    return {
        **expectations(run.equity, run.slippage, env, split, run.return_frequency),
        "currency": run.currency,
    }


def attach_backtest(directory: str | os.PathLike[str], config: Any) -> dict[str, Any] | None:
    """Add `backtest_figures` to the existing bundle in `directory` (verified, content hash
    renewed); `None` if `config` has no test or validation range. Training writes its bundles
    complete instead (`write_bundle(..., backtest=True)`)."""
    bundle = load_bundle(directory)
    figures = backtest_figures(bundle.path, config)
    if figures is not None:
        _write_fields(bundle.path, {**bundle.fields, "backtest": figures})
    return figures


@dataclass(frozen=True)
class AgentBundle:
    """A loaded, hash-verified `bundle.json` and the directory it describes."""

    path: Path
    fields: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return str(self.fields["content_hash"])

    @property
    def observation(self) -> SchemeConfig:
        return SchemeConfig.parse(json.dumps(self.fields["observation"]).encode())

    @property
    def action(self) -> SchemeConfig:
        return SchemeConfig.parse(json.dumps(self.fields["action"]).encode())

    @property
    def risk(self) -> RiskLimits:
        return RiskLimits.parse(json.dumps(self.fields["risk"]).encode())

    @property
    def n_assets(self) -> int | None:
        """The number of instruments of a portfolio agent (`None`: a single-instrument agent)."""
        instruments = self.fields.get("instruments")
        return None if instruments is None else len(instruments)

    @property
    def feature_stats(self) -> dict[str, Any] | None:
        return self.fields.get("feature_stats")

    @property
    def backtest(self) -> dict[str, Any] | None:
        """The out-of-sample figures of `attach_backtest` (`None`: the bundle has none)."""
        return self.fields.get("backtest")

    def check_bar_type(self, bar_type: BarType) -> None:
        """Refuse `bar_type` unless its step, aggregation and price type are the training ones."""
        spec = bar_type.spec
        trained = self.fields["bar"]
        _, aggregation, price_type = str(spec).split("-")  # "1-HOUR-BID" on both Nautilus lines
        live = {"step": spec.step, "aggregation": aggregation, "price_type": price_type}
        for key in ("step", "aggregation", "price_type"):
            if str(live[key]).upper() != str(trained[key]).upper():
                raise ConfigError(
                    f"`bar_type` {bar_type} does not fit the bundle {self.path}: its "
                    f"`{key}` is {live[key]!r} but the agent was trained on {trained[key]!r} "
                    f"bars (bundle `bar`: {trained})",
                )

    def check_market(self, instrument_id: InstrumentId, bar_type: BarType) -> None:
        """Refuse an instrument other than the trained one, or bars of another instrument.

        Symbols compare without separators and case (``EUR/USD`` trained fits ``EURUSD.MT5``).
        A portfolio agent is refused: it decides for all its instruments at once.
        """
        if self.n_assets is not None:
            raise ConfigError(
                f"bundle {self.path} is a portfolio agent of {self.n_assets} instruments "
                f"(bundle `instruments`): it cannot trade {instrument_id} alone, and live "
                "portfolio agents are not supported yet",
            )
        if bar_type.instrument_id != instrument_id:
            raise ConfigError(
                f"`bar_type` {bar_type} is for {bar_type.instrument_id} but `instrument_id` is "
                f"{instrument_id}: the agent would decide on one instrument's bars and trade "
                "another",
            )
        trained = str(self.fields["instrument"]["symbol"])
        if _plain_symbol(trained) != _plain_symbol(instrument_id.symbol.value):
            raise ConfigError(
                f"`instrument_id` {instrument_id} does not fit the bundle {self.path}: the agent "
                f"was trained on {trained!r} (bundle `instrument.symbol`)",
            )
        self.check_bar_type(bar_type)

    def provenance_warnings(self) -> list[str]:
        """What differs between how the agent was trained and how live trades it (not refused).

        Another library/Nautilus/SB3 version may change fills, features or the policy; a
        `bar_close` execution filled training orders at the close the agent saw, while live
        orders fill after the decision.
        """
        notes = []
        if self.fields["execution"] != "next_open":
            notes.append(
                f"bundle {self.path} was trained with `execution` {self.fields['execution']!r}: "
                "its training fills were at the decision bar's close, live orders fill after "
                "the decision, so expect other results than in training"
            )
        trained = self.fields["versions"]
        for package, version in _versions().items():
            if trained.get(package) != version:
                notes.append(
                    f"bundle {self.path} was made with `versions.{package}` "
                    f"{trained.get(package)!r}, this is {version!r}"
                )
        return notes

    def check_schemes(self) -> None:
        """Refuse a bundle whose schemes' spaces differ from the policy's saved spaces."""
        spaces = scheme_spaces(self.observation, self.action, self.n_assets)
        observation = _box_space(spaces[0])
        if observation != self.fields["observation_space"]:
            raise ConfigError(
                f"bundle {self.path}: `observation` scheme builds {observation} but the policy "
                f"expects {self.fields['observation_space']}",
            )
        action = space_to_dict(spaces[1])
        if space_from_dict(action) != space_from_dict(self.fields["action_space"]):
            raise ConfigError(
                f"bundle {self.path}: `action` scheme builds {action} but the policy "
                f"acts in {self.fields['action_space']}",
            )


def _plain_symbol(symbol: str) -> str:
    """`symbol` without separators, upper case (``eur/usd`` -> ``EURUSD``)."""
    return "".join(c for c in symbol if c.isalnum()).upper()


class _Bar(msgspec.Struct):
    step: int
    aggregation: str
    price_type: str


class _Instrument(msgspec.Struct):
    symbol: str


class _FeatureStats(msgspec.Struct):
    count: float
    mean: list[float]
    var: list[float]


class _BundleFields(msgspec.Struct):
    """The types of the `bundle.json` fields this library reads (others pass unchecked)."""

    content_hash: str
    algorithm: str
    observation: dict[str, Any]
    action: dict[str, Any]
    reward: dict[str, Any]
    risk: dict[str, Any]
    bar: _Bar
    execution: str
    training_data: dict[str, Any] | list[dict[str, Any]]
    observation_space: dict[str, Any]
    action_space: dict[str, Any]
    versions: dict[str, str]
    instrument: _Instrument | None = None  # one of these two: one instrument or a portfolio
    instruments: list[dict[str, Any]] | None = None
    eval_data: dict[str, Any] | None = None
    feature_stats: _FeatureStats | None = None
    selection: dict[str, Any] | None = None
    backtest: dict[str, Any] | None = None


def _read_fields(file: Path) -> dict[str, Any]:
    """The fields of `bundle.json` at `file`; damage (not JSON, not an object, a field of the
    wrong type) is a `ConfigError` naming the file, the field and the value."""
    try:
        fields = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"`bundle` {file} is not UTF-8 text: {e}") from e
    except json.JSONDecodeError as e:
        raise ConfigError(f"`bundle` {file}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    if not isinstance(fields, dict):
        raise ConfigError(
            f"`bundle` {file} must hold a JSON object of fields, was a {type(fields).__name__}"
        )
    if fields.get("format") != BUNDLE_FORMAT:
        raise ConfigError(
            f"`bundle` {file}: `format` is {fields.get('format')!r}, expected {BUNDLE_FORMAT}"
        )
    try:
        msgspec.convert(fields, _BundleFields)
    except msgspec.ValidationError as e:
        raise ConfigError(f"`bundle` {file}: {type_error(e, fields)}") from e
    if (fields.get("instrument") is None) == (fields.get("instruments") is None):
        raise ConfigError(
            f"`bundle` {file} must name either `instrument` (one instrument) or `instruments` "
            "(a portfolio agent's)"
        )
    return fields


def load_bundle(path: str | os.PathLike[str]) -> AgentBundle:
    """Read and verify the bundle in `path` (refused if missing, damaged, edited or of another
    format)."""
    directory = Path(path)
    file = directory / BUNDLE_FILE
    if not file.is_file():
        raise ConfigError(
            f"`bundle` {str(directory)!r} holds no {BUNDLE_FILE}: pass a training run's "
            "`best/` or `final/` directory",
        )
    fields = _read_fields(file)
    expected = content_hash(directory, fields)
    if fields.get("content_hash") != expected:
        raise ConfigError(
            f"`bundle` {file}: `content_hash` does not match the files (edited or damaged "
            f"bundle): recorded {fields.get('content_hash')!r}, computed {expected!r}",
        )
    bundle = AgentBundle(directory, fields)
    bundle.check_schemes()
    return bundle
