from __future__ import annotations

from nautilus_rl_lab.agents import EMACrossAgent
from nautilus_rl_lab.evaluation import backtest_agent
from tests.widgets.conftest import small_env


def test_trade_counts_stay_whole_numbers_in_the_stats_table() -> None:
    config = small_env()
    result = backtest_agent(
        EMACrossAgent(5, 20, action=config.action), config, role="test", n_random=0
    )
    stats = result.stats
    for count in ("orders", "fills", "round_trips"):
        assert str(stats[count].dtype) == "int64", count
    assert list(stats["fills"]) == [len(run.fills) for run in result.runs.values()]
    assert list(stats["round_trips"]) == [len(run.round_trips) for run in result.runs.values()]
    assert stats.loc["agent", "fills"] > 0
