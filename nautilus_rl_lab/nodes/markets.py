"""`load_market`: one instrument's bars and quotes from its spec and data source.

The one market builder: a single-instrument env (`nodes.training.market_for`), each instrument
of a portfolio env (`nodes.portfolio`), backtests and the scenario lab all trade what it
returns, so they see the same bars and quotes.
"""

from __future__ import annotations

import pandas as pd

from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame, source_bar_type
from nautilus_rl_lab.nodes.engine import MarketData, prepare_market_data


def load_market(
    spec: InstrumentSpec,
    data: DataSourceConfig,
    bar_step: int,
    bar_aggregation: str,
    price_type: str,
    frame: pd.DataFrame | None = None,
) -> MarketData:
    """The instrument of `spec`, its bar type, bars and quote ticks from `data` (or `frame`)."""
    instrument = make_instrument(spec)
    bar_type = source_bar_type(data, instrument.id, bar_step, bar_aggregation, price_type)
    spread, spread_bps = data.quote_spreads()
    return prepare_market_data(
        load_frame(data, frame, bar_type=bar_type),
        instrument,
        bar_type,
        spread=spread,
        price_side=data.price_side,
        spread_bps=spread_bps,
    )
