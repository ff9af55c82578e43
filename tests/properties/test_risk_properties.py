"""RiskManager under random limits and markets: never beyond `max_position`, always flat once halted."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nautilus_rl_lab.schemes.base import MarketState
from nautilus_rl_lab.strategies import RiskLimits, RiskManager

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMIT = 100_000.0
HOUR_NS = 3_600_000_000_000

limits = st.builds(
    RiskLimits,
    max_position=st.one_of(st.none(), st.floats(1.0, 2 * LIMIT)),
    stop_loss=st.one_of(st.none(), st.floats(1e-4, 0.2)),
    take_profit=st.one_of(st.none(), st.floats(1e-4, 0.2)),
    max_drawdown=st.one_of(st.none(), st.floats(1e-3, 0.5)),
    trading_hours=st.one_of(st.none(), st.tuples(st.integers(0, 24), st.integers(0, 24))),
    flatten_outside_hours=st.booleans(),
)
step = st.tuples(
    st.one_of(st.none(), st.floats(-LIMIT, LIMIT)),  # the action scheme's target
    st.floats(-0.05, 0.05),  # equity return of the step
    st.floats(-0.02, 0.02),  # price return of the step
)


@SETTINGS
@given(rules=limits, steps=st.lists(step, min_size=1, max_size=60))
@example(  # found by hypothesis: halted while already flat, the agent holding (target None)
    rules=RiskLimits(max_drawdown=0.03125),
    steps=[(None, 0.0, 0.0), (None, -0.03125, 0.0), (None, 0.0, 0.0)],
)
def test_risk_rules_never_exceed_max_position_and_stay_flat_after_a_halt(
    rules: RiskLimits, steps: list[tuple[float | None, float, float]]
) -> None:
    manager = RiskManager(rules)
    position, equity, close, entry = 0.0, 100_000.0, 1.1, None
    peak, halted = 0.0, False  # the manager only knows the equities it was shown
    for i, (target, equity_return, price_return) in enumerate(steps):
        equity *= 1.0 + equity_return
        close *= 1.0 + price_return
        peak = max(peak, equity)
        state = MarketState(i * HOUR_NS, close, position, equity, equity, 0.0, 0.0, LIMIT)
        adjusted = manager.adjust(target, state, entry)
        halted = halted or (
            rules.max_drawdown is not None and 1 - equity / peak >= rules.max_drawdown
        )
        if halted:
            # flat by target 0.0, or by holding (`None`) a flat position: `adjust` returns
            # `None` when there is nothing to trade (test_max_drawdown_halts_for_good: "flat:
            # stay flat"); orders in flight at the halt were offset by its 0.0 target
            assert adjusted == 0.0 or (adjusted is None and position == 0.0), (
                "a halted manager must flatten"
            )
        if adjusted is not None:
            if rules.max_position is not None:
                assert abs(adjusted) <= rules.max_position
            if adjusted and (not position or (adjusted > 0) != (position > 0)):
                entry = close
            position = adjusted
            entry = entry if position else None
