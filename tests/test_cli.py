"""CLI: `train` on a tiny YAML config (two subprocess envs), then `backtest` the saved agent."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


TRAIN = "algorithm: PPO\ntotal_timesteps: 64\nvec_env: dummy\ntensorboard: false\neval_freq: 0\n"
ENV = "env:\n  episode_length: 32\n  data: {kind: sample, start: '2017-03-01', end: '2017-03-08'}\n"
BAR_TYPE = "EUR/USD.SIM-1-HOUR-ASK-EXTERNAL"
DOWNLOAD = ["mt5", "download", "--symbols", "EURUSD", "--from", "2017-03-01", "--to", "2017-03-02"]
LIVE = "run_dir: RUN\nbundle: b\n"
RULE = "rule: ema_cross\nsearch_space: {fast: {type: int, low: 3, high: 5}}\nn_trials: 1\n"


def _write(folder: Path, name: str, text: str) -> str:
    """Write `text` (its `RUN` replaced by a run folder of its own) to `folder/name`."""
    (folder / name).write_text(text.replace("RUN", str(folder / f"run_{name}")), encoding="utf-8")
    return str(folder / name)


def _train(folder: Path, extra: str, env: str = ENV) -> list[str]:
    return [
        "train",
        "--config",
        _write(folder, "train.yaml", TRAIN + "run_dir: RUN\n" + env + extra),
    ]


def _tune(folder: Path, extra: str) -> list[str]:
    return ["tune", "--config", _write(folder, "tune.yaml", RULE + extra)]


def _promote(folder: Path, config: str, registry: str | None = None) -> list[str]:
    return ["promote", "--registry", registry or str(folder / "registry"), "--config", config]


def _serve(*flags: str) -> list[str]:
    return ["mt5-sim", "serve", "--port", "0", *flags]


_HELD: list[socket.socket] = []  # listening sockets the test closes


def _busy_port() -> int:
    """A port a listening socket holds until the test ends."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    _HELD.append(busy)
    return int(busy.getsockname()[1])


def _not_sqlite(folder: Path) -> str:
    (folder / "run.sqlite").write_text("not a database\n" * 200, encoding="utf-8")
    return str(folder)


def _bundle(folder: Path, text: str) -> str:
    """A bundle directory whose `bundle.json` holds `text`."""
    (folder / "bundle").mkdir()
    return _write(folder / "bundle", "bundle.json", text).removesuffix("/bundle.json")


def _hashed(fields: dict[str, Any]) -> Callable[[Path], str]:
    """`bundle.json` text of `fields` with a content hash that fits (only the fields are wrong)."""

    def text(folder: Path) -> str:
        from nautilus_rl_lab.training.bundle import content_hash

        return json.dumps({**fields, "content_hash": content_hash(folder / "bundle", fields)})

    return text


# bundle.json damage -> (its text in a scratch folder, the fragment naming what is wrong)
DAMAGED_BUNDLES: dict[str, tuple[Callable[[Path], str], str]] = {
    "not_json": (lambda d: "{bad", "bundle.json:1:2: invalid JSON"),
    "a_list": (lambda d: "[1, 2]", "bundle.json must hold a JSON object of fields, was a list"),
    "wrong_type": (
        _hashed({"format": 1, "bar": "hourly"}),
        "Expected `object`, got `str` - at `$.bar`, was 'hourly'",
    ),
}
TEST_DATA = "test_data: {kind: sample, start: '2017-03-08', end: '2017-03-15'}\n"


# (argv from a scratch folder, a fragment the one error line must hold): the crash inputs
CRASH_INPUTS: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "nan_top_level": (
        lambda d: _train(d, "clip_observations: .nan\n"),
        "`clip_observations` must be a finite number, was nan",
    ),
    "inf_nested": (
        lambda d: _train(d, "", env="env:\n  data: {kind: sample, spread: .inf}\n"),
        "`env.data.spread` must be a finite number, was inf",
    ),
    "nan_in_a_list": (
        lambda d: _train(d, "hyperparameters: {policy_kwargs: {net_arch: [8, .nan]}}\n"),
        "`hyperparameters.policy_kwargs.net_arch[1]` must be a finite number",
    ),
    "wrong_type": (lambda d: _train(d, "n_envs: two\n"), "`$.n_envs`, was 'two'"),
    "missing_csv": (
        lambda d: _train(d, "", env=f"env:\n  data: {{kind: csv, path: {d}/no.csv}}\n"),
        "no.csv: no such file",
    ),
    "missing_catalog": (
        lambda d: _train(
            d, "", env=f"env:\n  data: {{kind: catalog, path: {d}/cat, bar_type: {BAR_TYPE}}}\n"
        ),
        "cat: no catalog directory",
    ),
    "bar_type_garbage": (
        lambda d: _train(d, "", env="env:\n  data: {kind: sample, bar_type: garbage}\n"),
        "`data.bar_type` 'garbage' is not a bar type",
    ),
    "seed_negative": (lambda d: _train(d, "seed: -1\n"), "`seed` must be >= 0, was -1"),
    "date_that_does_not_exist": (
        lambda d: _train(d, "", env="env:\n  data: {kind: sample, start: '2017-02-30'}\n"),
        "`data.start` '2017-02-30' is not a date/time",
    ),
    "learning_rate_text": (
        lambda d: _train(d, "hyperparameters: {learning_rate: fast}\n"),
        "`hyperparameters` do not fit PPO",
    ),
    "run_dir_is_a_file": (
        lambda d: _train(d, f"run_dir: {_write(d, 'file.txt', 'x')}\n"),
        "file.txt' is a file, expected a folder",
    ),
    "backtest_nan": (
        lambda d: ["backtest", "--agent", str(d), "--config", _train(d, "seed: .inf\n")[2]],
        "`seed` must be a finite number, was inf",
    ),
    "serve_missing_config": (
        lambda d: _serve("--config", str(d / "no.json")),
        "no.json' does not exist",
    ),
    "serve_bad_config": (
        lambda d: _serve("--config", _write(d, "bad.json", "{bad")),
        "bad.json:1:2: invalid JSON",
    ),
    "serve_list_config": (
        lambda d: _serve("--config", _write(d, "list.json", "[1, 2]")),
        "must hold a mapping of fields",
    ),
    "serve_nan_config": (
        lambda d: _serve("--config", _write(d, "nan.yaml", "balance: .nan\n")),
        "nan.yaml and the flags: invalid Mt5SimulatorConfig: `balance` must be a finite number",
    ),
    "serve_missing_data": (
        lambda d: _serve("--data", str(d / "no.csv")),
        "`data_path` (--data)",
    ),
    "serve_bad_host": (
        lambda d: _serve("--host", "999.1.1.1"),
        "cannot listen on `--host` '999.1.1.1'",
    ),
    "serve_busy_port": (
        lambda d: ["mt5-sim", "serve", "--port", str(_busy_port())],
        "cannot listen on `--host` '127.0.0.1'",
    ),
    "serve_balance_nan": (
        lambda d: _serve("--balance", "nan"),
        "`balance` must be a finite number, was nan",
    ),
    "serve_speed_inf": (
        lambda d: _serve("--speed", "inf"),
        "`replay_speed` must be a finite number, was inf",
    ),
    "live_kill_run_dir_is_a_file": (
        lambda d: ["live", "kill", "--run-dir", _write(d, "file.txt", "x")],
        "`--run-dir`",
    ),
    "live_kill_not_sqlite": (
        lambda d: ["live", "kill", "--run-dir", _not_sqlite(d)],
        "run.sqlite is not a SQLite run store",
    ),
    "live_resume_not_sqlite": (
        lambda d: ["live", "resume", "--run-dir", _not_sqlite(d)],
        "run.sqlite is not a SQLite run store",
    ),
    "live_config_nan": (
        lambda d: ["live", "--config", _write(d, "live.yaml", LIVE + "monitor: {x: .nan}\n")],
        "`monitor.x` must be a finite number, was nan",
    ),
    "live_bar_type_garbage": (
        lambda d: ["live", "--config", _write(d, "live.yaml", LIVE + "bar_type: garbage\n")],
        "`bar_type` 'garbage' is not a bar type",
    ),
    "live_instrument_id_garbage": (
        lambda d: ["live", "--config", _write(d, "live.yaml", LIVE + "instrument_id: garbage\n")],
        "`instrument_id` must be 'SYMBOL.VENUE'",
    ),
    "promote_registry_is_a_file": (
        lambda d: _promote(d, "x.yaml", registry=_write(d, "reg.txt", "x")),
        "`--registry`",
    ),
    "promote_margin_nan": (
        lambda d: ([*_promote(d, _train(d, "")[2]), "--margin", "nan"]),
        "`margin` must be a finite number, was nan",
    ),
    "tune_nan": (
        lambda d: _tune(d, "timeout: .inf\n"),
        "`timeout` must be a finite number, was inf",
    ),
    "tune_seed_negative": (
        lambda d: [*_tune(d, ""), "--seed", "-1"],
        "`seed` must be in [0, 2**32) or None (numpy), was -1",
    ),
    "tune_unknown_dialect": (
        lambda d: ([*_tune(d, "run_dir: RUN\n" + ENV), "--storage", "nosuchdialect://host/db"]),
        "`storage` 'nosuchdialect://host/db' cannot be used",
    ),
    "demo_runs_is_a_file": (
        lambda d: ["demo", "--fast", "--runs", _write(d, "file.txt", "x")],
        "`--runs` '",
    ),
    "backtest_n_random_negative": (
        lambda d: ["backtest", "--agent", str(d), "--config", "x.yaml", "--n-random", "-1"],
        "`--n-random` must be an int >= 0, was -1",
    ),
    "backtest_out_is_a_file": (
        lambda d: [
            "backtest",
            "--agent",
            str(d),
            "--config",
            "x.yaml",
            "--out",
            _write(d, "f", ""),
        ],
        "`--out`",
    ),
    "download_catalog_is_a_file": (
        lambda d: ([*DOWNLOAD, "--backend", "simulator", "--catalog", _write(d, "f", "")]),
        "`--catalog`",
    ),
}
for _name, (_text, _fragment) in DAMAGED_BUNDLES.items():
    CRASH_INPUTS[f"promote_bundle_{_name}"] = (
        lambda d, text=_text: [
            *_promote(d, _train(d, TEST_DATA)[2]),
            "--challenger",
            _bundle(d, text(d)),
        ],
        _fragment,
    )
    CRASH_INPUTS[f"live_bundle_{_name}"] = (
        lambda d, text=_text: [
            "live",
            "--config",
            _write(d, "live.yaml", f"run_dir: RUN\nbundle: {_bundle(d, text(d))}\n"),
        ],
        _fragment,
    )


@pytest.mark.parametrize("case", CRASH_INPUTS)
def test_a_crash_input_ends_in_one_line_and_exit_2(case: str, tmp_path, capsys) -> None:
    build, fragment = CRASH_INPUTS[case]
    try:
        argv = build(tmp_path)
        assert main(argv) == 2
    finally:
        while _HELD:
            _HELD.pop().close()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert lines[0].startswith(f"nautilus-rl-lab {argv[0]}: error: "), lines[0]
    assert fragment in lines[0], lines[0]


def test_a_postgresql_storage_on_a_closed_port_is_one_line_without_the_password(
    tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("NRL_TEST_DB_PASSWORD", "s3cret-value")
    storage = "postgresql://nrl:${NRL_TEST_DB_PASSWORD}@127.0.0.1:1/db"
    assert main([*_tune(tmp_path, "run_dir: RUN\n" + ENV), "--storage", storage]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "s3cret-value" not in err, err[-2000:]
    assert f"`storage` '{storage}' cannot be used: " in lines[0] and "refused" in lines[0]


def test_crash_inputs_in_a_fresh_process_print_one_line_and_exit_2(tmp_path) -> None:
    for case in ("nan_top_level", "serve_bad_host", "live_kill_not_sqlite"):
        build, fragment = CRASH_INPUTS[case]
        argv = build(tmp_path)
        result = _cli(*argv)
        assert result.returncode == 2, (case, result.stderr[-2000:])
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert fragment in lines[0], lines[0]


def _raising(error: BaseException) -> Callable[[object], int]:
    def handler(args: object) -> int:
        raise error

    return handler


def test_an_unexpected_exception_is_one_line_naming_its_type_and_exit_1(
    capsys, monkeypatch
) -> None:
    monkeypatch.setattr("nautilus_rl_lab.cli._demo", _raising(KeyError("a defect, not input")))
    assert main(["demo"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "nautilus-rl-lab demo: error: unexpected KeyError: 'a defect, not input' "
        "(rerun with --verbose for the traceback)"
    ]


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch) -> None:
    monkeypatch.setattr("nautilus_rl_lab.cli._demo", _raising(KeyboardInterrupt()))
    assert main(["demo"]) == 130
    assert capsys.readouterr().err.strip().splitlines() == ["nautilus-rl-lab demo: interrupted"]


WEEK = {"kind": "sample", "start": "2017-03-01", "end": "2017-03-08"}
# command -> (fields to spoil, the rest of a config, argv that fails even when the config is valid)
FUZZ: dict[str, tuple[list[str], dict[str, Any], Callable[[Path, Path], list[str]]]] = {
    "backtest": (
        [
            "seed",
            "n_envs",
            "clip_observations",
            "hyperparameters.gamma",
            "env.seed",
            "env.episode_length",
            "env.data.spread",
            "env.data.start",
            "no_such_field",
        ],
        {},
        lambda path, d: ["backtest", "--agent", str(d / "no_agent"), "--config", str(path)],
    ),
    "mt5-sim": (
        ["balance", "leverage", "replay_speed", "symbols", "seed", "no_such_field"],
        {},
        lambda path, d: ["mt5-sim", "serve", "--config", str(path), "--port", str(_busy_port())],
    ),
    "live": (
        [
            "instrument_id",
            "bar_type",
            "on_shutdown",
            "monitor.x",
            "node.backend.port",
            "risk.max_position",
            "no_such_field",
        ],
        {"run_dir": "RUN", "bundle": "NO_BUNDLE"},
        lambda path, d: ["live", "--config", str(path)],
    ),
    "tune": (
        [
            "n_trials",
            "timeout",
            "seed",
            "objective",
            "study_name",
            "env.data.spread",
            "no_such_field",
        ],
        {"rule": "ema_cross", "search_space": {"fast": {"type": "int", "low": 3, "high": 5}}}
        | {"run_dir": "RUN", "env": {"data": WEEK}},
        lambda path, d: ["tune", "--config", str(path), "--storage", "nosuchdialect://x/db"],
    ),
}
WRONG_VALUES = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, None, True, [], {}]),
    st.text(alphabet="aZ09-. é", max_size=5),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _set(data: dict[str, Any], dotted: str, value: object) -> dict[str, Any]:
    """`data` with `value` at the dotted path (missing levels become mappings)."""
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return data


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_configs_on_the_cli_end_in_one_line_and_exit_2(tmp_path, capsys, data) -> None:
    """NaN/inf, wrong types and unknown keys in the configs of `backtest`, `mt5-sim serve`,
    `live` and `tune`; a config that stays valid fails on the agent, port, bundle or storage."""
    command = data.draw(st.sampled_from(sorted(FUZZ)), label="command")
    fields, rest, build = FUZZ[command]
    config = json.loads(
        json.dumps(rest).replace("RUN", str(tmp_path / "run")).replace("NO_BUNDLE", str(tmp_path))
    )
    field = data.draw(st.sampled_from(fields), label="field")
    _set(config, field, data.draw(WRONG_VALUES, label="value"))
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    try:
        argv = build(path, tmp_path)
        assert main(argv) == 2
    finally:
        while _HELD:
            _HELD.pop().close()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nautilus-rl-lab {argv[0]}: error: "), lines
