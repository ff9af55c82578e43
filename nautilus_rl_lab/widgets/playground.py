"""Backtest playground: a rule-based agent's parameters and risk limits as controls over a backtest.

Every change re-runs `evaluation.run_backtest` (a real Nautilus `BacktestEngine`, the same
`RLAgent` -> `AgentStrategy` path as every agent) and redraws equity and drawdown next to
buy-and-hold, with the statistics table. The market data are prepared once. Changes are
debounced (sliders send their value on release, and a burst of changes within `delay`
seconds costs one run), so dragging a slider never queues a run per pixel. A parameter
combination the agent refuses (e.g. `fast >= slow`) shows its message and keeps the last
picture.

The live chart is a plotly figure shown whole in an `Output` after every run (about five times
faster than a matplotlib PNG here, and drawn by views opened later too, see `view.py`); the
static picture for outputs without widgets, and `view.figure`, are the matplotlib figure of
the same run, drawn on demand.

Controls come from a search space (`tuning.ParamSpec`s, e.g. a `RuleTuneConfig`'s) or, without
one, from the agent's signature: every `int`/`float` keyword with a default gets a slider from
a fifth to five times the default.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure
from plotly.subplots import make_subplots

from nautilus_rl_lab.agents.base import Agent
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import AgentRun, market_for, run_backtest
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.plots import draw_drawdowns, draw_equity, drawdowns
from nautilus_rl_lab.strategies.agent_strategy import RiskLimits
from nautilus_rl_lab.tuning.config import resolve_rule
from nautilus_rl_lab.tuning.space import ParamSpec
from nautilus_rl_lab.validation import check_callable, check_instance, check_number
from nautilus_rl_lab.widgets.debounce import Debouncer
from nautilus_rl_lab.widgets.view import (
    FigureView,
    View,
    plotly_output,
    show_plotly,
    table_html,
)

COLORS = ("#1f77b4", "#ff7f0e")
RISK_FIELDS = {
    "max_position": "max position (units)",
    "stop_loss": "stop loss (fraction)",
    "take_profit": "take profit (fraction)",
    "max_drawdown": "max drawdown (fraction)",
}


def slider_for(name: str, spec: ParamSpec) -> w.ValueWidget:
    """The control for one search-space dimension (a slider, or a dropdown for choices)."""
    style = {"description_width": "initial"}
    if spec.type == "categorical":
        return w.Dropdown(options=spec.choices or [], description=name, style=style)
    assert spec.low is not None and spec.high is not None  # checked by ParamSpec
    if spec.type == "int":
        return w.IntSlider(
            value=int(spec.low),
            min=int(spec.low),
            max=int(spec.high),
            step=int(spec.step or 1),
            description=name,
            continuous_update=False,
            style=style,
        )
    return w.FloatSlider(
        value=spec.low,
        min=spec.low,
        max=spec.high,
        step=spec.step or (spec.high - spec.low) / 100,
        description=name,
        continuous_update=False,
        readout_format=".4g",
        style=style,
    )


def equity_chart(equity: pd.DataFrame, title: str) -> go.Figure:
    """Equity of each column (the agent first, then buy-and-hold) and its drawdown below."""
    chart = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08
    )
    dd = drawdowns(equity)
    for row, (frame, kind, dash) in enumerate(((equity, "", None), (dd, " drawdown", "dot")), 1):
        for i, (column, color) in enumerate(zip(frame.columns, COLORS, strict=False)):
            chart.add_scatter(
                x=frame.index,
                y=frame[column].to_numpy(),
                name=f"{column}{kind}",
                line={"color": color, "width": 1.8 if i == 0 else 1.0, "dash": dash},
                row=row,
                col=1,
            )
    chart.update_layout(
        title={"text": title},
        height=520,
        margin={"l": 70, "r": 20, "t": 50, "b": 90},
        legend={"orientation": "h", "y": -0.22},
        template="plotly_white",
    )
    chart.update_yaxes(title_text="equity", tickformat=",.0f", row=1, col=1)
    chart.update_yaxes(title_text="drawdown (%)", row=2, col=1)
    chart.update_xaxes(title_text="decision bar (UTC)", row=2, col=1)
    return chart


def space_from_signature(factory: Callable[..., Agent]) -> dict[str, ParamSpec]:
    """A search space over `factory`'s numeric keywords: a fifth to five times each default."""
    space: dict[str, ParamSpec] = {}
    for name, parameter in inspect.signature(factory).parameters.items():
        default = parameter.default
        if isinstance(default, bool) or not isinstance(default, int | float) or default <= 0:
            continue
        if isinstance(default, int):
            space[name] = ParamSpec(type="int", low=max(1, default // 5), high=default * 5)
        else:
            space[name] = ParamSpec(type="float", low=default / 5, high=default * 5)
    if not space:
        raise ConfigError(
            f"`agent` {getattr(factory, '__name__', factory)!r} has no int/float keyword with a "
            f"positive default: pass a `space` of ParamSpecs",
        )
    return space


def _check_space(space: object) -> dict[str, ParamSpec]:
    """`space` as a dict of `ParamSpec`s by parameter name (else a `ConfigError`)."""
    specs: Mapping[str, Any] = check_instance(
        "space", space, Mapping, "a mapping of parameter names to ParamSpecs"
    )
    for name, spec in specs.items():
        check_instance(f"space[{name!r}]", spec, ParamSpec, "a ParamSpec")
    return dict(specs)


def _check_values(values: object, space: Mapping[str, ParamSpec]) -> dict[str, Any]:
    """Start values that the controls can show exactly: known names, in range, of the right type.

    A slider would silently clamp a value outside its range (or a dropdown fall back to its
    first choice), so the backtest would run with another number than the one asked for.
    """
    if values is None:
        return {}
    given: Mapping[str, Any] = check_instance(
        "values", values, Mapping, "a mapping of parameter names to values"
    )
    unknown = sorted(set(given) - set(space))
    if unknown:
        raise ConfigError(f"`values` {unknown} are not parameters of the agent: use {list(space)}")
    for name, value in given.items():
        spec = space[name]
        if spec.type == "categorical":
            ok = value in (spec.choices or [])
            expected = f"one of {spec.choices}"
        else:
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            ok = is_number and (spec.type == "float" or isinstance(value, int))
            ok = ok and spec.low is not None and spec.high is not None
            ok = ok and spec.low <= value <= spec.high
            kind = "an int" if spec.type == "int" else "a number"
            expected = f"{kind} in [{spec.low}, {spec.high}]"
        if not ok:
            raise ConfigError(f"`values[{name!r}]` must be {expected}, was {value!r}")
    return dict(given)


class BacktestPlayground(View):
    """Sliders for an agent's parameters and risk inputs over a real Nautilus backtest."""

    def __init__(
        self,
        agent: str | Callable[..., Agent],
        config: TrainingNodeConfig,
        *,
        space: Mapping[str, ParamSpec] | None = None,
        values: Mapping[str, Any] | None = None,
        risk: RiskLimits | None = None,
        delay: float = 0.3,
    ) -> None:
        if not isinstance(agent, str):
            check_callable("agent", agent, "a rule name or an Agent class/factory")
        self.factory = resolve_rule(agent) if isinstance(agent, str) else agent
        self.config = check_instance("config", config, TrainingNodeConfig, "a TrainingNodeConfig")
        check_number("delay", delay)
        check_instance("risk", risk, (RiskLimits, type(None)), "a RiskLimits or None")
        space = _check_space(space) if space is not None else space_from_signature(self.factory)
        defaults = {
            name: p.default
            for name, p in inspect.signature(self.factory).parameters.items()
            if p.default is not inspect.Parameter.empty and name in space
        }
        start = {**defaults, **_check_values(values, space)}
        self.market = market_for(config)
        self.benchmark = run_backtest(
            BuyAndHoldAgent(config.action), config, market=self.market, name="buy_and_hold"
        )
        self.params = {name: slider_for(name, spec) for name, spec in space.items()}
        for name, control in self.params.items():
            if start.get(name) is not None:
                control.value = start[name]
        risk = risk or RiskLimits()
        self.risk = {
            name: w.BoundedFloatText(
                value=getattr(risk, name) or 0.0,
                min=0.0,
                max=1e12,
                description=label,
                style={"description_width": "initial"},
            )
            for name, label in RISK_FIELDS.items()
        }
        hours = risk.trading_hours or (0, 24)
        self.hours = w.IntRangeSlider(
            value=hours, min=0, max=24, description="hours (UTC)", continuous_update=False
        )
        self.stats = w.HTML()
        self.last_run: AgentRun | None = None
        self.chart = plotly_output()
        self.plot: go.Figure | None = None
        self.redraws = 0
        self._static_of: AgentRun | None = None
        figure = FigureView((10.0, 6.5))
        super().__init__([], figure)
        self.children = [
            w.HBox(
                [
                    w.VBox([w.HTML("<b>agent</b>"), *self.params.values()]),
                    w.VBox([w.HTML("<b>risk (0 = off)</b>"), *self.risk.values(), self.hours]),
                ]
            ),
            self.status,
            self.chart,
            self.stats,
        ]
        self.debouncer = Debouncer(self.run, delay, on_error=self.fail)
        for control in (*self.params.values(), *self.risk.values(), self.hours):
            control.observe(self.guard(lambda _: self.debouncer()), names="value")
        self.run()

    def equity_of(self, run: AgentRun) -> pd.DataFrame:
        """The agent's and buy-and-hold's equity curves, one column each."""
        return pd.DataFrame({run.name: run.equity, "buy_and_hold": self.benchmark.equity})

    @property
    def figure(self) -> Figure:
        """The last run as a matplotlib figure (what a static output shows)."""
        run = self.last_run
        if run is not None and run is not self._static_of:
            equity = self.equity_of(run)

            def draw(figure: Figure) -> None:
                equity_ax, drawdown_ax = figure.subplots(
                    2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]}
                )
                draw_equity(equity_ax, equity, title=f"Equity: {run.name}")
                draw_drawdowns(drawdown_ax, equity)
                drawdown_ax.set_xlabel("decision bar (UTC)")
                figure.tight_layout()

            self.figure_view.redraw(draw)
            self._static_of = run
        return self.figure_view.figure

    def static_png(self) -> bytes:
        """The matplotlib picture of the last run, drawn now if the run is new."""
        _ = self.figure  # draws the matplotlib figure of the last run
        return bytes(self.figure_view.image.value)

    @property
    def values(self) -> dict[str, Any]:
        """The agent's parameters as the controls show them."""
        return {name: control.value for name, control in self.params.items()}

    def limits(self) -> RiskLimits:
        """The risk rules the inputs describe (0 disables a rule, 0-24 h means any hour)."""
        hours = tuple(self.hours.value)
        limits: dict[str, Any] = {name: c.value or None for name, c in self.risk.items()}
        limits["trading_hours"] = None if hours == (0, 24) else (int(hours[0]), int(hours[1]))
        return RiskLimits(**limits)

    def make_agent(self) -> Agent:
        """The agent with the current parameters, on the config's action scheme."""
        accepts = inspect.signature(self.factory).parameters
        extra = {"action": self.config.action} if "action" in accepts else {}
        return self.factory(**self.values, **extra)

    def run(self) -> AgentRun:
        """Backtest the current agent under the current limits and redraw (what a change does)."""
        name = f"{getattr(self.factory, '__name__', 'agent')}{tuple(self.values.values())}"
        run = run_backtest(
            self.make_agent(), self.config, market=self.market, name=name, risk=self.limits()
        )
        self.plot = equity_chart(self.equity_of(run), f"Equity and drawdown: {run.name}")
        show_plotly(self.chart, self.plot)
        self.redraws += 1
        table = pd.DataFrame.from_dict(
            {run.name: run.stats, "buy_and_hold": self.benchmark.stats}, orient="index"
        )
        self.stats.value = table_html(table)
        self.status.value = ""
        self.last_run = run
        return run


def backtest_playground(
    agent: str | Callable[..., Agent],
    config: TrainingNodeConfig,
    *,
    space: Mapping[str, ParamSpec] | None = None,
    values: Mapping[str, Any] | None = None,
    risk: RiskLimits | None = None,
) -> BacktestPlayground:
    """Sliders over `agent` (a rule name or `Agent` class) backtested on `config`'s data."""
    return BacktestPlayground(agent, config, space=space, values=values, risk=risk)
