"""The ``mt5-sim serve`` command: arguments, ports, the printed address, running until stopped."""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.rpyc.client import RpycMt5Client
from nautilus_rl_lab.mt5.rpyc.server import ServerHandle, serve
from nautilus_rl_lab.mt5.serve import (
    add_serve_arguments,
    main,
    run_serve,
    simulator_config_from_args,
)
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame


@pytest.mark.parametrize("port", [70_000, 65_536, -1])
def test_serve_refuses_ports_outside_the_tcp_range(port: int) -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    with pytest.raises(ConfigError, match=r"`port` must be in 1\.\.65535"):
        serve(sim, "127.0.0.1", port)
    args = add_serve_arguments(argparse.ArgumentParser()).parse_args(["--port", str(port)])
    with pytest.raises(ConfigError, match=r"`port`"):
        run_serve(args, stop=threading.Event())


def test_serve_command_runs_until_stopped(tmp_path: Any, capsys: Any) -> None:
    config_file = tmp_path / "sim.json"
    config_file.write_text('{"balance": 2500.0, "margin_mode": "hedging"}')
    parser = add_serve_arguments(argparse.ArgumentParser())
    args = parser.parse_args(
        ["--port", "0", "--config", str(config_file), "--leverage", "50", "--speed", "3600"]
    )
    ready: list[ServerHandle] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=run_serve, args=(args,), kwargs={"ready": ready.append, "stop": stop}
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not ready and time.monotonic() < deadline:
            time.sleep(0.01)
        client = RpycMt5Client("127.0.0.1", ready[0].port)
        assert client.initialize()
        info = client.account_info()
        assert (info.balance, info.leverage, info.margin_mode) == (
            2500.0,
            50,
            mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
        )
        assert f"serving on 127.0.0.1:{ready[0].port}" in capsys.readouterr().out
        t0 = client.sim_time_msc()
        time.sleep(0.3)
        assert client.sim_time_msc() > t0  # the replay runs at 3600x
        client.close()
    finally:
        stop.set()
        thread.join(10.0)
    assert not thread.is_alive() and not ready[0].alive


def test_serve_arguments_validate_into_a_config() -> None:
    parser = add_serve_arguments(argparse.ArgumentParser())
    config = simulator_config_from_args(
        parser.parse_args(["--symbols", "EURUSD, USDJPY", "--spread-points", "7"])
    )
    assert config.symbols == ("EURUSD", "USDJPY") and config.spread_points == 7
    with pytest.raises(ConfigError, match=r"`leverage`"):
        simulator_config_from_args(parser.parse_args(["--leverage", "0"]))


def test_serve_main_reports_bad_input_in_one_line_with_exit_2(capsys) -> None:
    assert main(["--port", "0", "--speed", "inf"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "nautilus-rl-lab mt5-sim serve: error: simulator options from the flags: invalid "
        "Mt5SimulatorConfig: `replay_speed` must be a finite number, was inf"
    ]
