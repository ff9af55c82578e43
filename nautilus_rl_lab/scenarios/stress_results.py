"""What happened to the orders and positions of an execution stress run, from both sides.

`NodeSnapshot.take(node)` records a `LiveNode`'s view (its orders, fills, net position from
the cache and the portfolio, position owners, risk events) before the node is stopped;
`TerminalRecord.take(terminal, magic)` records the terminal's (its orders and deals of our
magic, its net position from `positions_get`). `stress_row` compares them: a duplicated order
is a terminal order that is not the only one carrying a Nautilus client order id in its
comment (a resend of an order that had executed), an unmatched deal is a terminal deal no
Nautilus fill carries, a phantom fill a Nautilus fill the terminal never made. Nothing is
inferred from positions alone.

`StressResults` holds the table (one row per scenario), the rejections by MT5 reason, the
applied fault steps and the terminal's journal of every `order_send`; `save(run_dir)` writes
them as Parquet files next to the scenario configs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_directory
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.scenarios.agents import AgentSpec
from nautilus_rl_lab.scenarios.stress import StressScenarioConfig

EXTERNAL = "EXTERNAL"
_MT5_REASON = re.compile(r"^MT5 (-?\d+) (?:TRADE_RETCODE_)?(\w+)")
_LAST_ERROR = re.compile(r"^MT5 last_error (-?\d+)")
TABLE_FILE = "stress.parquet"
SYMBOL_COLUMNS = ("scenario", "symbol", "submitted", "rejected")
POSITION_COLUMNS = (
    "nautilus_position",
    "portfolio_position",
    "terminal_position",
    "positions_equal",
)


#: The node's answers to its own submit: an order without them was made by reconciliation.
_SENT_BY_THE_NODE = frozenset({"OrderSubmitted", "OrderDenied"})


@dataclass(frozen=True)
class OrderRecord:
    """One Nautilus order as a node saw it (`reconciled`: the node only learnt it from the venue)."""

    client_order_id: str
    strategy_id: str
    status: str
    reconciled: bool
    accepted: bool
    reject_reason: str | None
    trade_ids: tuple[str, ...]
    instrument_id: str = ""


@dataclass(frozen=True)
class NodeSnapshot:
    """A node's orders, net position (cache and portfolio), position owners and risk events;
    a portfolio agent's decisions and those taken without a late symbol's bar."""

    orders: tuple[OrderRecord, ...]
    cache_position: Decimal
    portfolio_position: Decimal
    position_owners: tuple[str, ...]
    risk_rules: tuple[str, ...]
    denials: int
    decisions: int = 0
    partial_decisions: int = 0

    @classmethod
    def take(cls, node: Any, instrument_id: Any) -> NodeSnapshot:
        """Read `node`'s state on its event loop thread (call it before stopping the node)."""
        return node.call(lambda: cls._read(node, instrument_id))

    @classmethod
    def _read(cls, node: Any, instrument_id: Any) -> NodeSnapshot:
        orders = tuple(_order_record(order) for order in node.cache.orders())
        positions = node.cache.positions_open(instrument_id=instrument_id)
        strategies = [s for s in node.trader.strategies() if hasattr(s, "risk_events")]
        decisions, partial = agent_decisions(node)
        return cls(
            orders=orders,
            cache_position=sum((_signed_units(p) for p in positions), Decimal(0)),
            portfolio_position=Decimal(str(node.portfolio.net_position(instrument_id))),
            position_owners=tuple(sorted({p.strategy_id.value for p in positions})),
            risk_rules=tuple(_rule(e) for s in strategies for e in s.risk_events),
            denials=sum(s.orders_denied for s in strategies),
            decisions=decisions,
            partial_decisions=partial,
        )


def agent_decisions(node: Any) -> tuple[int, int]:
    """A node's portfolio agents' decisions (stale ones included) and those taken without a
    late symbol's bar; (0, 0) without one. Call it on the node's thread."""
    deciders = [a for a in node.trader.actors() if hasattr(a, "partial_decisions")]
    return (
        sum(a.actions_published + a.stale_decisions for a in deciders),
        sum(a.partial_decisions for a in deciders),
    )


def _rule(event: Any) -> str:
    """A risk event's rule (a portfolio strategy tags each event with its instrument)."""
    return str((event[1] if isinstance(event, tuple) else event).rule)


def _signed_units(position: Any) -> Decimal:
    """The position's net quantity, negative when short (exact, on 1.221 and 2.0)."""
    units = position.quantity.as_decimal()
    return -units if position.is_short else units


def _order_record(order: Any) -> OrderRecord:
    events = order.events()
    kinds = {type(event).__name__ for event in events}
    rejected = [e.reason for e in events if type(e).__name__ == "OrderRejected"]
    return OrderRecord(
        client_order_id=order.client_order_id.value,
        strategy_id=order.strategy_id.value,
        status=order.status.name,
        # Not `init_event.reconciliation`: 1.221's `OrderInitialized` always reads False there.
        reconciled=not kinds & _SENT_BY_THE_NODE,
        accepted="OrderAccepted" in kinds,
        reject_reason=str(rejected[-1]) if rejected else None,
        trade_ids=tuple(str(t) for t in order.trade_ids),
        instrument_id=order.instrument_id.value,
    )


@dataclass(frozen=True)
class TerminalRecord:
    """The terminal's orders (comment per ticket) and trade deals of our magic, and its net position."""

    order_comments: dict[int, str]
    deal_tickets: tuple[str, ...]
    net_position: Decimal

    @classmethod
    def take(cls, terminal: Any, magic: int, symbol: str, contract_size: float) -> TerminalRecord:
        """Read `terminal` (an `Mt5Client`): open + history orders, deals, `positions_get`."""
        from nautilus_rl_lab.adapters.metatrader5.parsing import is_trade_deal, lots_to_units

        everything = (0, 2**31 - 1)
        orders = [
            *_read(terminal, "orders_get"),
            *_read(terminal, "history_orders_get", *everything),
        ]
        deals = _read(terminal, "history_deals_get", *everything)
        net = Decimal(0)
        for position in _read(terminal, "positions_get", symbol=symbol):
            units = lots_to_units(position.volume, contract_size)
            net += units if position.type == mt5c.POSITION_TYPE_BUY else -units
        return cls(
            order_comments={o.ticket: o.comment for o in orders if o.magic == magic},
            deal_tickets=tuple(
                str(d.ticket) for d in deals if d.magic == magic and is_trade_deal(d)
            ),
            net_position=net,
        )


def _read(terminal: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """`terminal.name(...)`, or `ConnectionError` when the call fails (never an empty reading)."""
    result = getattr(terminal, name)(*args, **kwargs)
    if result is None:
        raise ConnectionError(
            f"MT5 `{name}` failed {terminal.last_error()}: cannot read the terminal"
        )
    return result


def reject_reason_key(reason: str) -> str:
    """The MT5 name of a rejection reason (``"NO_MONEY"``, ``"REQUOTE"``, ``"LAST_ERROR_-10004"``)."""
    match = _MT5_REASON.match(reason)
    if match:
        return match.group(2)
    match = _LAST_ERROR.match(reason)
    return f"LAST_ERROR_{match.group(1)}" if match else "OTHER"


def merged_orders(snapshots: Sequence[NodeSnapshot]) -> dict[str, OrderRecord]:
    """Every order of the session by client order id, as the last node that knew it saw it."""
    merged: dict[str, OrderRecord] = {}
    for snapshot in snapshots:
        for order in snapshot.orders:
            previous = merged.get(order.client_order_id)
            reconciled = order.reconciled and (previous is None or previous.reconciled)
            merged[order.client_order_id] = dataclasses.replace(order, reconciled=reconciled)
    return merged


def duplicated_orders(terminal: TerminalRecord, known_ids: Iterable[str]) -> int:
    """Terminal orders that are not the one order of a client order id in `known_ids`."""
    from nautilus_rl_lab.adapters.metatrader5.parsing import comment_from_client_order_id

    expected = {comment_from_client_order_id(cid) for cid in known_ids}
    per_comment = Counter(comment.strip() for comment in terminal.order_comments.values())
    return sum(n - 1 for n in per_comment.values()) + sum(
        n for comment, n in per_comment.items() if comment not in expected
    )


def stress_row(
    snapshots: Sequence[NodeSnapshot],
    terminal: TerminalRecord,
    sends: Sequence[tuple[str, int, str]],
) -> tuple[dict[str, Any], Counter[str]]:
    """The table row of one scenario and its rejections by MT5 reason.

    `sends` is the terminal's journal of `order_send` calls: (comment, retcode, action name).
    """
    orders = merged_orders(snapshots)
    submitted = [o for o in orders.values() if not o.reconciled]
    reasons = Counter(
        reject_reason_key(o.reject_reason)
        for o in submitted
        if o.status == "REJECTED" and o.reject_reason
    )
    fills = Counter(t for o in orders.values() for t in o.trade_ids)
    deals = set(terminal.deal_tickets)
    sends_per_order = Counter(comment for comment, _, action in sends if action == "DEAL")
    final = snapshots[-1]
    equal = final.cache_position == final.portfolio_position == terminal.net_position
    row: dict[str, Any] = {
        "submitted": len(submitted),
        "accepted": sum(o.accepted for o in submitted),
        "filled": sum(o.status == "FILLED" for o in submitted),
        "rejected": sum(o.status == "REJECTED" for o in submitted),
        "denied": sum(o.status == "DENIED" for o in submitted),
        "sends": sum(sends_per_order.values()),
        "retries": sum(n - 1 for n in sends_per_order.values()),
        "duplicated_orders": duplicated_orders(terminal, (o.client_order_id for o in submitted)),
        "duplicated_fills": sum(n - 1 for n in fills.values()),
        "unmatched_deals": len(deals - set(fills)),
        "phantom_fills": len(set(fills) - deals),
        "nautilus_position": float(final.cache_position),
        "portfolio_position": float(final.portfolio_position),
        "terminal_position": float(terminal.net_position),
        "positions_equal": bool(equal),
        "external_orders": sum(o.strategy_id == EXTERNAL for o in orders.values()),
        "position_owners": ",".join(final.position_owners),
        "risk_events": sum(len(s.risk_rules) for s in snapshots),
        "denials": sum(s.denials for s in snapshots),
    }
    return row, reasons


def symbols_row(
    snapshots: Sequence[Mapping[str, NodeSnapshot]],
    terminals: Mapping[str, TerminalRecord],
    sends: Sequence[tuple[str, int, str]],
) -> tuple[dict[str, Any], Counter[str], list[dict[str, Any]]]:
    """`stress_row` of a session on one or more symbols, and each symbol's orders (submitted,
    rejected) and positions.

    `snapshots` hold one `NodeSnapshot` per symbol for every node of the session, `terminals`
    one `TerminalRecord` per symbol (orders, fills and deals are the session's, all symbols).
    With several symbols the row's position columns are NaN (a sum over instruments means
    nothing), `positions_equal` is true only if every symbol's positions are equal, and the
    portfolio agent's `decisions` and `partial_decisions` (without a late symbol) are added.
    """
    rows = {
        symbol: stress_row([node[symbol] for node in snapshots], terminal, sends)
        for symbol, terminal in terminals.items()
    }
    submitted = [
        o for o in merged_orders([next(iter(n.values())) for n in snapshots]).values()
        if not o.reconciled
    ]  # fmt: skip
    positions = []
    for symbol, (row, _) in rows.items():
        mine = [o for o in submitted if o.instrument_id.rsplit(".", 1)[0] == symbol]
        positions.append(
            {
                "symbol": symbol,
                "submitted": len(mine),
                "rejected": sum(o.status == "REJECTED" for o in mine),
                **{column: row[column] for column in POSITION_COLUMNS},
            }
        )
    row, reasons = next(iter(rows.values()))
    if len(rows) > 1:
        owners = {o for node in snapshots[-1].values() for o in node.position_owners}
        row = {
            **row,
            **dict.fromkeys(POSITION_COLUMNS[:-1], math.nan),
            "positions_equal": all(p["positions_equal"] for p in positions),
            "position_owners": ",".join(sorted(owners)),
            "decisions": sum(next(iter(node.values())).decisions for node in snapshots),
            "partial_decisions": sum(
                next(iter(node.values())).partial_decisions for node in snapshots
            ),
        }
    return row, reasons, positions


@dataclass(frozen=True)
class StressResults:
    """One row per stress scenario (`table`), rejections by reason, applied steps, the send
    journal, and `symbols`: per scenario and symbol, its orders and both sides' net position."""

    table: pd.DataFrame
    reasons: pd.DataFrame
    steps: pd.DataFrame
    sends: pd.DataFrame
    scenarios: dict[str, StressScenarioConfig]
    agent: AgentSpec
    symbols: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=[*SYMBOL_COLUMNS, *POSITION_COLUMNS])
    )

    def reasons_by_scenario(self) -> pd.DataFrame:
        """Rejections as a scenario (rows, in run order) x MT5 reason (columns) count frame."""
        frame = self.reasons.pivot_table(
            index="scenario", columns="reason", values="count", aggfunc="sum", fill_value=0
        )
        return frame.reindex(list(self.scenarios), fill_value=0)

    def save(self, run_dir: str | os.PathLike[str]) -> Path:
        """Write the five tables (Parquet), the scenario configs (YAML) and the agent spec."""
        with atomic_directory(run_dir) as tmp:
            self.table.to_parquet(tmp / TABLE_FILE, index=False)
            for name in ("reasons", "steps", "sends", "symbols"):
                getattr(self, name).to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "scenarios").mkdir()
            for scenario in self.scenarios.values():
                scenario.to_file(tmp / "scenarios" / f"{scenario.name}.yaml")
            (tmp / "agent.json").write_text(
                json.dumps(json.loads(self.agent.json()), indent=2), encoding="utf-8"
            )
        return Path(run_dir)

    @classmethod
    def load(cls, run_dir: str | os.PathLike[str]) -> StressResults:
        """Read a run folder written by `save` (one saved before `symbols` existed has none)."""
        folder = Path(run_dir)
        if not (folder / TABLE_FILE).is_file():
            raise ConfigError(f"`run_dir` {str(folder)!r} holds no {TABLE_FILE}: not a stress run")
        table = pd.read_parquet(folder / TABLE_FILE)
        by_name = {
            s.name: s
            for s in (
                StressScenarioConfig.from_file(p) for p in (folder / "scenarios").glob("*.yaml")
            )
        }
        reasons, steps, sends = (
            pd.read_parquet(folder / f"{name}.parquet") for name in ("reasons", "steps", "sends")
        )
        symbols = folder / "symbols.parquet"
        return cls(
            table,
            reasons,
            steps,
            sends,
            {name: by_name[name] for name in table["scenario"]},
            AgentSpec.parse((folder / "agent.json").read_bytes()),
            *([pd.read_parquet(symbols)] if symbols.is_file() else []),
        )
