"""Champion/challenger: a clearly better challenger is promoted, a worse one refused; both recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.deploy.promote import PromotionRule, promote
from nautilus_rl_lab.deploy.registry import champion, read_registry, resolve_bundle
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.schemes.registry import build_action

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
