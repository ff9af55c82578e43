"""The bundled S&P 500 sample as a portfolio: one `InstrumentSpec` and `DataSourceConfig` per stock.

Assumptions, the same for all 20 stocks: venue `XNYS`, USD, whole shares, prices at the file's
3 decimals. Fees default to 0: Nautilus charges each fill's fee in whole cents, and one share at
the data's lowest price (AAPL, 0.098 in 1990, split-adjusted) would pay 0.0005 x 0.098 USD,
charged as 0.00, which `nodes.venue.check_fee_rates` refuses for any rate below 5 %; pass `fee`
where the orders and prices are large enough. Quotes default to a zero spread at the adjusted
close (`price_side: mid`), so a fill is at the close; pass `spread_bps` to charge a spread.
"""

from __future__ import annotations

from collections.abc import Sequence

from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.loaders import SP500_SYMBOLS, check_sp500_symbols
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.validation import check_known

SP500_VENUE = "XNYS"
#: Decimals of the sample's prices: a coarser instrument would round them.
SP500_PRICE_PRECISION = 3


def sp500_instrument(symbol: str, *, fee: float = 0.0) -> InstrumentSpec:
    """The equity `symbol` of the S&P 500 sample (`XNYS`, USD, 1-share lots, maker = taker = `fee`)."""
    return InstrumentSpec(
        symbol=check_known("symbol", symbol, SP500_SYMBOLS),
        venue=SP500_VENUE,
        kind="equity",
        price_precision=SP500_PRICE_PRECISION,
        size_precision=0,
        quote_currency="USD",
        lot_size=1.0,
        min_quantity=1.0,
        max_quantity=None,
        maker_fee=fee,
        taker_fee=fee,
    )


def sp500_assets(
    symbols: Sequence[str] | None = None,
    *,
    start: str | None = None,
    end: str | None = None,
    fee: float = 0.0,
    spread_bps: float | None = None,
) -> list[tuple[InstrumentSpec, DataSourceConfig]]:
    """`(instrument, data)` of each of `symbols` (all 20 if None) for a portfolio env, cut to
    `[start, end)`; quotes at the close with no spread unless `spread_bps` is given."""
    chosen = list(SP500_SYMBOLS) if symbols is None else check_sp500_symbols("symbols", symbols)
    spread = 0.0 if spread_bps is None else None
    return [
        (
            sp500_instrument(symbol, fee=fee),
            DataSourceConfig(
                kind="sample",
                sample="sp500",
                symbol=symbol,
                start=start,
                end=end,
                spread=spread,
                spread_bps=spread_bps,
                price_side="mid",
            ),
        )
        for symbol in chosen
    ]
