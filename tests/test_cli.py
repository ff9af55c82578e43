"""CLI: `train` on a tiny YAML config (two subprocess envs), then `backtest` the saved agent."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from nautilus_rl_lab.cli import build_parser, main
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.training import latest_checkpoint

from .conftest import REPO_ROOT
from .training.conftest import tiny_config


def test_cli_train_then_backtest_on_a_tiny_config(tmp_path, capsys) -> None:
    run_dir = tmp_path / "run"
    tiny_config(
        run_dir,
        n_envs=2,
        vec_env="subproc",
        total_timesteps=256,
        tensorboard=False,
        test_data=DataSourceConfig(kind="sample", start="2017-03-22", end="2017-03-29"),
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
    # the default is the test range (never the validation range that chose best/), labelled
    assert "test range 2017-03-2" in out and "account currency USD" in out
    stats = pd.read_csv(report / "stats.csv", index_col=0)
    assert set(stats["range_role"]) == {"test"} and set(stats["currency"]) == {"USD"}
    assert (pd.to_datetime(stats["range_start"]) >= pd.Timestamp("2017-03-22", tz="UTC")).all()
    assert (pd.to_datetime(stats["range_end"]) <= pd.Timestamp("2017-03-29", tz="UTC")).all()

    validation = tmp_path / "validation"
    assert main([*args, "--range", "validation", "--n-random", "0", "--out", str(validation),
                 "--no-tearsheet"]) == 0  # fmt: skip
    assert "validation range 2017-03-1" in capsys.readouterr().out
    stats = pd.read_csv(validation / "stats.csv", index_col=0)
    assert set(stats["range_role"]) == {"validation"}
    assert (pd.to_datetime(stats["range_end"]) <= pd.Timestamp("2017-03-22", tz="UTC")).all()


def test_cli_backtest_refuses_a_missing_test_range_and_dates_outside_the_range(
    tmp_path, capsys
) -> None:
    tiny_config(tmp_path / "run").to_file(tmp_path / "no_test.yaml")  # eval_data only
    args = ["backtest", "--agent", str(tmp_path / "agent"), "--config"]
    assert main([*args, str(tmp_path / "no_test.yaml")]) == 2
    error = capsys.readouterr().err
    assert "`test_data` is not set" in error and "--range validation" in error
    tiny_config(
        tmp_path / "run",
        test_data=DataSourceConfig(kind="sample", start="2017-03-22", end="2017-03-29"),
    ).to_file(tmp_path / "cfg.yaml")
    for dates in (["--start", "2017-03-10"], ["--end", "2017-04-01"]):
        assert main([*args, str(tmp_path / "cfg.yaml"), *dates]) == 2
        error = capsys.readouterr().err
        assert "outside the test range" in error and "`test_data`" in error, error


def test_cli_has_the_documented_commands() -> None:
    parser = build_parser()
    for argv in (
        ["demo", "--fast"],
        ["train", "--config", "x.yaml", "--resume", "--allow-fresh-start"],
    ):
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


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nautilus_rl_lab.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )


def test_bad_input_ends_every_command_with_one_line_and_exit_2(tmp_path) -> None:
    (tmp_path / "syntax.yaml").write_text("algorithm: PPO\nseed: [1\n", encoding="utf-8")
    (tmp_path / "field.yaml").write_text("algorithm: XYZ\n", encoding="utf-8")
    (tmp_path / "tune.json").write_text('{"n_trials": 2,}', encoding="utf-8")
    missing = str(tmp_path / "missing.yaml")
    (tmp_path / "bars.csv").write_text("time,open,high,low,close,volume\nyesterday,1,1,1,1,1\n")
    (tmp_path / "data.yaml").write_text(f"env:\n  data: {{kind: csv, path: {tmp_path}/bars.csv}}\n")
    cases = [
        (["train", "--config", str(tmp_path / "syntax.yaml")], "syntax.yaml:3:"),
        (["train", "--config", str(tmp_path / "field.yaml")], "`algorithm` 'XYZ'"),
        (["train", "--config", str(tmp_path / "data.yaml")], "bars.csv: unparsable timestamp"),
        (["backtest", "--agent", str(tmp_path), "--config", missing], "does not exist"),
        (["tune", "--config", str(tmp_path / "tune.json")], "tune.json:1:16: invalid JSON"),
        (["mt5-sim", "serve", "--port", "0", "--balance", "-5"], "`balance`"),
    ]
    for argv, fragment in cases:
        result = _cli(*argv)
        assert result.returncode == 2, (argv, result.stderr[-2000:])
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert lines[0].startswith(f"nautilus-rl-lab {argv[0]}: error: ") and fragment in lines[0]


def test_verbose_shows_the_traceback_before_or_after_the_command(tmp_path) -> None:
    (tmp_path / "field.yaml").write_text("algorithm: XYZ\n", encoding="utf-8")
    config = str(tmp_path / "field.yaml")
    for argv in (["-v", "train", "--config", config], ["train", "--config", config, "--verbose"]):
        result = _cli(*argv)
        assert result.returncode == 1
        assert "Traceback" in result.stderr and "ConfigError: " in result.stderr


def test_cli_resume_on_an_empty_run_dir_says_it_started_from_step_0(tmp_path, capsys) -> None:
    run_dir = tmp_path / "run"
    config = tiny_config(run_dir, total_timesteps=64, eval_freq=0, tensorboard=False)
    config.to_file(tmp_path / "cfg.yaml")
    assert main(["train", "--config", str(tmp_path / "cfg.yaml"), "--resume"]) == 0
    out = capsys.readouterr().out
    assert "trained 64 timesteps" in out and f"started from step 0 in {run_dir}" in out
