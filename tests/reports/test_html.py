"""The HTML tear sheet: every agent and baseline, labelled, and no panel the window cannot fill."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from nautilus_rl_lab.agents import BollingerMeanReversionAgent, BuyAndHoldAgent, EMACrossAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import EvaluationResult, market_for, run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.reports.formatting import format_figure
from nautilus_rl_lab.reports.tearsheet import write_report


def evaluation(start: str, end: str | None) -> EvaluationResult:
    env = TrainingNodeConfig(data=DataSourceConfig(kind="sample", start=start, end=end))
    market = market_for(env)
    agents = {
        "ema(5,20)": EMACrossAgent(5, 20, action=env.action),
        "buy_and_hold": BuyAndHoldAgent(env.action),
        "bollinger": BollingerMeanReversionAgent(20, 2.0, action=env.action),
    }
    runs = {name: run_backtest(a, env, market=market, name=name) for name, a in agents.items()}
    return EvaluationResult(runs, n_trials=20, trial_sharpe_variance=0.01, role="test")


def test_a_short_window_shows_every_agent_and_no_empty_or_repeated_panels(tmp_path) -> None:
    result = evaluation("2017-10-01", "2017-10-22")
    report = write_report(result, tmp_path, agent="ema(5,20)")
    page = report.tearsheet.read_text(encoding="utf-8")
    assert "Agent: <b>ema(5,20)</b>" in page and "tear sheet: ema(5,20)" in page
    for name in ("ema(5,20)", "buy_and_hold", "bollinger"):
        assert f"<th>{name}</th>" in page
    for row in ("psr", "dsr", "turnover", "exposure", "hit_rate", "avg_holding_hours"):
        assert f"<th>{row}</th>" in page
    for absent in ("3Y (ann.)", "5Y (ann.)", "10Y (ann.)", "6M", "Best Year", "Win Month"):
        assert f"<th>{absent}</th>" not in page
    assert "rolling 6-month" not in page and "monthly returns" not in page


def test_a_year_shows_monthly_returns_and_the_rolling_sharpe(tmp_path) -> None:
    result = evaluation("2017-01-01", None)
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert "monthly returns" in page and "rolling 6-month Sharpe" in page
    assert "<th>3M</th>" in page and "<th>3Y (ann.)</th>" not in page


def test_dsr_is_below_psr_for_a_study_of_many_trials() -> None:
    stats = evaluation("2017-10-01", "2017-10-22").stats
    positive = stats[stats["sharpe"] > 0]
    assert (positive["dsr"] <= positive["psr"] + 1e-12).all()
    assert stats["psr"].between(0, 1).all()
    single = EvaluationResult(evaluation("2017-10-01", "2017-10-22").runs, role="test").stats
    assert single["dsr"].to_numpy() == pytest.approx(single["psr"].to_numpy())


def test_a_one_day_window_marks_undefined_figures_and_says_why(tmp_path) -> None:
    result = evaluation("2017-10-02", "2017-10-03 23:00")  # warm-up takes day one: one day left
    stats = result.stats
    for figure in ("sharpe", "sortino", "cagr_%", "volatility_%", "calmar", "psr", "dsr"):
        assert stats[figure].isna().all(), figure
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert "<b>sharpe</b>: needs ≥ 2 daily returns, has 1 (all agents)" in page
    assert "<b>psr</b>: needs ≥ 3 daily returns, has 1 (all agents)" in page
    assert "<b>dsr</b>: needs ≥ 3 daily returns, has 1 (all agents)" in page
    assert "Not shown: quantstats' metrics needs ≥ 2 daily returns, has 1" in page
    assert "Risk of Ruin" not in page and "-15.87" not in page


def test_the_page_states_the_frequency_and_no_table_repeats_another(tmp_path) -> None:
    result = evaluation("2017-10-01", "2017-10-22")
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert (
        "Returns: daily returns (1-HOUR-ASK bars resampled to the UTC day), annualised with "
        "260 periods a year; calendar: FX, 260 trading days a year." in page
    )
    for row in ("max_drawdown_%", "sharpe", "sortino", "cagr_%", "volatility_%", "calmar"):
        assert f"<th>{row}</th>" in page
    for row in ("Max Drawdown", "Sharpe", "Sortino", "CAGR﹪", "Volatility (ann.)", "Calmar",
                "Cumulative Return", "Prob. Sharpe Ratio"):  # fmt: skip
        assert f"<th>{row}</th>" not in page, row
    assert "<th>Smart Sharpe</th>" in page  # quantstats' own figures stay


def test_a_tear_sheet_of_monthly_bars_is_annualised_with_twelve_periods(tmp_path) -> None:
    import pandas as pd

    from tests.evaluation.test_frequency import buy_and_hold

    run = buy_and_hold(pd.date_range("2010-01-01", periods=40, freq="MS", tz="UTC"), "MONTH")
    page = write_report(
        EvaluationResult({"agent": run}, role="test"), tmp_path
    ).tearsheet.read_text("utf-8")
    assert "monthly returns (one per 1-MONTH-ASK bar), annualised with 12 periods a year" in page
    assert "Metrics (quantstats, monthly returns)" in page and "rolling 6-month Sharpe" in page
    sharpe = run.returns.mean() / run.returns.std()
    assert f"<td>{sharpe * 12**0.5:,.2f}</td>" in page  # ratios: two decimals
    assert f"<td>{sharpe * 252**0.5:,.2f}</td>" not in page


def test_tear_sheet_stats_file_and_table_name_the_range_its_role_and_the_currency(
    tmp_path,
) -> None:
    result = evaluation("2017-10-02", "2017-10-09")
    first = min(run.equity.index[0] for run in result.runs.values())
    last = max(run.equity.index[-1] for run in result.runs.values())
    assert first >= pd.Timestamp("2017-10-02", tz="UTC")
    assert last <= pd.Timestamp("2017-10-09", tz="UTC")  # the close of the last bar
    label = f"test range {first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} UTC"
    assert result.stats.columns.name == f"{label}, account currency USD"  # notebooks, CLI
    report = write_report(result, tmp_path, agent="ema(5,20)")
    assert f"<h1>nautilus_rl_lab: out-of-sample tear sheet: ema(5,20), {label}" in (
        report.tearsheet.read_text(encoding="utf-8")
    )
    stats = pd.read_csv(report.stats, index_col=0)
    assert set(stats["range_role"]) == {"test"} and set(stats["currency"]) == {"USD"}
    assert set(stats["range_start"]) == {first.isoformat()}
    assert stats["sharpe"].to_numpy() == pytest.approx(result.stats["sharpe"].to_numpy())


def test_an_evaluation_without_a_known_role_is_refused() -> None:
    runs = evaluation("2017-10-02", "2017-10-09").runs
    with pytest.raises(ConfigError, match="range role 'out_of_sample' is unknown"):
        EvaluationResult(runs, role="out_of_sample")


def test_a_range_without_decision_bars_is_labelled_as_such() -> None:
    env = TrainingNodeConfig(
        data=DataSourceConfig(kind="sample", start="2017-10-02", end="2017-10-02T03:00")
    )
    run = run_backtest(EMACrossAgent(5, 20, action=env.action), env, name="ema")
    assert run.equity.empty  # three bars: the observation window is not full yet
    label = EvaluationResult({"ema": run}, role="validation").range.label
    assert label == "validation range (no bars), account currency USD"


# Characters a basic font (Latin-1 plus WGL4's typographic marks) renders; quantstats' "﹪" is not.
SAFE_CHARS = (
    set(map(chr, range(0x20, 0x7F)))
    | set(map(chr, range(0xA0, 0x100)))
    | set(
        "\n\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2022\u2212\u2264\u2265\u221a"  # dashes, quotes, ellipsis, bullet, minus, <=, >=, root
    )
)


def reads_as_percent(cell: str, value: float) -> bool:
    """`cell` is `value` (in percent) with a % sign, exact to its last digit, and a figure that
    is not zero never reads as zero."""
    match = re.fullmatch(r"(-?[\d,]+\.(\d\d+))%", cell)
    if not match:
        return False
    shown = float(match[1].replace(",", ""))
    close = abs(shown - value) <= 0.5 * 10 ** -len(match[2]) + 1e-12
    return close and (shown != 0) == (value != 0) and match[1] != "-0." + "0" * len(match[2])


class _Text(HTMLParser):
    """The visible text of a page: table cells apart, style and script skipped."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.text: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip = tag in ("style", "script")
        if tag in ("td", "th"):
            self.cells.append("")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)
            if self.cells:
                self.cells[-1] += data


def rendered(page: str) -> _Text:
    """The page parsed into visible text and table cells."""
    parser = _Text()
    parser.feed(page)
    parser.cells = [cell.strip() for cell in parser.cells]
    return parser


@pytest.mark.parametrize(
    ("start", "end", "long"), [("2017-10-02", "2017-10-06", False), ("2017-01-01", None, True)]
)
def test_the_tear_sheet_reads_like_a_finished_report(tmp_path, start, end, long) -> None:
    result = evaluation(start, end)
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    text = rendered(page)
    visible = "".join(text.text)
    assert set(visible) <= SAFE_CHARS, sorted(set(visible) - SAFE_CHARS)
    assert "-" not in text.cells  # an undefined figure reads n/a
    scope = result.range
    assert (
        f"Range: test (held out: never seen in training or selection), "
        f"{scope.start:%Y-%m-%d} to {scope.end:%Y-%m-%d}" in visible
    )
    assert "account currency USD." in visible
    stats = result.stats
    table = pd.read_html(io.StringIO(page), index_col=0, keep_default_na=False)[0]
    table.columns = table.columns.get_level_values(0)
    for name in result.runs:
        for figure, value in stats.loc[name].items():
            cell = str(table.loc[figure, name])
            if value != value:
                assert cell == "n/a", (figure, cell)  # its reason is listed below the table
            elif figure == "final_equity":
                assert cell == f"{value:,.2f} USD"  # never 9.005e+04
            elif figure.endswith("_%"):
                assert reads_as_percent(cell, value), (figure, cell, value)
            elif figure in ("psr", "dsr", "exposure", "hit_rate"):
                assert reads_as_percent(cell, value * 100.0), (figure, cell, value)
            else:
                number = float(cell.replace(",", "").removesuffix(" h"))
                assert number == pytest.approx(value, abs=0.05), (figure, cell, value)
    quantstats_rows = ("Avg. Return", "Win Days", "Time in Market", "Best Day")
    for row in quantstats_rows:
        assert re.search(rf"<th>{re.escape(row)}</th>(\s*<td>-?[\d,]+\.\d\d%</td>){{3}}", page)
    # the same agents, by the same names, in the statistics and quantstats tables
    assert page.count("<th>ema(5,20)</th>") == page.count("<th>bollinger</th>") == 2
    assert ("monthly returns" in visible) is long


def test_a_single_agents_quantstats_column_carries_its_name(tmp_path) -> None:
    runs = evaluation("2017-10-02", "2017-10-20").runs
    result = EvaluationResult({"ema(5,20)": runs["ema(5,20)"]}, role="validation")
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert page.count("<th>ema(5,20)</th>") == 2 and "Strategy" not in page
    assert "Range: <b>validation</b> (used to select the agent" in page


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("total_return_%", 0.04019, "0.040%"),
        ("total_return_%", -0.00117, "-0.0012%"),
        ("total_return_%", -0.0, "0.00%"),
        ("cagr_%", 1234.5, "1,234.50%"),
        ("max_drawdown_%", -12.3456, "-12.35%"),
        ("final_equity", 90050.123, "90,050.12 USD"),
        ("psr", 0.5934, "59.34%"),
        ("exposure", 1.0, "100.00%"),
        ("orders", 1234.0, "1,234"),
        ("fills", 12.4, "12.4"),
        ("risk:max_position", 3.0, "3"),
        ("avg_holding_hours", 28.93, "28.9 h"),
        ("sharpe", -0.03275, "-0.03"),
        ("periods_per_year", 260.0, "260"),
    ],
)
def test_figures_are_formatted_for_reading(name, value, text) -> None:
    assert format_figure(name, value, "USD") == text
