"""Study dashboard: optimisation history, parameter importance and best trial of an Optuna study.

`study_dashboard(tune_rule, rule_config)` shows the dashboard and runs the study with the
dashboard as an Optuna trial callback, so it redraws after every trial (the same call a
script makes, plus one callback). It draws its own matplotlib axes: Optuna's matplotlib
helpers switch the global style to ggplot for the rest of the notebook. Importance is
Optuna's default (fANOVA) over the finished trials, shown once two trials have completed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w
import optuna
import pandas as pd
from matplotlib.figure import Figure
from optuna.trial import FrozenTrial, TrialState

from nautilus_rl_lab.plots import legend_outside
from nautilus_rl_lab.tuning.config import RuleTuneConfig, TuneConfig
from nautilus_rl_lab.tuning.study import TrialCallback
from nautilus_rl_lab.validation import check_callable, check_instance
from nautilus_rl_lab.widgets.view import FigureView, View, table_html

StudyRunner = Callable[..., optuna.Study]


def trials_table(study: optuna.Study) -> pd.DataFrame:
    """One row per trial: number, state, value and parameters under their own names."""
    frame = study.trials_dataframe(attrs=("number", "value", "params", "state"))
    return frame.rename(columns=lambda c: c.removeprefix("params_")).set_index("number")


def param_importances(study: optuna.Study) -> dict[str, float]:
    """Optuna's parameter importances, or `{}` until two trials have completed."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 2 or not any(t.params for t in complete):
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError):  # e.g. every trial has the same value
        return {}


class StudyDashboard(View):
    """History, importance and best trial of a study; an Optuna callback that redraws per trial."""

    def __init__(self, study: optuna.Study | None = None) -> None:
        check_instance("study", study, (optuna.Study, type(None)), "an optuna.Study or None")
        self.best = w.HTML()
        self.study = study
        figure = FigureView((11.0, 4.0))
        super().__init__([], figure)
        self.children = [self.status, figure.image, self.best]
        self.update(study)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Optuna trial callback: redraw after `trial`."""
        self.update(study)

    def update(self, study: optuna.Study | None) -> None:
        """Redraw from the trials now in `study`."""
        self.study = study
        complete = (
            [] if study is None else study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        )
        importances = param_importances(study) if study is not None else {}
        name = study.study_name if study is not None else "study"

        def draw(figure: Figure) -> None:
            history_ax, importance_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
            numbers = [t.number for t in complete]
            values = pd.Series([t.value for t in complete], index=numbers, dtype=float)
            history_ax.plot(numbers, values, "o", alpha=0.6, label="trial value")
            if study is not None and len(values):
                maximise = study.direction == optuna.study.StudyDirection.MAXIMIZE
                best = values.cummax() if maximise else values.cummin()
                history_ax.step(numbers, best, where="post", color="tab:red", label="best so far")
            history_ax.set_title(f"{name}: {len(complete)} complete trials")
            history_ax.set_xlabel("trial")
            history_ax.set_ylabel("objective")
            legend_outside(history_ax)  # beside the axes: no trial hidden under it
            history_ax.grid(alpha=0.3)
            if importances:
                names = list(importances)[::-1]
                importance_ax.barh(names, [importances[n] for n in names], color="tab:blue")
            else:
                importance_ax.text(0.5, 0.5, "after two complete trials", ha="center", va="center")
            importance_ax.set_title("parameter importance")
            importance_ax.set_xlabel("importance (fANOVA)")
            figure.tight_layout()

        self.figure_view.redraw(draw)
        if complete and study is not None:
            best = study.best_trial
            summary = pd.Series({"trial": best.number, "value": best.value, **best.params})
            self.best.value = "<b>best trial</b>" + table_html(summary.rename("best"))


def study_dashboard(
    run: StudyRunner,
    config: RuleTuneConfig | TuneConfig,
    callbacks: Sequence[TrialCallback] = (),
) -> StudyDashboard:
    """Show a dashboard and run `run(config, callbacks=[dashboard, ...])` (`tune_rule` or `tune`)."""
    check_callable("run", run, "`tune_rule` or `tune` (a function running the study)")
    check_instance("config", config, (RuleTuneConfig, TuneConfig), "a RuleTuneConfig or TuneConfig")
    for i, callback in enumerate(callbacks):
        check_callable(f"callbacks[{i}]", callback, "an Optuna trial callback")
    dashboard = StudyDashboard()
    dashboard.show()
    dashboard.study = run(config, callbacks=[dashboard, *callbacks])
    dashboard.update(dashboard.study)
    dashboard.update_static()
    return dashboard
