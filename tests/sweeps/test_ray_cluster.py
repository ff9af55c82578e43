"""Sweeps on a real local Ray head: shared bars travel once, a killed worker's task is retried."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.scenarios import AgentSpec, builtin_scenarios, run_scenarios
from nautilus_rl_lab.scenarios.builtins import FAST_BARS
from nautilus_rl_lab.scenarios.runner import ScenarioTask
from nautilus_rl_lab.sweeps import SweepConfig, open_sweep
from tests.services import RayHead

SCENARIOS = [builtin_scenarios(FAST_BARS)[name] for name in ("trend_up", "flash_crash")]
AGENTS = [
    AgentSpec(name="buy_and_hold", agent="buy_and_hold"),
    AgentSpec(name="random", agent="random", seed=3),
]


def on_ray(head: RayHead, **fields: Any) -> SweepConfig:
    return SweepConfig(executor="ray", address=head.address, **fields)


def test_a_shared_frame_travels_as_an_object_store_reference(ray_cluster: RayHead) -> None:
    task = ScenarioTask(SCENARIOS[0], AGENTS[0], TrainingNodeConfig())
    frame = SCENARIOS[0].frame()
    with open_sweep(on_ray(ray_cluster)) as sweep:
        reference = sweep.share(frame)
        shipped = len(pickle.dumps((task, reference)))
    pickled = len(pickle.dumps((task, frame)))
    assert pickled - shipped > 0.9 * len(pickle.dumps(frame))  # the bars are not in the task
    assert shipped < len(pickle.dumps(task)) + 1_000


def _sweep_task_workers(head: RayHead) -> list[psutil.Process]:
    """The head's worker processes running a sweep task right now (title `ray::sweep_task`)."""
    found = []
    for process in psutil.Process(head.pid).children(recursive=True):
        try:
            if " ".join(process.cmdline()).startswith("ray::sweep_task"):
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def test_a_worker_killed_mid_sweep_is_retried_and_each_result_recorded_once(
    ray_cluster: RayHead, tmp_path: Path
) -> None:
    outcome: dict[str, Any] = {}

    def sweep() -> None:
        try:
            outcome["results"] = run_scenarios(
                AGENTS, SCENARIOS, sweep=on_ray(ray_cluster), run_dir=tmp_path, progress=False
            )
        except BaseException as e:
            outcome["error"] = e

    thread = threading.Thread(target=sweep)
    thread.start()
    killed = None
    while killed is None and thread.is_alive():
        running = _sweep_task_workers(ray_cluster)
        if running:
            killed = running[0].pid
            running[0].kill()
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    assert killed is not None, "no worker was found running a sweep task"
    table = outcome["results"].table
    pairs = list(zip(table["scenario"], table["agent"], strict=True))
    assert pairs == [(s.name, a.name) for s in SCENARIOS for a in AGENTS]  # each once, in order
    assert len(list((tmp_path / "tasks").glob("*.pkl"))) == len(pairs)
    here = run_scenarios(AGENTS, SCENARIOS, max_workers=1, progress=False)
    pd.testing.assert_frame_equal(table, here.table)
    pd.testing.assert_frame_equal(outcome["results"].curves, here.curves)
