"""Pure conversions between MetaTrader 5 structures and Nautilus objects (no I/O).

`common` (ids, times, lots, comments), `instruments`, `data` (bars, ticks), `requests`
(orders → MT5 requests, send results), `protection` (OTO children ⇄ position sl/tp) and
`reports` (MT5 orders/deals/positions → Nautilus reports). Nothing here imports a backend
(RPyC, the simulator).

The adapter's clients do the I/O; everything they translate goes through these
functions, which unit tests call directly.
"""

from __future__ import annotations

from nautilus_rl_lab.adapters.metatrader5.parsing.common import (
    client_order_id_from_comment,
    comment_from_client_order_id,
    comment_matches,
    instrument_id_from_symbol,
    lots_to_units,
    mt5_order_side_type,
    server_msc_to_unix_nanos,
    server_secs_to_unix_nanos,
    symbol_from_instrument_id,
    units_to_lots,
    unix_nanos_to_server_secs,
)
from nautilus_rl_lab.adapters.metatrader5.parsing.data import (
    bar_type_to_timeframe,
    is_empty_tick,
    rates_to_bars,
    tick_to_quote_tick,
    ticks_to_quote_ticks,
    timeframe_to_bar_spec,
)
from nautilus_rl_lab.adapters.metatrader5.parsing.instruments import symbol_info_to_instrument
from nautilus_rl_lab.adapters.metatrader5.parsing.protection import (
    DEAL_REASON_RULES,
    ORDER_REASON_RULES,
    SL,
    TP,
    Leg,
    leg_price,
    leg_venue_order_id,
    parse_leg,
    protected_list,
    sltp_request,
)
from nautilus_rl_lab.adapters.metatrader5.parsing.reports import (
    deal_commission,
    deal_side,
    deal_to_fill_report,
    is_trade_deal,
    net_position_report,
    order_status_from_state,
    position_to_report,
    trade_order_to_report,
)
from nautilus_rl_lab.adapters.metatrader5.parsing.requests import (
    SendOutcome,
    UnsupportedOrderError,
    cancel_request,
    classify_send_result,
    filling_for,
    modify_request,
    order_to_request,
    reduce_only_ticket,
    retcode_reason,
)

__all__ = [
    "DEAL_REASON_RULES",
    "ORDER_REASON_RULES",
    "SL",
    "TP",
    "Leg",
    "SendOutcome",
    "UnsupportedOrderError",
    "bar_type_to_timeframe",
    "cancel_request",
    "classify_send_result",
    "client_order_id_from_comment",
    "comment_from_client_order_id",
    "comment_matches",
    "deal_commission",
    "deal_side",
    "deal_to_fill_report",
    "filling_for",
    "instrument_id_from_symbol",
    "is_empty_tick",
    "is_trade_deal",
    "leg_price",
    "leg_venue_order_id",
    "lots_to_units",
    "modify_request",
    "mt5_order_side_type",
    "net_position_report",
    "order_status_from_state",
    "order_to_request",
    "parse_leg",
    "position_to_report",
    "protected_list",
    "rates_to_bars",
    "reduce_only_ticket",
    "retcode_reason",
    "server_msc_to_unix_nanos",
    "server_secs_to_unix_nanos",
    "sltp_request",
    "symbol_from_instrument_id",
    "symbol_info_to_instrument",
    "tick_to_quote_tick",
    "ticks_to_quote_ticks",
    "timeframe_to_bar_spec",
    "trade_order_to_report",
    "units_to_lots",
    "unix_nanos_to_server_secs",
]
