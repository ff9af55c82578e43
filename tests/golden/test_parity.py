"""Golden parity: every case of `cases.py` re-run here matches its stored record exactly.

The records were made on NautilusTrader 1.221 from main before the move to 2.0 (issue 24;
`python -m tests.golden.record`). Orders, fills (price, size, side, time, commission),
final balance, the equity and position curves, risk events, the evaluation statistics and
the env's per-step states are compared value by value. `ALLOWED` lists the only differences
accepted, each with its bound and reason; it is empty on 1.221, where everything must match.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from fnmatch import fnmatch
from typing import Any, NamedTuple

import nautilus_trader
import pytest

from nautilus_rl_lab.training.bundle import load_bundle
from tests.golden.cases import CASES, PPO_BUNDLE, Record, read_record, record_path


class Allowed(NamedTuple):
    """A difference accepted in the values at `field` (a glob over the record's paths, e.g.
    `runs/*/fills/*/commission/0`): at most `bound` in absolute terms, for `reason`."""

    field: str
    bound: float
    reason: str


ALLOWED: dict[str, list[Allowed]] = {}
"""Accepted differences per case; must stay empty on NautilusTrader 1.x."""

NOT_COMPARED = ("case", "meta")  # its name and the versions it was made with
SHOWN = 20  # differences listed in a failure


class Difference(NamedTuple):
    """One value of a record that differs: its path, the stored and the new value."""

    path: str
    expected: Any
    actual: Any


def differences(expected: Any, actual: Any, path: str = "") -> list[Difference]:
    """Every value of `actual` that differs from `expected` (missing or extra keys and list
    lengths too), by path; floats must be equal (NaN is stored as `None`)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            sub = f"{path}/{key}" if path else str(key)
            if key not in actual or key not in expected:
                found.append(
                    Difference(sub, expected.get(key, "<missing>"), actual.get(key, "<missing>"))
                )
            else:
                found += differences(expected[key], actual[key], sub)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [Difference(f"{path}/len", len(expected), len(actual))]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in differences(e, a, f"{path}/{i}")
        ]
    if type(expected) is not type(actual) or expected != actual:
        return [Difference(path, expected, actual)]
    return []


def _within(difference: Difference, allowed: Allowed) -> bool:
    numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in (difference.expected, difference.actual)
    )
    return (
        numbers
        and fnmatch(difference.path, allowed.field)
        and abs(difference.actual - difference.expected) <= allowed.bound
    )


def unexplained(case: str, expected: Record, actual: Record) -> list[Difference]:
    """The differences between two records of `case` that `ALLOWED` does not accept."""
    stored = {k: v for k, v in expected.items() if k not in NOT_COMPARED}
    new = {k: v for k, v in actual.items() if k not in NOT_COMPARED}
    rules = ALLOWED.get(case, [])
    return [d for d in differences(stored, new) if not any(_within(d, r) for r in rules)]


def _report(case: str, found: list[Difference]) -> str:
    """How many values differ per field (indices as `*`), then the first `SHOWN` of them."""
    fields = Counter(re.sub(r"/\d+(?=/|$)", "/*", d.path) for d in found)
    lines = [f"{case}: {len(found)} values differ from the golden record"]
    lines += [f"  {n} x {field}" for field, n in sorted(fields.items())]
    lines.append("first differences (path: stored -> new):")
    lines += [f"  {d.path}: {d.expected!r} -> {d.actual!r}" for d in found[:SHOWN]]
    return "\n".join(lines)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_its_golden_record(case: str) -> None:
    expected = read_record(record_path(case))
    actual = CASES[case]()
    found = unexplained(case, expected, actual)
    assert not found, _report(case, found)


def test_no_difference_is_allowed_on_nautilus_1() -> None:
    if nautilus_trader.__version__.startswith("1."):
        assert ALLOWED == {}
    for case, rules in ALLOWED.items():
        assert case in CASES, f"ALLOWED names unknown case {case!r}"
        assert all(rule.reason and rule.bound > 0 for rule in rules)


def test_stored_ppo_bundle_is_intact() -> None:
    bundle = load_bundle(PPO_BUNDLE)  # verifies the content hash of the policy files
    assert bundle.fields["versions"]["nautilus_trader"].startswith("1.221")


def test_a_changed_commission_is_named_and_only_an_allowed_bound_accepts_it() -> None:
    case = "fx_ema_cross_next_open"
    stored = read_record(record_path(case))
    changed = copy.deepcopy(stored)
    fill = changed["runs"]["agent"]["fills"][3]
    fill["commission"][0] += 0.01
    changed["runs"]["agent"]["final_balance"] -= 0.01
    found = unexplained(case, stored, changed)
    assert [d.path for d in found] == [
        "runs/agent/fills/3/commission/0",
        "runs/agent/final_balance",
    ]
    rule = Allowed("runs/agent/fills/*/commission/0", 0.01 + 1e-9, "commission rounding")
    assert [d.path for d in found if not _within(d, rule)] == ["runs/agent/final_balance"]
    assert not _within(found[0], rule._replace(bound=0.005))


def test_a_missing_fill_or_field_is_a_difference() -> None:
    stored = read_record(record_path("fx_ema_cross_next_open"))
    changed = copy.deepcopy(stored)
    changed["runs"]["agent"]["fills"].pop()
    del changed["runs"]["agent"]["currency"]
    paths = [d.path for d in unexplained("fx_ema_cross_next_open", stored, changed)]
    assert paths == ["runs/agent/currency", "runs/agent/fills/len"]
