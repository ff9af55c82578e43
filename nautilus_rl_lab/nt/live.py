"""Nautilus' live-client messages and instrument providers, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.live import (
        BatchCancelOrders,
        CancelAllOrders,
        CancelOrder,
        GenerateFillReports,
        GenerateOrderStatusReport,
        GenerateOrderStatusReports,
        GeneratePositionStatusReports,
        InstrumentProvider,
        InstrumentProviderConfig,
        ModifyOrder,
        QueryAccount,
        RequestBars,
        RequestInstrument,
        RequestInstruments,
        RequestQuotes,
        SubmitOrder,
        SubmitOrderList,
        SubscribeBars,
        SubscribeInstrument,
        SubscribeInstruments,
        SubscribeQuotes,
        SubscribeTrades,
        UnsubscribeBars,
        UnsubscribeInstrument,
        UnsubscribeInstruments,
        UnsubscribeQuotes,
        UnsubscribeTrades,
    )
else:
    from nautilus_trader.common.config import InstrumentProviderConfig
    from nautilus_trader.common.providers import InstrumentProvider
    from nautilus_trader.data.messages import (
        RequestBars,
        RequestInstrument,
        RequestInstruments,
        SubscribeBars,
        SubscribeInstrument,
        SubscribeInstruments,
        UnsubscribeBars,
        UnsubscribeInstrument,
        UnsubscribeInstruments,
    )
    from nautilus_trader.data.messages import RequestQuoteTicks as RequestQuotes
    from nautilus_trader.data.messages import SubscribeQuoteTicks as SubscribeQuotes
    from nautilus_trader.data.messages import SubscribeTradeTicks as SubscribeTrades
    from nautilus_trader.data.messages import UnsubscribeQuoteTicks as UnsubscribeQuotes
    from nautilus_trader.data.messages import UnsubscribeTradeTicks as UnsubscribeTrades
    from nautilus_trader.execution.messages import (
        BatchCancelOrders,
        CancelAllOrders,
        CancelOrder,
        GenerateFillReports,
        GenerateOrderStatusReport,
        GenerateOrderStatusReports,
        GeneratePositionStatusReports,
        ModifyOrder,
        QueryAccount,
        SubmitOrder,
        SubmitOrderList,
    )

__all__ = [
    "BatchCancelOrders",
    "CancelAllOrders",
    "CancelOrder",
    "GenerateFillReports",
    "GenerateOrderStatusReport",
    "GenerateOrderStatusReports",
    "GeneratePositionStatusReports",
    "InstrumentProvider",
    "InstrumentProviderConfig",
    "ModifyOrder",
    "QueryAccount",
    "RequestBars",
    "RequestInstrument",
    "RequestInstruments",
    "RequestQuotes",
    "SubmitOrder",
    "SubmitOrderList",
    "SubscribeBars",
    "SubscribeInstrument",
    "SubscribeInstruments",
    "SubscribeQuotes",
    "SubscribeTrades",
    "UnsubscribeBars",
    "UnsubscribeInstrument",
    "UnsubscribeInstruments",
    "UnsubscribeQuotes",
    "UnsubscribeTrades",
]
