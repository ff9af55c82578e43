"""Champion/challenger: a clearly better challenger is promoted, a worse one refused; both recorded;
`retrain_and_promote` end to end, and the live session's next start trades the champion."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.deploy import load_bundle, write_bundle
from nautilus_rl_lab.deploy.promote import PromotionRule, promote, retrain_and_promote
from nautilus_rl_lab.deploy.registry import champion, read_registry, resolve_bundle
from nautilus_rl_lab.deploy.session import LiveRunConfig, build_node_config
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.schemes.registry import build_action
from tests.deploy.conftest import bundle_train_config

ACTION = SchemeConfig(name="target_position", params={"trade_size": 10_000})
# A steadily rising market: holding long clearly beats trading at random.
RISING = DataSourceConfig(
    kind="synthetic", generator="gbm", params={"n_bars": 600, "seed": 5, "drift": 0.0008}
)
EVAL_ENV = TrainingNodeConfig(
    data=RISING, observation=SchemeConfig(name="window", params={"window": 2}), action=ACTION
)


def _save(agent, path: Path) -> Path:
    agent.save(path)
    return path


def test_a_better_challenger_is_promoted_and_a_worse_one_refused(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    space = build_action(ACTION).space
    random_agent = _save(RandomAgent(space, seed=1), tmp_path / "random")
    hold = _save(BuyAndHoldAgent(ACTION), tmp_path / "hold")

    first = promote(registry, random_agent, EVAL_ENV)
    assert first["decision"] == "promoted" and first["reason"] == "no champion yet"
    better = promote(registry, hold, EVAL_ENV, PromotionRule(margin=0.01, min_psr=0.9))
    assert better["decision"] == "promoted", better["reason"]
    assert better["psr_vs_champion"] >= 0.9
    worse = promote(registry, random_agent, EVAL_ENV, PromotionRule(margin=0.0, min_psr=0.9))
    assert worse["decision"] == "refused", worse["reason"]

    versions = read_registry(registry)["versions"]
    assert [v["decision"] for v in versions] == ["promoted", "promoted", "refused"]
    assert all(
        len(v["content_hash"]) == 64 and v["eval_data"]["generator"] == "gbm" for v in versions
    )
    assert champion(registry)["bundle"] == str(hold)
    assert resolve_bundle(registry) == hold  # what a live config naming the registry trades


def test_an_empty_registry_has_no_bundle_to_trade(tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text('{"champion": null, "versions": []}')
    with pytest.raises(ConfigError, match="no champion"):
        resolve_bundle(tmp_path)


def test_promote_cli_records_the_decision(tmp_path: Path) -> None:
    from nautilus_rl_lab.cli import main
    from nautilus_rl_lab.training import TrainConfig

    config = TrainConfig(env=EVAL_ENV, test_data=RISING, eval_freq=0, allow_overlap=True)
    path = config.to_file(tmp_path / "train.yaml")
    hold = _save(BuyAndHoldAgent(ACTION), tmp_path / "hold")
    registry = tmp_path / "registry"
    argv = ["promote", "--registry", str(registry), "--config", str(path)]
    assert main([*argv, "--challenger", str(hold)]) == 0
    assert champion(registry)["bundle"] == str(hold)


def test_retrain_and_promote_records_the_decision_and_the_next_start_trades_the_champion(
    tmp_path: Path,
) -> None:
    week = DataSourceConfig(kind="sample", start="2017-03-15", end="2017-03-22")
    config = msgspec.structs.replace(
        bundle_train_config(tmp_path / "run"), test_data=week, vec_env="dummy"
    )
    registry = tmp_path / "registry"
    incumbent = _save(RandomAgent(build_action(config.env.action).space, seed=0), tmp_path / "old")
    write_bundle(incumbent, config)
    assert promote(registry, incumbent, config.test_env)["decision"] == "promoted"
    session = LiveRunConfig(run_dir=str(tmp_path / "live"), bundle=str(registry))

    def traded_bundle() -> str:
        agent = build_node_config(session, environ={}).actors[0]
        return str(agent.config["agent_path"])

    assert traded_bundle() == str(incumbent)

    # a challenger that needs an impossible Sharpe margin is refused: the champion stays
    refused = retrain_and_promote(registry, config, PromotionRule(margin=10.0, min_psr=0.0))
    assert refused["decision"] == "refused" and refused["champion_before"] == 1
    assert traded_bundle() == str(incumbent)

    # retrained (another run) under a rule it meets, the challenger becomes the champion
    newer = msgspec.structs.replace(config, run_dir=str(tmp_path / "run2"))
    record = retrain_and_promote(registry, newer, PromotionRule(margin=-10.0, min_psr=0.0))
    assert record["decision"] == "promoted", record["reason"]
    challenger = tmp_path / "run2" / "final"
    assert record["bundle"] == str(challenger)
    assert record["eval_data"]["start"] == "2017-03-15"
    assert record["training_data"]["end"] == "2017-03-15"
    versions = read_registry(registry)["versions"]
    assert [v["decision"] for v in versions] == ["promoted", "refused", "promoted"]
    assert champion(registry)["version"] == 3
    assert traded_bundle() == str(challenger)  # what `live` trades from its next start
    figures = load_bundle(challenger).backtest
    assert figures is not None and figures["split"] == "test"
    assert figures["data"]["start"] == "2017-03-15"


def test_a_champion_rewritten_after_promotion_is_refused_naming_both_hashes(
    tmp_path: Path,
) -> None:
    config = bundle_train_config(tmp_path / "run")
    space = build_action(config.env.action).space
    final = _save(RandomAgent(space, seed=0), tmp_path / "final")
    write_bundle(final, config)
    registry = tmp_path / "registry"
    recorded = promote(registry, final, EVAL_ENV)["content_hash"]
    assert resolve_bundle(registry) == final
    # a resumed training run rewrites the champion's directory with another agent
    _save(RandomAgent(space, seed=1), final)
    rewritten = write_bundle(final, config)
    assert rewritten.is_file()
    current = load_bundle(final).content_hash
    assert current != recorded
    session = LiveRunConfig(run_dir=str(tmp_path / "live"), bundle=str(registry))
    challenger = _save(BuyAndHoldAgent(ACTION), tmp_path / "hold")
    for resolve in (
        lambda: resolve_bundle(registry),
        lambda: build_node_config(session, {}),
        lambda: promote(registry, challenger, EVAL_ENV),  # not compared with an unknown agent
    ):
        with pytest.raises(ConfigError, match=f"{recorded}.*{current}"):
            resolve()
    assert len(read_registry(registry)["versions"]) == 1


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_promote_cli_refuses_a_margin_that_is_not_a_finite_number(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from nautilus_rl_lab.cli import main
    from nautilus_rl_lab.training import TrainConfig

    config = TrainConfig(env=EVAL_ENV, test_data=RISING, eval_freq=0, allow_overlap=True)
    path = config.to_file(tmp_path / "train.yaml")
    argv = ["promote", "--registry", str(tmp_path / "registry"), "--config", str(path)]
    assert main([*argv, "--challenger", str(tmp_path), "--margin", value]) == 2
    error = capsys.readouterr().err
    assert f"`margin` must be a finite number, was {value}" in error
    assert not (tmp_path / "registry").exists()
