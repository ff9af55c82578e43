"""The handler-error boundary: the first handler exception is kept and raised after the run."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.agents.simple import BuyAndHoldAgent
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.nodes import TrainingNode
from nautilus_rl_lab.strategies.boundary import (
    HandlerErrors,
    clear_handler_errors,
    guarded,
    raise_handler_error,
)
from nautilus_rl_lab.strategies.decision import DecisionPath
from tests.nodes.conftest import small_config
from tests.strategies.failing import failing_config


class _Component(HandlerErrors):
    @guarded
    def on_value(self, value: int) -> int:
        if value < 0:
            raise ValueError(f"negative {value}")
        return value * 2


def _swallowing_run(component: _Component, values: list[int]) -> list[int]:
    """Calls the handler as NautilusTrader 2 does: an exception is logged and the run goes on."""
    results = []
    for value in values:
        try:
            results.append(component.on_value(value))
        except ValueError:
            continue
    return results


def test_the_first_handler_error_is_kept_and_raised_after_a_run_that_swallowed_it() -> None:
    component = _Component()
    assert _swallowing_run(component, [1, -2, 3, -4]) == [2, 6]
    with pytest.raises(ValueError, match=r"^negative -2$"):
        raise_handler_error(component)
    clear_handler_errors(component)
    raise_handler_error(component)  # nothing recorded: returns


def test_a_guarded_handler_returns_and_raises_as_the_handler_does() -> None:
    component = _Component()
    assert component.on_value(3) == 6
    with pytest.raises(ValueError, match=r"^negative -1$") as raised:
        component.on_value(-1)
    assert component.handler_error is raised.value


def test_raise_handler_error_raises_the_first_components_error_in_order() -> None:
    first, second = _Component(), _Component()
    _swallowing_run(second, [-7])
    _swallowing_run(first, [-9])
    with pytest.raises(ValueError, match=r"^negative -9$"):
        raise_handler_error(first, second)


def test_the_training_strategy_records_the_error_its_on_bar_raised_and_a_reset_clears_it() -> None:
    env = TrainingNode(small_config(**failing_config("action", 2)))
    try:
        env.reset(options={"start": 20})
        with pytest.raises(LookupError) as raised:
            for _ in range(4):
                env.step(2)
        assert env.strategy.handler_error is raised.value
        env.reset(options={"start": 20})
        assert env.strategy.handler_error is None
    finally:
        env.close()


# issue 24 hazard (1): NautilusTrader 2 swallows a handler's exception, an order event's too
def test_an_error_in_the_fill_handler_surfaces_from_step_and_from_run_backtest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(path: DecisionPath, cache: object, event: object) -> None:
        raise LookupError("fill handler bug")

    monkeypatch.setattr(DecisionPath, "on_order_filled", broken)
    config = small_config()
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 20})
        with pytest.raises(LookupError, match=r"^fill handler bug$"):
            for _ in range(3):
                env.step(2)  # long: the order fills at the next bar's open
    finally:
        env.close()
    with pytest.raises(LookupError, match=r"^fill handler bug$"):
        run_backtest(BuyAndHoldAgent(config.action), config)
