"""Sweep results kept per task in the run folder: a killed sweep resumes, a changed task reruns."""

from __future__ import annotations

import operator
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from nautilus_rl_lab.scenarios import run_scenarios
from nautilus_rl_lab.sweeps import SweepConfig, SweepTask, open_sweep
from tests.conftest import REPO_ROOT
from tests.sweeps.test_ray_cluster import AGENTS, SCENARIOS

SWEEP = """
import sys
from nautilus_rl_lab.scenarios import run_scenarios
from tests.sweeps.test_ray_cluster import AGENTS, SCENARIOS
run_scenarios(AGENTS, SCENARIOS, max_workers=1, run_dir=sys.argv[1], progress=False)
"""


def test_a_sweep_killed_midway_resumes_the_tasks_that_did_not_finish(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    driver = subprocess.Popen([sys.executable, "-c", SWEEP, str(tmp_path)], cwd=REPO_ROOT)
    try:
        while driver.poll() is None and not list(tasks.glob("*.pkl")):
            time.sleep(0.02)
    finally:
        driver.kill()  # SIGKILL: no clean-up, as when a machine goes away
        driver.wait()
    done = {p.name: p.stat() for p in tasks.glob("*.pkl")}
    total = len(SCENARIOS) * len(AGENTS)
    assert 1 <= len(done) < total, f"the driver was not killed mid-sweep ({len(done)} done)"
    assert not [p for p in tasks.iterdir() if p.suffix != ".pkl"]  # no half-written file
    resumed = run_scenarios(AGENTS, SCENARIOS, max_workers=1, run_dir=tmp_path, progress=False)
    after = {p.name: p.stat() for p in tasks.glob("*.pkl")}
    assert len(after) == total
    for name, stat in done.items():  # finished tasks were not run (nor written) again
        assert (after[name].st_ino, after[name].st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    fresh = run_scenarios(AGENTS, SCENARIOS, max_workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed.table, fresh.table)
    pd.testing.assert_frame_equal(resumed.curves, fresh.curves)


def test_a_kept_result_is_reused_only_for_the_same_task_identity(tmp_path: Path) -> None:
    with open_sweep(SweepConfig(executor="process")) as sweep:
        assert sweep.map(operator.mul, [SweepTask("t", (2, 3), b"v1")], results_dir=tmp_path) == [6]
        # same identity: the kept result is returned, the task is not run again
        assert sweep.map(operator.mul, [SweepTask("t", (2, 4), b"v1")], results_dir=tmp_path) == [6]
        # another identity (changed configs): it runs
        assert sweep.map(operator.mul, [SweepTask("t", (2, 4), b"v2")], results_dir=tmp_path) == [8]
    assert len(list(tmp_path.glob("t-*.pkl"))) == 2
