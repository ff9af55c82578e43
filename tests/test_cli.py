"""CLI: `train` on a tiny YAML config (two subprocess envs), then `backtest` the saved agent."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.cli import build_parser, main
from nautilus_rl_lab.training import latest_checkpoint

from .training.conftest import tiny_config


def test_cli_train_then_backtest_on_a_tiny_config(tmp_path, capsys) -> None:
    run_dir = tmp_path / "run"
    tiny_config(
        run_dir, n_envs=2, vec_env="subproc", total_timesteps=256, tensorboard=False
    ).to_file(tmp_path / "cfg.yaml")
    assert main(["train", "--config", str(tmp_path / "cfg.yaml"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "trained 256 timesteps" in out and str(run_dir / "best") in out
    assert latest_checkpoint(run_dir / "checkpoints").name == "step_000000000256"

    report = tmp_path / "report"
    args = ["backtest", "--agent", str(run_dir / "best"), "--config", str(tmp_path / "cfg.yaml")]
    assert main([*args, "--n-random", "1", "--out", str(report), "--no-tearsheet"]) == 0
    out = capsys.readouterr().out
    assert "buy_and_hold" in out and "random_mean" in out and "bollinger" in out
    assert {p.name for p in report.iterdir()} >= {
        "equity.png",
        "drawdown.png",
        "trades.png",
        "stats.csv",
    }


def test_cli_has_the_documented_commands() -> None:
    parser = build_parser()
    for argv in (["demo", "--fast"], ["train", "--config", "x.yaml", "--resume"]):
        assert parser.parse_args(argv).handler is not None
    with pytest.raises(SystemExit):
        parser.parse_args(["train"])  # --config is required


def test_every_subcommand_is_wired() -> None:
    from nautilus_rl_lab.cli import build_parser
    from nautilus_rl_lab.mt5.serve import run_serve
    from nautilus_rl_lab.tuning.cli import run_tune

    parser = build_parser()
    assert parser.parse_args(["tune", "--config", "t.yaml"]).handler is run_tune
    assert parser.parse_args(["mt5-sim", "serve", "--port", "0"]).handler is run_serve
