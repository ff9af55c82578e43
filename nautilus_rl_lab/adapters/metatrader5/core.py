"""Venue constants of the MT5 adapter: the venue, its client id and the instrument-id suffix.

Only constants live here (as in Nautilus' own adapters); the terminal connection is in
`connection`, conversions in `parsing`.
"""

from __future__ import annotations

from nautilus_rl_lab.nt.model import ClientId, Venue

#: Venue / client id name used in node configs (``data_clients={"MT5": ...}``).
MT5 = "MT5"
MT5_VENUE_NAME = MT5
MT5_VENUE = Venue(MT5)
MT5_CLIENT_ID = ClientId(MT5)
#: The MT5 expert id (`magic`) written on every order when the config names none.
DEFAULT_MAGIC = 20_250_101

__all__ = ["DEFAULT_MAGIC", "MT5", "MT5_CLIENT_ID", "MT5_VENUE", "MT5_VENUE_NAME"]
