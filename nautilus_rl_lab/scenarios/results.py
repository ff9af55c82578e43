"""`ScenarioResults`: the tidy scenario x agent table, the curves, and the run folder.

`save(run_dir)` writes, atomically as one directory: `results.parquet` (the table),
`curves.parquet` (equity, position and close per decision bar, long format), `heatmap.png`
(the table's `metric`), `equity.png` (one panel per scenario), `scenarios/<name>.yaml` (each
scenario's config, to reproduce its market), `agents.json` and `base.json` (the agent specs
and the base `TrainingNodeConfig`). `load(run_dir)` reads the tables back.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_directory
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.scenarios.agents import AgentSpec
from nautilus_rl_lab.scenarios.config import ScenarioConfig

TABLE_FILE = "results.parquet"
CURVES_FILE = "curves.parquet"


@dataclass(frozen=True)
class ScenarioResults:
    """One row per scenario x agent (`table`), their curves, and the configs that made them."""

    table: pd.DataFrame
    curves: pd.DataFrame
    scenarios: dict[str, ScenarioConfig]
    agents: list[AgentSpec]
    base: TrainingNodeConfig

    def pivot(self, metric: str = "total_return_%") -> pd.DataFrame:
        """`metric` as a scenario (rows, in run order) x agent (columns) frame."""
        if metric not in self.table.columns or metric in ("scenario", "agent"):
            raise ConfigError(f"`metric` {metric!r} is not a column of the table")
        frame = self.table.pivot(index="scenario", columns="agent", values=metric)
        return frame.loc[list(self.scenarios), [agent.name for agent in self.agents]]

    def save(self, run_dir: str | os.PathLike[str], metric: str = "total_return_%") -> Path:
        """Write the run folder (see the module docstring) atomically; return its path."""
        from nautilus_rl_lab.reports.scenarios import plot_scenario_curves, plot_scenario_heatmap

        figures = {
            "heatmap.png": plot_scenario_heatmap(self.pivot(metric), metric),
            "equity.png": plot_scenario_curves(self.curves),
        }
        with atomic_directory(run_dir) as tmp:
            self.table.to_parquet(tmp / TABLE_FILE, index=False)
            self.curves.to_parquet(tmp / CURVES_FILE, index=False)
            for name, figure in figures.items():
                buffer = io.BytesIO()
                figure.savefig(buffer, format="png", dpi=110)
                plt.close(figure)
                (tmp / name).write_bytes(buffer.getvalue())
            (tmp / "scenarios").mkdir()
            for scenario in self.scenarios.values():
                scenario.to_file(tmp / "scenarios" / f"{scenario.name}.yaml")
            specs = [json.loads(agent.json()) for agent in self.agents]
            (tmp / "agents.json").write_text(json.dumps(specs, indent=2), encoding="utf-8")
            (tmp / "base.json").write_bytes(self.base.json())
        return Path(run_dir)

    @classmethod
    def load(cls, run_dir: str | os.PathLike[str]) -> ScenarioResults:
        """Read a run folder written by `save`."""
        folder = Path(run_dir)
        if not (folder / TABLE_FILE).is_file():
            raise ConfigError(
                f"`run_dir` {str(folder)!r} holds no {TABLE_FILE}: not a scenario run"
            )
        scenarios = [
            ScenarioConfig.from_file(path) for path in sorted((folder / "scenarios").glob("*.yaml"))
        ]
        order = list(dict.fromkeys(pd.read_parquet(folder / TABLE_FILE)["scenario"]))
        by_name = {s.name: s for s in scenarios}
        specs = json.loads((folder / "agents.json").read_text(encoding="utf-8"))
        return cls(
            pd.read_parquet(folder / TABLE_FILE),
            pd.read_parquet(folder / CURVES_FILE),
            {name: by_name[name] for name in order},
            [AgentSpec.parse(json.dumps(spec)) for spec in specs],
            TrainingNodeConfig.parse((folder / "base.json").read_bytes()),
        )
