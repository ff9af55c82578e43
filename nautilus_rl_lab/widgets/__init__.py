"""Interactive research in JupyterLab: thin ipywidgets views over the library's own calls.

Each helper is one call from a notebook; each control's callback calls the function a script
would (`load_frame`, `run_backtest`, `train`, `tune_rule`/`tune`, a `TrainingNode`'s
history), so a test drives a widget by setting values and clicking buttons. Without a front
end each view shows a static figure (see `view.py`).

- `data_explorer(sources)`: source and date range -> candlesticks, volume, summary, gaps.
- `backtest_playground(agent, env)`: parameter sliders and risk inputs -> a new Nautilus
  backtest's equity, drawdown and statistics (debounced).
- `training_view(train_config)`: live reward/evaluation curves of `train`, stop button.
- `study_dashboard(tune_rule, rule_config)`: history, importance and best trial, live.
- `episode_viewer(env)`: slider through a `TrainingNode` episode.
"""

from nautilus_rl_lab.widgets.episode import EpisodeViewer, episode_viewer
from nautilus_rl_lab.widgets.explorer import DataExplorer, data_explorer
from nautilus_rl_lab.widgets.playground import BacktestPlayground, backtest_playground
from nautilus_rl_lab.widgets.study import StudyDashboard, study_dashboard
from nautilus_rl_lab.widgets.training import TrainingView, training_view

__all__ = [
    "BacktestPlayground",
    "DataExplorer",
    "EpisodeViewer",
    "StudyDashboard",
    "TrainingView",
    "backtest_playground",
    "data_explorer",
    "episode_viewer",
    "study_dashboard",
    "training_view",
]
