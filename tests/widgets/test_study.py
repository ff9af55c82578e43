from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.tuning import ParamSpec, RuleTuneConfig, tune_rule
from nautilus_rl_lab.widgets import study_dashboard
from nautilus_rl_lab.widgets.study import StudyDashboard, trials_table
from tests.test_plots import assert_legends_clear_of_data
from tests.widgets.conftest import small_env


def rule_config(run_dir: Path, n_trials: int) -> RuleTuneConfig:
    return RuleTuneConfig(
        rule="ema_cross",
        search_space={
            "fast": ParamSpec(type="int", low=3, high=9),
            "slow": ParamSpec(type="int", low=12, high=30),
        },
        env=small_env(),
        objective="total_return_%",
        n_trials=n_trials,
        seed=1,
        run_dir=str(run_dir),
    )


def test_the_dashboard_redraws_after_every_trial_and_shows_the_best(tmp_path: Path) -> None:
    dashboard = StudyDashboard()
    pictures: list[bytes] = []

    def snapshot(study, trial) -> None:  # runs after the dashboard's own callback
        pictures.append(bytes(dashboard.figure_view.image.value))

    study = tune_rule(rule_config(tmp_path, 4), callbacks=[dashboard, snapshot])
    assert len(study.trials) == 4
    assert len(pictures) == 4 and len(set(pictures)) == 4  # a new picture per trial
    best = study.best_trial
    assert f">{best.number}<" in dashboard.best.value
    assert f">{best.params['fast']}<" in dashboard.best.value
    history_ax, importance_ax = dashboard.figure.axes
    assert len(history_ax.lines[0].get_xdata()) == 4
    assert {t.get_text() for t in importance_ax.get_yticklabels()} == {"fast", "slow"}


def test_a_resumed_study_shows_all_its_trials(tmp_path: Path) -> None:
    tune_rule(rule_config(tmp_path, 2))
    dashboard = study_dashboard(tune_rule, rule_config(tmp_path, 3))
    assert dashboard.study is not None and len(dashboard.study.trials) == 3
    assert "3 complete trials" in dashboard.figure.axes[0].get_title()


def test_trials_table_names_parameters_plainly(tmp_path: Path) -> None:
    study = tune_rule(rule_config(tmp_path, 2))
    table = trials_table(study)
    assert {"fast", "slow", "value", "state"} <= set(table.columns)
    assert not any(c.startswith("params_") for c in table.columns)


def test_an_empty_dashboard_draws_placeholders() -> None:
    dashboard = StudyDashboard()
    assert dashboard.figure_view.redraws == 1 and dashboard.best.value == ""


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: StudyDashboard("x"), r"`study` must be an optuna.Study or None, was 'x'"),
        (lambda: study_dashboard("tune_rule", None), r"`run` must be `tune_rule` or `tune`"),
        (lambda: study_dashboard(tune_rule, {"a": 1}), r"`config` must be a RuleTuneConfig or"),
        (
            lambda: study_dashboard(tune_rule, rule_config(Path("unused"), 1), callbacks=[1]),
            r"`callbacks\[0\]` must be an Optuna trial callback, was 1",
        ),
    ],
)
def test_wrong_arguments_are_one_config_error_naming_them(call, message) -> None:
    with pytest.raises(ConfigError, match=message):
        call()


def test_the_history_legend_sits_beside_the_trials(tmp_path: Path) -> None:
    dashboard = StudyDashboard()
    dashboard.update(tune_rule(rule_config(tmp_path, 3)))
    dashboard.figure.canvas.draw()
    assert_legends_clear_of_data(dashboard.figure)
