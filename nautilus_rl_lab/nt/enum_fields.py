"""Types for config fields that hold a Nautilus enum or its name, valid msgspec types on both lines.

1.221's enums are Python `IntFlag`s, so a msgspec field may be `OmsType | str` (a name decodes
as the string, a number as the member); 2.0's are Rust types msgspec cannot use in a union, so
there such a field holds the member's name (`"NETTING"`), which every reader accepts too.
"""

from __future__ import annotations

from typing import TypeAlias

from nautilus_rl_lab.nt.model import AccountType, BookType, OmsType
from nautilus_rl_lab.nt.version import NT2

if NT2:
    OmsTypeField: TypeAlias = str
    AccountTypeField: TypeAlias = str
    BookTypeField: TypeAlias = str
else:
    OmsTypeField: TypeAlias = OmsType | str
    AccountTypeField: TypeAlias = AccountType | str
    BookTypeField: TypeAlias = BookType | str

__all__ = ["AccountTypeField", "BookTypeField", "OmsTypeField"]
