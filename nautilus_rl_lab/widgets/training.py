"""Live training view: reward and evaluation curves while `training.train` runs, and a stop button.

`training_view(config)` starts `train(config, callbacks=[curves])` on a worker thread (so the
stop button's click reaches the kernel while training runs) and returns at once; the view
redraws at most once per `every` seconds and whenever a held-out evaluation lands. The curves
come from an SB3 callback (`LiveCurves`; a redraw runs on the training thread, so redraws are
spaced by at least four times their own cost, keeping their share of the run under ~20 %): the returns of finished training episodes (SB3's
`Monitor` infos) and `EvalCallback`'s `evaluations.npz`. Stop makes that callback return
False, which ends SB3's `learn` after the current step; `train` then writes its checkpoint
and final agent as at any end, so a stopped run resumes with `resume=True`. `wait()` returns
the `TrainResult` (or raises what training raised). The view shows progress itself, so the
text progress bar is switched off for its runs.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w
import msgspec
import pandas as pd
from matplotlib.figure import Figure
from stable_baselines3.common.callbacks import BaseCallback

from nautilus_rl_lab.errors import EnvironmentStateError
from nautilus_rl_lab.files import FileChanges
from nautilus_rl_lab.plots import legend_outside
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.evaluations import read_evaluations
from nautilus_rl_lab.training.progress import planned_timesteps
from nautilus_rl_lab.training.train import TrainResult, train
from nautilus_rl_lab.validation import check_instance, check_number
from nautilus_rl_lab.widgets.view import FigureView, View

EVALUATIONS = Path("eval") / "evaluations.npz"


class LiveCurves(BaseCallback):
    """Collects episode returns and evaluations during `learn`; ends it once `stop` is set."""

    def __init__(
        self, evaluations: Path, on_update: Callable[[], None], every: float = 2.0
    ) -> None:
        super().__init__()
        self.evaluations_path = evaluations
        self.on_update = on_update
        self.every = every
        self.episodes: list[tuple[int, float]] = []
        self.evaluations = read_evaluations(evaluations)
        self.stop = threading.Event()
        self.first_step = 0
        self._changes = FileChanges(evaluations)
        self._drawn = 0.0
        self._cost = 0.0

    def _on_training_start(self) -> None:
        self.first_step = int(self.model.num_timesteps)

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", ()):
            episode = info.get("episode")
            if episode is not None:
                self.episodes.append((self.num_timesteps, float(episode["r"])))
        fresh = self._read_evaluations()
        now = time.monotonic()
        # A redraw blocks training: keep at least 4x its own cost between two of them.
        if fresh or now - self._drawn >= max(self.every, 4 * self._cost):
            self.on_update()
            self._drawn = time.monotonic()
            self._cost = self._drawn - now
        return not self.stop.is_set()

    def _read_evaluations(self) -> bool:
        if not self._changes.changed():
            return False
        self.evaluations = read_evaluations(self.evaluations_path)
        return True

    def _on_training_end(self) -> None:
        self._read_evaluations()
        self.on_update()


class TrainingView(View):
    """Training and evaluation curves of a running `train`, with a stop button."""

    def __init__(self, config: TrainConfig, *, resume: bool = False, every: float = 2.0) -> None:
        check_instance("config", config, TrainConfig, "a TrainConfig")
        check_instance("resume", resume, bool, "True or False")
        check_number("every", every)
        self.config = msgspec.structs.replace(config, progress_bar=False)
        self.resume = resume
        self.curves = LiveCurves(Path(config.run_dir) / EVALUATIONS, self.redraw, every)
        self.stop_button = w.Button(description="stop", icon="stop", button_style="danger")
        self.stop_button.on_click(self.guard(lambda _: self.stop()))
        self.progress = w.IntProgress(min=0, max=self.target, description="steps")
        self.progress_text = w.HTML()
        self.result: TrainResult | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0
        figure = FigureView((10.0, 6.0))
        super().__init__([], figure)
        self.children = [
            w.HBox([self.stop_button, self.progress, self.progress_text]),
            self.status,
            figure.image,
        ]
        self.redraw()

    @property
    def target(self) -> int:
        """The step count the run ends at: the total rounded up to whole rollouts."""
        return planned_timesteps(self.config, self.curves.first_step)

    @property
    def steps(self) -> int:
        """Env steps done so far in this run (the run's total once it has ended)."""
        if self.result is not None:
            return self.result.num_timesteps
        return int(self.curves.num_timesteps)

    def start(self) -> TrainingView:
        """Start training on a worker thread (once)."""
        if self._thread is not None:
            raise EnvironmentStateError("this TrainingView has already started its run")
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._train, name="nrl-training", daemon=True)
        self._thread.start()
        return self

    def _train(self) -> None:
        try:
            self.result = train(self.config, resume=self.resume, callbacks=[self.curves])
            self.redraw()  # a resumed run that was already complete never calls the callback
            done = "stopped" if self.curves.stop.is_set() else "finished"
            self.status.value = (
                f"{done}: {self.result.num_timesteps:,} steps in {self.result.wall_time:.1f} s, "
                f"agent in {self.result.best_agent or self.result.final_agent}"
            )
        except BaseException as e:
            _release_frames(e)
            self.error = e
            self.fail(e if isinstance(e, Exception) else RuntimeError(repr(e)))
        finally:
            self.stop_button.disabled = True

    def stop(self) -> None:
        """Ask training to end after the current step (it then checkpoints and saves the agent)."""
        self.curves.stop.set()
        self.stop_button.description = "stopping"

    def wait(self, timeout: float | None = None) -> TrainResult:
        """Block until training ends; the `TrainResult`, or the error training raised."""
        if self._thread is None:
            raise EnvironmentStateError("call start() before wait()")
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"training still running after {timeout} s")
        if self.error is not None:
            raise self.error
        assert self.result is not None
        self.update_static()
        return self.result

    def redraw(self) -> None:
        """Redraw both curves and the progress line from what the callback collected."""
        steps, total = self.steps, self.target
        elapsed = time.monotonic() - self._started if self._started else 0.0
        self.progress.max = max(total, steps)
        self.progress.value = steps
        rate = f", {steps / elapsed:,.0f} steps/s" if elapsed > 0 and steps else ""
        self.progress_text.value = f"{steps:,} / {total:,}{rate}"
        episodes = pd.DataFrame(self.curves.episodes, columns=["timesteps", "return"])
        evaluations = self.curves.evaluations
        title = f"{self.config.algorithm}: {steps:,} of {total:,} steps"

        def draw(figure: Figure) -> None:
            train_ax, eval_ax = figure.subplots(2, 1, sharex=True)
            train_ax.plot(
                episodes["timesteps"], episodes["return"], ".", alpha=0.5, label="episode return"
            )
            if len(episodes) >= 4:
                window = max(2, len(episodes) // 10)
                rolling = episodes["return"].rolling(window, min_periods=1).mean()
                train_ax.plot(episodes["timesteps"], rolling, lw=1.5, label=f"mean of {window}")
            train_ax.set_title(title)
            train_ax.set_ylabel("training episode return")
            eval_ax.errorbar(
                evaluations["timesteps"],
                evaluations["mean_reward"],
                yerr=evaluations["std_reward"],
                marker="o",
                capsize=3,
                color="tab:green",
                label="held-out mean return (± std)",
            )
            eval_ax.set_ylabel("evaluation return")
            eval_ax.set_xlabel("env steps")
            eval_ax.set_xlim(0, max(total, steps))
            for ax in (train_ax, eval_ax):
                ax.grid(alpha=0.3)
                legend_outside(ax)  # beside the axes: no point hidden under it
            figure.tight_layout()

        self.figure_view.redraw(draw)


def training_view(config: TrainConfig, *, resume: bool = False, every: float = 2.0) -> TrainingView:
    """Show live curves and a stop button and start `train(config)`; `view.wait()` gives the result."""
    view = TrainingView(config, resume=resume, every=every)
    view.show()
    return view.start()


def _release_frames(error: BaseException) -> None:
    """Drop the locals of `error`'s finished frames (and its causes') on this thread: `wait()`
    re-raises it on the caller's thread, where a NautilusTrader 2 object they hold (thread-bound)
    must be neither read nor dropped. File and line of each frame stay."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
