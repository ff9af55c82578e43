"""`Mt5InstrumentProvider`: Nautilus instruments from the terminal's `symbol_info`.

Loads the configured `symbols` (or every symbol of `group` when none are named), selects
each in Market Watch (`symbol_select`, needed before asking it for ticks) and converts
it with `parsing.symbol_info_to_instrument`. The raw `SymbolInfo` stays available
(`symbol_info(instrument_id)`) for the execution client (filling mode, volume step).
"""

from __future__ import annotations

from nautilus_rl_lab.adapters.metatrader5.config import Mt5InstrumentProviderConfig
from nautilus_rl_lab.adapters.metatrader5.connection import Mt5Connection
from nautilus_rl_lab.adapters.metatrader5.core import MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    symbol_from_instrument_id,
    symbol_info_to_instrument,
)
from nautilus_rl_lab.errors import UnknownInstrumentError
from nautilus_rl_lab.mt5.structures import SymbolInfo
from nautilus_rl_lab.nt.live import InstrumentProvider
from nautilus_rl_lab.nt.model import CurrencyPair, InstrumentId


class Mt5InstrumentProvider(InstrumentProvider):
    """Provides Nautilus instruments for MT5 symbols.

    Parameters
    ----------
    connection : Mt5Connection
        The shared terminal connection.
    config : Mt5InstrumentProviderConfig
        Which symbols to load.
    """

    def __init__(self, connection: Mt5Connection, config: Mt5InstrumentProviderConfig) -> None:
        super().__init__(config=config)
        self.connection = connection
        self._config = config
        self._symbol_infos: dict[InstrumentId, SymbolInfo] = {}

    def symbol_info(self, instrument_id: InstrumentId) -> SymbolInfo:
        """Return the `SymbolInfo` an instrument was built from."""
        try:
            return self._symbol_infos[instrument_id]
        except KeyError:
            raise UnknownInstrumentError(
                f"{instrument_id} is not loaded; add its symbol to "
                "`instrument_provider.symbols` of the MT5 client config",
            ) from None

    async def load_all_async(self, filters: dict | None = None) -> None:
        names = list(self._config.symbols)
        if not names:
            infos = await self.connection.call("symbols_get", self._config.group)
            names = [info.name for info in infos or ()]
        for name in names:
            await self._load_symbol(name)

    async def load_ids_async(
        self,
        instrument_ids: list[InstrumentId],
        filters: dict | None = None,
    ) -> None:
        for instrument_id in instrument_ids:
            await self.load_async(instrument_id, filters)

    async def load_async(self, instrument_id: InstrumentId, filters: dict | None = None) -> None:
        if instrument_id.venue != MT5_VENUE:
            raise UnknownInstrumentError(
                f"{instrument_id} is not an MT5 instrument (venue must be {MT5_VENUE})",
            )
        await self._load_symbol(symbol_from_instrument_id(instrument_id))

    async def _load_symbol(self, name: str) -> None:
        await self.connection.call("symbol_select", name, True)
        info, error = await self.connection.call_ex("symbol_info", name)
        if info is None:
            raise UnknownInstrumentError(
                f"MT5 symbol {name!r} is unknown to the terminal ({error}); check "
                "`instrument_provider.symbols`",
            )
        instrument = symbol_info_to_instrument(info, ts_init=0)
        self._symbol_infos[instrument.id] = info
        self.add_currency(instrument.quote_currency)
        if isinstance(instrument, CurrencyPair):  # a CFD's base (XAU) is no currency here
            self.add_currency(instrument.base_currency)
        self.add(instrument)
