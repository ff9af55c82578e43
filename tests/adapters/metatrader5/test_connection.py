"""`Mt5Connection`: one worker thread per terminal, shared per backend config, reconnects."""

from __future__ import annotations

import asyncio
import threading

import pytest

from nautilus_rl_lab.adapters.metatrader5.connection import (
    Mt5Connection,
    Mt5ConnectionLost,
    acquire_connection,
    release_connection,
)
from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator


@pytest.fixture
def simulator() -> Mt5TerminalSimulator:
    return Mt5TerminalSimulator(config=Mt5SimulatorConfig(synthetic_bars=200, warmup_bars=10))


@pytest.fixture
def connection(simulator) -> Mt5Connection:
    connection = Mt5Connection(Mt5BackendConfig(), client=simulator)
    connection.connect_sync()
    yield connection
    connection.shutdown()


def test_calls_run_on_one_worker_thread_and_return_last_error(connection):
    async def main():
        threads = await asyncio.gather(
            *[connection.call_ex("symbol_info", "EURUSD") for _ in range(5)],
        )
        names = set()
        for _ in range(3):
            names.add(
                await asyncio.get_running_loop().run_in_executor(
                    connection._executor, lambda: threading.current_thread().name
                )
            )
        missing, error = await connection.call_ex("symbol_info", "NOPE")
        return threads, names, missing, error

    results, names, missing, error = asyncio.run(main())
    assert all(info.name == "EURUSD" and err is None for info, err in results)
    assert len(names) == 1 and next(iter(names)).startswith("mt5-terminal")
    assert missing is None
    assert error[0] == mt5c.RES_E_NOT_FOUND


def test_lost_link_raises_and_reconnect_uses_backoff_until_the_terminal_is_back(
    connection, simulator
):
    simulator.inject("disconnect", count=3)

    async def main():
        with pytest.raises(Mt5ConnectionLost) as lost:
            await connection.call("account_info")
        assert lost.value.code == mt5c.RES_E_INTERNAL_FAIL_CONNECT
        assert not connection.is_initialized
        back = await connection.reconnect(backoff_s=0.001, backoff_max_s=0.01, max_attempts=10)
        return back, await connection.call("account_info")

    back, account = asyncio.run(main())
    assert back and account is not None
    assert connection.reconnect_count == 1


def test_reconnect_gives_up_after_max_attempts(connection, simulator):
    simulator.inject("disconnect", count=None)

    async def main():
        with pytest.raises(Mt5ConnectionLost):
            await connection.call("account_info")
        return await connection.reconnect(backoff_s=0.001, backoff_max_s=0.002, max_attempts=3)

    assert asyncio.run(main()) is False
    simulator.clear_faults()


def test_initialise_failure_says_why(simulator):
    config = Mt5BackendConfig(login=1, password="x", server="wrong")
    connection = Mt5Connection(config, client=simulator)
    with pytest.raises(Mt5Error, match="cannot initialise the MT5 terminal"):
        connection.connect_sync()
    connection.shutdown()


def test_connections_are_shared_per_config_and_closed_by_the_last_user(simulator):
    config = Mt5BackendConfig(simulator=Mt5SimulatorConfig(seed=99))
    first = acquire_connection(config, client=simulator)
    second = acquire_connection(config)
    assert first is second
    first.connect_sync()
    release_connection(first)
    assert second.call_sync("account_info") is not None  # still open for the other user
    release_connection(second)
    third = acquire_connection(config, client=simulator)
    assert third is not first
    with pytest.raises(Mt5Error, match="already open with another client"):
        acquire_connection(config, client=Mt5TerminalSimulator(config=Mt5SimulatorConfig(seed=99)))
    release_connection(third)
