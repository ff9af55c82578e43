"""TrainingNode: gymnasium contract, real Nautilus fills, timing, parity, determinism."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import TypeVar

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from nautilus_rl_lab.agents.simple import BuyAndHoldAgent
from nautilus_rl_lab.data import load_sample_eurusd
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.nodes import ENV_ID, TrainingNode, TrainingNodeConfig, build_engine
from nautilus_rl_lab.nodes.engine import DEFAULT_LATENCY_NS
from nautilus_rl_lab.nodes.training import market_for
from nautilus_rl_lab.nt.analysis import ReportProvider
from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes import ACTION_SCHEMES, REWARD_SCHEMES, SchemeConfig
from tests.conftest import assert_python_error, trade_to_target
from tests.portfolios import portfolio_config
from tests.strategies.failing import failing_config

from .conftest import small_config

SCHEME_COMBINATIONS = list(itertools.product(sorted(ACTION_SCHEMES), sorted(REWARD_SCHEMES)))
T = TypeVar("T")


def in_fresh_env(config: TrainingNodeConfig, play: Callable[[TrainingNode], T]) -> T:
    """`play` on a new env, closed before returning: NautilusTrader 2 keeps one engine per
    thread (a second live engine takes the first one's bars), so comparisons run in turn."""
    env = TrainingNode(config)
    try:
        return play(env)
    finally:
        env.close()


@pytest.mark.parametrize(("action", "reward"), SCHEME_COMBINATIONS)
def test_env_checkers_pass_for_every_default_scheme_combination(action: str, reward: str) -> None:
    env = TrainingNode(
        small_config(action=SchemeConfig(name=action), reward=SchemeConfig(name=reward))
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            gym_check_env(env, skip_render_check=True)
            sb3_check_env(env, warn=True)
    finally:
        env.close()


def test_observation_with_nautilus_indicator_features_passes_checkers() -> None:
    observation = SchemeConfig(
        name="window",
        params={"window": 8, "features": ["rsi:14", "ema:10", "atr:14", "bollinger:20"]},
    )
    env = TrainingNode(small_config(observation=observation))
    try:
        gym_check_env(env, skip_render_check=True)
        obs, _ = env.reset(seed=1)
        assert obs.shape == (8 * 5 + 4 + 2,)
        assert np.isfinite(obs).all()
    finally:
        env.close()


def test_gymnasium_make_builds_the_registered_env(config) -> None:
    env = gym.make(ENV_ID, config=config)
    try:
        obs, info = env.reset(seed=3)
        assert env.observation_space.contains(obs)
        assert info["equity"] == pytest.approx(100_000.0)
    finally:
        env.close()


def _run_actions(
    env: TrainingNode, actions: list[int], start: int
) -> tuple[list[np.ndarray], list[float], pd.DataFrame, dict]:
    obs, info = env.reset(options={"start": start})
    observations, rewards = [obs], []
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(obs)
        rewards.append(reward)
        if terminated or truncated:
            break
    return observations, rewards, env.fills(), info


def test_default_execution_fills_at_next_bar_open_never_at_a_seen_price(config) -> None:
    env = TrainingNode(config)
    frame = env.market.frame
    spread = config.data.quote_spreads()[0]
    try:
        start = 20
        _, _, fills, _ = _run_actions(
            env, [2, 0, 1, 2, 2, 0], start
        )  # long, short, flat, long, hold, short
        assert len(fills) == 7  # each of the two flips is a reduce-only close, then an open
        decision_bars = env.market.bar_timestamps
        for _, fill in fills.iterrows():
            ts = pd.Timestamp(fill["ts_event"]).value
            # the decision bar is the last bar closed before the fill; the fill is inside the next bar
            k = int(np.searchsorted(decision_bars, ts)) - 1
            next_open_ask = frame["open"].iloc[k + 1]
            expected = next_open_ask if fill["order_side"] == "BUY" else next_open_ask - spread
            assert float(fill["last_px"]) == pytest.approx(expected, abs=1e-9)
            assert decision_bars[k] < ts < decision_bars[k + 1]  # inside the bar after the decision
    finally:
        env.close()


def test_bar_close_execution_is_explicit_and_fills_at_the_seen_close() -> None:
    config = small_config(execution="bar_close")
    env = TrainingNode(config)
    try:
        _, _, fills, _ = _run_actions(env, [2, 0, 1], 20)
        assert len(fills) == 4  # long, short (a reduce-only close, then an open), flat
        closes = env.market.frame["close"]
        bar_ts = env.market.bar_timestamps
        for _, fill in fills.iterrows():
            k = bar_ts.index(pd.Timestamp(fill["ts_event"]).value)
            spread = 0.0 if fill["order_side"] == "BUY" else config.data.quote_spreads()[0]
            assert float(fill["last_px"]) == pytest.approx(closes.iloc[k] - spread, abs=1e-9)
    finally:
        env.close()


def test_info_and_reward_come_from_nautilus_account(config) -> None:
    env = TrainingNode(small_config(reward=SchemeConfig(name="equity_change")))
    try:
        env.reset(options={"start": 10})
        _, _, _, _, info = env.step(2)  # go long
        _, reward2, _, _, info2 = env.step(2)  # hold long
        # through the strategy: NautilusTrader 2 refuses the engine's portfolio while paused
        account = env.strategy.portfolio.account(env.market.instrument.id.venue)
        assert info2["balance"] == pytest.approx(account.balance_total().as_double())
        assert info2["position"] == 10_000
        assert info2["commissions"] > 0  # real fees charged by the venue
        assert reward2 == pytest.approx((info2["equity"] - info["equity"]) / 100_000 * 100)
    finally:
        env.close()


class _PlainTargetStrategy(Strategy):
    """A plain Nautilus strategy: from bar `first` on, trade to the given targets with market
    orders; the part of an order that closes the position goes out first, reduce-only."""

    def __init__(self, instrument, bar_type, first_ts: int, targets: list[float]) -> None:
        super().__init__(StrategyConfig(strategy_id="GYM-001"))
        self.instrument, self.bar_type, self.first_ts, self.targets = (
            instrument,
            bar_type,
            first_ts,
            targets,
        )
        self.i = 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        if bar.ts_event < self.first_ts or self.i >= len(self.targets):
            return
        target = self.targets[self.i]
        self.i += 1
        trade_to_target(self, self.instrument, target)


@pytest.mark.parametrize(
    ("execution", "start"), [("next_open", 12), ("bar_close", 12), ("next_open", 8)]
)
def test_parity_with_plain_backtest_engine(execution: str, start: int) -> None:
    """Mid-sample, and from the first bar (start 8: the warm-up begins at bar 0)."""
    config = small_config(execution=execution, episode_length=60)
    env = TrainingNode(config)
    rng = np.random.default_rng(5)
    actions = [int(a) for a in rng.integers(0, 3, size=60)]
    try:
        _, _, env_fills, info = _run_actions(env, actions, start)
    finally:
        env.close()  # one engine at a time (NautilusTrader 2: one per thread)
    env_balance = info["balance"]
    targets = [(-10_000.0, 0.0, 10_000.0)[a] for a in actions]
    first_ts = env.market.bar_timestamps[start]
    end_ts = env.market.bar_timestamps[start + len(actions)]
    plain = build_engine(config.venue, env.market, execution=execution)
    try:
        plain.add_strategy(
            _PlainTargetStrategy(env.market.instrument, env.market.bar_type, first_ts, targets)
        )
        warmup_start = env.market.bar_timestamps[start - 9] + 1 if start >= 9 else None
        plain.run(start=warmup_start, end=end_ts)
        plain_fills = ReportProvider.generate_fills_report(plain.cache.orders())
        account = plain.portfolio.account(env.market.instrument.id.venue)
        columns = ["order_side", "last_qty", "last_px", "commission", "ts_event"]
        assert len(env_fills) > 20
        pd.testing.assert_frame_equal(
            env_fills[columns].reset_index(drop=True), plain_fills[columns].reset_index(drop=True)
        )
        assert env_balance == pytest.approx(account.balance_total().as_double(), abs=1e-9)
    finally:
        plain.dispose()


def test_env_and_backtest_see_the_same_market() -> None:
    """One builder (`market_for`): same instrument, bar type, prepared frame, bars and quotes,
    and `run_backtest` (no market given) decides on the env's bars."""
    config = small_config()
    env = TrainingNode(config)
    try:
        market = market_for(config)
        assert env.market.instrument == market.instrument
        assert env.market.bar_type == market.bar_type
        pd.testing.assert_frame_equal(env.market.frame, market.frame)
        assert env.market.bars == market.bars
        assert env.market.quotes == market.quotes
        run = run_backtest(BuyAndHoldAgent(), config)
        env_closes = pd.Series(
            [bar.close.as_double() for bar in env.market.bars],
            index=pd.to_datetime(env.market.bar_timestamps, utc=True),
        )
        assert len(run.close) >= len(env_closes) - env.strategy.observation_scheme.warmup_bars
        pd.testing.assert_series_equal(
            run.close, env_closes.loc[run.close.index], check_names=False, check_freq=False
        )
        assert run.close.index[-1] == env_closes.index[-1]
    finally:
        env.close()


def test_the_backtest_and_the_scenario_lab_use_the_env_s_market_builder() -> None:
    from nautilus_rl_lab import evaluation
    from nautilus_rl_lab.evaluation import backtest
    from nautilus_rl_lab.nodes import training
    from nautilus_rl_lab.scenarios import runner

    assert evaluation.market_for is backtest.market_for is runner.market_for is market_for
    assert evaluation.backtest_engine is backtest.market_engine is training.market_engine


def test_same_seed_gives_identical_episodes() -> None:
    def episode(seed: int) -> tuple:
        env = TrainingNode(small_config(seed=None, episode_length=40))
        try:
            obs, info = env.reset(seed=seed)
            env.action_space.seed(seed)
            observations, rewards = [obs], []
            done = False
            while not done:
                obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
                observations.append(obs)
                rewards.append(reward)
                done = terminated or truncated
            fills = env.fills()[["order_side", "last_qty", "last_px", "ts_event"]].reset_index(
                drop=True
            )
            return np.array(observations), np.array(rewards), fills, info["balance"]
        finally:
            env.close()

    a, b, c = episode(11), episode(11), episode(12)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    pd.testing.assert_frame_equal(a[2], b[2])
    assert a[3] == b[3]
    assert not np.array_equal(a[0][0], c[0][0])  # another seed starts elsewhere


# issue 24 hazard (2): a reset after an abandoned (paused) episode
def test_an_episode_after_an_abandoned_one_equals_it_in_a_fresh_env() -> None:
    """Abandoning a running episode (position open, order in flight) leaves nothing behind."""

    def episode(env: TrainingNode) -> tuple:
        obs, _ = env.reset(options={"start": 30})
        observations, infos = [obs], []
        for action in [2, 2, 0, 1, 0, 2] * 3:
            obs, _, _, _, info = env.step(action)
            observations.append(obs)
            infos.append((info["equity"], info["balance"], info["position"], info["trades"]))
        fills = env.fills()[["order_side", "last_qty", "last_px", "ts_event"]]
        return np.array(observations), infos, fills.reset_index(drop=True)

    b = in_fresh_env(small_config(), episode)
    used = TrainingNode(small_config())
    try:
        used.reset(options={"start": 10})
        for action in (2, 2, 0):  # long, then a sell order still in flight
            used.step(action)
        assert used.strategy.fill_count > 0
        a = episode(used)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1] == b[1]
        pd.testing.assert_frame_equal(a[2], b[2])
    finally:
        used.close()


def test_finished_episodes_over_the_same_bars_repeat_exactly() -> None:
    """Episodes from the same start one after the other in one env (the engine keeps an
    episode's data across `reset()`, so the next one over the same slice streams none) equal
    the episode in a fresh env: observations, rewards and the account."""

    def episode(env: TrainingNode) -> tuple[np.ndarray, list[tuple]]:
        actions = itertools.cycle([2, 0, 1, 2, 2, 0, 0, 1, 2])
        obs, _ = env.reset(options={"start": 20})
        observations, steps, done = [obs], [], False
        while not done:
            obs, reward, terminated, truncated, info = env.step(next(actions))
            observations.append(obs)
            steps.append(
                (reward, info["equity"], info["balance"], info["position"], info["trades"])
            )
            done = terminated or truncated
        return np.array(observations), steps

    expected = in_fresh_env(small_config(), episode)
    for got in in_fresh_env(small_config(), lambda env: [episode(env) for _ in range(3)]):
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[1] == expected[1]


# issue 24 hazard (2): resets and close inside a paused episode
def test_resets_and_close_inside_a_paused_episode_finish_its_run_cleanly() -> None:
    """A reset (or close) while the run is paused inside `on_bar`, at the first decision or
    mid-episode with an order in flight, ends that run so the engine resets: NautilusTrader 2
    cannot unwind a paused run by throwing into it (its next `reset()` fails "Already
    borrowed"), so the env plays the run out without decisions."""
    actions = (2, 0, 1, 2)

    def episode(env: TrainingNode) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
        obs, _ = env.reset(options={"start": 12})
        observations, states = [obs], []
        for action in actions:
            obs, _, _, _, info = env.step(action)
            observations.append(obs)
            states.append((info["equity"], info["position"], info["trades"]))
        return np.array(observations), states

    expected = in_fresh_env(small_config(), episode)
    used = TrainingNode(small_config())
    try:
        for _ in range(3):  # abandoned at their first decision
            used.reset(options={"start": 12})
        used.step(2)
        used.step(0)  # long, then a sell order in flight
        for _ in range(2):
            got = episode(used)  # each abandons the previous one mid-episode
            np.testing.assert_array_equal(got[0], expected[0])
            assert got[1] == expected[1]
        used.reset(options={"start": 12})
        used.step(2)
        used.close()  # paused mid-episode: finished, then disposed
        used.close()
    finally:
        used.close()


def test_episode_truncates_at_length_and_terminates_at_data_end(config) -> None:
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        for _ in range(config.episode_length - 1):
            _, _, terminated, truncated, _ = env.step(1)
            assert not (terminated or truncated)
        _, _, terminated, truncated, _ = env.step(1)
        assert truncated and not terminated
        with pytest.raises(EnvironmentStateError, match="reset"):
            env.step(1)
        last = env.bar_count - 2
        env.reset(options={"start": last})
        _, _, terminated, truncated, _ = env.step(1)
        assert terminated and not truncated
    finally:
        env.close()


def test_account_blown_terminates_the_episode() -> None:
    config = small_config(
        action=SchemeConfig(name="target_position", params={"trade_size": 2_500_000}),
        ruin_fraction=0.999,
    )
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        terminated = False
        for step in range(30):
            _, _, terminated, truncated, info = env.step(2 if step % 2 else 0)
            if terminated or truncated:
                break
        assert terminated
        assert info["equity"] <= 0.999 * 100_000
    finally:
        env.close()


def test_the_env_reads_its_strategy_through_the_public_surface(config) -> None:
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        for action in (2, 0, 2):
            _, _, _, _, info = env.step(action)
        strategy = env.strategy
        assert info["trades"] == strategy.fill_count > 0
        assert (info["orders_denied"], info["orders_rejected"]) == (
            strategy.orders_denied,
            strategy.orders_rejected,
        )
    finally:
        env.close()


def _four_steps(render_mode: str) -> TrainingNode:
    env = TrainingNode(small_config(), render_mode=render_mode)
    env.reset(options={"start": 10})
    for action in (2, 2, 0, 1):
        env.step(action)
    return env


def test_render_returns_an_rgb_picture_of_the_episode() -> None:
    env = _four_steps("rgb_array")
    try:
        frame = env.render()
        assert frame.ndim == 3 and frame.shape[2] == 3 and frame.std() > 0
    finally:
        env.close()


def test_render_human_returns_a_titled_labelled_figure() -> None:
    env = _four_steps("human")
    try:
        figure = env.render()
        price_ax, equity_ax = figure.axes[:2]
        assert "4 steps" in price_ax.get_title() and price_ax.get_ylabel() == "price"
        labels = {t.get_text() for t in price_ax.get_legend().get_texts()}
        assert {"close", "buy", "sell"} <= labels
        assert equity_ax.get_ylabel() == "equity" and equity_ax.get_legend() is not None
        assert not price_ax.yaxis.get_major_formatter().get_useOffset()  # no +1e5 offsets
    finally:
        env.close()


def test_a_portfolio_config_is_not_one_instruments_market() -> None:
    with pytest.raises(ConfigError, match=r"a portfolio of 3 instruments: one instrument's market"):
        market_for(portfolio_config())


def test_misuse_raises_clear_errors(config) -> None:
    env = TrainingNode(config)
    with pytest.raises(EnvironmentStateError, match="reset"):
        env.step(1)
    env.reset()
    with pytest.raises(ValueError, match="not in Discrete"):
        env.step(7)
    env.close()
    env.close()  # twice is safe
    with pytest.raises(EnvironmentStateError, match="closed"):
        env.reset()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"episode_length": 0}, "`episode_length`"),
        ({"execution": "same_bar"}, "`execution`"),
        ({"ruin_fraction": 1.5}, "`ruin_fraction`"),
        ({"action": SchemeConfig(name="nope")}, "`action.name`"),
        ({"reward": SchemeConfig(name="log_return", params={"bogus": 1})}, "`reward.params`"),
    ],
)
def test_bad_config_names_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        TrainingNode(small_config(**overrides))


def test_config_round_trips_through_json_and_yaml(config, tmp_path) -> None:
    from nautilus_rl_lab.nodes import TrainingNodeConfig

    assert TrainingNodeConfig.parse(config.json()) == config
    assert TrainingNodeConfig.from_file(config.to_file(tmp_path / "node.yaml")) == config
    with pytest.raises(Exception, match="unknown_field"):
        TrainingNodeConfig.parse(b'{"unknown_field": 1}')


@pytest.mark.parametrize("action", [2, np.int64(2), np.array(2), np.array([2])])
def test_discrete_actions_accept_ints_numpy_scalars_and_one_element_arrays(config, action) -> None:
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        _, _, _, _, info = env.step(action)
        _, _, _, _, info = env.step(action)
        assert info["position"] == 10_000
    finally:
        env.close()


@pytest.mark.parametrize(
    "action", [1.0, np.float32(1), np.array([1, 2]), "long", True, np.bool_(True), np.array([True])]
)
def test_non_integer_discrete_actions_are_rejected_before_the_engine(config, action) -> None:
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        with pytest.raises(ValueError, match="not in Discrete"):
            env.step(action)
        env.step(1)  # the episode is intact
    finally:
        env.close()


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (np.array([np.nan], dtype=np.float32), "not finite"),
        (np.array([np.inf]), "not finite"),
        (float("nan"), "not finite"),
        (np.array([], dtype=np.float32), "expects shape"),
        (np.array([0.5, 0.5]), "expects shape"),
        ("long", "not a number array"),
    ],
)
def test_bad_continuous_actions_raise_and_leave_the_episode_usable(action, problem) -> None:
    env = TrainingNode(small_config(action=SchemeConfig(name="continuous")))
    try:
        env.reset(options={"start": 10})
        with pytest.raises(ValueError, match=problem) as error:
            env.step(action)
        assert "Box(" in str(error.value)  # names the space
        _, reward, terminated, truncated, info = env.step(np.array([1.0], dtype=np.float32))
        _, reward, terminated, truncated, info = env.step(np.array([1.0], dtype=np.float32))
        assert not terminated and not truncated
        assert info["position"] == 10_000 and info["step"] == 2
        assert np.isfinite(reward)
    finally:
        env.close()


# issue 24 hazard (5): next-open fills plus latency, also after a weekend gap
def test_fills_are_stamped_at_the_next_bar_open_plus_latency_also_after_a_weekend(config) -> None:
    env = TrainingNode(config)
    try:
        opens = env.market.frame.index
        gap = int(np.flatnonzero(np.diff(opens.as_unit("ns").asi8) > pd.Timedelta("24h").value)[0])
        start = gap - 3  # decisions on the last bars before the weekend and the first after it
        _, _, fills, _ = _run_actions(env, [2, 0, 2, 0, 2, 0], start)
        assert len(fills) == 11  # a long, then five flips: each a reduce-only close and an open
        stamps = [pd.Timestamp(ts).value for ts in fills["ts_event"]]
        orders = [1, 2, 2, 2, 2, 2]
        decided = [
            k for k, n in zip(range(start, start + 6), orders, strict=True) for _ in range(n)
        ]
        expected = [opens[k + 1].value + DEFAULT_LATENCY_NS for k in decided]
        assert stamps == expected
        assert opens[gap + 1] - opens[gap] > pd.Timedelta("24h")  # one fill crossed the gap
    finally:
        env.close()


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("bar_aggregation", "HOURS", "must be one of"),
        ("price_type", "ASKX", "must be one of"),
        ("bar_step", 0, "positive integer"),
    ],
)
def test_bad_bar_fields_are_config_errors_not_aborts(
    field: str, value: object, fragment: str
) -> None:
    assert_python_error(
        "from nautilus_rl_lab.nodes import TrainingNodeConfig\n"
        f"TrainingNodeConfig({field}={value!r})",
        "ConfigError",
        f"`{field}`",
        fragment,
    )


def test_a_daily_catalog_trains_on_daily_bars(tmp_path) -> None:
    from nautilus_rl_lab.data import bar_type_for, load_sample_eurusd, to_bars, write_catalog
    from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
    from nautilus_rl_lab.data.source import DataSourceConfig

    hourly = load_sample_eurusd().iloc[:1500]
    daily = (
        hourly.resample("1D")
        .agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
        .dropna()
    )
    instrument = make_instrument(InstrumentSpec())
    stored = bar_type_for(instrument.id, aggregation="DAY")
    write_catalog(tmp_path, instrument, to_bars(daily, stored, instrument))
    data = DataSourceConfig(kind="catalog", path=str(tmp_path), bar_type=str(stored))
    env = TrainingNode(small_config(data=data, episode_length=8))  # bar_aggregation: HOUR
    try:
        assert env.market.bar_type == stored
        closes = (daily.index + pd.Timedelta("1D")).as_unit("ns").asi8.tolist()
        assert env.market.bar_timestamps == closes
    finally:
        env.close()


def test_log_level_typo_is_a_python_error_naming_the_field() -> None:
    code = (
        "from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig\n"
        "TrainingNode(TrainingNodeConfig.from_dict({'log_level': 'ERR'}))\n"
    )
    assert_python_error(code, "ConfigError", "`log_level`")


def _fill_rows(fills: pd.DataFrame) -> list[tuple]:
    return [
        (pd.Timestamp(ts).value, side, float(px), float(qty))
        for ts, side, px, qty in fills[["ts_event", "order_side", "last_px", "last_qty"]].to_numpy()
    ]


def test_close_stamped_data_fill_at_the_next_open_as_open_stamped_data_do(tmp_path) -> None:
    """The same bars stamped at their open or at their close: the same fills, each at the open
    of the bar after the decision (+ latency), in a TrainingNode and in a backtest."""
    sample = load_sample_eurusd()
    sample = sample[(sample.index >= "2017-03-01") & (sample.index < "2017-03-08")]
    opened, closed = tmp_path / "open.csv", tmp_path / "close.csv"
    sample.to_csv(opened)
    sample.set_axis(sample.index + pd.Timedelta("1h")).to_csv(closed)
    configs = [
        small_config(data=DataSourceConfig(kind="csv", path=str(opened))),
        small_config(data=DataSourceConfig(kind="csv", path=str(closed), timestamps="close")),
    ]
    opens, start = sample.index, 20
    node_fills = []
    for config in configs:
        env = TrainingNode(config)
        try:
            _, _, fills, _ = _run_actions(env, [2, 0, 2, 0], start)
        finally:
            env.close()
        rows = _fill_rows(fills)
        # the first order opens; each flip is a reduce-only close and an open at the same open
        bars = [
            k for k, n in zip(range(start, start + 4), (1, 2, 2, 2), strict=True) for _ in range(n)
        ]
        assert [ts for ts, *_ in rows] == [opens[k + 1].value + DEFAULT_LATENCY_NS for k in bars]
        for (_, side, px, _), k in zip(rows, bars, strict=True):
            ask = sample["open"].iloc[k + 1]
            assert px == pytest.approx(ask if side == "BUY" else ask - 0.0001, abs=1e-9)
        node_fills.append(rows)
    assert node_fills[0] == node_fills[1]
    runs = [_fill_rows(run_backtest(BuyAndHoldAgent(), config).fills) for config in configs]
    assert runs[0] == runs[1] and len(runs[0]) == 1
    ts, side, px, _ = runs[0][0]
    k = int(np.searchsorted(opens.as_unit("ns").asi8, ts - DEFAULT_LATENCY_NS))
    assert opens[k].value + DEFAULT_LATENCY_NS == ts and k > 0  # at a bar's open, after a decision
    assert (side, px) == ("BUY", pytest.approx(sample["open"].iloc[k]))


_ACTIONS = (2, 2, 0, 1, 2, 0, 0, 1)


# issue 24 hazard (1): a handler's exception (swallowed by NautilusTrader 2) raised from step()
@pytest.mark.parametrize("field", ["action", "observation", "reward"])
def test_a_scheme_error_surfaces_from_step_as_raised_and_the_env_resets_to_clean_episodes(
    field: str,
) -> None:

    def untouched(env: TrainingNode) -> list[dict]:
        _, info = env.reset(options={"start": 20})
        return [info] + [env.step(action)[4] for action in _ACTIONS]

    expected = in_fresh_env(small_config(), untouched)
    assert expected[-1]["trades"] > 0
    failing = TrainingNode(small_config(**failing_config(field, 4)))
    try:
        failing.reset(options={"start": 20})
        with pytest.raises(LookupError, match=r"^scheme bug at call 4$"):
            for action in _ACTIONS:
                failing.step(action)
        with pytest.raises(EnvironmentStateError, match="call reset"):
            failing.step(1)
        # the engine is left resettable: the next episode is exactly an untouched env's
        assert untouched(failing) == expected
    finally:
        failing.close()


def test_a_fill_that_would_take_a_cash_balance_below_zero_ends_the_episode_at_the_last_state() -> (
    None
):
    """Nautilus stops the run when a fill's commission takes a CASH balance below zero (1.221:
    `AccountBalanceNegative`; 2.0: a RuntimeError, after booking the fill's position but not its
    cash): the step ends the episode with the state before that fill, and the engine runs the
    next episode as a fresh one (the only test of this path)."""
    from tests.strategies.test_valuation import EQUITY, _node, _venue

    index = pd.date_range("2020-01-01", periods=8, freq="1h", tz="UTC", name="timestamp")
    frame = pd.DataFrame(100.0, index=index, columns=["open", "high", "low", "close"])
    frame["volume"] = 1_000.0
    action = {"name": "target_position", "params": {"trade_size": 100, "allow_short": False}}
    config = _node(_venue("CASH", ["10000 USD"], "USD"), EQUITY, action, 0.0)
    env = TrainingNode(config, frame=frame)
    try:
        for _ in range(2):
            _, first = env.reset()
            _, _, terminated, truncated, info = env.step(1)  # buy 10,000 USD + commission
            assert (terminated, truncated) == (True, False)
            assert (info["equity"], info["position"], info["trades"]) == (10_000.0, 0.0, 0)
            assert info["timestamp"] == first["timestamp"]
            with pytest.raises(EnvironmentStateError, match="reset"):
                env.step(0)
    finally:
        env.close()
