"""A strategy's id and order-id tag as NautilusTrader 1.221 assigns them, for both lines.

The tag is part of every client order id (`O-<time>-<trader tag>-<strategy tag>-<n>`), and the
id names the strategy's positions, so both must come out the same on either line. 1.221 names a
strategy `<strategy_id or class name>-<order_id_tag>` and, when the config has no tag, its
trader replaces the id with `<first part>-<index>` (index: the strategies added before it,
as 3 digits, so `AGENT-001` becomes `AGENT-000`). NautilusTrader 2 fixes the id when the
strategy is built, before any trader sees it (`<class name>-None` without an id, the config's
id as it is otherwise); there the untagged strategy gets index 0, the tag of a kernel's first
(and in this toolkit only) strategy. Two untagged strategies in one 2.0 kernel would both be
`...-000`: give each an `order_id_tag`.
"""

from __future__ import annotations

from typing import NamedTuple


class StrategyIdentity(NamedTuple):
    """A strategy's id and the tag its client order ids carry."""

    strategy_id: str
    order_id_tag: str


def strategy_identity(
    name: str, strategy_id: str | None, order_id_tag: str | None, index: int = 0
) -> StrategyIdentity:
    """The id and tag 1.221 gives the strategy class `name` configured with `strategy_id` and
    `order_id_tag` when it is the `index`-th strategy added to its trader."""
    component = strategy_id or name
    if order_id_tag is None:
        tag = f"{index:03d}"
        return StrategyIdentity(f"{component.partition('-')[0]}-{tag}", tag)
    return StrategyIdentity(f"{component}-{order_id_tag}", order_id_tag)
