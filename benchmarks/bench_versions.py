"""Benchmark: the same figures on NautilusTrader 1.221 (old) and 2.0 (new), interleaved in one run,
with the ratios new/old.

Prints one JSON line per figure, figure `versions`, key `measure`:

- `random_steps_per_s`, `hold_only_steps_per_s`: `TrainingNode` steps/s of one episode under
  seeded random actions / the flat action (`bench_env.run_env_episode`, reset included);
- `reset_median_ms`: median `reset()` time (`bench_env.bench_reset`: 256-step episodes with
  random starts, half after a finished episode, half abandoning one; lower is better);
- `backtest_bars_per_s`: bars/s of one `engine.run()` of a seeded `RandomAgent` as `RLAgent` +
  `AgentStrategy` (`bench_backtest.runners`, the demo's observation and action);
- `scenario_backtests_per_s`: backtests/s of `run_scenarios` in process over
  `bench_scenarios.SCENARIOS` x `bench_scenarios.AGENTS`;
- `demo_wall_s`: wall time of `make demo`'s command, `python -m nautilus_rl_lab.cli demo`, run by
  the side's interpreter in its checkout (first on the path) into a temporary `--runs` folder,
  without `NRL_FAST` (`--fast` in quick mode); interpreter start and imports included (lower is
  better).

Each side is a worker process started from its own interpreter with its own checkout first on
`sys.path` (its `nautilus_rl_lab` and its `benchmarks/`, whose functions measure), refused if
it imports the package from anywhere else. The new side is this checkout in `--new-python`
(default `.venv/bin/python`, what `make install` builds: Python 3.12, NautilusTrader 2.0). The
old side is `--old-rev` (default `nt1-last`, the last commit on 1.221), checked out as a git
worktree under `--work-dir`, in `--old-python` or in a virtualenv built there once by
`--venv-python` (default `python3.11`; `nautilus_trader==1.221.0`, torch and the revision's
`.[dev]`; reused while its stamp matches). `--old-rev REV --old-python <this venv's python>`
compares a revision with this checkout on 2.0: a change's before/after. After one untimed call
of each measure on each side (set-up, imports, caches),
figures alternate old/new (the order flips every round) `--repeats` times; medians.
`ratio_new_old` is new/old (above 1 is faster for rates, slower for `reset_median_ms`).
Usage: `python benchmarks/bench_versions.py [--quick] [--repeats 5] [--old-python PATH]
[--new-python PATH] [--old-rev REV] [--work-dir DIR]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
NEW_PYTHON = REPO / ".venv" / "bin" / "python"  # `make install`
OLD_REV = "nt1-last"  # the last commit on NautilusTrader 1.221
OLD_NAUTILUS = "nautilus_trader==1.221.0"
TORCH = "torch==2.13.0"  # the CPU build, as the Makefile installs it
MEASURES = {  # name -> (unit, higher is better)
    "random_steps_per_s": ("steps/s", True),
    "hold_only_steps_per_s": ("steps/s", True),
    "reset_median_ms": ("ms", False),
    "backtest_bars_per_s": ("bars/s", True),
    "scenario_backtests_per_s": ("backtests/s", True),
    "demo_wall_s": ("s", False),
}
BUDGETS: dict[str, dict[str, Any]] = {  # quick: seconds end to end; full: the whole bundled sample
    "quick": {
        "env_steps": 500,
        "reset_repeats": 1,
        "backtest_end": "2017-02-01",
        "bars": 300,
        "demo_fast": True,
    },
    "full": {
        "env_steps": None,
        "reset_repeats": 5,
        "backtest_end": None,
        "bars": 1_500,
        "demo_fast": False,
    },
}


# --- worker side: runs in either interpreter, on either checkout ------------------------------


class Figures:
    """The measures on the checkout `root`, first on `sys.path`; set-up is done once and not timed."""

    def __init__(self, root: Path, budget: dict[str, Any]) -> None:
        self.root = root
        self.budget = budget
        self._backtest: Any = None
        self._scenarios: Any = None

    def _env_rate(self, random: bool) -> float:
        import bench_env
        import numpy as np

        from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig

        # built and closed each call: one live engine in the thread (2.0 would host a second
        # env's engine in another thread, and its objects read from this one abort)
        env = TrainingNode(
            TrainingNodeConfig(episode_length=self.budget["env_steps"], random_start=False, seed=0)
        )
        try:
            actions = None
            if random:
                count = self.budget["env_steps"] or env.bar_count
                actions = np.random.default_rng(0).integers(0, 3, size=count).tolist()
            steps, seconds, _ = bench_env.run_env_episode(env, actions)
        finally:
            env.close()
        return steps / seconds

    def random_steps_per_s(self) -> float:
        return self._env_rate(random=True)

    def hold_only_steps_per_s(self) -> float:
        return self._env_rate(random=False)

    def reset_median_ms(self) -> float:
        """`bench_env.bench_reset`'s median (it prints its line; that line is read back)."""
        import bench_env

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            bench_env.bench_reset(self.budget["reset_repeats"])
        return float(json.loads(out.getvalue().strip().splitlines()[-1])["median_ms"])

    def backtest_bars_per_s(self) -> float:
        if self._backtest is None:
            import tempfile

            import bench_backtest
            import msgspec

            from nautilus_rl_lab.data.source import DataSourceConfig
            from nautilus_rl_lab.evaluation import market_for
            from nautilus_rl_lab.training.demo import demo_config

            with tempfile.TemporaryDirectory() as tmp:
                env = demo_config(tmp, fast=False).env
            data = DataSourceConfig(kind="sample", end=self.budget["backtest_end"])
            config = msgspec.structs.replace(env, data=data)
            runs = bench_backtest.runners(config, market_for(config), Path("unused"))
            self._backtest = runs["random_agent"]
        rate, _ = self._backtest()
        return float(rate)

    def scenario_backtests_per_s(self) -> float:
        import bench_scenarios

        from nautilus_rl_lab.scenarios import builtin_scenarios, run_scenarios

        if self._scenarios is None:
            built = builtin_scenarios(self.budget["bars"])
            self._scenarios = [built[name] for name in bench_scenarios.SCENARIOS]
        started = time.perf_counter()
        results = run_scenarios(
            bench_scenarios.AGENTS, self._scenarios, max_workers=1, progress=False
        )
        elapsed = time.perf_counter() - started
        return len(results.table) / elapsed

    def demo_wall_s(self) -> float:
        import tempfile

        with tempfile.TemporaryDirectory() as runs:
            return run_demo(self.root, Path(runs), fast=self.budget["demo_fast"])


def run_demo(root: Path, runs: Path, *, fast: bool) -> float:
    """Seconds `make demo`'s command takes in this interpreter on `root` (first on the path),
    writing into `runs`; raises with the command's last output when it fails."""
    command = [sys.executable, "-m", "nautilus_rl_lab.cli", "demo", "--runs", str(runs)]
    env = {k: v for k, v in os.environ.items() if k != "NRL_FAST"} | {"PYTHONPATH": str(root)}
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *(["--fast"] if fast else [])], cwd=root, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise RuntimeError(f"`{' '.join(command)}` failed (exit {done.returncode}):\n{tail}")
    return elapsed


def serve(root: Path, budget: str) -> None:
    """Answer measure names read from stdin with one JSON line each, on `root`'s code."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the libraries print goes to stderr, never into the protocol
    sys.stdout = sys.stderr
    sys.path[:0] = [str(root), str(root / "benchmarks")]
    import gc

    import nautilus_trader
    import torch

    import nautilus_rl_lab

    torch.set_num_threads(1)
    package = Path(nautilus_rl_lab.__file__).resolve()
    if not package.is_relative_to(root.resolve()):
        raise SystemExit(f"nautilus_rl_lab imported from {package}, not from the checkout {root}")
    hello = {"nautilus_trader": nautilus_trader.__version__, "python": sys.version.split()[0]}
    _send(protocol, {**hello, "package": str(package)})
    figures = Figures(root, BUDGETS[budget])
    for line in sys.stdin:
        name = line.strip()
        if name not in MEASURES:
            raise SystemExit(f"unknown measure {name!r}: expected one of {sorted(MEASURES)}")
        gc.collect()
        _send(protocol, {"value": getattr(figures, name)()})


def _send(stream: IO[str], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")


# --- parent side --------------------------------------------------------------------------------


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def new_python() -> str:
    """`make install`'s interpreter, or exit saying how to get one."""
    if not NEW_PYTHON.is_file():
        raise SystemExit(f"{NEW_PYTHON} is missing: run `make install` or pass --new-python PATH")
    return str(NEW_PYTHON)


def old_checkout(rev: str, work_dir: Path) -> tuple[Path, str]:
    """A git worktree of `rev` under `work_dir` (reused when it is at that commit)."""
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    tree = work_dir / f"checkout-{commit[:12]}"
    if not (tree / ".git").exists():
        work_dir.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "--detach", str(tree), commit)
    if git("rev-parse", "HEAD", cwd=tree) != commit:
        raise SystemExit(f"{tree} is not at {commit}: remove it (git worktree remove {tree})")
    return tree, commit


def old_python(tree: Path, commit: str, work_dir: Path, interpreter: str) -> Path:
    """A virtualenv of `interpreter` with NautilusTrader 1.221 and `tree`'s package (built once)."""
    venv = work_dir / f"venv-{commit[:12]}"
    python, stamp = venv / "bin" / "python", venv / ".installed"
    if stamp.is_file() and stamp.read_text() == commit:
        return python
    print(f"building {venv} (once per revision)", file=sys.stderr)
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, TORCH], check=True)
    subprocess.run([*pip, "-e", f"{tree}[dev]", OLD_NAUTILUS], check=True)
    stamp.write_text(commit)
    return python


class Worker:
    """One side's worker process: a measure name in, a JSON line out."""

    def __init__(self, python: str, root: Path, budget: str) -> None:
        command = [python, str(Path(__file__).resolve()), "--serve", str(root), "--budget", budget]
        env = {**os.environ, "PYTHONPATH": ""}
        self.command = " ".join(command)
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.info = self._receive()

    def _receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"worker `{self.command}` ended (exit {self.process.wait()})")
        return dict(json.loads(line))

    def measure(self, name: str) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return float(self._receive()["value"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets (seconds per figure)")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 5; quick 2)")
    parser.add_argument("--old-python", default=None, help="old side (default: built for it)")
    parser.add_argument("--new-python", default=None, help="new side (default: .venv, 2.0)")
    parser.add_argument("--old-rev", default=OLD_REV, help="old side's revision (a worktree)")
    parser.add_argument("--venv-python", default="python3.11", help="builds --old-rev's venv")
    parser.add_argument(
        "--work-dir", type=Path, default=Path.home() / ".cache" / "nautilus_rl_lab" / "versions"
    )
    parser.add_argument("--only", nargs="*", choices=sorted(MEASURES), default=None)
    parser.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--budget", default="full", choices=sorted(BUDGETS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.budget)
        return
    from harness import emit

    budget = "quick" if args.quick else "full"
    repeats = args.repeats or (2 if args.quick else 5)
    rev, (tree, commit) = args.old_rev, old_checkout(args.old_rev, args.work_dir)
    python = args.old_python or str(old_python(tree, commit, args.work_dir, args.venv_python))
    sides = {
        "old": Worker(python, tree, budget),
        "new": Worker(args.new_python or new_python(), REPO, budget),
    }
    measures = args.only or list(MEASURES)
    samples: dict[str, dict[str, list[float]]] = {m: {"old": [], "new": []} for m in measures}
    try:
        for name in measures:  # an untimed first call: set-up, imports and caches on both sides
            for worker in sides.values():
                worker.measure(name)
        for round_ in range(repeats):
            for name in measures:
                order = ("old", "new") if round_ % 2 == 0 else ("new", "old")
                for side in order:
                    samples[name][side].append(sides[side].measure(name))
    finally:
        for worker in sides.values():
            worker.close()
    for name in measures:
        old, new = (statistics.median(samples[name][side]) for side in ("old", "new"))
        unit, higher_is_better = MEASURES[name]
        emit(
            {
                "figure": "versions",
                "measure": name,
                "unit": unit,
                "old": round(old, 2),
                "new": round(new, 2),
                "ratio_new_old": round(new / old, 3),
                "higher_is_better": higher_is_better,
                "old_rev": rev,
                "old_commit": commit,
                "old_nautilus_trader": sides["old"].info["nautilus_trader"],
                "new_nautilus_trader": sides["new"].info["nautilus_trader"],
                "old_python": sides["old"].info["python"],
                "new_python": sides["new"].info["python"],
                "budget": budget,
                "repeats": repeats,
            }
        )


if __name__ == "__main__":
    main()
