"""The margin gate: the pre-trade margin check Nautilus lacks for margin accounts in backtests.

Nautilus 1.221's `RiskEngine` returns early for margin accounts (`if account.is_margin_account:
return True  # TODO`) and the simulated venue never checks margin, so a 100,000 USD account would
fill any order size. `install_margin_gate(engine)` (every `build_engine` calls it) has each order
asked `MarginCheck` (`nautilus_rl_lab.strategies.margin`) before it reaches the risk engine: an
order whose resulting position needs more initial margin than the account's equity is denied
(`OrderDenied`, reason `MARGIN_EXCEEDS_EQUITY`, status DENIED), exactly as Nautilus' own checks
deny, never resized; every other order goes on unchanged (`nt.pretrade`: on 1.221 in front of
the risk engine for any strategy, on NautilusTrader 2 for the orders a strategy sends through
`nt.pretrade.submit_checked`, as every `DecisionPath` does). 2.0's own risk engine then adds its
free-balance rule (`INITIAL_MARGIN_EXCEEDS_FREE_BALANCE`: an order's initial margin against the
balance not held as margin, unrealised P&L left out). Live, the broker decides.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.pretrade import Denial, install_pretrade_gate
from nautilus_rl_lab.strategies.margin import MarginCheck

__all__ = ["MarginCheck", "install_margin_gate"]


def install_margin_gate(engine: BacktestEngine) -> None:
    """Deny `engine`'s margin-account orders whose resulting position needs more margin than
    the equity (see the module)."""
    install_pretrade_gate(engine, _margin_denial)


def _margin_denial(cache: Any, portfolio: Any) -> Denial:
    return MarginCheck(cache, portfolio).denial
