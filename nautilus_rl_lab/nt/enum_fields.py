"""Types for config fields that hold a Nautilus enum: its member's name.

NautilusTrader 2's enums are Rust types msgspec cannot decode or use in a union, so such a
field holds the member's name (`"NETTING"`), which every reader accepts.
"""

from __future__ import annotations

from typing import TypeAlias

OmsTypeField: TypeAlias = str
AccountTypeField: TypeAlias = str
BookTypeField: TypeAlias = str

__all__ = ["AccountTypeField", "BookTypeField", "OmsTypeField"]
