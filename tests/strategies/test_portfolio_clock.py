"""`AlignedClock`: one decision per timestamp, live without a schedule too (late and missing bars)."""

from __future__ import annotations

from nautilus_rl_lab.strategies.portfolio_clock import AlignedClock


def test_the_last_instrument_s_bar_completes_a_timestamp_once() -> None:
    clock = AlignedClock(3)
    assert [clock.arrive(asset, 100) for asset in (2, 0)] == [False, False]
    assert clock.waiting == 100
    assert clock.arrive(1, 100)
    assert clock.waiting is None and clock.trading == (True, True, True)
    assert not clock.arrive(1, 100), "a repeated bar decided the timestamp twice"


def test_an_expired_timestamp_is_decided_on_the_bars_that_arrived_and_only_once() -> None:
    clock = AlignedClock(3)
    clock.arrive(0, 100)
    clock.arrive(2, 100)
    assert clock.expire(100)
    assert clock.trading == (True, False, True)
    assert not clock.expire(100)
    assert not clock.arrive(1, 100), "the late bar decided its timestamp a second time"


def test_a_timestamp_left_open_when_a_later_one_begins_is_dropped_undecided() -> None:
    clock = AlignedClock(2)
    clock.arrive(0, 100)
    clock.arrive(0, 160)  # instrument 1's bar of 100 is still missing
    assert not clock.expire(100), "deciding 100 now would see a bar of 160"
    assert not clock.arrive(1, 100), "a late bar of 100 reopened it"
    assert clock.waiting == 160 and clock.arrive(1, 160)
    assert clock.trading == (True, True)


def test_a_completed_timestamp_has_nothing_to_expire() -> None:
    clock = AlignedClock(2)
    clock.arrive(0, 100)
    clock.arrive(1, 100)
    assert not clock.expire(100)


def test_a_schedule_completes_a_timestamp_with_the_bars_due_at_it() -> None:
    clock = AlignedClock(3, {100: 2, 160: 3})
    assert not clock.arrive(0, 100) and clock.arrive(2, 100)
    assert clock.trading == (True, False, True)
