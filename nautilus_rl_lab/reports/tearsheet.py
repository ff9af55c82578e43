"""Reports of an out-of-sample evaluation: an HTML tear sheet plus matplotlib PNGs.

`write_report(evaluation, directory)` writes into `directory` (atomically, file by file):
`tearsheet.html` (`reports.html`: every agent and baseline, only panels the window can fill),
`equity.png`, `drawdown.png`, `trades.png`, `stats.csv` (with risk events per rule),
`equity.csv` and `risk_events.csv` (the agent's risk events: rule, target before/after).
The tear sheet's title and the figures' titles name the evaluation's range, role and account
currency (`EvaluationResult.range`); `stats.csv` carries them as columns.

Decisions:

- quantstats runs offline, on our returns only (never a ticker), so nothing is
  downloaded; its font and runtime warnings are silenced for the call only, and its global
  matplotlib style is undone (`reports.metrics.isolated_quantstats`).
- A notebook shows the written page with `reports.show_tearsheet(report.tearsheet)`.
- Every file is rendered in memory and written with `atomic_write_bytes`, so a report folder
  never holds half a file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from nautilus_rl_lab.evaluation.backtest import EvaluationResult
from nautilus_rl_lab.files import atomic_write_bytes, atomic_write_text
from nautilus_rl_lab.plots import plot_drawdowns, plot_equity_curves, plot_trades
from nautilus_rl_lab.reports.html import tearsheet_html


@dataclass(frozen=True)
class ReportFiles:
    """Paths of a written report."""

    directory: Path
    tearsheet: Path | None
    equity: Path
    drawdown: Path
    trades: Path
    stats: Path


def save_figure(figure: Figure, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Render `figure` to PNG, write it atomically and close the figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return atomic_write_bytes(path, buffer.getvalue())


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    font_logger = logging.getLogger("matplotlib.font_manager")
    level = font_logger.level
    font_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        font_logger.setLevel(level)


def write_tearsheet(
    evaluation: EvaluationResult,
    path: str | os.PathLike[str],
    *,
    agent: str = "agent",
    title: str = "nautilus_rl_lab: out-of-sample tear sheet",
) -> Path:
    """Write the HTML tear sheet of `agent` and every baseline of `evaluation` to `path`."""
    with _quiet():
        page = tearsheet_html(evaluation, agent, f"{title}: {agent}, {evaluation.range.label}")
    return atomic_write_text(path, page)


def write_report(
    evaluation: EvaluationResult,
    directory: str | os.PathLike[str],
    *,
    agent: str = "agent",
    tearsheet: bool = True,
) -> ReportFiles:
    """Write the tear sheet, the equity/drawdown/trades figures and the tables into `directory`."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    equity = evaluation.equity
    run = evaluation.runs[agent]
    label = evaluation.range.label
    files = ReportFiles(
        directory=folder,
        tearsheet=write_tearsheet(evaluation, folder / "tearsheet.html", agent=agent)
        if tearsheet
        else None,
        equity=save_figure(plot_equity_curves(equity, f"Equity, {label}"), folder / "equity.png"),
        drawdown=save_figure(plot_drawdowns(equity, f"Drawdown, {label}"), folder / "drawdown.png"),
        trades=save_figure(plot_trades(run.close, run.fills, run.position), folder / "trades.png"),
        stats=atomic_write_text(
            folder / "stats.csv", evaluation.stats.assign(**evaluation.range.columns()).to_csv()
        ),
    )
    atomic_write_text(folder / "equity.csv", equity.to_csv())
    atomic_write_text(folder / "risk_events.csv", run.risk_events.to_csv())
    return files
